"""Modal dialogs: ask for one line, confirm, choose from a list, and the base of form dialogs."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...codec import escape_text
from ..widgets.text_input import TextInput

Result = TypeVar("Result")


class FormScreen(ModalScreen[Result]):
    """A dialog of several fields: Enter in any field or the ``SUBMIT`` button calls
    ``action_submit``; Escape or any other button cancels; :meth:`_error` shows a problem in the
    ``ERROR`` line and keeps the dialog open."""

    #: id of the button that submits
    SUBMIT = ""
    #: id of the Static that shows what is wrong
    ERROR = ""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.SUBMIT:
            self.action_submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:  # pragma: no cover - every form has its own
        raise NotImplementedError

    def _error(self, text: str) -> None:
        self.query_one(f"#{self.ERROR}", Static).update(escape_text(text))


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
            yield TextInput(self._value, placeholder=self._placeholder, id="prompt-input")
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
    """Pick one of several choices (label, value); Escape returns None. Labels are often from
    outside (endpoints, saved sessions' file names): they are shown escaped, never as markup."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, Any]]) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog choose"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield OptionList(*[Option(Content(escape_text(label)), id=str(i))
                               for i, (label, _) in enumerate(self._choices)])
            yield Static("Enter: choose   Escape: cancel", classes="dialog-keys",
                         markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
