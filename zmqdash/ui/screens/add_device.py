"""The add-device dialog: kind, name, and each side's endpoints (and options) in one go."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from ...engine.devices import spec
from ...engine.errors import EngineError
from ..widgets.text_input import TextInput
from .add_socket import free_name, parse_options
from .dialogs import FormScreen

#: what each kind is for, shown under the fields as the kind is chosen
KIND_HINTS = {
    "streamer": "streamer: PUSH peers send to the frontend (PULL), PULL workers take from the "
                "backend (PUSH).",
    "forwarder": "forwarder: publishers feed the frontend (XSUB), subscribers listen on the "
                 "backend (XPUB); their subscriptions go up.",
    "queue": "queue: REQ/DEALER clients talk to the frontend (ROUTER), REP/DEALER workers "
             "answer on the backend (DEALER).",
}
ENDPOINTS_HINT = "@ binds, > connects (no prefix binds); commas between several"


@dataclass
class NewDevice:
    kind: str
    name: str
    frontend: str
    backend: str
    frontend_options: list[tuple[str, str]] = field(default_factory=list)
    backend_options: list[tuple[str, str]] = field(default_factory=list)


class AddDeviceScreen(FormScreen[NewDevice | None]):
    """Enter (in any field) or Ctrl+S adds the device; Escape cancels."""

    SUBMIT = "add"
    ERROR = "add-device-error"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="add_device.cancel"),
        Binding("ctrl+s", "submit", "Add", id="add_device.submit"),
    ]

    def __init__(self, kind: str = "queue", taken: set[str] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self._kind = kind if kind in spec.KINDS else "queue"
        self._taken = set(taken or ())
        self._auto_name = free_name(self._kind, self._taken)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog add-device"):
            yield Label("Add a device", classes="dialog-title")
            with Grid(classes="form"):
                yield Label("Kind")
                yield Select([(k, k) for k in spec.KINDS], value=self._kind, allow_blank=False,
                             compact=True, id="kind")
                yield Label("Name")
                yield TextInput(self._auto_name, compact=True, id="name")
                yield Label("Frontend")
                yield TextInput(placeholder="@tcp://127.0.0.1:5559 (clients, publishers, senders)",
                            compact=True, id="frontend")
                yield Label("Backend")
                yield TextInput(placeholder="@tcp://127.0.0.1:5560 (workers, subscribers)",
                            compact=True, id="backend")
                yield Label("Front opts")
                yield TextInput(placeholder="rcvhwm=1000, ... (optional)", compact=True,
                            id="frontend-options")
                yield Label("Back opts")
                yield TextInput(placeholder="sndhwm=1000, ... (optional)", compact=True,
                            id="backend-options")
            yield Static(KIND_HINTS[self._kind], id="add-device-kind", classes="dialog-hint",
                         markup=False)
            yield Static(ENDPOINTS_HINT, classes="dialog-hint", markup=False)
            yield Static("", id="add-device-error", markup=False)
            yield Static("Tab: next field  Enter: add  Escape: cancel", classes="dialog-keys",
                         markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#kind"))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        kind = str(event.value)
        if kind not in spec.KINDS:
            return
        name = self.query_one("#name", Input)
        if name.value == self._auto_name:
            self._auto_name = free_name(kind, self._taken)
            name.value = self._auto_name
        self._kind = kind
        self.query_one("#add-device-kind", Static).update(KIND_HINTS[kind])

    def action_submit(self) -> None:
        value = lambda wid: self.query_one(wid, Input).value  # noqa: E731
        name = value("#name").strip()
        if not name:
            self._error("The device needs a name.")
            return
        if name in self._taken:
            self._error(f"There is already a device named '{name}'.")
            return
        front, back = value("#frontend").strip(), value("#backend").strip()
        try:
            spec.check_sides(spec.parse_side(front, spec.FRONTEND),
                             spec.parse_side(back, spec.BACKEND))
            front_opts = parse_options(value("#frontend-options"))
            back_opts = parse_options(value("#backend-options"))
        except EngineError as exc:
            self._error(str(exc))
            return
        self.dismiss(NewDevice(self._kind, name, front, back, front_opts, back_opts))
