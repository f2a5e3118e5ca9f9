"""Actions that turn what a socket is and does into something to keep: show it as code (and,
with recording and replay, its traffic as a file).

A mixin of :class:`~zmqdash.ui.app.ZmqDash`, like :mod:`.panel_actions`; it expects
``_need_panel`` from the app.
"""

from __future__ import annotations

from ..codec import escape_text


class ToolActions:
    """Show as code (Ctrl+E)."""

    def tool_view(self):
        """The socket these actions apply to: the current panel's (None, said, if none)."""
        panel = self._need_panel()
        return None if panel is None else panel.view

    def action_show_code(self) -> None:
        view = self.tool_view()
        if view is None:
            return
        from ..session.as_code import view_as_code
        from .screens.show_code import ShowCodeScreen

        self.push_screen(ShowCodeScreen(f"{escape_text(view.name)} · {view.type}",
                                        view_as_code(view)))
