"""The overview's map drawn as lines of styled text: a box per socket or device, the lines
between them, stubs for outside peers.

:func:`draw` turns a :class:`~.topology.Layout` and the views' current figures into rows of
Rich segments, with every box's rectangle for the widget to select, scroll to and click. Lines
are kept as the directions they go through each cell and only then turned into characters, so
lines that meet or cross join properly. :class:`Charset` has box-drawing characters, or plain
ASCII where the terminal cannot show them (``TERM=vt100`` and friends).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style

from .. import codec
from . import numbers
from .topology import Layout, Node

BOX_W = 22  # a box's width, borders included
BOX_H = 5  # top border, three lines, bottom border
GAP = 8  # columns between two columns of boxes (the lines run there)
ROW_GAP = 1  # lines between two boxes of a column
MARGIN = 5  # room left and right of the outer columns, for stubs
INNER = BOX_W - 4  # text width inside a box (a space each side)
# Lines leave a box's right side on one row and come into a box's left side on another, so a
# line ending at a box never runs into the line leaving its neighbour in the row (boxes of
# a row share their rows): where two lines meet in a junction they really join.
IN_ROW = 1
OUT_ROW = 2

N, E, S, W = 1, 2, 4, 8

#: terminals known not to draw Unicode box characters
ASCII_TERMS = ("vt52", "vt100", "vt102", "vt220", "vt320", "dumb", "ansi", "cons25")


@dataclass(frozen=True)
class Charset:
    lines: dict  # bits -> character
    box: str  # corners and edges: tl tr bl br h v
    heavy: str  # the same for the selected box
    arrow: str
    stub: str  # the mark of an outside peer
    spark: str  # sparkline levels, lowest first (index 0: nothing)
    sep: str  # between the parts of a line of text


_LIGHT = {
    E | W: "─", N | S: "│", E | S: "┌", S | W: "┐", N | E: "└", N | W: "┘",
    E | W | S: "┬", E | W | N: "┴", N | S | E: "├", N | S | W: "┤", N | E | S | W: "┼",
    E: "─", W: "─", N: "│", S: "│",
}
UNICODE = Charset(_LIGHT, "╭╮╰╯─│", "┏┓┗┛━┃", "▶", "○", " ▁▂▃▄▅▆▇█", " · ")
ASCII = Charset({bits: ("-" if bits in (E, W, E | W) else "|" if bits in (N, S, N | S)
                        else "+") for bits in range(1, 16)},
                "++++-|", "####=#", ">", "o", " .:-=+*#", " - ")


def charset_for(term: str | None = None) -> Charset:
    """ASCII for terminals that cannot draw box characters, else Unicode."""
    term = (os.environ.get("TERM", "") if term is None else term).lower()
    return ASCII if term.startswith(ASCII_TERMS) else UNICODE


@dataclass(frozen=True)
class Figures:
    """What a box shows besides its name and type."""

    spark: tuple[int, ...]  # messages a second, oldest first
    rate_in: int
    rate_out: int
    state: str = ""  # a device's running/paused/stopped, or a socket's worst endpoint state


@dataclass
class Drawing:
    rows: list[list[Segment]]
    width: int
    height: int
    boxes: dict[str, tuple[int, int, int, int]]  # node key -> x, y, width, height


def sparkline(values: tuple[int, ...], width: int, charset: Charset) -> str:
    """``values`` squeezed into ``width`` characters (each the largest of its share), scaled
    to the largest value: a blank is nothing at all, the lowest bar anything above nothing."""
    if not values or width <= 0:
        return " " * max(0, width)
    n = len(values)
    cells = []
    for i in range(width):
        part = values[i * n // width:max(i * n // width + 1, (i + 1) * n // width)]
        cells.append(max(part) if part else 0)
    top = max(cells)
    levels = len(charset.spark) - 1
    out = []
    for v in cells:
        if v <= 0 or top <= 0:
            out.append(charset.spark[0])
        else:
            out.append(charset.spark[max(1, -(-v * levels // top))])
    return "".join(out)


def box_origin(node: Node) -> tuple[int, int]:
    return MARGIN + node.column * (BOX_W + GAP), node.row * (BOX_H + ROW_GAP)


def draw(layout: Layout, figures: dict[str, Figures], selected: str | None,
         charset: Charset, styles: dict[str, Style]) -> Drawing:
    """The map as rows of segments. ``styles``: base, line, box, selected, title, dim, stub."""
    columns = len(layout.columns)
    width = 2 * MARGIN + columns * BOX_W + max(0, columns - 1) * GAP
    height = max((len(col) for col in layout.columns), default=0) * (BOX_H + ROW_GAP)
    height = max(height - ROW_GAP, 0)
    bits: dict[tuple[int, int], int] = {}
    text: dict[tuple[int, int], tuple[str, Style]] = {}

    def line(x1: int, y1: int, x2: int, y2: int) -> None:
        if y1 == y2:
            lo, hi = sorted((x1, x2))
            for x in range(lo, hi + 1):
                b = (E if x < hi else 0) | (W if x > lo else 0)
                bits[(x, y1)] = bits.get((x, y1), 0) | b
        else:
            lo, hi = sorted((y1, y2))
            for y in range(lo, hi + 1):
                b = (S if y < hi else 0) | (N if y > lo else 0)
                bits[(x1, y)] = bits.get((x1, y), 0) | b

    def put(x: int, y: int, s: str, style: Style) -> None:
        for i, ch in enumerate(s):
            text[(x + i, y)] = (ch, style)

    # the lines: out of a box's right side, down or up in a lane of the gap, into the next
    lanes: dict[int, int] = {}
    for link in sorted(layout.links, key=lambda lk: (layout.nodes[lk.source].column,
                                                      layout.nodes[lk.target].row)):
        a, b = layout.nodes[link.source], layout.nodes[link.target]
        ax, ay = box_origin(a)
        bx, by = box_origin(b)
        y1, y2 = ay + OUT_ROW, by + IN_ROW
        start = ax + BOX_W
        end = bx - 1
        lane = lanes.get(a.column, 0)
        lanes[a.column] = lane + 1
        x = start + 1 + lane % max(1, GAP - 3)
        line(start, y1, x, y1)
        line(x, y1, x, y2)
        line(x, y2, end, y2)
        if not b.dummy:
            text[(end, y2)] = (charset.arrow, styles["line"])
    for node in layout.nodes.values():
        if node.dummy:  # a waypoint: the line goes through the column, in on the row lines
            x, y = box_origin(node)  # come in by and out on the row lines leave by
            mid = x + BOX_W // 2
            line(x - 1, y + IN_ROW, mid, y + IN_ROW)
            line(mid, y + IN_ROW, mid, y + OUT_ROW)
            line(mid, y + OUT_ROW, x + BOX_W, y + OUT_ROW)
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for node in layout.real_nodes():
        x, y = box_origin(node)
        boxes[node.key] = (x, y, BOX_W, BOX_H)
        _box(node, x, y, figures.get(node.key), node.key == selected, charset, styles, put,
             text)
        if node.outside_in:
            mark = f"{_few(node.outside_in)}{charset.stub}"
            put(x - len(mark) - 1, y + 3, mark, styles["stub"])
            bits[(x - 1, y + 3)] = bits.get((x - 1, y + 3), 0) | E | W
        if node.outside_out:
            mark = f"{charset.stub}{_few(node.outside_out)}"
            bits[(x + BOX_W, y + 3)] = bits.get((x + BOX_W, y + 3), 0) | E | W
            put(x + BOX_W + 1, y + 3, mark, styles["stub"])
    rows: list[list[Segment]] = []
    base, line_style = styles["base"], styles["line"]
    for y in range(height):
        segments: list[Segment] = []
        run: list[str] = []
        run_style = base
        for x in range(width):
            if (x, y) in text:
                ch, style = text[(x, y)]
            elif (x, y) in bits:
                ch, style = charset.lines.get(bits[(x, y)], " "), line_style
            else:
                ch, style = " ", base
            if style is not run_style and run:
                segments.append(Segment("".join(run), run_style))
                run = []
            run_style = style
            run.append(ch)
        if run:
            segments.append(Segment("".join(run), run_style))
        rows.append(segments)
    return Drawing(rows, width, height, boxes)


def _few(n: int) -> str:
    return str(n) if n < 100 else "99+"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _box(node: Node, x: int, y: int, fig: Figures | None, selected: bool, charset: Charset,
         styles: dict[str, Style], put, text) -> None:
    tl, tr, bl, br, h, v = tuple(charset.heavy if selected else charset.box)
    edge = styles["selected"] if selected else styles["box"]
    name = _fit(codec.escape_text(node.name), BOX_W - 4)
    title = f"{h} {name} "
    put(x, y, tl + title + h * (BOX_W - 2 - len(title)) + tr, edge)
    put(x + 2, y, f" {name} ", styles["selected" if selected else "title"])
    for i in range(1, BOX_H - 1):
        put(x, y + i, v, edge)
        put(x + 1, y + i, " " * (BOX_W - 2), styles["base"])
        put(x + BOX_W - 1, y + i, v, edge)
    put(x, y + BOX_H - 1, bl + h * (BOX_W - 2) + br, edge)
    kind = node.kind if not node.device else f"{node.kind} device"
    if fig is not None and fig.state:
        kind = f"{node.kind}: {fig.state}"
    put(x + 2, y + 1, _fit(kind, INNER), styles["base"])
    if fig is None:
        return
    put(x + 2, y + 2, sparkline(fig.spark, INNER, charset), styles["spark"])
    a, b = numbers.count(fig.rate_in), numbers.count(fig.rate_out)
    for rates in (f"in {a}/s out {b}/s", f"in {a} out {b}/s", f"{a}/{b} msg/s"):
        if len(rates) <= INNER:
            break
    put(x + 2, y + 3, _fit(rates, INNER), styles["dim"] if not (fig.rate_in or fig.rate_out)
        else styles["base"])
