"""An XPUB's live subscription table in its panel: each prefix, how many hold it, and who."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from ...codec import escape_text
from ...engine.subscriptions import SubscriptionTable, prefix_text

#: rows shown before the rest are summed up in one line
MAX_ROWS = 6
#: widest a prefix column gets (longer prefixes are cut with an ellipsis)
PREFIX_WIDTH = 24


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, an ellipsis marking a cut."""
    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def table_lines(table: SubscriptionTable, width: int, max_rows: int = MAX_ROWS) -> list[Text]:
    """The widget's lines for ``table`` at ``width`` cells: a totals line, then a row per
    prefix (``*`` is everything, ``hex:`` for bytes), all terminal-safe."""
    width = max(width, 20)
    rows = table.rows
    peers = table.peers
    summary = (f"subscriptions: {len(rows)} prefix{'es' if len(rows) != 1 else ''} · "
               f"{peers} peer{'s' if peers != 1 else ''}")
    if table.anonymous:
        summary += " + inproc"
    head = Text(_cut(summary, width), style="bold", no_wrap=True)
    lines = [head]
    if not rows:
        lines.append(Text(_cut("  none yet: no peer has subscribed to anything", width),
                          style="italic", no_wrap=True))
        return lines
    prefixes = [escape_text(prefix_text(r.prefix)) for r in rows[:max_rows]]
    pwidth = min(PREFIX_WIDTH, max(cell_len(p) for p in prefixes), max(6, width // 3))
    hwidth = max(len(str(r.holders)) for r in rows[:max_rows])
    for row, shown in zip(rows[:max_rows], prefixes, strict=True):
        line = Text(no_wrap=True)
        cell = _cut(shown, pwidth)
        line.append("  ")
        line.append(cell + " " * (pwidth - cell_len(cell)), style="bold")
        line.append(f" {row.holders:>{hwidth}} ")
        room = width - 2 - pwidth - hwidth - 2
        if room > 3:
            peers_text = ", ".join(escape_text(p) for p in row.peers)
            line.append(_cut(peers_text, room), style="dim")
        lines.append(line)
    hidden = len(rows) - max_rows
    if hidden > 0:
        lines.append(Text(_cut(f"  … {hidden} more prefix{'es' if hidden != 1 else ''} "
                               "(an export of the log has them all)", width),
                          style="italic", no_wrap=True))
    return lines


class SubscriptionTableView(Widget):
    """The table of :class:`~zmqdash.engine.subscriptions.SubscriptionTable`; the panel hands
    it each new snapshot (the engine replaces the snapshot whole when anything changes)."""

    DEFAULT_CSS = """
    SubscriptionTableView {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, table: SubscriptionTable, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.table = table
        self._lines = 0

    def show(self, table: SubscriptionTable) -> None:
        if table is self.table:
            return
        self.table = table
        lines = self._line_count(table)
        self.refresh(layout=lines != self._lines)

    def _line_count(self, table: SubscriptionTable) -> int:
        n = len(table.rows)
        return 1 + (1 if n == 0 else min(n, MAX_ROWS) + (1 if n > MAX_ROWS else 0))

    def get_content_height(self, container, viewport, width: int) -> int:
        self._lines = self._line_count(self.table)
        return self._lines

    def render(self) -> Text:
        return Text("\n").join(table_lines(self.table, self.content_size.width))
