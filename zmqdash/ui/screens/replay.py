"""The replay dialog: which recording, how fast, which messages, once or in a loop."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ...codec import CodecError, escape_text
from ...engine.replay import message_matcher
from ..widgets.text_input import TextInput
from .dialogs import FormScreen

#: the largest speed factor the dialog takes (as zmqdash replay --speed)
MAX_SPEED = 1_000_000.0


@dataclass(frozen=True)
class ReplayChoice:
    path: str
    speed: float | None  # None: as fast as possible
    match: str | None
    direction: str | None  # in, out, f>b, b>f, or None (received, else f>b, b>f, sent)
    loop: bool


def parse_speed(text: str) -> float | None:
    """``max`` or blank-free number above 0; raises ValueError in words for the user."""
    body = text.strip().lower()
    if body in ("max", "maximum"):
        return None
    try:
        value = float(body) if body.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_SPEED:
        raise ValueError("The speed is max, or a number above 0 (1 is the recorded pace, 2 "
                         "twice as fast).")
    return value


class ReplayScreen(FormScreen[ReplayChoice | None]):
    """Enter starts; Escape cancels."""

    SUBMIT = "start"
    ERROR = "replay-error"
    AUTO_FOCUS = "#replay-file"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="replay.cancel"),
        Binding("ctrl+s", "submit", "Start", id="replay.submit"),
    ]

    def __init__(self, socket_name: str, path: str = "", target: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self._socket = socket_name
        self._path = path
        self._target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog replay"):
            yield Label(f"Replay a recording from {escape_text(self._socket)}",
                        classes="dialog-title", markup=False)
            with Grid(classes="form"):
                yield Label("File")
                yield TextInput(self._path, compact=True, id="replay-file",
                            placeholder="a recording (R) or an export (e): .jsonl")
                yield Label("Speed")
                yield TextInput("1", compact=True, id="replay-speed",
                            placeholder="1 recorded pace, 2 twice as fast, max")
                yield Label("Only")
                yield TextInput(compact=True, id="replay-filter",
                            placeholder="blank: every message; text, /regex/ or hex:")
                yield Label("Messages")
                yield Select([("received (in), or sent if none", "auto"),
                              ("received (in)", "in"), ("sent (out)", "out"),
                              ("a device's frontend to backend (f>b)", "f>b"),
                              ("a device's backend to frontend (b>f)", "b>f")],
                             value="auto", allow_blank=False, compact=True,
                             id="replay-direction")
                yield Label("Loop")
                yield Checkbox("start again after the last one", compact=True,
                               id="replay-loop")
            hint = "Frames go out exactly as recorded. Ctrl+R again stops the replay."
            if self._target:
                hint += f" {self._target}"
            yield Static(hint, classes="dialog-hint", markup=False)
            yield Static("", id="replay-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="start", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def action_submit(self) -> None:
        raw = self.query_one("#replay-file", Input).value.strip()
        if not raw:
            self._error("Which file? A recording (R) or an export (e).")
            return
        path = os.path.abspath(os.path.expanduser(raw))
        if not os.path.isfile(path):
            self._error(f"{path}: " + ("no such file." if not os.path.exists(path)
                                       else "not a file."))
            return
        try:
            speed = parse_speed(self.query_one("#replay-speed", Input).value)
        except ValueError as exc:
            self._error(str(exc))
            return
        match = self.query_one("#replay-filter", Input).value
        try:
            message_matcher(match)
        except re.error as exc:
            self._error(f"Bad regular expression: {exc}.")
            return
        except CodecError as exc:
            self._error(f"{exc}.")
            return
        direction = self.query_one("#replay-direction", Select).value
        self.dismiss(ReplayChoice(path, speed, match or None,
                                  None if direction == "auto" else str(direction),
                                  self.query_one("#replay-loop", Checkbox).value))
