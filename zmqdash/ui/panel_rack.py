"""Which panels the dashboard shows, in which tab: made and taken down as the engine's sockets
and devices come and go, their widths shared out, one zoomed to the whole screen.

A mixin of :class:`~.app.ZmqDash` (it expects ``engine``, ``_tabs``, ``_extras``,
``current_panel`` and the focus helpers of :class:`~.focus.FocusKeeping` from it).
"""

from __future__ import annotations

from typing import Any

from textual.containers import HorizontalScroll

from ..codec import FORMATS
from .device_actions import device_views
from .patterns import PATTERNS, pattern_of
from .widgets.socket_panel import SocketPanel

#: narrowest a socket panel gets before the panels scroll sideways
PANEL_MIN_WIDTH = 38


class PanelRack:
    """The panels of every tab (see the module's docstring)."""

    _panels: dict[int, Any]
    _zoomed: Any = None
    _views_seen: object = None
    _devices_seen: object = None

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

    def panel(self) -> SocketPanel | None:
        """The socket panel actions apply to: the focused one, else the first in the tab."""
        current = self.current_panel
        if current is not None and current.is_attached and \
                getattr(current, "pattern", None) == self.active_pattern:
            return current
        panels = self.panels()
        return panels[0] if panels else None

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

    def go_to_socket(self, name: str) -> None:
        for panel in self._panels.values():
            if panel.socket_name == name:
                self._show_panel(panel)
                return

