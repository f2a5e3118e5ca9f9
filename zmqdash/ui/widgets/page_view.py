"""Lines of text, wrapped to the width, of which only the rows on screen are drawn.

The inspector's body: one page of a message (see :mod:`zmqdash.ui.frame_pages`), which may be
thousands of rows. A ``Static`` would lay out and style every row before the first is shown
(seconds for a page of hex dump); here the lines are wrapped once per width, as plain strings,
and a row becomes a ``Strip`` only when it is drawn. The text is terminal-safe already and is
never read as markup.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


def wrap(text: str, width: int) -> list[str]:
    """``text`` cut into rows of at most ``width`` cells (at least one row)."""
    if width < 1 or not text:
        return [text]
    if text.isascii():  # one cell a character (the text is escaped: no control characters)
        return [text[i:i + width] for i in range(0, len(text), width)]
    if cell_len(text) <= width:
        return [text]
    return chop_cells(text, width)


class PageView(ScrollView, can_focus=True):
    """Rows of ``(text, role)`` lines; ``roles`` maps a role to a style (e.g. bold titles)."""

    DEFAULT_CSS = """
    PageView {
        overflow-y: auto;
        overflow-x: hidden;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, roles: dict[str, Style] | None = None) -> None:
        super().__init__(id=id)
        self.roles = roles or {}
        self._lines: list[tuple[str, str]] = []
        self._rows: list[tuple[str, str]] = []
        self._wrapped_for = -1

    def show(self, lines: list[tuple[str, str]]) -> None:
        """Show ``lines`` from the top."""
        self._lines = lines
        self._wrapped_for = -1
        self._rewrap()
        self.scroll_home(animate=False)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def _rewrap(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        if width == self._wrapped_for:
            return
        self._wrapped_for = width
        self._rows = [(row, role) for text, role in self._lines for row in wrap(text, width)]
        self.virtual_size = Size(width, len(self._rows))

    def on_resize(self) -> None:
        self._rewrap()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        self._rewrap()
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = round(self.scroll_y) + y
        if index >= len(self._rows):
            return Strip.blank(width, base)
        text, role = self._rows[index]
        style = base + self.roles[role] if role in self.roles else base
        return Strip([Segment(text, style)]).adjust_cell_length(width, base)
