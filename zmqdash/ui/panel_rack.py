"""Which panels the dashboard shows, in which tab: made and taken down as the engine's sockets
and devices come and go, their widths shared out, one zoomed to the whole screen.

A mixin of :class:`~.app.ZmqDash` (it uses ``engine``, ``_tabs``, ``_extras``,
``current_panel`` and the focus helpers of :class:`~.focus.FocusKeeping`, declared in
:mod:`.app_parts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from textual.await_complete import AwaitComplete
from textual.containers import HorizontalScroll
from textual.widget import AwaitMount

from ..codec import FORMATS
from ..engine.devices.state import DeviceView
from .app_parts import AppParts
from .device_actions import device_key, device_views
from .patterns import DEVICES, PATTERNS, SENDING, pattern_of
from .widgets.composer import Composer
from .widgets.socket_panel import SocketPanel

if TYPE_CHECKING:
    from .app_parts import AnyView
    from .widgets.panel import Panel

T = TypeVar("T")

#: narrowest a socket panel gets before the panels scroll sideways
PANEL_MIN_WIDTH = 38


def shares(count: int, width: int) -> list[int]:
    """The widths of ``count`` panels side by side in ``width`` cells: equal, and the last one
    takes what is left so the row is filled exactly; at least PANEL_MIN_WIDTH each (the row
    scrolls sideways then)."""
    if not count:
        return []
    each = max(PANEL_MIN_WIDTH, width // count)
    if each * count > width:
        return [each] * count
    return [each] * (count - 1) + [width - each * (count - 1)]


def on_screen(panels: Sequence[T], width: int, scroll_x: float) -> list[T]:
    """Those of ``panels`` (left to right, sized by :func:`shares`) that a row ``width`` cells
    wide, scrolled by ``scroll_x``, shows at least a column of."""
    out: list[T] = []
    x = 0
    for panel, share in zip(panels, shares(len(panels), width), strict=True):
        if x < scroll_x + width and x + share > scroll_x:
            out.append(panel)
        x += share
    return out


class PanelRack(AppParts):
    """The panels of every tab (see the module's docstring)."""

    _zoomed: Panel | None = None
    _views_seen: object = None
    _devices_seen: object = None

    @property
    def active_pattern(self) -> str:
        active = self._tabs.active or "pane-reqrep"
        return active.removeprefix("pane-")

    def panels(self, pattern: str | None = None) -> list[Panel]:
        """The socket panels of a tab (the visible one by default), left to right."""
        pattern = self.active_pattern if pattern is None else pattern
        return [p for p in self._panels.values() if p.pattern == pattern]

    def visible_panels(self) -> list[Panel]:
        zoomed = self.zoomed
        return [zoomed] if zoomed is not None else self.panels()

    def panel(self) -> Panel | None:
        """The socket panel actions apply to: the focused one, else the first whole one in
        the tab (a shell's body is not there to act on)."""
        current = self.current_panel
        if current is not None and current.is_attached and current.whole and \
                getattr(current, "pattern", None) == self.active_pattern:
            return current
        panels = self.panels()
        return next((p for p in panels if p.whole and p.is_attached),
                    panels[0] if panels else None)

    @property
    def zoomed(self) -> Panel | None:
        """The panel zoomed to the whole screen, if one is."""
        panel = self._zoomed
        return panel if panel is not None and panel.is_attached else None

    def zoom(self, panel: Panel) -> None:
        """Show ``panel`` alone, on the screen's whole width and height (the status bar and
        the footer stay)."""
        self._unzoom()
        self._zoomed = panel
        panel.build_body()  # (the current panel has its body already)
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
        """Match the panels to the engine's sockets (made, closed, renamed). A socket's panel is
        built when its tab is first shown: until then it costs nothing but an entry in
        ``_known`` (what the session saves of it, its format and snippets, waits there)."""
        if self._shutting_down:
            return  # the tabs a panel would go in may already be gone
        views = self.engine.sockets()
        devices = device_views(self.engine)
        if views is self._views_seen and devices is self._devices_seen:
            return
        self._views_seen, self._devices_seen = views, devices
        self._built_tabs.add(self.active_pattern)
        alive: dict[int, tuple[AnyView, str, bool]] = {
            id(v): (v, pattern_of(v.type), False) for v in views.values()}
        alive.update((id(v), (v, DEVICES, True)) for v in devices.values())
        before = set(self._known)
        for key in [k for k in self._known if k not in alive]:
            del self._known[key]
            self._pending.pop(key, None)
            panel = self._panels.pop(key, None)
            if panel is None:
                continue
            if self.current_panel is panel:
                self.current_panel = None
            if self.zoomed is panel:
                self._unzoom()
            focused = self.screen_stack[0].focused
            if focused is None or panel in focused.ancestors_with_self:
                # before Textual hands the focus to a neighbour (a composer, as often as not)
                self.settle_focus(avoid=panel)
            panel.remove()
        show = None
        tabs = set()  # tabs shown before that have new sockets: built in one go each
        for key, (view, tab, device) in alive.items():
            if key in self._known:
                continue
            self._known[key] = (view, tab, device)
            name = device_key(view.name) if device else view.name
            self._pending[key] = self._extras.pop(name, ("auto", []))
            focus_next = self._focus_next
            if focus_next is not None and focus_next[0] == view.name:
                # a socket just added: show it, unless the user has moved on to another tab
                self._focus_next = None
                if focus_next[1] == self.active_pattern:
                    show = key
                    tabs.add(tab)
            elif tab in self._built_tabs:
                tabs.add(tab)
        for tab in tabs:
            self._build_tab(tab)
        if show is not None:
            self.call_after_refresh(self._show_panel, self._panels[show])
        elif self.active_pattern in tabs:
            self.call_after_refresh(self._settle_if_adrift)
        self.call_after_refresh(self._update_hints)
        if set(self._known) != before:
            # which keys apply depends on the panels (each refresh rebuilds the footer)
            self.refresh_bindings()

    def _build_tab(self, tab: str) -> AwaitMount | None:
        """Build the panels of ``tab`` not built yet, in the order their sockets came (the
        first time the tab is shown, or a panel of it is needed)."""
        self._built_tabs.add(tab)
        made: list[Panel] = []
        todo = [key for key, (_view, view_tab, _device) in self._known.items()
                if view_tab == tab and key not in self._panels]
        if not todo:
            return None
        # the panels that will be on screen are built whole, the others as shells
        row = self.query_one(f"#panels-{tab}", HorizontalScroll)
        have = self.panels(tab)
        width = self.size.width
        whole_at = set(on_screen(list(range(len(have) + len(todo))), width, row.scroll_x))
        for n, key in enumerate(todo):
            view, _tab, _device = self._known[key]
            fmt, snippets = self._pending.pop(key, ("auto", []))
            fmt = fmt if fmt in FORMATS else "auto"
            panel: Panel
            if isinstance(view, DeviceView):
                self._extras[device_key(view.name)] = (fmt, snippets)  # device_panel takes it
                panel = self.device_panel(view)
            else:
                panel = SocketPanel(view, fmt, snippets, whole=len(have) + n in whole_at,
                                    frame_separator=self.frame_separator)
                panel.pattern = tab
            self._panels[key] = panel
            made.append(panel)
        self.call_after_refresh(self._update_hints)
        return row.mount_all(made)

    def panel_of(self, view: AnyView) -> Panel | None:
        """The panel of a socket's or device's ``view``, built (with its tab) if it was not
        yet; None if the engine has no such view."""
        key = id(view)
        if key not in self._known:
            return None
        if key not in self._panels:
            self._build_tab(self._known[key][1])
        return self._panels.get(key)

    def known_views(self) -> list[tuple[AnyView, str, bool]]:
        """Every socket and device the dashboard knows, with its tab and whether it is a
        device, built or not."""
        return list(self._known.values())

    def saved_extras(self) -> list[tuple[AnyView, bool, str, list[str]]]:
        """What a session keeps of each socket and device besides the engine's state:
        ``(view, is_device, format, snippets)``, read from its panel, or from what waits for
        a panel that was not built yet."""
        out = []
        for key, (view, _tab, device) in self._known.items():
            snippets: list[str]
            panel = self._panels.get(key)
            if panel is None:
                fmt, snippets = self._pending.get(key, ("auto", []))
            elif panel.whole and panel.is_mounted:
                fmt = panel.log_view.fmt
                composer = panel.query(".composer")
                snippets = list(composer.first(Composer).snippets) if composer else []
            else:  # a shell: what its composer will start with
                fmt, snippets = panel.log_view.fmt, list(panel._snippets)
            # only a socket that sends has a composer to keep snippets in
            sends = not device and view.type in SENDING
            out.append((view, device, fmt, snippets if sends else []))
        return out

    def _update_hints(self) -> None:
        if self._shutting_down:
            return
        has = {tab for _view, tab, _device in self._known.values()}
        for p in PATTERNS:
            self.query_one(f"#pane-{p.id} .empty-hint").display = p.id not in has
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
            for panel, share in zip(panels, shares(len(panels), width), strict=True):
                if panel.styles.width is None or panel.styles.width.value != share:
                    panel.styles.width = share
        self._expand_visible()

    def _expand_visible(self) -> None:
        """Give its body to every shell of the visible tab that is (scrolled) on screen."""
        if self.zoomed is not None or self.active_pattern not in self._built_tabs:
            return
        panels = self.panels()
        if all(p.whole for p in panels):
            return
        row = self.query_one(f"#panels-{self.active_pattern}", HorizontalScroll)
        for panel in on_screen(panels, self.size.width, row.scroll_x):
            panel.build_body()

    def on_resize(self) -> None:
        self.call_after_refresh(self._size_panels)

    def go_to_socket(self, name: str) -> AwaitComplete | None:
        """Show the socket's panel, in its tab (built first if it was not yet)."""
        self._sync()
        view = self.engine.sockets().get(name)
        return self.go_to_view(view) if view is not None else None

    def go_to_view(self, view: AnyView) -> AwaitComplete | None:
        """Show the panel of a socket's or device's view (its tab built first if need be)."""
        key = id(view)
        if key not in self._known:
            return None
        mounting = None if key in self._panels else self._build_tab(self._known[key][1])
        panel = self._panels[key]
        if mounting is None:
            return self._show_panel(panel)

        async def built() -> None:
            await mounting
            showing = self._show_panel(panel)
            if showing is not None:
                await showing

        return AwaitComplete(built())

