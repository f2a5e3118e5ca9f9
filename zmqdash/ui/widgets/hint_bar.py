"""A socket panel's hints: why messages may be going missing, in words, while it is true.

The engine works the hints out (``zmqdash/engine/hints/``) and replaces ``view.hints`` whole;
the panel hands each new tuple to :meth:`HintBar.show`. The bar is hidden while there is none.
Focused (Tab, or a click), ``?`` or Enter explains them with the way out.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from ...codec import escape_text
from ..messages import ExplainHints

#: hints shown in the panel; the rest are counted on the last line (the explanation has all)
MAX_SHOWN = 2
MARK = "⚠ "


class HintBar(Widget, can_focus=True):
    DEFAULT_CSS = """
    HintBar {
        height: auto;
        padding: 0 1;
        color: $warning;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    HintBar:focus {
        background: $boost;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("question_mark,enter,i", "explain", "Explain", id="hints.explain",
                tooltip="Why this hint, and the way out"),
        # ? explains here; the footer must not also offer it for the help (F1 still is)
        Binding("f1", "app.help", "Help", id="hints.help", key_display="F1"),
    ]

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.hints: tuple = ()
        self.display = False

    def show(self, hints: tuple) -> None:
        if hints == self.hints:
            return
        lines_before = self._line_count()
        self.hints = hints
        self.display = bool(hints)
        self.refresh(layout=self._line_count() != lines_before)

    def _line_count(self) -> int:
        n = len(self.hints)
        return min(n, MAX_SHOWN) + (1 if n > MAX_SHOWN else 0)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, self._line_count())

    def render(self) -> Text:
        lines = []
        for hint in self.hints[:MAX_SHOWN]:
            # text from outside is in it: escaped, and a Text is never read as markup
            lines.append(Text(MARK + escape_text(hint.text), no_wrap=True, overflow="ellipsis"))
        hidden = len(self.hints) - MAX_SHOWN
        if hidden > 0:
            lines.append(Text(f"  … {hidden} more hint{'s' if hidden != 1 else ''}: "
                              "? explains them all", no_wrap=True, overflow="ellipsis",
                              style="italic"))
        return Text("\n").join(lines)

    def on_click(self) -> None:
        self.action_explain()

    def action_explain(self) -> None:
        if not self.hints:
            return
        self.post_message(ExplainHints(self.hints))  # the panel says whose
