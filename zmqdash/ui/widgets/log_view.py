"""A socket's log, drawn straight from the engine's ring buffer.

Only the rows on screen are ever turned into text (Textual's Line API): the ring holds raw
frames, and :meth:`LogView.render_line` formats one visible row at a time, with a small cache.
The view is refreshed by :meth:`LogView.poll`, which the app calls on its timer; it does nothing
unless the ring's version moved. Which entries are rows (all, or those the filter passes) is
:mod:`.log_rows`; how a row looks, :mod:`.log_line`.

Following the tail is the default. Scrolling up, or moving the cursor, pauses: from then on the
view is pinned to an entry number, so it neither jumps nor drifts while older entries fall out
of the ring. End (or Escape) follows again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...engine.ring import B2F, EVENT, F2B, IN, KIND, META, OUT, SEQ, Ring
from ..log_filter import Entry, make_matcher, match_form  # noqa: F401 (tests, panels)
from ..pacing import Pacer
from .log_line import STYLED, row_strip
from .log_rows import LogRows


def gone_from_log(ring: Ring, seq: int) -> str:
    """Says that entry ``seq`` is no longer held, and which are."""
    if ring.first >= ring.total:
        held = "it holds none now"
    else:
        held = f"it holds #{ring.first}-#{ring.total - 1}"
    return (f"Entry #{seq} has fallen out of the log ({held}; ZMQDASH_RING keeps more, and "
            "at most 64 MiB of frames are held).")


_MATCH = Binding.Group("Match", compact=True)


class LogView(ScrollView, can_focus=True):
    """Rows of one ring buffer; each row one entry. Refreshed by :meth:`poll`."""

    COMPONENT_CLASSES = {
        "log--time",
        "log--in",
        "log--out",
        "log--event",
        "log--error",
        "log--info",
        "log--cursor",
    }

    DEFAULT_CSS = """
    LogView {
        overflow-y: scroll;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        width: 1fr;
        height: 1fr;
    }
    LogView > .log--time { color: $text-muted; }
    LogView > .log--in { color: $success; }
    LogView > .log--out { color: $primary; }
    LogView > .log--event { color: $warning; text-style: italic; }
    LogView > .log--error { color: $error; text-style: bold; }
    LogView > .log--info { color: $text-muted; text-style: italic; }
    LogView > .log--cursor { text-style: reverse; }
    """

    BINDINGS = [
        Binding("n", "match(1)", "Next match", key_display="n", group=_MATCH,
                id="log.next_match"),
        Binding("N", "match(-1)", "Previous match", key_display="N", group=_MATCH,
                id="log.previous_match"),
        Binding("up", "cursor_up", "Previous entry", show=False, id="log.up"),
        Binding("down", "cursor_down", "Next entry", show=False, id="log.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="log.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="log.page_down"),
        Binding("home", "oldest", "Oldest entry", show=False, id="log.oldest"),
        Binding("end", "follow", "Follow the newest", show=False, id="log.follow"),
        Binding("escape", "release", "Follow the newest", show=False, id="log.release"),
        Binding("enter", "inspect", "Inspect", show=False, id="log.inspect"),
    ]

    ALLOW_MAXIMIZE = False  # the dashboard zooms the whole panel (z)

    following: reactive[bool] = reactive(True, init=False)
    """True while the view sticks to the newest entry."""

    class Inspect(Message):
        """The user asked to open an entry in the inspector."""

        def __init__(self, log: LogView, seq: int | None, entry: Entry | None = None) -> None:
            super().__init__()
            self.log = log
            self.seq = seq
            #: the entry as the row showed it (held here even if the ring has dropped it since)
            self.entry = entry

    def __init__(
        self,
        ring: Ring,
        fmt: str = "auto",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.ring = ring
        self._pacer = Pacer(clock=clock)  # while entries stream in, a few repaints a second
        self.fmt = fmt
        self.filter_text = ""
        #: the selected entry's number, or None (no cursor)
        self.cursor: int | None = None
        #: which entries are rows, as of the last poll
        self._map = LogRows(ring)
        self._version = -1
        self._drawn_rows = -1
        self._top_seq = 0  # while paused: the entry shown on the top row
        self._programmatic = 0
        self._cache: dict[tuple[int, int, bool, object], Strip] = {}
        self._window: dict[int, Entry | None] = {}
        self._styles: dict[str, Style] | None = None  # resolved once, not per row

    # -- rows ------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._map.count

    @property
    def below(self) -> int:
        """Rows below the bottom of the view (new entries not seen while paused)."""
        height = self.scrollable_content_region.height
        return max(0, self._map.count - (round(self.scroll_y) + height))

    def seq_at(self, row: int) -> int | None:
        return self._map.seq_at(row)

    def row_of(self, seq: int) -> int:
        """The row showing ``seq``, or the first row after it if it is not shown."""
        return self._map.row_of(seq)

    def entry_at(self, row: int) -> Entry | None:
        if row in self._window:
            return self._window[row]
        seq = self.seq_at(row)
        entry = None if seq is None else self.ring.get(seq)
        self._window[row] = entry
        return entry

    # -- settings --------------------------------------------------------------------------------

    def set_format(self, fmt: str) -> None:
        self.fmt = fmt
        self._cache.clear()
        if self._map.matcher is not None:
            self.set_filter(self.filter_text)  # a filter matches what is shown
        else:
            self.refresh()

    def set_filter(self, text: str) -> None:
        """Filter the rows (see :func:`make_matcher`); raises ``re.error`` on a bad regex."""
        matcher = make_matcher(text, self.fmt)
        self.filter_text = text if matcher is not None else ""
        self.refresh_bindings()  # n/N and what Escape does depend on it
        self._map.filter(matcher)
        self._cache.clear()
        self.poll(force=True)

    # -- the timer's entry point ------------------------------------------------------------------

    def poll(self, force: bool = False, _again: int = 0) -> bool:
        """Take in what changed in the ring; True if the view was refreshed."""
        ring = self.ring
        version = ring.version
        if not self._pacer.due(version != self._version, force):
            return False  # nothing new, or still streaming: a later poll paints
        self._version = version
        first, total = ring.first, ring.total
        self._map.update(first, total)
        rows = self._map.count
        self._window.clear()
        if len(self._cache) > 4096:
            self._cache.clear()
        if self.cursor is not None and (self.cursor < first or self.cursor >= total):
            self.cursor = self.seq_at(0) if rows else None
        height = self.scrollable_content_region.height
        if self.following:
            top = max(0, rows - height)
        else:
            top = min(self.row_of(self._top_seq), max(0, rows - height))
        self._programmatic += 1
        try:
            # no width: rows are cut to the view, never scrolled sideways (and a width here
            # would feed back into the widget's own size)
            self.virtual_size = Size(0, rows)
            before = self.scroll_y
            self.scroll_to(y=top, animate=False, force=True)
            moved = self.scroll_y != before
        finally:
            self._programmatic -= 1
        # Hold the rows on screen now: under a flood the ring may drop them before they are
        # drawn (a paused log showed blank rows). Gone already (dropped while this ran): look
        # again, a couple of times at most.
        missing = False
        for row in range(top, min(rows, top + height)):
            if self.entry_at(row) is None:
                missing = True
        if missing and ring.first > first and _again < 2:
            return self.poll(True, _again + 1)
        if moved or rows != self._drawn_rows:
            self.refresh()
        else:
            # same scroll position and size: the scrollbar did not move, repaint the rows only
            region = self.scrollable_content_region
            self.refresh(Region(0, 0, region.width, region.height))
        self._drawn_rows = rows
        return True

    # -- scrolling -------------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._programmatic:
            return
        # The user scrolled (wheel, scrollbar, keys): stick to the tail only at the bottom.
        # (Rows map to the same entries until the next look: the ones held stay held.)
        at_end = round(new_value) >= self.max_scroll_y
        if at_end and self.cursor is None:
            self.following = True
        else:
            self.following = False
            seq = self.seq_at(round(new_value))
            self._top_seq = self._map.first if seq is None else seq

    def _scroll_rows(self, top: int) -> None:
        top = max(0, min(top, max(0, self._map.count - self.scrollable_content_region.height)))
        seq = self.seq_at(top)
        self._top_seq = self._map.first if seq is None else seq
        self._programmatic += 1
        try:
            self.scroll_to(y=top, animate=False, force=True)
        finally:
            self._programmatic -= 1
        self.refresh()

    def _move_cursor(self, row: int) -> None:
        if not self._map.count:
            return
        row = max(0, min(row, self._map.count - 1))
        self.cursor = self.seq_at(row)
        self.following = False
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        if row < top:
            top = row
        elif row >= top + height:
            top = row - height + 1
        self._scroll_rows(top)

    def _cursor_row(self) -> int | None:
        if self.cursor is None:
            return None
        row = self.row_of(self.cursor)
        return row if row < self._map.count else self._map.count - 1

    def action_cursor_up(self) -> None:
        row = self._cursor_row()
        if row is None:
            height = self.scrollable_content_region.height
            row = min(self._map.count, round(self.scroll_y) + height)
        self._move_cursor(row - 1)

    def action_cursor_down(self) -> None:
        row = self._cursor_row()
        if row is None:
            return
        self._move_cursor(row + 1)

    def action_page_up(self) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        row = self._cursor_row()
        if row is None:
            row = min(self._map.count, round(self.scroll_y) + height)
        self._move_cursor(row - height)

    def action_page_down(self) -> None:
        row = self._cursor_row()
        if row is None:
            return
        self._move_cursor(row + max(1, self.scrollable_content_region.height - 1))

    def action_oldest(self) -> None:
        self._move_cursor(0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "release":
            # Escape backs out one step: the selection (or pause), then the filter; else it is
            # not this log's key (a zoomed panel is left, see the app)
            return self.cursor is not None or not self.following or bool(self.filter_text)
        if action == "match":
            return bool(self.filter_text)  # n is the app's otherwise (rename)
        return True

    def watch_following(self, following: bool) -> None:
        self.refresh_bindings()  # what Escape does here changed

    def action_release(self) -> None:
        if self.cursor is None and self.following:
            self.post_message(self.FilterCleared(self))
            return
        self.action_follow()

    def action_match(self, step: int) -> None:
        """Select the next (1, newer) or previous (-1, older) row that matches the filter."""
        if step > 0:
            self.action_cursor_down()
        else:
            self.action_cursor_up()

    class FilterCleared(Message):
        """Escape in the log with nothing selected: the filter goes."""

        def __init__(self, log: LogView) -> None:
            super().__init__()
            self.log = log

    def action_follow(self) -> None:
        """Drop the cursor and stick to the newest entry again."""
        self.cursor = None
        self.following = True
        self.poll(force=True)

    def action_inspect(self) -> None:
        seq = self.cursor
        if seq is None and self._map.count:
            seq = self.seq_at(self._map.count - 1)
        entry = None
        if seq is not None:
            # what the row on screen holds: a flood may have pushed it out of the ring already
            shown = [e for e in self._window.values() if e is not None and e[SEQ] == seq]
            entry = shown[0] if shown else self.ring.get(seq)
        self.post_message(self.Inspect(self, seq, entry))

    def toggle_follow(self) -> None:
        if self.following:
            self.following = False
            seq = self.seq_at(round(self.scroll_y))
            self._top_seq = self._map.first if seq is None else seq
        else:
            self.action_follow()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = round(self.scroll_y) + offset.y
        if row < self._map.count:
            self._move_cursor(row)
            if event.chain >= 2:
                self.action_inspect()

    def _on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.poll(force=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles = None

    def _resolved_styles(self) -> dict[str, Style]:
        styles = self._styles
        if styles is None:
            get = self.get_component_rich_style
            base = self.rich_style
            styles = {"base": base}
            for name in STYLED:
                styles[name] = get(f"log--{name}", partial=True, default=Style())
            styles[F2B], styles[B2F] = styles[IN], styles[OUT]  # a device's two directions
            self._styles = styles
        return styles

    # -- drawing ---------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = round(self.scroll_y) + y
        styles = self._resolved_styles()
        base = styles["base"]
        entry = self.entry_at(row) if row < self._map.count else None
        if entry is None:
            return Strip.blank(width, base)
        kind = entry[KIND]
        seq = entry[SEQ]
        selected = seq == self.cursor
        count = (entry[META].count, entry[META].last_ts) if kind == EVENT else 0
        key = (seq, width, selected, count)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._make_strip(entry, width, selected, styles)
            self._cache[key] = strip
        return strip

    def _make_strip(self, entry: Entry, width: int, selected: bool,
                    styles: dict[str, Style]) -> Strip:
        """The one place a row is formatted (only ever for a row on screen)."""
        return row_strip(entry, self.fmt, width, selected, styles)
