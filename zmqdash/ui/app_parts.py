"""What the dashboard's mixins share, declared once: the state :class:`~.app.ZmqDash` sets up,
which the mixins read, and the methods one mixin calls in another (each under the module that
defines it). Every mixin of the app derives from :class:`AppParts`, so a type checker sees the
whole app, Textual's ``App`` included, from inside any of them; at run time this class holds
nothing and derives from ``object`` (the app itself derives from ``App``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.await_complete import AwaitComplete
    from textual.screen import Screen
    from textual.widget import AwaitMount
    from textual.widgets import TabbedContent

    from ..engine.devices.state import DeviceView
    from ..engine.protocol import AnyCommand, EngineLike
    from ..engine.state import SocketView
    from .widgets.device_panel import DevicePanel
    from .widgets.overview import Overview
    from .widgets.panel import Panel
    from .widgets.socket_panel import SocketPanel

    #: what a panel shows: a socket's view or a device's
    AnyView = SocketView | DeviceView

    _Base = App[None]
else:
    _Base = object


class AppParts(_Base):
    """The dashboard's shared state and its mixins' calls to each other (for the type
    checker)."""

    # -- app.py ----------------------------------------------------------------------------------
    freeze_startup: bool
    notices: list[str]
    load: Callable[[], tuple[Any, Path | None] | None] | None
    session: Any
    session_path: Path | None
    frame_separator: str | None
    current_panel: Panel | None
    _tabs: TabbedContent
    _overview: Overview

    # -- engine_link.py --------------------------------------------------------------------------
    owns_engine: bool
    _engine: EngineLike | None
    _unmounted: bool

    # -- panel_rack.py ---------------------------------------------------------------------------
    #: panels built, by id of their view
    _panels: dict[int, Panel]
    #: every socket and device the engine has: id of its view -> (view, tab, is a device)
    _known: dict[int, tuple[AnyView, str, bool]]
    #: (format, snippets) for each view whose panel is not built yet
    _pending: dict[int, tuple[str, list[str]]]
    #: tabs shown at least once: their panels are built as their sockets come
    _built_tabs: set[str]
    #: (format, snippets) a session keeps of each socket (by name) and device (device_key)
    _extras: dict[Any, tuple[str, list[str]]]
    #: (socket just added, its tab): its panel takes the focus when it comes
    _focus_next: tuple[str, str] | None
    _zoomed: Panel | None

    # -- session_actions.py ----------------------------------------------------------------------
    dirty_check: bool
    dirty: bool
    _clean: str | None

    if TYPE_CHECKING:
        # app.py
        @property
        def _shutting_down(self) -> bool: ...
        @property
        def session_name(self) -> str: ...
        def prompt(self, title: str, value: str, then: Callable[[str], object], *,
                   hint: str = "", placeholder: str = "") -> None: ...
        def _refresh_status(self, force: bool = False) -> None: ...
        def _engine_ready(self) -> None: ...

        # engine_link.py
        @property
        def engine(self) -> EngineLike: ...
        def run_command(self, cmd: AnyCommand,
                        then: Callable[[Any], None] | None = None) -> Future[Any]: ...

        # panel_rack.py
        @property
        def active_pattern(self) -> str: ...
        @property
        def zoomed(self) -> Panel | None: ...
        def panels(self, pattern: str | None = None) -> list[Panel]: ...
        def panel(self) -> Panel | None: ...
        def zoom(self, panel: Panel) -> None: ...
        def _unzoom(self) -> None: ...
        def _sync(self) -> None: ...
        def _build_tab(self, tab: str) -> AwaitMount | None: ...
        def panel_of(self, view: AnyView) -> Panel | None: ...
        def go_to_view(self, view: AnyView) -> AwaitComplete | None: ...
        def saved_extras(self) -> list[tuple[AnyView, bool, str, list[str]]]: ...

        # focus.py
        def focus_now(self, widget: Any) -> None: ...
        def settle_focus(self, avoid: Panel | None = None) -> None: ...
        def _settle_if_adrift(self) -> None: ...
        def _show_panel(self, panel: Panel) -> AwaitComplete | None: ...
        def push_screen(self, screen: Screen[Any] | str,
                        callback: Callable[[Any], object] | None = None,
                        wait_for_dismiss: bool = False, **kwargs: Any) -> Any: ...

        # key_state.py
        def action_state(self, action: str) -> bool | None: ...
        def _need_panel(self) -> Panel | None: ...
        def _need_socket_panel(self) -> SocketPanel | None: ...

        # session_actions.py
        def _show_title(self) -> None: ...
        def _set_session(self, session: Any, path: str | os.PathLike[str] | None) -> None: ...
        def _apply_session(self, session: Any, replace: bool = False) -> None: ...
        def _empty_fingerprint(self) -> str: ...
        def check_dirty(self) -> None: ...
        def unless_unsaved(self, question: str, then: Callable[[], object]) -> None: ...

        # device_actions.py
        def device_panel(self, view: DeviceView) -> DevicePanel: ...
        def device_action_state(self, panel: Panel, action: str) -> bool | None: ...

        # tool_actions.py
        def overview_action_state(self, action: str) -> bool | None: ...
        def ask_to_record(self, name: str, recording: bool, stop: AnyCommand,
                          start_command: Callable[[str], AnyCommand], hint: str) -> None: ...
