"""The one-line message composer of a socket panel, with a history on Up/Down."""

from __future__ import annotations

from textual.binding import Binding

from .text_field import TextField

HISTORY_KEPT = 200

_HISTORY = Binding.Group("History", compact=True)


class Composer(TextField):
    """Enter sends (the panel handles ``Input.Submitted``); Up/Down walk earlier messages."""

    BINDINGS = [
        Binding("enter", "submit", "Send", key_display="⏎", id="composer.send"),
        Binding("up", "history(-1)", "Earlier message", key_display="↑", group=_HISTORY,
                id="composer.earlier"),
        Binding("down", "history(1)", "Later message", key_display="↓", group=_HISTORY,
                id="composer.later"),
        Binding("escape", "leave", "Leave", key_display="esc", id="composer.leave"),
    ]

    def __init__(self, placeholder: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, classes=classes)
        self.history: list[str] = []
        self._pos = 0  # index into history; len(history) means the draft
        self._draft = ""

    def remember(self, text: str) -> None:
        """Add a sent message to the history (no immediate duplicates)."""
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-HISTORY_KEPT]
        self._pos = len(self.history)
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._pos == len(self.history):
            self._draft = self.value
        pos = max(0, min(len(self.history), self._pos + step))
        if pos == self._pos:
            return
        self._pos = pos
        self.value = self._draft if pos == len(self.history) else self.history[pos]
        self.cursor_position = len(self.value)
