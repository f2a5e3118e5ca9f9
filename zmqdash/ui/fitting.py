"""Fitting a line to a narrow panel without losing what matters.

An endpoint gives up its middle before the state and the peer count give up anything; a
folded retry row keeps its count; a message row shows as much payload as fits and, only when
something was left out, a short marker with the full size (``… 45B``). Everything returned is
terminal-safe: text from outside goes through the codec's escaping first.
"""

from __future__ import annotations

from rich.cells import cell_len

from ..codec import escape_text, render_row
from ..engine.state import CONNECTED, LISTENING
from . import numbers

ELLIPSIS = "…"
#: an endpoint keeps at least this many characters before the details after it are cut
ENDPOINT_KEEPS = 12


def cut_end(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending with ``…`` if it was cut."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    out = []
    used = 0
    for c in text:
        w = cell_len(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + ELLIPSIS


def elide_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its middle replaced by ``…``; the end (a port,
    a socket file's name) keeps more than the start."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:max(width, 0)]
    head = (width - 1) // 3 if width >= 10 else 0
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def endpoint_line(ep, width: int) -> str:
    """One endpoint in ``width`` cells: role, endpoint, state and peer count always; the
    endpoint elided in the middle, then the reason cut, when there is no room."""
    shown = ep.endpoint if getattr(ep, "via", "") else (ep.resolved or ep.endpoint)
    where = escape_text(shown)
    if getattr(ep, "via", ""):
        where += f" via {escape_text(ep.via)}"
    state = f": {ep.state}"
    if ep.state in (LISTENING, CONNECTED) and ep.peers:
        state += f" ({ep.peers} peer{'s' if ep.peers != 1 else ''})"
    extra = "".join(f" - {escape_text(part)}" for part in
                    (getattr(ep, "handshake", ""), ep.reason) if part)
    fixed = f"{ep.role} "
    room = width - len(fixed) - len(state)
    if len(where) + len(extra) <= room:
        return fixed + where + state + extra
    keep = min(len(where), max(ENDPOINT_KEEPS, room - len(extra)))
    extra_room = room - keep
    extra = cut_end(extra, extra_room) if extra_room >= 4 else ""
    return fixed + elide_middle(where, max(room - len(extra), 3)) + state + extra


def event_line(info, width: int) -> str:
    """A connection event in ``width`` cells; a folded loop's count (``x12``) always shows."""
    full = escape_text(info.describe())
    if len(full) <= width:
        return full
    count = f" x{info.count}" if info.count > 1 else ""
    name = escape_text(info.event)
    where = escape_text(info.endpoint)
    room = width - len(name) - 1 - len(count)
    if room >= 4:
        return f"{name} {elide_middle(where, room)}{count}"
    return cut_end(name, width - len(count)) + count


def payload_line(frames, fmt: str, width: int) -> str:
    """A message's frames in ``width`` characters; if they do not all fit, as many as do and
    ``… <size>`` (the full size is in the inspector)."""
    text, cut = render_row(frames, fmt, width)
    if not cut:
        return text
    marker = f"{ELLIPSIS} {numbers.size(sum(len(f) for f in frames))}"
    text, _ = render_row(frames, fmt, max(width - len(marker), 0))
    return text + marker
