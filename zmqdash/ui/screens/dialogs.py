"""Small modal dialogs: ask for one line, confirm, or choose from a list."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class PromptScreen(ModalScreen[str | None]):
    """One line of input. Enter returns it, Escape returns None."""

    AUTO_FOCUS = "#prompt-input"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, value: str = "", *, hint: str = "",
                 placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._value = value
        self._hint = hint
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog prompt"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")
            if self._hint:
                yield Static(self._hint, classes="dialog-hint", markup=False)
            yield Static("Enter: OK   Escape: cancel", classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#prompt-input"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or Enter says yes; n or Escape says no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="dialog.yes"),
        Binding("n,escape", "answer(False)", "No", id="dialog.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Label(self._question, classes="dialog-title", markup=False)
            if self._detail:
                yield Static(self._detail, classes="dialog-hint", markup=False)
            yield Static("y / Enter: yes   n / Escape: no", classes="dialog-keys",
                         markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChooseScreen(ModalScreen[Any]):
    """Pick one of several choices (label, value); Escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, Any]]) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog choose"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield OptionList(*[Option(Content(label), id=str(i))
                               for i, (label, _) in enumerate(self._choices)])
            yield Static("Enter: choose   Escape: cancel", classes="dialog-keys",
                         markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._choices[int(event.option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
