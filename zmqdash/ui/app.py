"""The dashboard: a tab per messaging pattern, a panel per socket, all driven by the engine.

The app never touches a socket. It submits commands to the engine and, on one timer, pulls what
changed from the engine's per-socket rings and counters, for the visible tab only. Rare
screens (dialogs, the inspector, help) are imported when first opened.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTabs

from ..codec import FORMATS, escape_text
from ..engine import commands as C
from .commands import DashboardCommands
from .device_actions import DEVICE_ACTIONS, DEVICE_BINDINGS, DeviceActions, device_views, is_device
from .keyorder import OrderedKeys
from .keys import typed_as_text
from .panel_actions import PanelActions
from .patterns import BY_ID, DEVICES, PATTERNS, REPLYING, SENDING, SUBSCRIBING, pattern_of
from .session_actions import SessionActions
from .tool_actions import ToolActions
from .widgets.overview import OVERVIEW, Overview
from .widgets.socket_panel import SocketPanel
from .widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from ..engine import Engine

#: environment variable: how often a second the screen pulls from the engine (default 10)
REFRESH_ENV = "ZMQDASH_REFRESH_HZ"
#: environment variable: entries kept per socket log (default 10000)
RING_ENV = "ZMQDASH_RING"
#: young objects allowed before a collection, once started (Python's default is 700): a
#: screen's worth of Textual strips is thousands of short-lived objects, and each collection
#: that runs in the middle of a frame delays it
GC_YOUNG_THRESHOLD = 20_000
#: the engine thread's CPU niceness above the screen's: when a flood fills the CPUs, messages
#: wait in ZeroMQ's queues (nothing is lost) rather than key presses waiting for a CPU
ENGINE_NICE = 10
#: narrowest a socket panel gets before the panels scroll sideways
PANEL_MIN_WIDTH = 38
#: the separator between the frames of a multipart message typed in a composer
FRAME_SEPARATOR = "|"

# actions that need a socket panel in the visible tab
PANEL_ACTIONS = frozenset({
    "rename_socket", "close_socket", "bind", "connect", "unbind", "compose", "subscribe",
    "repeat", "stop_repeat", "auto_reply", "filter", "cycle_format", "set_format",
    "toggle_follow", "inspect", "export", "clear_log", "zoom", "show_code", "record", "replay",
    "explain_hints",
})
# what still works while a text field has the focus (its keys are not letters)
FIELD_ACTIONS = frozenset({"app.focus_next", "app.focus_previous"})


def _action_name(action: str) -> str:
    return action.split("(", 1)[0]


class EngineChanged(Message):
    """Posted from the engine's thread when sockets were made, closed or changed state."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names


class CommandDone(Message):
    """An engine command finished (posted from the engine's thread)."""

    def __init__(self, cmd: Any, result: Any, error: BaseException | None,
                 then: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.cmd = cmd
        self.result = result
        self.error = error
        self.then = then


def _env_number(name: str, default: float, low: float, high: float) -> float:
    """A number from the environment, clamped to [low, high]; the default if unset or bad."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return min(high, max(low, value)) if math.isfinite(value) else default


def _ring_capacity() -> int:
    return int(_env_number(RING_ENV, 10_000, 1, 10_000_000))


def _refresh_hz() -> float:
    return _env_number(REFRESH_ENV, 10, 1, 60)


class DashboardScreen(Screen):
    """The screen under every dialog: with nothing else focused, the tab bar is."""

    AUTO_FOCUS = "ContentTabs"


class ZmqDash(OrderedKeys, SessionActions, DeviceActions, PanelActions, ToolActions, App[None]):
    """The full-screen dashboard. Build it with :func:`make_app`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "zmqdash"
    COMMANDS = App.COMMANDS | {DashboardCommands}

    BINDINGS = [
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

    def __init__(
        self,
        engine: Engine | None = None,
        session: Any = None,
        session_path: str | os.PathLike | None = None,
        *,
        load: Callable[[], tuple[Any, Path | None] | None] | None = None,
        frame_separator: str | None = FRAME_SEPARATOR,
        clock: Callable[[], float] = time.monotonic,
        freeze_startup: bool = False,
    ) -> None:
        super().__init__()
        #: once started, hide what starting made from the garbage collector (see _start_engine)
        self.freeze_startup = freeze_startup
        #: problems found while starting (the last session would not load, the keymap file is
        #: wrong), each shown once the screen is up, where the user is looking
        self.notices: list[str] = []
        self.owns_engine = engine is None
        # an engine of its own is made once the first frame is on screen (see on_mount), or
        # sooner if a key typed ahead needs it
        self._engine: Engine | None = engine
        #: finds the session to show (the last one, the demo) after the first frame; a
        #: SessionError it raises is shown as a notice and the dashboard starts empty
        self.load = load
        self.session = session
        self.session_path = Path(session_path) if session_path is not None else None
        self.frame_separator = frame_separator
        self.clock = clock
        self.current_panel: SocketPanel | None = None
        self._panels: dict[int, SocketPanel] = {}
        self._views_seen: object = None
        self._devices_seen: object = None
        self._focus_next: tuple[str, str] | None = None  # (socket just added, its tab)
        self._rate_at = clock()
        self._rate_counts = (0, 0)
        self._rates = (0.0, 0.0)
        self._previous_on_change = None
        self._timer = None
        self._unmounted = False
        self._extras: dict[str, tuple[str, list[str]]] = {}
        self._zoomed: SocketPanel | None = None
        self._show_title()

    # -- layout ----------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return DashboardScreen(id="_default")

    def compose(self) -> ComposeResult:
        # the Overview is the first tab (key 0); the dashboard opens on the first pattern's
        self._tabs = TabbedContent(id="patterns", initial=f"pane-{PATTERNS[0].id}")
        self._status = StatusBar(id="status")
        self._overview = Overview(id="overview")
        with self._tabs:
            with TabPane("Overview", id=f"pane-{OVERVIEW}"):
                yield self._overview
            for p in PATTERNS:
                with TabPane(p.title, id=f"pane-{p.id}"):
                    yield Static(p.reminder, classes="reminder", markup=False)
                    yield Static(p.empty_hint, classes="empty-hint", markup=False)
                    yield HorizontalScroll(id=f"panels-{p.id}", classes="panels",
                                           can_focus=False)
        yield self._status
        footer = Footer()
        # Textual's footer waits for a bindings signal before it shows any key, so the keys
        # would reach the screen a few frames (about 70 ms) after the first; the bindings are
        # known now. (Skipped if a Textual release drops that flag.)
        if isinstance(getattr(Footer, "_bindings_ready", None), Reactive):
            footer.set_reactive(Footer._bindings_ready, True)
        yield footer

    def run(self, *args: Any, **kwargs: Any):
        # The terminal's real size must win: Textual asks shutil.get_terminal_size(), which
        # prefers COLUMNS and LINES when they are exported (some shells and tools do), and the
        # dashboard would then be drawn at that size whatever the window is.
        for variable in ("COLUMNS", "LINES"):
            os.environ.pop(variable, None)
        return super().run(*args, **kwargs)

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification, the app's and its screens' and widgets': plain text, escaped.

        What a notification says is mostly from outside (error strings naming a file, an
        endpoint, a peer), so it is never read as markup (``[/]`` would end the app) and its
        control and invisible characters are shown as escapes, here, for every caller.
        ``markup`` is accepted for Textual's own callers and ignored."""
        super().notify(escape_text(str(message)), title=escape_text(str(title)),
                       severity=severity, timeout=timeout, markup=False)

    def action_leave(self) -> None:
        """Quit (the q key; Ctrl+Q quits from anywhere); asks first if changes are unsaved."""
        self.unless_unsaved("Quit without saving?", self.exit)

    async def action_quit(self) -> None:
        """Ctrl+Q: quit from anywhere, but never lose unsaved changes without asking."""
        from .screens.dialogs import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):  # asked already: a second Ctrl+Q means it
            self.exit()
            return
        self.action_leave()

    @property
    def engine(self) -> Engine:
        """The engine (made on first use if the app owns it)."""
        if self._engine is None:
            self._start_engine()
        return self._engine

    @property
    def engine_started(self) -> bool:
        return self._engine is not None

    def on_mount(self) -> None:
        if self._engine is None:
            # draw first: pyzmq, the engine and the session load once the frame is on screen
            self.call_after_refresh(self._after_first_frame)
        else:
            self._engine_ready()

    def _after_first_frame(self) -> None:
        self._start_engine()

    def _start_engine(self) -> None:
        if self._engine is not None or self._unmounted:
            return  # made already (a key typed ahead needed it), or gone
        from ..engine import Engine

        engine = Engine(ring_capacity=_ring_capacity(), nice=ENGINE_NICE)
        self._engine = engine
        engine.start()
        if self.load is not None:
            from ..session import SessionError

            try:
                found = self.load()
            except SessionError as exc:
                self.notices.append(str(exc))
            else:
                if found is not None:
                    self._set_session(*found)
        self._engine_ready()
        if self.freeze_startup:
            # Modules, widgets and styles live as long as the program: a full collection would
            # walk all of them (50-70 ms with the screen stalled), so they are frozen out of it.
            gc.freeze()
            gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)

    def _engine_ready(self) -> None:
        engine = self.engine
        self._previous_on_change = engine.on_change
        engine.on_change = self._engine_changed
        self._sync()
        self._refresh_status(force=True)
        if self.active_pattern == OVERVIEW:
            self.call_after_refresh(self._overview.tick)
        self._timer = self.set_interval(1 / _refresh_hz(), self._tick, name="pull")
        if self._keymap:  # ids are checked once the screens they belong to may be loaded
            from .keymap import binding_ids, keymap_path, unknown_ids

            self.notices += unknown_ids(self._keymap, binding_ids(), keymap_path())
        for notice in self.notices:
            self.notify(notice, title="zmqdash", severity="error", timeout=15)
        if self.session is not None:
            self._apply_session(self.session)  # marks it clean once applied
        else:
            self._clean = self._empty_fingerprint()

    def on_unmount(self) -> None:
        self._unmounted = True
        if self._timer is not None:
            self._timer.stop()
        engine = self._engine
        if engine is None:
            return  # quit before the engine was made
        engine.on_change = self._previous_on_change
        if self.owns_engine:
            engine.stop()

    # -- engine plumbing --------------------------------------------------------------------------

    def _engine_changed(self, names: frozenset[str]) -> None:
        # the engine's thread: post_message is the thread-safe way in
        self.post_message(EngineChanged(names))
        previous = self._previous_on_change
        if previous is not None:
            previous(names)

    def on_engine_changed(self, message: EngineChanged) -> None:
        self._sync()
        self.dirty_check = True

    def run_command(self, cmd: Any, then: Callable[[Any], None] | None = None) -> Future:
        """Hand ``cmd`` to the engine; ``then(result)`` runs on the UI thread if it succeeds.

        A failure is shown as a notification (the engine has also put it in the socket's log).
        """
        future = self.engine.submit(cmd)

        def finished(fut: Future) -> None:
            try:
                result, error = fut.result(), None
            except BaseException as exc:  # noqa: BLE001 - any failure is reported the same way
                result, error = None, exc
            self.post_message(CommandDone(cmd, result, error, then))

        future.add_done_callback(finished)
        return future

    def on_command_done(self, message: CommandDone) -> None:
        if message.error is not None:
            verb = type(message.cmd).__name__.lower()
            self.notify(str(message.error), title=f"{verb} failed", severity="error")
        elif message.then is not None:
            message.then(message.result)

    def _sync(self) -> None:
        """Match the panels to the engine's sockets (made, closed, renamed)."""
        if self._shutting_down:
            return  # the tabs a panel would go in may already be gone
        views = self.engine.sockets()
        devices = device_views(self.engine)
        if views is self._views_seen and devices is self._devices_seen:
            return
        self._views_seen, self._devices_seen = views, devices
        alive = {id(v): v for v in views.values()}
        devices_by_id = {id(v) for v in devices.values()}
        alive.update((id(v), v) for v in devices.values())
        before = set(self._panels)
        for key in [k for k in self._panels if k not in alive]:
            panel = self._panels.pop(key)
            if self.current_panel is panel:
                self.current_panel = None
            if self.zoomed is panel:
                self._unzoom()
            focused = self.screen_stack[0].focused
            if focused is None or panel in focused.ancestors_with_self:
                # before Textual hands the focus to a neighbour (a composer, as often as not)
                self.settle_focus(avoid=panel)
            panel.remove()
        for key, view in alive.items():
            if key in self._panels:
                continue
            if key in devices_by_id:
                panel = self.device_panel(view)
            else:
                fmt, snippets = self._extras.pop(view.name, ("auto", []))
                panel = SocketPanel(view, fmt if fmt in FORMATS else "auto", snippets)
                panel.pattern = pattern_of(view.type)
            self._panels[key] = panel
            self.query_one(f"#panels-{panel.pattern}", HorizontalScroll).mount(panel)
            if self._focus_next is not None and self._focus_next[0] == view.name:
                # a socket just added: show it, unless the user has moved on to another tab
                if self._focus_next[1] == self.active_pattern:
                    self.call_after_refresh(self._show_panel, panel)
                self._focus_next = None
            elif panel.pattern == self.active_pattern:
                self.call_after_refresh(self._settle_if_adrift)
        self.call_after_refresh(self._update_hints)
        if set(self._panels) != before:
            # which keys apply depends on the panels (each refresh rebuilds the footer)
            self.refresh_bindings()

    def _update_hints(self) -> None:
        for p in PATTERNS:
            has = bool(self.panels(p.id))
            self.query_one(f"#pane-{p.id} .empty-hint").display = not has
        self._size_panels()

    def _size_panels(self) -> None:
        """Share the width between a tab's panels; past PANEL_MIN_WIDTH each, scroll sideways
        (the focused panel is scrolled into view)."""
        width = self.size.width
        zoomed = self.zoomed
        if zoomed is not None and (zoomed.styles.width is None or
                                   zoomed.styles.width.value != width):
            zoomed.styles.width = width
        for p in PATTERNS:
            panels = [each for each in self.panels(p.id) if each is not zoomed]
            if not panels:
                continue
            each = max(PANEL_MIN_WIDTH, width // len(panels))
            for i, panel in enumerate(panels):
                # the last one takes what is left, so the row is filled exactly
                share = each if each * len(panels) > width else (
                    width - each * (len(panels) - 1) if i == len(panels) - 1 else each)
                if panel.styles.width is None or panel.styles.width.value != share:
                    panel.styles.width = share

    def on_resize(self) -> None:
        self.call_after_refresh(self._size_panels)

    def focus_now(self, widget) -> None:
        """Focus at once, so keys typed right after a focus key land in the new place."""
        if widget is not None and widget.is_attached:
            widget.screen.set_focus(widget)

    def settle_focus(self, avoid: SocketPanel | None = None) -> None:
        """Where the focus goes after adding, closing, switching tab, zooming or a dialog: the
        log of the current panel, or the tab bar when the tab has none. Never a text field:
        keys typed next are commands, and nothing is sent that the user did not mean."""
        if self.active_pattern == OVERVIEW and self.zoomed is None:
            self.screen_stack[0].set_focus(self._overview.map)
            return
        panel = self.zoomed or self.panel()
        if panel is None or panel is avoid or not panel.log_view.is_attached:
            panel = next((p for p in self.panels() if p is not avoid
                          and p.log_view.is_attached), None)
        base = self.screen_stack[0]
        if panel is not None:
            self.current_panel = panel
            base.set_focus(panel.log_view)
        else:
            base.set_focus(self._tabs.query_one(ContentTabs))

    def _settle_if_adrift(self) -> None:
        """A panel appeared in the visible tab: if nothing in the tab has the focus, its log
        takes it."""
        focused = self.screen_stack[0].focused
        if focused is None or isinstance(focused, ContentTabs):
            self.settle_focus()

    def _show_panel(self, panel: SocketPanel) -> None:
        if not panel.is_attached:
            return
        self._unzoom()
        self.current_panel = panel
        self.focus_now(panel.log_view)  # first: a focus left in the old tab would pull it back
        self._tabs.active = f"pane-{panel.pattern}"

    def push_screen(self, screen, callback=None, wait_for_dismiss: bool = False, **kwargs):
        """Every dialog and full screen gives the focus back to a log when it closes (before
        its own callback, which may move it on, as "Send a message" does)."""
        if isinstance(screen, str):
            return super().push_screen(screen, callback, wait_for_dismiss, **kwargs)

        def closed(result) -> None:
            if self.screen_stack and not self._shutting_down:
                self.settle_focus()
            if callback is not None:
                callback(result)

        return super().push_screen(screen, closed, wait_for_dismiss, **kwargs)

    # -- the timer -------------------------------------------------------------------------------

    @property
    def active_pattern(self) -> str:
        active = self._tabs.active or "pane-reqrep"
        return active.removeprefix("pane-")

    def panels(self, pattern: str | None = None) -> list[SocketPanel]:
        """The socket panels of a tab (the visible one by default), left to right."""
        pattern = self.active_pattern if pattern is None else pattern
        return [p for p in self._panels.values() if p.pattern == pattern]

    def visible_panels(self) -> list[SocketPanel]:
        zoomed = self.zoomed
        return [zoomed] if zoomed is not None else self.panels()

    @property
    def zoomed(self) -> SocketPanel | None:
        """The panel zoomed to the whole screen, if one is."""
        panel = self._zoomed
        return panel if panel is not None and panel.is_attached else None

    def zoom(self, panel: SocketPanel) -> None:
        """Show ``panel`` alone, on the screen's whole width and height (the status bar and
        the footer stay)."""
        self._unzoom()
        self._zoomed = panel
        self.screen_stack[0].add_class("-zoom")
        panel.add_class("-zoomed")
        self._size_panels()
        self.current_panel = panel
        self.focus_now(panel.log_view)
        self.refresh_bindings()

    def _unzoom(self) -> None:
        panel = self._zoomed
        if panel is None:
            return
        self._zoomed = None
        self.screen_stack[0].remove_class("-zoom")
        panel.remove_class("-zoomed")
        self._size_panels()
        for each in self.panels():
            each.tick(force=True)  # hidden while zoomed: brought up to date at once
        self.refresh_bindings()

    @property
    def _shutting_down(self) -> bool:
        """True once the screen's widgets are being taken down (messages still arrive)."""
        return self._unmounted or not self._status.is_attached

    def _tick(self) -> None:
        if self._shutting_down:
            return
        self._sync()
        if self.dirty_check:
            self.check_dirty()
        now = self.clock()
        if self.screen is self.screen_stack[0] or isinstance(self.screen, ModalScreen):
            for panel in self.visible_panels():
                panel.tick(now)
            if self.active_pattern == OVERVIEW:  # hidden, it costs nothing
                self._overview.tick()
        self._refresh_status()

    def _refresh_status(self, force: bool = False) -> None:
        views = self.engine.sockets().values()
        msgs_in = msgs_out = errors = dropped = 0
        for view in views:
            stats = view.stats
            msgs_in += stats.msgs_in
            msgs_out += stats.msgs_out
            errors += stats.errors
            dropped += view.log.dropped
        now = self.clock()
        elapsed = now - self._rate_at
        if elapsed >= 1.0 or force:
            if elapsed > 0 and not force:
                old_in, old_out = self._rate_counts
                self._rates = (max(0.0, (msgs_in - old_in) / elapsed),
                               max(0.0, (msgs_out - old_out) / elapsed))
            self._rate_counts = (msgs_in, msgs_out)
            self._rate_at = now
        self._status.show(
            self.session_label, len(views), msgs_in, self._rates[0], msgs_out, self._rates[1],
            errors, dropped, force=force,
        )

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # a pane that becomes visible is brought up to date at once
        for panel in self.panels():
            panel.tick(force=True)
        if self.active_pattern == OVERVIEW and self.engine_started:
            self._overview.tick()
        if self._panels:  # with no panel anywhere, no key depends on the tab
            self.refresh_bindings()

    # -- helpers for actions ---------------------------------------------------------------------

    @property
    def session_name(self) -> str:
        name = getattr(self.session, "name", None) if self.session is not None else None
        if name:
            return str(name)
        if self.session_path is not None:
            return self.session_path.stem
        return "untitled"

    def panel(self) -> SocketPanel | None:
        """The socket panel actions apply to: the focused one, else the first in the tab."""
        current = self.current_panel
        if current is not None and current.is_attached and \
                getattr(current, "pattern", None) == self.active_pattern:
            return current
        panels = self.panels()
        return panels[0] if panels else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in OWN_ACTIONS or not self.is_mounted:
            return True  # Textual's own (ctrl+q quits from anywhere, ctrl+p ...)
        from textual.command import CommandPalette

        screen = self.screen
        if screen is not self.screen_stack[0] and not isinstance(screen, CommandPalette):
            return False  # a dialog or full screen is on top: its keys only
        if isinstance(screen.focused, Input) and action not in FIELD_ACTIONS and \
                self._typed_into_fields(action):
            return False  # those keys are text in a field: not offered, never run
        return self.action_state(action)

    def _typed_into_fields(self, action: str) -> bool:
        """Whether one of the dashboard's own actions is bound to keys a field types as text
        (judged by each binding's first key, the one the footer shows)."""
        cache = self.__dict__.setdefault("_typed_cache", {})
        keymap = getattr(self, "_keymap", {}) or {}
        key = (action, id(keymap), len(keymap))
        if key not in cache:
            keys = [(keymap.get(b.id, b.key) if b.id else b.key).split(",")[0]
                    for b in ZmqDash.BINDINGS if _action_name(b.action) == action]
            cache[key] = bool(keys) and all(typed_as_text(k) for k in keys)
        return cache[key]

    def action_state(self, action: str) -> bool | None:
        """Whether a socket action applies to the current panel: True, False (hidden) or
        None (shown disabled)."""
        if action == "unzoom":
            return self.zoomed is not None
        if action not in PANEL_ACTIONS and action not in DEVICE_ACTIONS:
            return True
        if self.active_pattern == OVERVIEW:
            return self.overview_action_state(action)
        panel = self.panel()
        if panel is None:
            return False
        if action in DEVICE_ACTIONS or is_device(panel):
            return self.device_action_state(panel, action)
        kind = panel.socket_type
        if action in ("compose", "repeat", "replay"):
            return kind in SENDING
        if action == "subscribe":
            return kind in SUBSCRIBING
        if action == "auto_reply":
            return kind in REPLYING
        if action == "stop_repeat":
            return bool(panel.view.repeaters) or None
        if action == "explain_hints":
            return bool(panel.view.hints)
        if action == "unbind":
            return bool(panel.view.endpoints) or None
        return True

    def _need_panel(self) -> SocketPanel | None:
        panel = self.panel()
        if panel is None:
            what = "device" if self.active_pattern == DEVICES else "socket"
            self.notify(f"No {what} in this tab: press a to add one.", severity="warning")
        return panel

    def prompt(self, title: str, value: str, then: Callable[[str], None], *,
               hint: str = "", placeholder: str = "") -> None:
        from .screens.dialogs import PromptScreen

        def done(result: str | None) -> None:
            if result is not None:
                then(result)

        self.push_screen(PromptScreen(title, value, hint=hint, placeholder=placeholder), done)

    # -- actions: tabs, new sockets, moving between panels (the rest: panel_actions.py) --------

    def action_show_tab(self, pattern: str) -> None:
        if pattern == OVERVIEW:
            self.action_show_overview()
            return
        if pattern not in BY_ID:
            return
        self._unzoom()
        panels = self.panels(pattern)
        # the focus moves first: left in the tab being hidden, it would pull that tab back
        if panels:
            self.current_panel = panels[0]
            self.focus_now(panels[0].log_view)
        else:
            self.focus_now(self._tabs.query_one(ContentTabs))
        self._tabs.active = f"pane-{pattern}"

    def action_show_overview(self) -> None:
        self._unzoom()
        self.focus_now(self._overview.map)  # first, as for the other tabs
        self._tabs.active = f"pane-{OVERVIEW}"

    def on_overview_map_open(self, event) -> None:
        """Enter (or a double click) on the map: that socket's panel, in its tab."""
        kind, _, name = event.key.partition(":")
        if kind == "s":
            self.go_to_socket(name)
        elif hasattr(self, "go_to_device"):
            self.go_to_device(name)
        else:
            self.notify(f"The device {name} has no panel here yet.", severity="warning")

    def action_add_socket(self, socket_type: str | None = None) -> None:
        from .screens.add_socket import AddSocketScreen

        if socket_type is None and self.active_pattern == DEVICES:
            self.action_add_device()
            return
        default = socket_type or BY_ID.get(self.active_pattern, PATTERNS[0]).types[0]
        taken = set(self.engine.sockets())
        self.push_screen(AddSocketScreen(default, taken), self.add_socket)

    def add_socket(self, spec) -> None:
        """Make the socket a :class:`~.screens.add_socket.NewSocket` describes."""
        if spec is None:
            return
        name = spec.name
        self._focus_next = (name, self.active_pattern)

        def wire(_result=None) -> None:
            for endpoint in spec.binds:
                self.run_command(C.Bind(name, endpoint))
            for endpoint in spec.connects:
                self.run_command(C.Connect(name, endpoint, via=spec.via.get(endpoint)))
            for prefix in spec.subscriptions:
                self.run_command(C.Subscribe(name, prefix))

        def created(_result) -> None:
            creds = getattr(spec, "credentials", None)
            if creds is None:
                wire()
            else:  # secured first: it never binds or connects without its security
                self.run_command(C.Secure(name, creds, spec.given), wire)

        self.run_command(C.Create(name, spec.type, tuple(spec.options)), created)

    def _step_panel(self, step: int) -> None:
        panels = self.panels()
        if not panels:
            return
        current = self.panel()
        index = panels.index(current) if current in panels else -step
        panel = panels[(index + step) % len(panels)]
        self.current_panel = panel
        self.focus_now(panel.log_view)

    def action_next_panel(self) -> None:
        self._step_panel(1)

    def action_previous_panel(self) -> None:
        self._step_panel(-1)

    def go_to_socket(self, name: str) -> None:
        for panel in self._panels.values():
            if panel.socket_name == name:
                self._show_panel(panel)
                return

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())


#: actions of the dashboard's own bindings (disabled while a dialog or full screen is on top)
OWN_ACTIONS = frozenset(_action_name(b.action) for b in ZmqDash.BINDINGS) | PANEL_ACTIONS


def make_app(engine: Engine | None = None, session: Any = None,
             session_path: str | os.PathLike | None = None, **options: Any) -> ZmqDash:
    """The dashboard. With no engine, it makes one and owns it (made once the first frame is
    drawn, stopped on unmount); ``session`` (or what ``load()`` finds) is applied once the app
    is running."""
    app = ZmqDash(engine, session, session_path, **options)
    from .keymap import load_keymap

    keymap, problems = load_keymap()
    app.notices += problems  # shown once the screen is up (stderr is hidden behind it)
    if keymap:
        app.set_keymap(keymap)
    return app
