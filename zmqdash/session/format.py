"""The session file: TOML text to a :class:`Session` and back.

The layout (see ``docs/sessions.md``)::

    version = 1

    [[socket]]
    name = "server"
    type = "REP"
    bind = ["tcp://127.0.0.1:5555"]
    reply = ["Echo: {body}"]

    [socket.options]
    linger = 0

    [[socket.repeat]]
    frames = ["tick {seq}"]
    interval_ms = 1000

    [[device]]
    name = "broker"
    kind = "queue"
    frontend = ["@tcp://127.0.0.1:5559"]
    backend = [">tcp://127.0.0.1:5560"]

Reading is strict: an unknown key is an error (a typo must not be silently ignored), with a
suggestion when one is close. Writing is done by hand rather than by a generic TOML writer so
that short arrays stay on one line and the keys come in a fixed, readable order.
"""

from __future__ import annotations

import difflib
import re
import sys
from datetime import date, datetime, time
from typing import Any

from zmqdash.codec import CodecError, bytes_to_prefix, describe_char, prefix_to_bytes

from . import remote
from .model import FORMAT_VERSION, DeviceSpec, RepeatSpec, Session, SessionError, SocketSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TOP_KEYS = ("version", "name", "socket", "device")
SOCKET_KEYS = ("name", "type", "bind", "connect", "subscribe", "format", "reply", "snippets",
               "options", "repeat", "curve", "plain")
DEVICE_KEYS = ("name", "kind", "frontend", "backend", "tap", "format", "frontend_options",
               "backend_options")
REPEAT_KEYS = ("frames", "interval_ms", "count", "peer")

HEADER = "# A zmqdash session: zmqdash open FILE shows it, zmqdash run FILE runs it headless.\n"
LINE_WIDTH = 100


# -- reading -----------------------------------------------------------------------------------


def parse_toml(text: str, stem: str) -> Session:
    """The session in ``text``; ``stem`` (the file name without ``.toml``) is its name unless the
    file has a ``name`` key. Raises :class:`SessionError` with the line or key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc) from None
    except RecursionError:  # tomllib recurses once per level of [[[...]]] or {a={b=...}}
        raise SessionError("not a session: arrays or tables nested too deeply") from None
    return from_dict(data, stem)


def from_dict(data: dict[str, Any], stem: str) -> Session:
    """A :class:`Session` from parsed TOML, checked. Raises :class:`SessionError`."""
    if not data:
        raise SessionError("no settings in the file (a session starts with 'version = 1')")
    if "version" not in data:
        raise SessionError("missing 'version = 1' (the session format version)",
                           where="version")
    version = data["version"]
    if not _is_int(version):
        raise SessionError(f"expected a whole number, not {_kind(version)}", where="version")
    if version > FORMAT_VERSION:
        raise SessionError(
            f"this file is session format version {version}, made by a newer zmqdash; "
            f"this one reads up to version {FORMAT_VERSION} (upgrade zmqdash to open it)",
            where="version",
        )
    if version < 1:
        raise SessionError(f"there is no session format version {version}", where="version")
    _check_keys(data, TOP_KEYS, "")
    name = data.get("name", stem)
    if not isinstance(name, str):
        raise SessionError(f"expected a string, not {_kind(name)}", where="name")
    tables = data.get("socket", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise SessionError("expected [[socket]] tables (with double brackets)", where="socket")
    sockets = [_socket(table, f"socket[{i}]") for i, table in enumerate(tables)]
    tables = data.get("device", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise SessionError("expected [[device]] tables (with double brackets)", where="device")
    devices = [_device(table, f"device[{i}]") for i, table in enumerate(tables)]
    session = Session(name=name, sockets=sockets, version=FORMAT_VERSION, devices=devices)
    session.validate()
    return session


def _socket(table: dict[str, Any], where: str) -> SocketSpec:
    _check_keys(table, SOCKET_KEYS, where)
    for key in ("name", "type"):
        if key not in table:
            raise SessionError(f"missing key '{key}'", where=where)
    name = _string(table["name"], f"{where}.name")
    type_ = _string(table["type"], f"{where}.type").strip().upper()
    subscribe = [
        _prefix(text, f"{where}.subscribe[{i}]")
        for i, text in enumerate(_strings(table.get("subscribe", []), f"{where}.subscribe"))
    ]
    opts = _options(table, "options", "socket", where)
    repeats = table.get("repeat", [])
    if isinstance(repeats, dict):
        repeats = [repeats]
    if not isinstance(repeats, list) or not all(isinstance(r, dict) for r in repeats):
        raise SessionError("expected [[socket.repeat]] tables", where=f"{where}.repeat")
    reply = table.get("reply")
    connect, via = remote.read_connects(table.get("connect", []), f"{where}.connect", _kind)
    return SocketSpec(
        name=name,
        type=type_,
        bind=_strings(table.get("bind", []), f"{where}.bind"),
        connect=connect,
        via=via,
        security=remote.read_security(table, where, _kind),
        subscribe=subscribe,
        options=opts,
        format=_string(table.get("format", "auto"), f"{where}.format").strip().lower(),
        repeat=[_repeat(r, f"{where}.repeat[{i}]") for i, r in enumerate(repeats)],
        snippets=_strings(table.get("snippets", []), f"{where}.snippets"),
        reply=None if reply is None else _strings(reply, f"{where}.reply"),
    )


def _options(table: dict[str, Any], key: str, owner: str, where: str) -> dict[str, str | int]:
    """A table of socket options (``[socket.options]``, ``[device.frontend_options]`` ...)."""
    options = table.get(key, {})
    if not isinstance(options, dict):
        raise SessionError(f"expected a table ([{owner}.{key}]), not {_kind(options)}",
                           where=f"{where}.{key}")
    opts: dict[str, str | int] = {}
    for name, value in options.items():
        if isinstance(value, bool):
            value = int(value)
        elif not isinstance(value, (str, int)):
            raise SessionError(
                f"an option value must be a string, a whole number or true/false, "
                f"not {_kind(value)}", where=f"{where}.{key}.{name}")
        opts[name] = value
    return opts


def _device(table: dict[str, Any], where: str) -> DeviceSpec:
    _check_keys(table, DEVICE_KEYS, where)
    for key in ("name", "kind", "frontend", "backend"):
        if key not in table:
            raise SessionError(f"missing key '{key}'", where=where)
    tap = table.get("tap", True)
    if not isinstance(tap, bool):
        raise SessionError(f"expected true or false, not {_kind(tap)}", where=f"{where}.tap")
    return DeviceSpec(
        name=_string(table["name"], f"{where}.name"),
        kind=_string(table["kind"], f"{where}.kind"),
        frontend=_strings(table["frontend"], f"{where}.frontend"),
        backend=_strings(table["backend"], f"{where}.backend"),
        tap=tap,
        format=_string(table.get("format", "auto"), f"{where}.format").strip().lower(),
        frontend_options=_options(table, "frontend_options", "device", where),
        backend_options=_options(table, "backend_options", "device", where),
    )


def _repeat(table: dict[str, Any], where: str) -> RepeatSpec:
    _check_keys(table, REPEAT_KEYS, where)
    for key in ("frames", "interval_ms"):
        if key not in table:
            raise SessionError(f"missing key '{key}'", where=where)
    interval = table["interval_ms"]
    if not _is_int(interval):
        raise SessionError(f"expected a whole number of milliseconds, not {_kind(interval)}",
                           where=f"{where}.interval_ms")
    count = table.get("count")
    if count is not None and not _is_int(count):
        raise SessionError(f"expected a whole number, not {_kind(count)}",
                           where=f"{where}.count")
    peer = table.get("peer")
    if peer is not None:
        peer = _prefix(_string(peer, f"{where}.peer"), f"{where}.peer")
    return RepeatSpec(
        frames=_strings(table["frames"], f"{where}.frames"),
        interval_ms=interval,
        count=count,
        peer=peer,
    )


def toml_syntax_error(exc: Exception) -> SessionError:
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        problem = message[: match.start()]
        where = f"line {match.group(1)}, column {match.group(2)}"
    else:
        match = re.search(r"\s*\(at end of document\)\s*$", message)
        problem = message[: match.start()] if match else message
        where = "end of file" if match else ""
    problem = problem[:1].lower() + problem[1:]
    # tomllib quotes a character as Python would ('\x1b'): name it as every message does
    problem = _QUOTED_ESCAPE.sub(
        lambda m: describe_char(m.group(1).encode("ascii").decode("unicode_escape")), problem)
    if problem == "invalid value":
        problem += ' (text goes in quotes, e.g. type = "REP")'
    return SessionError(f"not valid TOML: {problem}", where=where)


_QUOTED_ESCAPE = re.compile(r"'(\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt]))'")


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
            extra = f"; did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(allowed)})"
            raise SessionError(f"unknown key '{key}'{extra}",
                               where=f"{where}.{key}" if where else key)


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SessionError(f"expected a string, not {_kind(value)}", where=where)
    return value


def _strings(value: object, where: str) -> list[str]:
    """A list of strings; a lone string is taken as a list of one."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise SessionError(f"expected an array of strings, not {_kind(value)}", where=where)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise SessionError(f"expected a string, not {_kind(item)}", where=f"{where}[{i}]")
    return list(value)


def _prefix(text: str, where: str) -> bytes:
    try:
        return prefix_to_bytes(text)
    except CodecError as exc:
        raise SessionError(str(exc), where=where) from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime, date, time)):
        return "a date/time"
    return type(value).__name__


# -- writing -----------------------------------------------------------------------------------


def to_toml(session: Session, stem: str | None = None) -> str:
    """The file text for ``session``. The ``name`` key is written only when it differs from
    ``stem``, the name of the file it goes to."""
    lines = [HEADER, "\n", f"version = {FORMAT_VERSION}\n"]
    if session.name != stem:
        lines.append(f"name = {toml_string(session.name)}\n")
    for sock in session.sockets:
        lines.append("\n[[socket]]\n")
        lines.append(f"name = {toml_string(sock.name)}\n")
        lines.append(f"type = {toml_string(sock.type.upper())}\n")
        if sock.bind:
            lines.append(_array("bind", sock.bind))
        if sock.connect:
            lines.append(_items("connect", remote.connect_items(sock)))
        if sock.subscribe:
            lines.append(_array("subscribe", [bytes_to_prefix(p) for p in sock.subscribe]))
        if sock.format != "auto":
            lines.append(f"format = {toml_string(sock.format)}\n")
        if sock.reply is not None:
            lines.append(_array("reply", sock.reply))
        if sock.snippets:
            lines.append(_array("snippets", sock.snippets))
        lines += _options_lines("socket.options", sock.options)
        lines += remote.security_lines(sock)
        for rep in sock.repeat:
            lines.append("\n[[socket.repeat]]\n")
            lines.append(_array("frames", rep.frames))
            lines.append(f"interval_ms = {rep.interval_ms}\n")
            if rep.count is not None:
                lines.append(f"count = {rep.count}\n")
            if rep.peer is not None:
                lines.append(f"peer = {toml_string(bytes_to_prefix(rep.peer))}\n")
    for dev in session.devices:
        lines.append("\n[[device]]\n")
        lines.append(f"name = {toml_string(dev.name)}\n")
        lines.append(f"kind = {toml_string(dev.kind)}\n")
        lines.append(_array("frontend", dev.frontend))
        lines.append(_array("backend", dev.backend))
        if not dev.tap:
            lines.append("tap = false\n")
        if dev.format != "auto":
            lines.append(f"format = {toml_string(dev.format)}\n")
        lines += _options_lines("device.frontend_options", dev.frontend_options)
        lines += _options_lines("device.backend_options", dev.backend_options)
    return "".join(lines)


def _options_lines(header: str, options: dict[str, Any]) -> list[str]:
    if not options:
        return []
    lines = [f"\n[{header}]\n"]
    for key, value in options.items():
        shown = str(value) if isinstance(value, int) else toml_string(value)
        lines.append(f"{_key(key)} = {shown}\n")
    return lines


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string."""
    def escape(match: re.Match[str]) -> str:
        c = match.group()
        return _ESCAPES.get(c) or f"\\u{ord(c):04x}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def _array(key: str, items: list[str]) -> str:
    return _items(key, [toml_string(item) for item in items])


def _items(key: str, quoted: list[str]) -> str:
    """An array of values already written as TOML: on one line if it fits."""
    one_line = f"{key} = [{', '.join(quoted)}]\n"
    if len(one_line) <= LINE_WIDTH:
        return one_line
    return f"{key} = [\n" + "".join(f"    {item},\n" for item in quoted) + "]\n"
