"""Received messages as lines on standard output: terminal-safe, in batches, at full speed.

``zmqdash cat`` prints every message it takes from its socket. A batch of log entries is
written with one ``write`` and one flush, so a flood costs a system call per batch, not per
message, and a slow reader (a pipe, a slow disk) simply blocks the write: the consumer stops
reading the engine's log, and the engine stops taking messages (see
:mod:`zmqdash.engine.flow`).

In ``text`` the common case, single-frame messages of printable ASCII, needs no escaping: the
frames are joined as they are, after one scan of the joined bytes finds nothing that would be
shown differently (a control character, a backslash, a byte above 0x7e, an empty frame). Any
batch with something else goes through the codec's renderers, message by message.
"""

from __future__ import annotations

import re

from ..codec import entry_to_json_line, hex_inline, render_frame
from ..entries import FRAMES

#: as good as no limit on a printed line
NO_LIMIT = 1 << 62

#: a byte ``render_frame(..., "text")`` would not show as itself (everything but 0x20-0x7e
#: other than the backslash); the line feed between joined frames is checked by counting
_NOT_AS_IS = re.compile(rb"[^\x20-\x5b\x5d-\x7e\n]")


def _render(frame: bytes, fmt: str) -> str:
    if fmt == "hex":
        return hex_inline(frame, NO_LIMIT)
    return render_frame(frame, "json" if fmt == "json" else "text", NO_LIMIT)


def message_text(frames, fmt: str, prefix: str = "") -> str:
    """A message as printed in the text, hex and json formats: one line, or one line per frame
    (``[2/3] ...``) for a multipart message; each line starts with ``prefix``."""
    rows = [_render(f, fmt) for f in frames]
    if len(rows) == 1:
        return prefix + rows[0]
    n = len(rows)
    return "\n".join(f"{prefix}[{i}/{n}] {row}" for i, row in enumerate(rows, 1))


def as_is(frames: list[bytes]) -> bytes | None:
    """The single frames joined by line feeds, when each would print as its own bytes in
    ``text`` (printable ASCII, no backslash, not empty); else None."""
    data = b"\n".join(frames)
    if (_NOT_AS_IS.search(data) is None and data.count(b"\n") == len(frames) - 1
            and b"\n\n" not in data and data[:1] != b"\n" and data[-1:] not in (b"\n", b"")):
        return data
    return None


class MessageWriter:
    """Writes messages (tuples of frames) to a binary stream in one of cat's formats."""

    def __init__(self, stream, fmt: str, socket: str, socket_type: str) -> None:
        self.stream = stream
        self.fmt = fmt
        self.socket = socket
        self.socket_type = socket_type

    def write(self, entries: list[tuple]) -> None:
        """Print the IN ``entries`` in order, then flush once."""
        fmt = self.fmt
        if fmt == "none" or not entries:
            return
        if fmt == "text":
            firsts = [e[FRAMES][0] for e in entries if len(e[FRAMES]) == 1]
            if len(firsts) == len(entries):
                data = as_is(firsts)
                if data is not None:
                    self.stream.write(data + b"\n")
                    self.stream.flush()
                    return
        if fmt == "jsonl":
            lines = [entry_to_json_line(e, self.socket, self.socket_type) for e in entries]
        else:
            lines = [message_text(e[FRAMES], fmt) for e in entries]
        self.stream.write(("\n".join(lines) + "\n").encode("utf-8", "backslashreplace"))
        self.stream.flush()

    def line(self, text: str) -> None:
        """One line already terminal-safe (a subscription change)."""
        self.stream.write((text + "\n").encode("utf-8", "backslashreplace"))
        self.stream.flush()
