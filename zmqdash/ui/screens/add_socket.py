"""The add-socket dialog: type, name, endpoints, subscriptions and options in one go."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from ...codec import CodecError
from ...engine import endpoints as E
from ...engine import options as O
from ...engine.errors import EngineError
from ..patterns import ALL_TYPES, SUBSCRIBING
from ..widgets.text_input import TextInput
from . import remote_form
from .dialogs import FormScreen


@dataclass
class NewSocket:
    type: str
    name: str
    binds: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)
    subscriptions: list[bytes] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    via: dict[str, str] = field(default_factory=dict)  # connect endpoint -> SSH host
    credentials: object = None  # CURVE/PLAIN, key names resolved (engine.credentials)
    given: object = None  # the same as typed (what a session saves)


def split_list(text: str) -> list[str]:
    """Endpoints separated by spaces, or by commas before the next ``transport://`` (a comma
    inside one, as in NORM's ``norm://7,192.0.2.10;239.192.1.1:5555``, stays)."""
    parts = re.split(r"\s+|,(?=\s*[A-Za-z][\w+.-]*://)", text)
    return [part.strip(",") for part in parts if part.strip(",")]


def parse_options(text: str) -> list[tuple[str, str]]:
    """``name=value, name=value`` (raises EngineError for an unknown option or a bad value)."""
    return [O.assignment(part) for part in text.split(",") if part.strip()]


def free_name(socket_type: str, taken: set[str]) -> str:
    base = socket_type.lower()
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


class AddSocketScreen(FormScreen[NewSocket | None]):
    """Enter (in any field) or Ctrl+S adds the socket; Escape cancels."""

    SUBMIT = "add"
    ERROR = "add-error"

    AUTO_FOCUS = "#type"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="add.cancel"),
        Binding("ctrl+s", "submit", "Add", id="add.submit"),
    ]

    def __init__(self, socket_type: str = "REQ", taken: set[str] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self._type = socket_type.upper() if socket_type.upper() in ALL_TYPES else "REQ"
        self._taken = set(taken or ())
        self._auto_name = free_name(self._type, self._taken)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog add-socket"):
            yield Label(self._title(), classes="dialog-title", id="add-title", markup=False)
            with Grid(classes="form"):
                yield Label("Type")
                yield Select([(t, t) for t in ALL_TYPES], value=self._type, allow_blank=False,
                             compact=True, id="type")
                yield Label("Name")
                yield TextInput(self._auto_name, compact=True, id="name")
                yield Label("Bind")
                yield TextInput(placeholder="tcp://127.0.0.1:5555 (space-separated)", compact=True,
                            id="bind")
                yield Label("Connect")
                yield TextInput(
                    placeholder="tcp://127.0.0.1:5555 [via user@host] (space-separated)",
                    compact=True, id="connect")
                yield Label("Subscribe", id="subscribe-label")
                yield TextInput(placeholder="prefixes, comma-separated; * = everything",
                            compact=True, id="subscribe")
                yield Label("Options")
                yield TextInput(placeholder="linger=0, identity=me, sndhwm=1000", compact=True,
                            id="options")
                yield from remote_form.compose_rows()
            yield Static("", id="add-error", markup=False)
            yield Static("Tab: next field  Enter: add (on a list: open it)  Ctrl+S: add  "
                         "Escape: cancel", classes="dialog-keys",
                         markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._show_subscribe(self._type)
        remote_form.show(self, remote_form.NONE)
        # focus now, not after the first paint: keys typed as soon as the dialog shows land here
        self.set_focus(self.query_one("#type"))

    def _show_subscribe(self, socket_type: str) -> None:
        show = socket_type in SUBSCRIBING
        self.query_one("#subscribe").display = show
        self.query_one("#subscribe-label").display = show
        if show and not self.query_one("#subscribe", Input).value:
            self.query_one("#subscribe", Input).value = "*" if socket_type == "SUB" else ""

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "security":
            remote_form.show(self, str(event.value))
            return
        new_type = str(event.value)
        name = self.query_one("#name", Input)
        if name.value == self._auto_name:
            self._auto_name = free_name(new_type, self._taken)
            name.value = self._auto_name
        self._type = new_type
        self.query_one("#add-title", Label).update(self._title())
        self._show_subscribe(new_type)

    def _title(self) -> str:
        """The type to be made, in the title: the Type field is preset for the tab."""
        return f"Add a socket: {self._type}"

    def action_submit(self) -> None:
        from ..subscriptions_text import text_to_subscriptions

        value = lambda wid: self.query_one(wid, Input).value  # noqa: E731
        socket_type = self._type
        name = value("#name").strip()
        if not name:
            self._error("The socket needs a name.")
            return
        if name in self._taken:
            self._error(f"There is already a socket named '{name}'.")
            return
        try:
            binds = [E.parse(ep, bind=True, socket_type=socket_type).text
                     for ep in split_list(value("#bind"))]
            wanted = remote_form.split_connects(split_list(value("#connect")), socket_type)
            connects = [ep for ep, _ in wanted]
            via = {ep: host for ep, host in wanted if host}
            creds, given = remote_form.credentials(self)
            opts = parse_options(value("#options"))
            subs = []
            if socket_type in SUBSCRIBING:
                subs = text_to_subscriptions(value("#subscribe"))
        except (EngineError, CodecError) as exc:
            self._error(str(exc))
            return
        self.dismiss(NewSocket(socket_type, name, binds, connects, subs, opts, via, creds,
                               given))

