"""The Overview tab: a map of every socket and device with its last minute, the lines between
them, and the top talkers.

The app calls :meth:`Overview.tick` on its timer only while this tab is shown, so a hidden
overview costs nothing. The map is laid out again only when the topology changes
(:func:`~..topology.topology_key`), and drawn again when the engine's per-second figures move
(once a second) or the selection does; drawing turns only the rows on screen into strips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich import box
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from ...codec import escape_text
from ...engine.devices.state import DeviceView
from ...engine.state import SocketView
from .. import map_canvas, numbers, topology
from ..map_canvas import Figures
from ..messages import MapAppeared

#: the tab's id (its pane is "pane-overview"), beside the patterns' ids
OVERVIEW = "overview"
REMINDER = ("Every socket and device, and how they connect: arrows pick one, Enter opens its "
            "panel; {stub}n: peers outside zmqdash.")
#: most rows of the top talkers table (on a screen under 30 lines: TALKERS_SHORT)
TALKERS_MAX = 8
TALKERS_SHORT = 4
#: states worth a word in a socket's box, worst first
BAD_STATES = ("failed", "retrying", "pending")

#: what the map is drawn from: the engine's sockets and devices, as they are now
ViewsNow = Callable[[], tuple[Iterable[SocketView], Iterable[DeviceView]]]


def figures_of(view: SocketView | DeviceView) -> Figures:
    rates = view.rates
    spark = rates.total() if rates is not None else ()
    rate_in = rates.rate_in if rates is not None else 0
    rate_out = rates.rate_out if rates is not None else 0
    if isinstance(view, DeviceView):
        state = view.state
    else:
        states = {e.state for e in view.endpoints}
        state = next((s for s in BAD_STATES if s in states), "")
    return Figures(spark, rate_in, rate_out, state)


class OverviewMap(ScrollView, can_focus=True):
    """The map; arrow keys move between boxes, Enter opens the one selected."""

    BINDINGS = [
        Binding("up", "move(0, -1)", "Up", show=False, id="map.up"),
        Binding("down", "move(0, 1)", "Down", show=False, id="map.down"),
        Binding("left", "move(-1, 0)", "Left", show=False, id="map.left"),
        Binding("right", "move(1, 0)", "Right", show=False, id="map.right"),
        Binding("enter", "open", "Open panel", id="map.open",
                tooltip="Show the selected socket's panel"),
    ]

    DEFAULT_CSS = """
    OverviewMap {
        height: 1fr;
        overflow: auto;
        scrollbar-size: 1 1;
    }
    """

    class Open(Message):
        """The user asked for a node's panel (Enter or a double click)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class Selected(Message):
        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.layout_: topology.Layout | None = None
        self.figures: dict[str, Figures] = {}
        self.selected: str | None = None
        self.drawing: map_canvas.Drawing | None = None
        self.charset = map_canvas.charset_for()
        self._styles: dict[str, Style] | None = None

    # -- data ------------------------------------------------------------------------------------

    def set_layout(self, layout: topology.Layout) -> None:
        self.layout_ = layout
        keys = [n.key for n in sorted(layout.real_nodes(), key=lambda n: (n.column, n.row))]
        if self.selected not in keys:
            self.selected = keys[0] if keys else None
            self.post_message(self.Selected(self.selected))
        self.redraw()

    def set_figures(self, figures: dict[str, Figures]) -> None:
        self.figures = figures
        self.redraw()

    def redraw(self) -> None:
        if self.layout_ is None:
            return
        self.drawing = map_canvas.draw(self.layout_, self.figures, self.selected, self.charset,
                                       self._resolved_styles())
        self.virtual_size = Size(self.drawing.width, self.drawing.height)
        self.refresh()

    def _resolved_styles(self) -> dict[str, Style]:
        if self._styles is None:
            base = self.rich_style
            self._styles = {
                "base": base,
                "line": base + Style(dim=True),
                "box": base,
                "selected": base + Style(bold=True, reverse=True),
                "title": base + Style(bold=True),
                "dim": base + Style(dim=True),
                "spark": base + Style(color="green") if not self.app.no_color else base,
                "stub": base + Style(italic=True),
            }
        return self._styles

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self._restyle(), init=False)

    def _restyle(self) -> None:
        self._styles = None
        self.redraw()

    # -- drawing ---------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        drawing = self.drawing
        row = round(self.scroll_y) + y
        base = self._resolved_styles()["base"]
        if drawing is None or row >= len(drawing.rows):
            return Strip.blank(width, base)
        x0 = round(self.scroll_x)
        strip = Strip(drawing.rows[row]).crop(x0, x0 + width)
        return strip.extend_cell_length(width, base)

    # -- keys and the mouse ----------------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        layout = self.layout_
        if layout is None or self.selected is None:
            return
        here = layout.nodes[self.selected]
        nodes = layout.real_nodes()
        if dy:
            same = sorted((n for n in nodes if n.column == here.column), key=lambda n: n.row)
            i = same.index(here) + dy
            if 0 <= i < len(same):
                self.select(same[i].key)
            return
        columns = sorted({n.column for n in nodes})
        i = columns.index(here.column) + dx
        if 0 <= i < len(columns):
            there = [n for n in nodes if n.column == columns[i]]
            best = min(there, key=lambda n: (abs(n.row - here.row), n.row))
            self.select(best.key)

    def select(self, key: str | None) -> None:
        if key == self.selected:
            return
        self.selected = key
        self.redraw()
        self.post_message(self.Selected(key))
        self.scroll_to_selected()

    def scroll_to_selected(self) -> None:
        drawing = self.drawing
        if drawing is None or self.selected not in drawing.boxes:
            return
        x, y, w, h = drawing.boxes[self.selected]
        # with the stubs and the lines on both sides in view where they fit
        margin = map_canvas.MARGIN
        self.scroll_to_region(Region(max(0, x - margin), y, w + 2 * margin, h), animate=False,
                              force=True)

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Open(self.selected))

    def _hit(self, event: events.Click) -> str | None:
        if self.drawing is None:
            return None
        x = event.x + round(self.scroll_x)
        y = event.y + round(self.scroll_y)
        for key, (bx, by, bw, bh) in self.drawing.boxes.items():
            if bx <= x < bx + bw and by <= y < by + bh:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        key = self._hit(event)
        if key is None:
            return
        self.select(key)
        if getattr(event, "chain", 1) >= 2:
            self.post_message(self.Open(key))


class Overview(Vertical):
    """The tab's content: a reminder line, the map, the selected node's endpoints, the top
    talkers. ``views`` gives what it shows: the engine's sockets and devices, as they are at
    each tick."""

    def __init__(self, views: ViewsNow, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.map = OverviewMap(id="overview-map")
        self._views_now = views
        self._topology: object = None
        self._figures_key: object = None
        self._views: dict[str, SocketView | DeviceView] = {}
        self._layout: topology.Layout | None = None

    def compose(self) -> ComposeResult:
        yield Static(REMINDER.format(stub=self.map.charset.stub), classes="reminder",
                     markup=False)
        yield Static("No sockets here yet. Press a to add one: this map then shows every "
                     "socket and device, how they connect, and their traffic.",
                     id="overview-empty", classes="empty-hint", markup=False)
        yield self.map
        yield Static(id="overview-details", markup=False)
        yield Static(id="overview-talkers")

    # -- the app's timer ------------------------------------------------------------------------

    def tick(self, force: bool = False) -> None:
        """Bring the map and the table up to date (only while the tab is shown)."""
        if not self.is_attached:
            return
        sockets_now, devices_now = self._views_now()
        sockets = [v for v in sockets_now if not v.closed]
        devices = [d for d in devices_now if not d.closed]
        key = topology.topology_key(sockets, devices)
        if key != self._topology or force:
            self._topology = key
            had = bool(self._views)
            self._views = {**{f"s:{v.name}": v for v in sockets},
                           **{f"d:{d.name}": d for d in devices}}
            self._layout = topology.build(sockets, devices)
            self.query_one("#overview-empty").display = not self._views
            self.map.display = bool(self._views)
            self.map.set_layout(self._layout)
            self._figures_key = None
            if self._views and not had:  # the map appeared: it takes the focus if nothing has
                self.post_message(MapAppeared())
        # the engine replaces each view's rates once a second: that is when all this moves
        figures_key = tuple(id(getattr(v, "rates", None)) for v in self._views.values())
        if figures_key != self._figures_key:
            self._figures_key = figures_key
            self.map.set_figures({k: figures_of(v) for k, v in self._views.items()})
            self._draw_talkers()
            self._draw_details()

    def on_overview_map_selected(self, event: OverviewMap.Selected) -> None:
        self._draw_details()

    def selected_view(self) -> SocketView | DeviceView | None:
        """The socket or device view selected on the map (None if none)."""
        return self._views.get(self.map.selected or "")

    # -- the two text parts ----------------------------------------------------------------------

    def _draw_details(self) -> None:
        view = self.selected_view()
        widget = self.query_one("#overview-details", Static)
        if view is None:
            widget.update("")
            return
        dot = self.map.charset.sep
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(escape_text(view.name), style="bold")
        sides: tuple[tuple[SocketView, str], ...]
        if isinstance(view, DeviceView):  # (selected "d:...")
            text.append(f"{dot}{view.kind} device")
            sides = ((view.frontend, "frontend "), (view.backend, "backend "))
        else:
            text.append(f"{dot}{view.type}")
            sides = ((view, ""),)
        for side_view, label in sides:
            for ep in side_view.endpoints:
                text.append(f"{dot}{label}{escape_text(ep.describe())}")
        selected = self.map.selected
        node = self._layout.nodes.get(selected) if self._layout and selected else None
        if node is not None and (node.outside_in or node.outside_out):
            outside = node.outside_in + node.outside_out
            text.append(f"{dot}{outside} peer{'s' if outside != 1 else ''} outside zmqdash",
                        style="italic")
        widget.update(text)

    def _draw_talkers(self) -> None:
        rows = []
        for view in self._views.values():
            rates = getattr(view, "rates", None)
            rin = rates.rate_in if rates else 0
            rout = rates.rate_out if rates else 0
            bps = rates.bytes_rate if rates else 0
            if isinstance(view, DeviceView):  # (keyed "d:...")
                d = view.stats
                total_in, total_out = d.f2b_msgs, d.b2f_msgs
                errors, queued = view.errors, sum(view.waiting)
                kind = view.kind
            else:
                s = view.stats
                total_in, total_out = s.msgs_in, s.msgs_out
                errors, queued = s.errors, view.pending
                kind = view.type
            rows.append((rin + rout, bps, view.name, kind, rin, rout, total_in, total_out,
                         errors, view.dropped, queued))
        rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
        limit = TALKERS_SHORT if self.app.size.height < 30 else TALKERS_MAX
        ascii_only = self.map.charset is map_canvas.ASCII
        table = Table(box=box.ASCII if ascii_only else box.SIMPLE_HEAD, expand=True,
                      padding=(0, 1), show_edge=False, safe_box=True)
        table.add_column("top talkers", no_wrap=True, overflow="ellipsis", ratio=3)
        table.add_column("type", no_wrap=True)
        for title in ("in/s", "out/s", "B/s", "in", "out", "err", "drop", "queued"):
            table.add_column(title, justify="right", no_wrap=True)
        for (_total, bps, name, kind, rin, rout, total_in, total_out, errors, dropped,
             queued) in rows[:limit]:
            table.add_row(
                Text(escape_text(name)), kind, numbers.count(rin), numbers.count(rout),
                numbers.size(bps) if bps else "0", numbers.count(total_in),
                numbers.count(total_out), Text(str(errors), style="bold red" if errors else ""),
                numbers.count(dropped), numbers.count(queued))
        if len(rows) > limit:
            table.caption = f"and {len(rows) - limit} more"
        widget = self.query_one("#overview-talkers", Static)
        widget.display = bool(rows)
        widget.update(table)

