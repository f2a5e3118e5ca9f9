"""The dashboard: a tab per messaging pattern, a panel per socket, all driven by the engine.

The app never touches a socket. It submits commands to the engine and, on one timer, pulls what
changed from the engine's per-socket rings and counters, for the visible tab only. Rare
screens (dialogs, the inspector, help) are imported when first opened.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import BindingType
from textual.containers import HorizontalScroll
from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTabs

from ..codec import escape_text
from ..engine import commands as C
from ..engine.rates import last_second
from .bindings import BINDINGS as DASHBOARD_BINDINGS
from .commands import DashboardCommands
from .device_actions import DeviceActions, device_views
from .engine_link import EngineLink
from .focus import FocusKeeping
from .key_state import KeyState
from .keyorder import OrderedKeys
from .messages import EngineChanged, ExplainHints, MapAppeared, PanelFocused, SessionEdited
from .panel_actions import PanelActions
from .panel_rack import PanelRack
from .patterns import BY_ID, DEVICES, PATTERNS
from .session_actions import SessionActions
from .settings import refresh_hz
from .tool_actions import ToolActions
from .widgets.overview import OVERVIEW, Overview
from .widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.timer import Timer

    from ..engine.devices.state import DeviceView
    from ..engine.protocol import EngineLike
    from ..engine.state import SocketView

#: the separator between the frames of a multipart message typed in a composer
FRAME_SEPARATOR = "|"


class DashboardScreen(Screen):
    """The screen under every dialog: with nothing else focused, the tab bar is."""

    AUTO_FOCUS = "ContentTabs"


class ZmqDash(OrderedKeys, EngineLink, PanelRack, FocusKeeping, KeyState, SessionActions,
              DeviceActions, PanelActions, ToolActions, App[None]):
    """The full-screen dashboard. Build it with :func:`make_app`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "zmqdash"
    COMMANDS = App.COMMANDS | {DashboardCommands}

    BINDINGS: ClassVar[list[BindingType]] = [*DASHBOARD_BINDINGS]

    def __init__(
        self,
        engine: EngineLike | None = None,
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
        self._engine: EngineLike | None = engine
        #: finds the session to show (the last one, the demo) after the first frame; a
        #: SessionError it raises is shown as a notice and the dashboard starts empty
        self.load = load
        self.session = session
        self.session_path = Path(session_path) if session_path is not None else None
        self.frame_separator = frame_separator
        self.clock = clock
        self.current_panel = None
        self._panels = {}
        self._known = {}
        self._pending = {}
        self._built_tabs = set()
        self._views_seen: object = None
        self._devices_seen: object = None
        self._focus_next: tuple[str, str] | None = None  # (socket just added, its tab)
        self._rates = (0, 0)  # messages in and out, every socket, in the last full second
        self._previous_on_change = None
        self._timer: Timer | None = None
        self._unmounted = False
        self._extras = {}
        self._zoomed = None
        self._show_title()

    # -- layout ----------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return DashboardScreen(id="_default")

    def compose(self) -> ComposeResult:
        # the Overview is the first tab (key 0); the dashboard opens on the first pattern's
        self._tabs = TabbedContent(id="patterns", initial=f"pane-{PATTERNS[0].id}")
        self._status = StatusBar(id="status")
        self._overview = Overview(self._overview_views, id="overview")
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

    def _overview_views(self) -> tuple[Iterable[SocketView], Iterable[DeviceView]]:
        """What the Overview shows: the engine's sockets and devices, as they are now."""
        engine = self.engine
        return engine.sockets().values(), device_views(engine).values()

    def run(self, *args: Any, **kwargs: Any) -> None:
        # The terminal's real size must win: Textual asks shutil.get_terminal_size(), which
        # prefers COLUMNS and LINES when they are exported (some shells and tools do), and the
        # dashboard would then be drawn at that size whatever the window is.
        for variable in ("COLUMNS", "LINES"):
            os.environ.pop(variable, None)
        return super().run(*args, **kwargs)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
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

    def on_mount(self) -> None:
        if self._engine is None:
            # draw first: pyzmq, the engine and the session load once the frame is on screen
            self.call_after_refresh(self._after_first_frame)
        else:
            self._engine_ready()

    def _after_first_frame(self) -> None:
        self._start_engine()

    def _engine_ready(self) -> None:
        self._listen_to_engine()
        self._sync()
        self._refresh_status(force=True)
        if self.active_pattern == OVERVIEW:
            self.call_after_refresh(self._overview.tick)
        self._timer = self.set_interval(1 / refresh_hz(), self._tick, name="pull")
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
        self._unlink_engine()

    # -- engine plumbing --------------------------------------------------------------------------

    def on_engine_changed(self, message: EngineChanged) -> None:
        self._sync()
        self.dirty_check = True

    def on_session_edited(self, message: SessionEdited) -> None:
        message.stop()
        self.dirty_check = True

    def on_panel_focused(self, message: PanelFocused) -> None:
        message.stop()
        # the focus may have moved on before this came (to another panel, whose message
        # follows): a stale one must not take the current panel back
        if message.panel.has_focus_within:
            self.current_panel = message.panel

    def on_map_appeared(self, message: MapAppeared) -> None:
        message.stop()
        self.call_after_refresh(self._settle_if_adrift)

    def on_explain_hints(self, message: ExplainHints) -> None:
        message.stop()
        from .screens.hints import HintScreen

        self.push_screen(HintScreen(message.name, message.hints))

    # -- the timer -------------------------------------------------------------------------------

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
        self._expand_visible()  # (scrolled sideways by the mouse, say)
        if self.screen is self.screen_stack[0] or isinstance(self.screen, ModalScreen):
            for panel in self.visible_panels():
                panel.tick(now)
            if self.active_pattern == OVERVIEW:  # hidden, it costs nothing
                self._overview.tick()
        self._refresh_status()

    def _refresh_status(self, force: bool = False) -> None:
        views = self.engine.sockets().values()
        msgs_in = msgs_out = errors = dropped = rate_in = rate_out = 0
        for view in views:
            stats = view.stats
            msgs_in += stats.msgs_in
            msgs_out += stats.msgs_out
            errors += stats.errors
            dropped += view.log.dropped
            last_in, last_out = last_second(view)
            rate_in += last_in
            rate_out += last_out
        self._rates = (rate_in, rate_out)
        self._status.show(
            self.session_label, len(views), msgs_in, self._rates[0], msgs_out, self._rates[1],
            errors, dropped, force=force,
        )

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # a pane shown for the first time gets its panels (each draws itself once mounted);
        # one shown before is brought up to date at once
        if self.engine_started:
            self._build_tab(self.active_pattern)
        for panel in self.panels():
            panel.tick(force=True)
        if self.active_pattern == OVERVIEW and self.engine_started:
            self._overview.tick()
        if self._known:  # with no panel anywhere, no key depends on the tab
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

    def prompt(self, title: str, value: str, then: Callable[[str], object], *,
               hint: str = "", placeholder: str = "") -> None:
        from .screens.dialogs import PromptScreen

        def done(result: str | None) -> None:
            if result is not None:
                then(result)

        self.push_screen(PromptScreen(title, value, hint=hint, placeholder=placeholder), done)

    # -- actions: tabs, new sockets, moving between panels (the rest: panel_actions.py) --------

    def action_show_tab(self, pattern: str) -> AwaitComplete | None:
        """Show a tab (its panels are built the first time; a key waits for them)."""
        if pattern == OVERVIEW:
            self.action_show_overview()
            return None
        if pattern not in BY_ID:
            return None
        self._unzoom()
        mounting = self._build_tab(pattern)
        if mounting is None:
            self._switch_to(pattern)
            return None

        async def built() -> None:
            await mounting
            self._switch_to(pattern)

        return AwaitComplete(built())

    def _switch_to(self, pattern: str) -> None:
        panels = [p for p in self.panels(pattern) if p.is_attached]
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

    def on_overview_map_open(self, event) -> AwaitComplete | None:
        """Enter (or a double click) on the map: that socket's panel, in its tab."""
        kind, _, name = event.key.partition(":")
        if kind == "s":
            return self.go_to_socket(name)
        return self.go_to_device(name)

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

    def _step_panel(self, step: int) -> AwaitComplete | None:
        panels = self.panels()
        if not panels:
            return None
        current = self.panel()
        index = panels.index(current) if current in panels else -step
        return self.focus_panel(panels[(index + step) % len(panels)])

    def action_next_panel(self) -> AwaitComplete | None:
        return self._step_panel(1)

    def action_previous_panel(self) -> AwaitComplete | None:
        return self._step_panel(-1)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())


def make_app(engine: EngineLike | None = None, session: Any = None,
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
