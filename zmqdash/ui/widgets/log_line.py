"""One row of a socket's log, as it is drawn: the time, the kind's tag and the body cut to the
width, in the log's styles (one :class:`~textual.strip.Strip` of three segments)."""

from __future__ import annotations

import time

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
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
    TS,
)
from ..fitting import cut_end, event_line, payload_line
from ..log_filter import Entry

#: each kind's tag; a device's messages show their direction (frontend to backend and back)
TAGS = {IN: "in ", OUT: "out", EVENT: "evt", ERROR: "ERR", INFO: "inf", F2B: "f→b", B2F: "b→f"}
#: the parts of a row with a style of their own (a component class ``log--<name>`` each)
STYLED = ("time", IN, OUT, EVENT, ERROR, INFO, "cursor")


def clock(ts: float, millis: bool = True) -> str:
    lt = time.localtime(ts)
    if millis:
        return f"{lt.tm_hour:02}:{lt.tm_min:02}:{lt.tm_sec:02}.{int(ts * 1000) % 1000:03}"
    return f"{lt.tm_hour:02}:{lt.tm_min:02}:{lt.tm_sec:02}"


def row_strip(entry: Entry, fmt: str, width: int, selected: bool,
              styles: dict[str, Style]) -> Strip:
    """``entry`` as a row ``width`` cells wide, its payload shown in format ``fmt``;
    ``styles`` holds "base" and each of :data:`STYLED`."""
    kind = entry[KIND]
    base = styles["base"]
    meta = entry[META]
    # a folded reconnect loop shows when it last happened (its count says how often)
    ts = meta.last_ts if kind == EVENT and meta.count > 1 and meta.last_ts else entry[TS]
    stamp = " " + clock(ts, millis=width >= 48) + " "
    tag = TAGS.get(kind, kind[:3]) + " "
    budget = max(4, width - len(stamp) - len(tag))
    if kind in MESSAGE_KINDS:
        body = payload_line(entry[FRAMES], fmt, budget)
    elif kind == EVENT:
        body = event_line(meta, budget)
    else:
        body = cut_end(entry_text(entry, fmt, budget + 1), budget)
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
