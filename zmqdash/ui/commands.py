"""Every dashboard action in the command palette (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from ..codec import FORMATS, escape_text
from ..engine.socket_types import NAMES as SOCKET_TYPE_NAMES
from .device_actions import device_views
from .patterns import PATTERNS

if TYPE_CHECKING:
    from .app import ZmqDash

#: (title, action, help) for the actions that act on the app or the current socket
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Add a socket", "add_socket", "Type, name, bind/connect endpoints, subscriptions, options"),
    ("Add a device", "add_device", "A streamer, forwarder or queue between two sets of endpoints"),
    ("Pause or resume the device", "pause_device", "Stop forwarding (messages wait), or go on"),
    ("Stop the device", "stop_device", "Close both its sockets (restart starts it again)"),
    ("Restart the device", "restart_device", "Make its sockets again and run"),
    ("Inject a message", "inject", "Send into one of the device's directions"),
    ("Tap on/off", "toggle_tap", "Log every message that crosses the device, or only count"),
    ("Send a message", "compose", "Focus the composer of the current socket"),
    ("Edit subscriptions", "subscribe", "Change the prefixes of the current SUB socket"),
    ("Repeat-send", "repeat", "Send a template every N ms ({seq}, {time} ...)"),
    ("Stop repeat-sends", "stop_repeat", "Stop every repeat-send of the current socket"),
    ("Auto-reply", "auto_reply", "Answer every request on a REP or ROUTER"),
    ("Bind one more endpoint", "bind", "Bind the current socket to another endpoint"),
    ("Connect to one more endpoint", "connect", "Connect the current socket to an endpoint"),
    ("Unbind or disconnect", "unbind", "Drop one endpoint of the current socket"),
    ("Rename the socket", "rename_socket", "Give the current socket another name"),
    ("Close the socket", "close_socket", "Close the current socket"),
    ("Filter the log", "filter", "Show only entries matching text or /regex/"),
    ("Cycle display format", "cycle_format", "auto, text, hex, JSON"),
    ("Follow / pause the log", "toggle_follow", "Stick to the newest entry, or hold still"),
    ("Inspect an entry", "inspect", "Every frame in text, hex and JSON; copy it"),
    ("Why? Explain the hints", "explain_hints",
     "Why messages may be going missing from the current socket, and the way out"),
    ("Export the log to JSONL", "export", "Write the current socket's log to a file"),
    ("Clear the log", "clear_log", "Forget the current socket's log entries"),
    ("Zoom the panel", "zoom", "Show only the current socket (again to go back)"),
    ("Show as code", "show_code", "The zmqdash cat line and a pyzmq program for the socket"),
    ("Leave the zoom", "unzoom", "Show every socket of the tab again"),
    ("Record the socket's traffic", "record", "To a JSON Lines file, from now on (or stop)"),
    ("Replay a recording", "replay", "Send a recording's messages on the socket (or stop)"),
    ("Next socket panel", "next_panel", "Move to the next panel in this tab"),
    ("Previous socket panel", "previous_panel", "Move to the previous panel in this tab"),
    ("Save the session", "save_session", "Write every socket to the session's file"),
    ("Save the session as...", "save_session_as", "Write every socket to a new session file"),
    ("Open a session", "open_session", "Replace the sockets with a saved session's"),
    ("New session", "new_session", "Close every socket and start an untitled session"),
    ("Help: every key", "help", "The list of key bindings"),
    ("Quit", "leave", "Close every socket and leave"),
)


class DashboardCommands(Provider):
    """Actions, tabs, formats and sockets by name."""

    @property
    def dashboard(self) -> ZmqDash:
        """The app, as the dashboard it is (this palette is only ever the dashboard's)."""
        from .app import ZmqDash

        app = self.app
        assert isinstance(app, ZmqDash)
        return app

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.dashboard
        out: list[tuple[str, Callable[[], Any], str]] = []
        for title, action, help_text in ACTIONS:
            if app.action_state(action) is False:
                continue
            out.append((title, partial(app.run_action, action), help_text))
        out.append(("Tab: Overview", partial(app.run_action, "show_tab('overview')"),
                    "Every socket and device on one map, with the top talkers (key 0)"))
        for i, p in enumerate(PATTERNS, 1):
            out.append((f"Tab: {p.title}", partial(app.run_action, f"show_tab('{p.id}')"),
                        f"{p.reminder} (key {i})"))
        for kind in SOCKET_TYPE_NAMES:
            article = "an" if kind.startswith("X") else "a"  # "an ex-sub"
            out.append((f"Add {article} {kind} socket", partial(app.action_add_socket, kind),
                        "Open the add-socket dialog with this type"))
        if app.action_state("set_format") is not False:
            for fmt in FORMATS:
                out.append((f"Format: {fmt}", partial(app.action_set_format, fmt),
                            "Show payloads of the current socket this way"))
        for name in app.engine.sockets():
            out.append((f"Go to socket {escape_text(name)}", partial(app.go_to_socket, name),
                        "Show its tab and focus it"))
        for name in device_views(app.engine):
            out.append((f"Go to device {escape_text(name)}", partial(app.go_to_device, name),
                        "Show the Devices tab and focus it"))
        return out

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(escape(title), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(escape(title)), callback, help=help_text)
