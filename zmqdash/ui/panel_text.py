"""What a socket panel writes besides its log: an endpoint's state mark and line, the marks of a
recording and a replay, the composer's hint. A device's panel uses the same."""

from __future__ import annotations

from rich.text import Text

from ..codec import escape_text
from ..engine.state import (
    ATTACHED,
    CLOSED,
    CONNECTED,
    FAILED,
    LISTENING,
    PENDING,
    RETRYING,
    TUNNEL_DOWN,
)
from . import numbers
from .fitting import endpoint_line

STATE_MARKS = {
    LISTENING: "●",
    CONNECTED: "●",
    ATTACHED: "●",
    PENDING: "○",
    RETRYING: "↻",
    FAILED: "✗",
    TUNNEL_DOWN: "↻",
    CLOSED: "■",
}


def tool_marks(view) -> tuple[str, ...]:
    """A recording and a replay as the subtitle shows them (counts rounded, so a flood does not
    redraw the border on every look)."""
    marks = []
    rec = view.recording
    if rec is not None:
        mark = f"REC {numbers.count(rec.written)}"
        if rec.behind:
            mark += " disk behind"
        if rec.error:
            mark += " failed"
        marks.append(mark)
    replay = getattr(view, "replay", None)  # (a device has none)
    if replay is not None and replay.running:
        speed = "max" if replay.speed is None else f"×{replay.speed:g}"
        marks.append(f"replay {numbers.count(replay.sent)} {speed}")
    return tuple(marks)


def composer_hint(socket_type: str) -> str:
    what = {
        "REQ": "request",
        "REP": "reply",
        "ROUTER": "message to the peer",
        "XSUB": "message upstream",
    }.get(socket_type, "message")
    return f"{what} (Enter sends; hex: b64: @file a|b)"


def append_endpoints(text: Text, eps, width: int, queued: int = 0, prefix: str = "") -> None:
    """One line per endpoint, in ``width`` cells, appended to ``text``: its state's mark, then
    what it is and its state in words, led by ``prefix`` (a device's panel draws each side's
    endpoints with this too)."""
    for ep in eps:
        if text.plain:
            text.append("\n")
        mark = STATE_MARKS.get(ep.state, "?")
        style = {
            FAILED: "bold red", RETRYING: "yellow", PENDING: "yellow",
            TUNNEL_DOWN: "bold yellow", CLOSED: "dim",
        }.get(ep.state, "green")
        if prefix:
            text.append(prefix, style="bold")
        text.append(f"{mark} ", style=style)
        text.append(endpoint_line(ep, width - 2 - len(prefix)))
        if ep.detail:  # a multicast endpoint's pace, on a line of its own
            text.append("\n  ")
            if queued:  # first, so a narrow panel still shows it
                text.append(f"~{queued} s queued · ", style="yellow")
            text.append(escape_text(ep.detail), style="dim")
