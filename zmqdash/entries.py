"""A log entry: the one definition of its layout, read and written by the engine, the codec,
the command line and the dashboard (a module of its own, so that the codec need not import the
engine).

An entry is a plain tuple ``(seq, ts, kind, frames, meta, size)``, cheap to build on the hot
path; read its fields by the names below (``entry[KIND]``), never by number:

- ``IN`` / ``OUT``: ``frames`` is the tuple of raw frames; ``meta`` is None (for a ROUTER's
  outgoing message, the peer identity is the first frame, as on the wire).
- ``F2B`` / ``B2F``: a message that crossed a device (frontend to backend, backend to
  frontend), as ``IN``; ``meta`` is None, or ``"injected"`` for one the user sent into that
  direction.
- ``EVENT``: ``frames`` is empty; ``meta`` is an :class:`EventInfo` (mutable: a repeating
  reconnect loop updates one entry's count and time instead of adding thousands).
- ``ERROR`` / ``INFO``: ``frames`` is empty; ``meta`` is the message text.

``size`` is the total bytes of the frames. Tuples of bytes, ints and floats are dropped from the
garbage collector's tracking, so a full ring of messages costs its collections nothing.

Writers: :meth:`zmqdash.engine.ring.Ring.append`, and for received and forwarded messages the
engine's receive loops (``recvpath.py``, ``forwardpath.py`` and the compiled ``_recvbatch.c``),
which build :func:`make` 's tuple in place (see ``Ring.writable``). Change them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

IN = "in"
OUT = "out"
EVENT = "event"
ERROR = "error"
INFO = "info"
#: a message that crossed a device from its frontend to its backend, and back (the tap)
F2B = "f>b"
B2F = "b>f"
#: the kinds whose entries hold a message's frames
MESSAGE_KINDS = frozenset({IN, OUT, F2B, B2F})
#: how a device's direction is written out (JSON Lines, ``zmqdash proxy``)
DIRECTION_WORDS = {F2B: "frontend->backend", B2F: "backend->frontend"}
#: the kinds of device whose entries name a device rather than a socket (devices/spec.py)
DEVICE_KINDS = ("streamer", "forwarder", "queue")

#: the fields of an entry, in order, and their indices
FIELDS = ("seq", "ts", "kind", "frames", "meta", "size")
SEQ: Final = 0
TS: Final = 1
KIND: Final = 2
FRAMES: Final = 3
META: Final = 4
SIZE: Final = 5

#: ``(seq, ts, kind, frames, meta, size)``
Entry = tuple[int, float, str, tuple[bytes, ...], Any, int]


def make(seq: int, ts: float, kind: str, frames: tuple[bytes, ...], meta: Any,
         size: int) -> Entry:
    """An entry, fields in order (what the receive loops build inline)."""
    return (seq, ts, kind, frames, meta, size)


@dataclass
class EventInfo:
    """A socket monitor event as it appears in a log. ``count`` > 1 when repeats were folded."""

    event: str
    endpoint: str
    value: int
    detail: str = ""
    count: int = 1
    last_ts: float = 0.0

    def describe(self) -> str:
        text = f"{self.event} {self.endpoint}"
        if self.detail:
            text += f" ({self.detail})"
        if self.count > 1:
            text += f" x{self.count}"
        return text
