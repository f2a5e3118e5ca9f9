"""The one-line text fields of a socket panel: letters and signs typed there are text, and the
footer shows the field's own keys (the dashboard's letter keys are hidden while it has the
focus). Escape always gives the focus back to the panel's log. Drawn terminal-safe
(:class:`~.text_input.TextInput`)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from .text_input import TextInput


class TextField(TextInput):
    """A field of a socket panel. The panel says where Escape takes the focus
    (:attr:`leave_to`, its log): at once, so the keys typed next are commands again."""

    class Cleared(Message):
        """Escape in the filter: the panel clears and closes it."""

    #: where Escape moves the focus (the panel sets it to its log)
    leave_to: Widget | None = None

    BINDINGS = [
        Binding("escape", "leave", "Leave", key_display="esc", id="field.leave"),
    ]

    def __init__(self, value: str = "", placeholder: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, id=id, classes=classes, compact=True,
                         select_on_focus=False)

    def action_leave(self) -> None:
        """Give the focus back to the panel's log."""
        if self.leave_to is not None and self.leave_to.is_attached:
            self.screen.set_focus(self.leave_to)


class SubscriptionBar(TextField):
    """A SUB's prefixes, comma-separated: Enter applies them; Escape leaves them unchanged."""

    BINDINGS = [
        Binding("enter", "submit", "Apply", key_display="⏎", id="subs.apply"),
    ]


class FilterBar(TextField):
    """The log's filter, applied as it is typed: Enter keeps it and goes back to the log,
    Escape clears it."""

    BINDINGS = [
        Binding("enter", "submit", "Keep", key_display="⏎", id="filter.keep"),
        Binding("escape", "clear", "Clear", key_display="esc", id="filter.clear"),
    ]

    def action_clear(self) -> None:
        self.action_leave()
        self.post_message(self.Cleared())
