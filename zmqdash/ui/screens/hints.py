"""The explanation of a socket's hints: what each one means, why it happens, the way out."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...codec import escape_text


class HintScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,enter", "close", "Close", id="hints.close")]

    def __init__(self, socket_name: str, hints: tuple) -> None:
        super().__init__(classes="dialog-screen")
        self.socket_name = socket_name
        self.hints = hints

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog hints"):
            yield Static(Text(f"Why? {escape_text(self.socket_name)}", style="bold"),
                         classes="dialog-title")
            parts = []
            for hint in self.hints:
                parts.append(Text("⚠ " + escape_text(hint.text), style="bold"))
                parts.append(Text(escape_text(hint.explain)))
                parts.append(Text(""))
            parts.append(Text("docs/why-no-messages.md lists every hint. Escape closes.",
                              style="italic"))
            yield Static(Group(*parts), classes="hints-body", markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
