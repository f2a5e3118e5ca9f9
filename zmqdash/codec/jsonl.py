"""Log entries as JSON records, one per line (JSON Lines), for scripts and saved logs.

A frame is a JSON string when its bytes are valid UTF-8, else ``{"b64": "<base64>"}``; the lines
are written with ``ensure_ascii``, so they are plain ASCII and safe on any terminal.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

from ..entries import (
    DEVICE_KINDS,
    DIRECTION_WORDS,
    ERROR,
    EVENT,
    FRAMES,
    IN,
    INFO,
    KIND,
    MESSAGE_KINDS,
    META,
    OUT,
    SEQ,
    TS,
    Entry,
)
from .input import CodecError


def frame_to_json(data: bytes) -> str | dict[str, str]:
    """A JSON value for one frame: the text if ``data`` is valid UTF-8, else ``{"b64": ...}``."""
    if not isinstance(data, bytes):
        data = bytes(data)  # a memoryview or zmq.Frame
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(data).decode("ascii")}


def frame_from_json(obj: object) -> bytes:
    """The bytes of a frame written by :func:`frame_to_json`; raises :class:`CodecError`."""
    if isinstance(obj, str):
        try:
            return obj.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CodecError(f"frame text is not valid Unicode: {exc}") from exc
    if isinstance(obj, dict) and isinstance(obj.get("b64"), str):
        try:
            return base64.b64decode(obj["b64"], validate=True)
        except binascii.Error as exc:
            raise CodecError(f"frame b64 is not valid base64: {exc}") from exc
    raise CodecError(f'a frame must be a string or {{"b64": ...}}, not {type(obj).__name__}')


def iso_time(ts: float) -> str:
    """``ts`` (seconds since the epoch) as local ISO 8601 with milliseconds and UTC offset."""
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="milliseconds")


def entry_to_record(entry: Entry, socket: str, socket_type: str) -> dict[str, Any]:
    """A log entry ``(seq, ts, kind, frames, meta, size)`` as a JSON-ready dict.

    Keys: ``socket``, ``type``, ``seq``, ``ts``, ``time``, ``kind``, then ``frames`` and ``size``
    for in/out; ``event``, ``endpoint``, ``value``, ``detail``, ``count`` for events, and for a
    change of an XPUB's subscription table also ``prefix`` (as a frame), ``peer``, ``holders``,
    ``again`` and ``gone``; ``text`` for errors and info. A device's entries (``socket_type`` is
    its kind: streamer, forwarder, queue) name it as ``device``, and a message that crossed it
    (kind ``f>b`` or ``b>f``) adds ``direction`` (``frontend->backend`` or
    ``backend->frontend``), and ``injected`` if the user sent it.
    """
    seq, ts, kind, frames, meta = entry[SEQ], entry[TS], entry[KIND], entry[FRAMES], entry[META]
    record: dict[str, Any] = {
        "device" if socket_type in DEVICE_KINDS else "socket": socket,
        "type": socket_type,
        "seq": seq,
        "ts": ts,
        "time": iso_time(ts),
        "kind": kind,
    }
    if kind in MESSAGE_KINDS:
        if kind not in (IN, OUT):
            record["direction"] = DIRECTION_WORDS[kind]
            if meta is not None:
                record["injected"] = True
        record["frames"] = [frame_to_json(f) for f in frames]
        record["size"] = sum(len(f) for f in frames)
    elif kind == EVENT:
        record["event"] = str(meta.event)
        record["endpoint"] = str(meta.endpoint)
        record["value"] = int(meta.value)
        record["detail"] = str(meta.detail)
        record["count"] = int(meta.count)
        prefix = getattr(meta, "prefix", None)
        if prefix is not None:  # a change of an XPUB's subscription table
            record["prefix"] = frame_to_json(prefix)
            record["peer"] = str(meta.peer)
            record["holders"] = int(meta.holders)
            record["again"] = bool(meta.again)
            record["gone"] = bool(meta.gone)
    elif kind in (ERROR, INFO):
        record["text"] = "" if meta is None else str(meta)
    else:  # an unknown kind still yields a complete record
        if frames:
            record["frames"] = [frame_to_json(f) for f in frames]
            record["size"] = sum(len(f) for f in frames)
        if meta is not None:
            record["text"] = str(meta)
    return record


def table_to_record(table: Any, socket: str, socket_type: str, ts: float) -> dict[str, Any]:
    """An XPUB's subscription table at ``ts`` as a JSON-ready dict (``kind`` is
    ``subscriptions``): ``prefixes`` and ``peers`` (totals), then ``rows``, each with ``prefix``
    (as a frame), ``holders`` and ``peers`` (their ``ip:port``). A forwarder's is named as
    ``device``."""
    return {
        "device" if socket_type in DEVICE_KINDS else "socket": socket,
        "type": socket_type,
        "ts": ts,
        "time": iso_time(ts),
        "kind": "subscriptions",
        "prefixes": table.prefixes,
        "peers": table.peers,
        "rows": [{"prefix": frame_to_json(row.prefix), "holders": row.holders,
                  "peers": list(row.peers)} for row in table.rows],
    }


def entry_to_json_line(entry: Entry, socket: str, socket_type: str) -> str:
    """One JSON Lines line (no trailing newline), pure ASCII: non-ASCII and control characters
    are JSON escapes, so the line is safe to print."""
    return JsonLines(socket, socket_type).line(entry)


class JsonLines:
    """The JSON lines of one socket's log entries: ``json.dumps(entry_to_record(...))`` for
    each, made faster for messages, which a recording writes by the hundred thousand a second.

    A message's line is filled into a template made once per socket, its ``time`` text kept
    while entries share a timestamp (the engine stamps a received batch with one), and its
    frames escaped by the C encoder ``json.dumps`` itself uses; other entries go through
    ``json.dumps``. The test suite checks the two give the same text for any entry.
    """

    def __init__(self, socket: str, socket_type: str) -> None:
        self.socket = socket
        self.socket_type = socket_type
        self._head = (f'{{"socket": {_json_str(socket)}, "type": {_json_str(socket_type)}, '
                      '"seq": ')
        self._ts: object = None
        self._time = ""

    def line(self, entry: Entry) -> str:
        """One line, without its newline."""
        kind = entry[KIND]
        ts = entry[TS]
        if (kind == IN or kind == OUT) and type(ts) is float and type(entry[SEQ]) is int:
            if ts != self._ts:
                self._ts, self._time = ts, _json_str(iso_time(ts))
            parts = []
            size = 0
            for frame in entry[FRAMES]:
                if type(frame) is not bytes:
                    frame = bytes(frame)
                size += len(frame)
                try:
                    parts.append(_json_str(frame.decode("utf-8")))
                except UnicodeDecodeError:
                    parts.append('{"b64": "' + base64.b64encode(frame).decode("ascii") + '"}')
            return (f'{self._head}{entry[SEQ]}, "ts": {ts!r}, "time": {self._time}, "kind": '
                    f'"{kind}", "frames": [{", ".join(parts)}], "size": {size}}}')
        return json.dumps(entry_to_record(entry, self.socket, self.socket_type),
                          ensure_ascii=True)

    def lines(self, entries: Iterable[Entry]) -> str:
        """Every entry's line, each ending with a newline."""
        line = self.line
        return "".join([line(entry) + "\n" for entry in entries])
