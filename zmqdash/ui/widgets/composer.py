"""The one-line message composer of a socket panel, with a history on Up/Down.

The history is what was sent in this run; it is not part of the session. Snippets are: the
user keeps one on purpose (Ctrl+B), and the session saves those (Up/Down reach them too)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

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
        Binding("ctrl+b", "keep_snippet", "Keep", id="composer.snippet",
                tooltip="Keep the text as a snippet of this socket (saved with the session)"),
        Binding("escape", "leave", "Leave", key_display="esc", id="composer.leave"),
    ]

    class KeepSnippet(Message):
        """Ctrl+B: keep ``text`` as a snippet of the panel's socket."""

        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    def __init__(self, placeholder: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, classes=classes)
        self.history: list[str] = []
        #: kept on purpose; what the session saves
        self.snippets: list[str] = []
        self._pos = 0  # index into history; len(history) means the draft
        self._draft = ""

    def keep(self, text: str) -> bool:
        """Keep ``text`` as a snippet (reachable with Up/Down); False if it was kept already."""
        if not text or text in self.snippets:
            return False
        self.snippets.append(text)
        self.remember(text)
        return True

    def action_keep_snippet(self) -> None:
        self.post_message(self.KeepSnippet(self, self.value))

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
