"""The line above the footer: session name and totals over every socket."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...codec import escape_text
from .. import numbers
from ..pacing import Pacer


class StatusBar(Static):
    """Redrawn only when one of the figures it shows changed, and while they keep changing (a
    flood), a few times a second."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple | None = None
        self._pacer = Pacer()

    def show(self, session: str, sockets: int, msgs_in: int, rate_in: float, msgs_out: int,
             rate_out: float, errors: int, dropped: int, note: str = "",
             force: bool = False) -> None:
        key = (session, sockets, msgs_in, rate_in, msgs_out, rate_out, errors, dropped, note)
        changed = key != self._shown
        if not self._pacer.due(changed, force and changed):
            return
        self._shown = key
        nb = "\u00a0"
        groups = [
            f"{escape_text(session)}",
            f"{sockets}{nb}socket{'s' if sockets != 1 else ''}",
            f"in{nb}{numbers.count(msgs_in)}"
            + (f"{nb}{numbers.count(rate_in)}/s" if rate_in else ""),
            f"out{nb}{numbers.count(msgs_out)}"
            + (f"{nb}{numbers.count(rate_out)}/s" if rate_out else ""),
            f"err{nb}{errors}",
            f"drop{nb}{numbers.count(dropped)}",
        ]
        if note:
            groups.append(escape_text(note))
        text = Text(" " + " │ ".join(groups), no_wrap=True, overflow="ellipsis")
        text.stylize("bold", 0, len(groups[0]) + 1)
        self.update(text, layout=False)  # always one line: no layout pass needed
