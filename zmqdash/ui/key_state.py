"""Which of the dashboard's keys apply now: the footer offers those, and a key that does not
apply is never run (a dialog on top has its own; a text field takes letters as text).

A mixin of :class:`~.app.ZmqDash`; the keys themselves are in :mod:`.bindings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from .app_parts import AppParts
from .bindings import BINDINGS, FIELD_ACTIONS, OWN_ACTIONS, PANEL_ACTIONS, action_name
from .device_actions import DEVICE_ACTIONS
from .keys import typed_as_text
from .patterns import DEVICES, REPLYING, SENDING, SUBSCRIBING
from .widgets.overview import OVERVIEW
from .widgets.socket_panel import SocketPanel

if TYPE_CHECKING:
    from .widgets.panel import Panel


class KeyState(AppParts):
    """``check_action`` for the app, and what an action needs (see the module's docstring)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in OWN_ACTIONS:
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
        cache: dict[tuple[str, int, int], bool] = self.__dict__.setdefault("_typed_cache", {})
        keymap = getattr(self, "_keymap", {}) or {}
        key = (action, id(keymap), len(keymap))
        if key not in cache:
            keys = [(keymap.get(b.id, b.key) if b.id else b.key).split(",")[0]
                    for b in BINDINGS if action_name(b.action) == action]
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
        if action in DEVICE_ACTIONS or not isinstance(panel, SocketPanel):  # a device's
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

    def _need_panel(self) -> Panel | None:
        panel = self.panel()
        if panel is None:
            what = "device" if self.active_pattern == DEVICES else "socket"
            self.notify(f"No {what} in this tab: press a to add one.", severity="warning")
        return panel

    def _need_socket_panel(self) -> SocketPanel | None:
        """The current panel, for an action only a socket has (a device's panel never offers
        one: :meth:`action_state` says so)."""
        panel = self._need_panel()
        return panel if isinstance(panel, SocketPanel) else None

