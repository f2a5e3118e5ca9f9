"""A socket's log, drawn straight from the engine's ring buffer.

Only the rows on screen are ever turned into text (Textual's Line API): the ring holds raw
frames, and :meth:`LogView.render_line` formats one visible row at a time, with a small cache.
The view is refreshed by :meth:`LogView.poll`, which the app calls on its timer; it does nothing
unless the ring's version moved.

Following the tail is the default. Scrolling up, or moving the cursor, pauses: from then on the
view is pinned to an entry number, so it neither jumps nor drifts while older entries fall out
of the ring. End (or Escape) follows again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...codec.entries import entry_text
from ...engine.ring import (
    B2F,
    ERROR,
    EVENT,
    F2B,
    FRAMES,
    IN,
    INFO,
    KIND,
    MESSAGE_KINDS,
    META,
    OUT,
    SEQ,
    TS,
    Ring,
)
from ..fitting import cut_end, event_line, payload_line
from ..log_filter import Entry, Matcher, make_matcher, match_form  # noqa: F401 (tests, panels)
from ..pacing import Pacer

#: most entries a filter examines per poll (a backlog larger than this skips to the newest)
SCAN_LIMIT = 50_000

#: each kind's tag; a device's messages show their direction (frontend to backend and back)
TAGS = {IN: "in ", OUT: "out", EVENT: "evt", ERROR: "ERR", INFO: "inf", F2B: "f→b", B2F: "b→f"}


def gone_from_log(ring: Ring, seq: int) -> str:
    """Says that entry ``seq`` is no longer held, and which are."""
    if ring.first >= ring.total:
        held = "it holds none now"
    else:
        held = f"it holds #{ring.first}-#{ring.total - 1}"
    return (f"Entry #{seq} has fallen out of the log ({held}; ZMQDASH_RING keeps more, and "
            "at most 64 MiB of frames are held).")


def clock(ts: float, millis: bool = True) -> str:
    lt = time.localtime(ts)
    if millis:
        return f"{lt.tm_hour:02}:{lt.tm_min:02}:{lt.tm_sec:02}.{int(ts * 1000) % 1000:03}"
    return f"{lt.tm_hour:02}:{lt.tm_min:02}:{lt.tm_sec:02}"


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
        self._matcher: Matcher | None = None
        self._matches: list[int] = []  # entry numbers passing the filter, oldest first
        self._mhead = 0  # matches before this index have fallen out of the ring
        self._scanned = 0  # next entry number the filter has to look at
        self._version = -1
        self._first = 0  # ring.first / ring.total as of the last poll: rows map to these
        self._total = 0
        self._rows = 0
        self._drawn_rows = -1
        self._top_seq = 0  # while paused: the entry shown on the top row
        self._programmatic = 0
        self._cache: dict[tuple, Strip] = {}
        self._window: dict[int, Entry | None] = {}
        self._styles: dict[str, Style] | None = None  # resolved once, not per row

    # -- rows ------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._rows

    @property
    def below(self) -> int:
        """Rows below the bottom of the view (new entries not seen while paused)."""
        height = self.scrollable_content_region.height
        return max(0, self._rows - (round(self.scroll_y) + height))

    def seq_at(self, row: int) -> int | None:
        if row < 0 or row >= self._rows:
            return None
        if self._matcher is None:
            return self._first + row
        return self._matches[self._mhead + row]

    def row_of(self, seq: int) -> int:
        """The row showing ``seq``, or the first row after it if it is not shown."""
        if self._matcher is None:
            return min(max(seq - self._first, 0), self._rows)
        import bisect

        return bisect.bisect_left(self._matches, seq, self._mhead) - self._mhead

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
        if self._matcher is not None:
            self.set_filter(self.filter_text)  # a filter matches what is shown
        else:
            self.refresh()

    def set_filter(self, text: str) -> None:
        """Filter the rows (see :func:`make_matcher`); raises ``re.error`` on a bad regex."""
        matcher = make_matcher(text, self.fmt)
        self.filter_text = text if matcher is not None else ""
        self.refresh_bindings()  # n/N and what Escape does depend on it
        self._matcher = matcher
        self._matches = []
        self._mhead = 0
        self._scanned = self.ring.first
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
        if self._matcher is not None:
            self._scan(first, total)
            rows = len(self._matches) - self._mhead
        else:
            rows = total - first
        self._first, self._total, self._rows = first, total, rows
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

    def _scan(self, first: int, total: int) -> None:
        matches = self._matches
        start = max(self._scanned, first, total - SCAN_LIMIT)
        if start < total:
            match = self._matcher
            for entry in self.ring.since(start, total - start):
                if match(entry):
                    matches.append(entry[SEQ])
        self._scanned = total
        head = self._mhead
        while head < len(matches) and matches[head] < first:
            head += 1
        if head > 4096 and head * 2 > len(matches):
            del matches[:head]
            head = 0
        self._mhead = head

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
            self._top_seq = self._first if seq is None else seq

    def _scroll_rows(self, top: int) -> None:
        top = max(0, min(top, max(0, self._rows - self.scrollable_content_region.height)))
        seq = self.seq_at(top)
        self._top_seq = self._first if seq is None else seq
        self._programmatic += 1
        try:
            self.scroll_to(y=top, animate=False, force=True)
        finally:
            self._programmatic -= 1
        self.refresh()

    def _move_cursor(self, row: int) -> None:
        if not self._rows:
            return
        row = max(0, min(row, self._rows - 1))
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
        return row if row < self._rows else self._rows - 1

    def action_cursor_up(self) -> None:
        row = self._cursor_row()
        if row is None:
            height = self.scrollable_content_region.height
            row = min(self._rows, round(self.scroll_y) + height)
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
            row = min(self._rows, round(self.scroll_y) + height)
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
        if seq is None and self._rows:
            seq = self.seq_at(self._rows - 1)
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
            self._top_seq = self._first if seq is None else seq
        else:
            self.action_follow()

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = round(self.scroll_y) + offset.y
        if row < self._rows:
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
            for name in ("time", IN, OUT, EVENT, ERROR, INFO, "cursor"):
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
        entry = self.entry_at(row) if row < self._rows else None
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
        kind = entry[KIND]
        base = styles["base"]
        meta = entry[META]
        # a folded reconnect loop shows when it last happened (its count says how often)
        ts = meta.last_ts if kind == EVENT and meta.count > 1 and meta.last_ts else entry[TS]
        stamp = " " + clock(ts, millis=width >= 48) + " "
        tag = TAGS.get(kind, kind[:3]) + " "
        budget = max(4, width - len(stamp) - len(tag))
        if kind in MESSAGE_KINDS:
            body = payload_line(entry[FRAMES], self.fmt, budget)
        elif kind == EVENT:
            body = event_line(meta, budget)
        else:
            body = cut_end(entry_text(entry, self.fmt, budget + 1), budget)
        kind_style = base + styles.get(kind, Style())
        # events, errors and notes look unlike messages; the body is padded to the full width
        # here, so a row is three segments (fewer escape sequences sent to the terminal)
        body_style = base if kind in MESSAGE_KINDS else kind_style
        segments = [
            Segment(stamp, base + styles["time"]),
            Segment(tag, kind_style),
            Segment(body, body_style),
        ]
        room = width - len(stamp) - len(tag) - cell_len(body)
        if room > 0:
            segments[2] = Segment(body + " " * room, body_style)
            strip = Strip(segments, width)
        else:
            strip = Strip(segments).adjust_cell_length(width, body_style)
        if selected:
            strip = strip.apply_style(styles["cursor"])
        return strip
