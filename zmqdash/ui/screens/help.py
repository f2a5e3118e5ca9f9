"""Every key of the dashboard, built from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

COMPOSER_SYNTAX = (
    "Composer: plain text is sent as UTF-8; hex:48 65 6c, b64:SGVsbG8=, @path (a file's bytes), "
    "@@x (a literal @x) and text:... (literally) choose the bytes of a frame. "
    "a|b|c sends three frames; \\| is a literal |. "
    "Subscription bar: prefixes separated by commas, * for everything, hex: for bytes. "
    "Filter: plain text (any case unless it has capitals) or /regex/, matched on the rows as "
    "shown; hex:... or b64:... matches the bytes of a message."
)


def _keys(app, binding: Binding) -> str:
    keymap = getattr(app, "_keymap", {}) or {}
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    shown = []
    for key in keys.split(","):
        key = key.strip()
        if binding.key_display and key == binding.key.split(",")[0].strip():
            shown.append(binding.key_display)
        else:
            shown.append(app.get_key_display(Binding(key, binding.action)))
    return " ".join(shown)


def binding_sections(app) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(keys, what)]) for every binding of the dashboard."""
    from ..app import ZmqDash
    from ..widgets.composer import Composer
    from ..widgets.hint_bar import HintBar
    from ..widgets.log_view import LogView
    from ..widgets.overview import OverviewMap
    from ..widgets.text_field import FilterBar, SubscriptionBar, TextField
    from .add_device import AddDeviceScreen
    from .add_socket import AddSocketScreen
    from .inspector import InspectorScreen
    from .show_code import ShowCodeScreen

    def rows(bindings) -> list[tuple[str, str]]:
        out = []
        for b in bindings:
            if isinstance(b, Binding) and b.description:
                out.append((_keys(app, b), b.tooltip or b.description))
        return out

    return [
        ("Anywhere outside a text field (in one, letters are text)", rows(ZmqDash.BINDINGS)),
        ("Always", [
            (app.get_key_display(Binding("ctrl+p", "")), "Command palette: every action"),
            (app.get_key_display(Binding("ctrl+q", "")), "Quit at once"),
            ("tab shift+tab", "Next / previous field or log"),
        ]),
        ("In a socket's log", rows(LogView.BINDINGS) + [("click, double-click",
                                                          "Select, inspect")]),
        ("In the composer", rows(Composer.BINDINGS)),
        ("On a hint line (why messages may be missing)", rows(HintBar.BINDINGS)
         + [("click", "Explain")]),
        ("In the subscription bar", rows(SubscriptionBar.BINDINGS) + rows(TextField.BINDINGS)),
        ("In the filter bar (rows filter as you type)", rows(FilterBar.BINDINGS)),
        ("In the inspector", rows(InspectorScreen.BINDINGS)),
        ("In show as code", rows(ShowCodeScreen.BINDINGS)),
        ("On the overview's map", [("arrows", "Move between the boxes")] +
         rows([b for b in OverviewMap.BINDINGS
               if isinstance(b, Binding) and b.id == "map.open"])),
        ("In the add-socket dialog", rows(AddSocketScreen.BINDINGS) + [
            ("enter", "Add"), ("tab", "Next field")]),
        ("In the add-device dialog", rows(AddDeviceScreen.BINDINGS) + [
            ("enter", "Add"), ("tab", "Next field")]),
    ]


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("zmqdash keys", style="bold"), id="help-title")
            yield Static(id="help-table")
            yield Static(Text(COMPOSER_SYNTAX), id="help-syntax")
        yield Footer()

    def on_mount(self) -> None:
        parts: list[RenderableType] = []
        for section, rows in binding_sections(self.app):
            parts.append(Text(section, style="bold underline"))
            table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
            table.add_column("keys", style="bold", no_wrap=True, width=14)
            table.add_column("what", ratio=1)
            for keys, what in rows:
                table.add_row(Text(keys), Text(what))
            parts.append(table)
            parts.append(Text(""))
        self.query_one("#help-table", Static).update(Group(*parts))
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
