"""The repeat-send dialog: a message template, an interval and an optional count."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from ...codec import CodecError, escape_text, split_frames
from ...engine import limits
from ...engine.errors import EngineError
from ..widgets.text_input import TextInput
from .dialogs import FormScreen


@dataclass(frozen=True)
class RepeatSpec:
    frames: tuple[str, ...]
    interval_ms: int
    count: int | None


class RepeatScreen(FormScreen[RepeatSpec | None]):
    """Enter starts; Escape cancels."""

    SUBMIT = "start"
    ERROR = "repeat-error"

    AUTO_FOCUS = "#template"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="repeat.cancel"),
        Binding("ctrl+s", "submit", "Start", id="repeat.submit"),
    ]

    def __init__(self, socket_name: str, template: str, separator: str | None = "|") -> None:
        super().__init__(classes="dialog-screen")
        self._socket = socket_name
        self._template = template
        self._separator = separator

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog repeat"):
            yield Label(f"Repeat-send from {escape_text(self._socket)}", classes="dialog-title",
                        markup=False)
            with Grid(classes="form"):
                yield Label("Message")
                yield TextInput(self._template, compact=True, id="template")
                yield Label("Every ms")
                yield TextInput("1000", compact=True, id="interval", type="integer")
                yield Label("Count")
                yield TextInput(placeholder="blank: until stopped (P)", compact=True, id="count",
                            type="integer")
            yield Static(
                "{seq} 1, 2, 3...  {time} ISO time  {epoch} seconds  {ms} epoch ms  "
                "{rand} 0-999999  {uuid}.  a|b makes two frames; hex:, b64: per frame.",
                classes="dialog-hint", markup=False)
            yield Static("", id="repeat-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="start", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#template"))

    def action_submit(self) -> None:
        template = self.query_one("#template", Input).value
        if not template:
            self._error("The message template is empty.")
            return
        try:
            frames = split_frames(template, self._separator) if self._separator else [template]
        except CodecError as exc:
            self._error(str(exc))
            return
        from ...session.model import template_problem

        problem = next(filter(None, map(template_problem, frames)), None)
        if problem is not None:  # it would be saved with the session, which would not load
            self._error(f"A repeat-send is saved with the session: {problem}.")
            return
        try:
            interval = limits.whole_number(self.query_one("#interval", Input).value,
                                           *limits.INTERVAL_MS, "the interval (ms)")
            raw = self.query_one("#count", Input).value.strip()
            count = limits.whole_number(raw, *limits.COUNT, "the count") if raw else None
        except EngineError as exc:
            self._error(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return
        self.dismiss(RepeatSpec(tuple(frames), interval, count))
