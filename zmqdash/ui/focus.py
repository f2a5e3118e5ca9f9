"""Where the keyboard's focus goes: at once when a key moves it (so the keys typed next land
in the new place), and back to a log after adding, closing, switching tab, zooming or a dialog,
never into a text field by itself.

A mixin of :class:`~.app.ZmqDash` (it expects the panels of :class:`~.panel_rack.PanelRack`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.await_complete import AwaitComplete
from textual.widget import Widget
from textual.widgets._tabbed_content import ContentTabs

from .app_parts import AppParts
from .widgets.overview import OVERVIEW

if TYPE_CHECKING:
    from textual.screen import Screen

    from .widgets.panel import Panel


class FocusKeeping(AppParts):
    """The focus rules of the dashboard (see the module's docstring)."""

    def focus_now(self, widget: Widget | None) -> None:
        """Focus at once, so keys typed right after a focus key land in the new place."""
        if widget is not None and widget.is_attached:
            widget.screen.set_focus(widget)

    def settle_focus(self, avoid: Panel | None = None) -> None:
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

    def focus_panel(self, panel: Panel) -> AwaitComplete | None:
        """Make ``panel`` the current one and focus its log, once it has its body (a shell
        gets it first: the keys typed next wait for it)."""
        expanding = panel.build_body()
        if expanding is None:
            self.current_panel = panel
            self.focus_now(panel.log_view)
            return None

        async def expanded() -> None:
            await expanding
            self.current_panel = panel
            self.focus_now(panel.log_view)

        return AwaitComplete(expanded())

    def _show_panel(self, panel: Panel) -> AwaitComplete | None:
        """Show ``panel``, in its tab, with the focus on its log."""
        if not panel.is_attached:
            return None
        self._unzoom()
        # the focus first: a focus left in the old tab would pull it back
        expanding = self.focus_panel(panel)
        if expanding is None:
            self._tabs.active = f"pane-{panel.pattern}"
            return None

        async def shown() -> None:
            await expanding
            self._tabs.active = f"pane-{panel.pattern}"

        return AwaitComplete(shown())

    def push_screen(self, screen: Screen[Any] | str,
                    callback: Callable[[Any], object] | None = None,
                    wait_for_dismiss: bool = False, **kwargs: Any) -> Any:
        """Every dialog and full screen gives the focus back to a log when it closes (before
        its own callback, which may move it on, as "Send a message" does)."""
        if isinstance(screen, str):
            return super().push_screen(
                screen, callback, wait_for_dismiss, **kwargs)

        def closed(result: Any) -> None:
            if self.screen_stack and not self._shutting_down:
                self.settle_focus()
            if callback is not None:
                callback(result)

        return super().push_screen(
            screen, closed, wait_for_dismiss, **kwargs)

