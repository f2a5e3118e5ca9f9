"""A log entry as one line of terminal-safe text: what the dashboard's log, its inspector,
``zmqdash run`` and ``zmqdash cat`` show for it (each adds its own time, tag or name).

A message is its frames rendered in a display format (:func:`~.display.render_frames`); an
event is its description; an error or a note is its text. Anything from outside in it (a
payload, an error string naming a file or a peer) is escaped.
"""

from __future__ import annotations

from ..entries import EVENT, FRAMES, KIND, MESSAGE_KINDS, META, Entry
from .display import escape_text, render_frames


def entry_text(entry: Entry, fmt: str = "auto", limit: int = 4096) -> str:
    """The one-line, terminal-safe body of a log entry (without time and tag)."""
    kind = entry[KIND]
    if kind in MESSAGE_KINDS:
        return render_frames(entry[FRAMES], fmt, limit)
    meta = entry[META]
    if kind == EVENT:
        return escape_text(meta.describe())
    return escape_text("" if meta is None else str(meta))
