"""The dashboard's keys: every binding of the app, with the id a keymap file names it by, and
which actions need a panel or still work while a text field has the focus.

The app (:class:`~.app.ZmqDash`) uses :data:`BINDINGS` as its own; :func:`~.keymap.binding_ids`
reads them from here. The keymap file itself is read and checked by :mod:`.keymap`.
"""

from __future__ import annotations

from textual.binding import Binding

from .device_actions import DEVICE_BINDINGS
from .patterns import PATTERNS
from .widgets.overview import OVERVIEW

# actions that need a socket panel in the visible tab
PANEL_ACTIONS = frozenset({
    "rename_socket", "close_socket", "bind", "connect", "unbind", "compose", "subscribe",
    "repeat", "stop_repeat", "auto_reply", "filter", "cycle_format", "set_format",
    "toggle_follow", "inspect", "export", "clear_log", "zoom", "show_code", "record", "replay",
    "explain_hints",
})
# what still works while a text field has the focus (its keys are not letters)
FIELD_ACTIONS = frozenset({"app.focus_next", "app.focus_previous"})


def action_name(action: str) -> str:
    """An action without its arguments: ``show_tab('pubsub')`` is ``show_tab``."""
    return action.split("(", 1)[0]


BINDINGS: list[Binding] = [
    Binding("a", "add_socket", "Add", id="add_socket",
            tooltip="Add a socket: type, name, endpoints, subscriptions, options (on the "
                    "Devices tab: a device)"),
    Binding("m", "compose", "Send", id="compose", tooltip="Write a message to send"),
    *DEVICE_BINDINGS,
    Binding("s", "subscribe", "Subs", id="subscribe", tooltip="Edit the SUB's prefixes"),
    Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the log"),
    Binding("t", "cycle_format", "Format", id="format",
            tooltip="Show payloads as auto, text, hex or JSON"),
    Binding("f", "toggle_follow", "Follow", id="follow", show=False,
            tooltip="Follow the newest entry, or pause"),
    Binding("i", "inspect", "Inspect", id="inspect",
            tooltip="Open the selected (or newest) entry"),
    Binding("h", "explain_hints", "Why?", id="explain_hints",
            tooltip="Why messages may be missing: the socket's hints, explained"),
    Binding("question_mark,f1", "help", "Help", id="help", key_display="?"),
    Binding("q", "leave", "Quit", id="quit"),
    Binding("b", "bind", "Bind", show=False, id="bind",
            tooltip="Bind the socket to one more endpoint"),
    Binding("c", "connect", "Connect", show=False, id="connect",
            tooltip="Connect the socket to one more endpoint"),
    Binding("u", "unbind", "Unbind/disconnect", show=False, id="unbind",
            tooltip="Unbind or disconnect one of the socket's endpoints"),
    Binding("n", "rename_socket", "Rename", show=False, id="rename",
            tooltip="Rename the socket"),
    Binding("w", "close_socket", "Close socket", show=False, id="close",
            tooltip="Close the socket (asks first)"),
    Binding("p", "repeat", "Repeat-send", show=False, id="repeat",
            tooltip="Send a template every N ms ({seq}, {time}), optionally N times"),
    Binding("P", "stop_repeat", "Stop repeat-sends", show=False, id="stop_repeat",
            tooltip="Stop the socket's repeat-sends"),
    Binding("A", "auto_reply", "Auto-reply", show=False, id="auto_reply",
            tooltip="REP/ROUTER: answer every request by itself (echo or a template)"),
    Binding("e", "export", "Export JSONL", show=False, id="export",
            tooltip="Export the socket's log to a JSON Lines file"),
    Binding("ctrl+l", "clear_log", "Clear log", show=False, id="clear",
            tooltip="Clear the socket's log (counters stay)"),
    Binding("z", "zoom", "Zoom panel", show=False, id="zoom",
            tooltip="Show only this socket's panel, on the whole screen (again to go back)"),
    Binding("escape", "unzoom", "Unzoom", key_display="esc", id="unzoom",
            tooltip="Leave the zoomed panel"),
    Binding("ctrl+e", "show_code", "Show as code", show=False, id="show_code",
            tooltip="The zmqdash cat line and a pyzmq program for this socket"),
    Binding("R", "record", "Record", show=False, id="record",
            tooltip="Record the socket's traffic to a JSON Lines file (again to stop)"),
    Binding("ctrl+r", "replay", "Replay", show=False, id="replay",
            tooltip="Replay a recording into the socket (again to stop)"),
    Binding("right_square_bracket", "next_panel", "Next panel", show=False,
            id="next_panel", tooltip="Move to the next socket in this tab"),
    Binding("left_square_bracket", "previous_panel", "Previous panel", show=False,
            id="previous_panel", tooltip="Move to the previous socket in this tab"),
    Binding("0", f"show_tab('{OVERVIEW}')", "Overview", show=False, id="tab_overview",
            tooltip="Show the Overview tab: every socket and device on one map"),
    *[
        Binding(str(i), f"show_tab('{p.id}')", p.title, show=False, id=f"tab_{p.id}",
                tooltip=f"Show the {p.title} tab")
        for i, p in enumerate(PATTERNS, 1)
    ],
    # Tab moves the focus before any key typed after it is delivered (a priority binding
    # runs as the key arrives; a plain one only after the focused widget let it through)
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True,
            id="focus_next"),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False,
            priority=True, id="focus_previous"),
    Binding("ctrl+s", "save_session", "Save session", show=False, id="save_session",
            tooltip="Save every socket to the session file (asks for a name the first time)"),
    Binding("ctrl+o", "open_session", "Open session", show=False, id="open_session",
            tooltip="Open a saved session; its sockets replace these"),
    Binding("ctrl+n", "new_session", "New session", show=False, id="new_session",
            tooltip="Close every socket and start an untitled session"),
]


#: actions of the dashboard's own bindings (disabled while a dialog or full screen is on top)
OWN_ACTIONS = frozenset(action_name(b.action) for b in BINDINGS) | PANEL_ACTIONS
