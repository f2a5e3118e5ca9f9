"""The checks about the messages themselves: gaps in a numbered stream, a ROUTER sending to
identities no peer has."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..ring import FRAMES, IN, KIND, SEQ
from ..subscriptions import prefix_text
from .look import (
    _Context,
    _s,
)
from .watch import (
    GAP_SCAN_LIMIT,
    Hint,
)

if TYPE_CHECKING:
    pass


def _gaps(c: _Context) -> Iterator[Hint]:
    s, w, v = c.s, c.w, c.s.view
    if not w.counters or not s.can_recv:
        return
    ring = v.log
    start = max(w.scanned, ring.first)
    if ring.total - start > GAP_SCAN_LIMIT:  # too much to look at: pick up from the newest
        start = ring.total - GAP_SCAN_LIMIT
        for counter in w.counters.values():
            counter.last = None
    counters = list(w.counters.values())
    for entry in ring.since(start):
        if entry[KIND] != IN:
            continue
        for frame in entry[FRAMES][:4]:
            found = False
            for counter in counters:
                if not frame.startswith(counter.head):
                    continue
                m = counter.pattern.fullmatch(frame)
                if m is None:
                    continue
                n = int(m.group(1))
                last = counter.last
                if last is not None and n > last + 1:
                    missing = n - last - 1
                    counter.missing += missing
                    counter.gap = (missing, last, n)
                    counter.gap_at = c.now
                counter.last = n
                found = True
                break
            if found:
                break
        w.scanned = entry[SEQ] + 1
    w.scanned = max(w.scanned, ring.total)
    for key, counter in w.counters.items():
        if counter.gap is None or c.now - counter.gap_at >= c.t.shown:
            continue
        missing, lo, hi = counter.gap
        total = f"; {counter.missing:,} missing in all" if counter.missing > missing else ""
        yield Hint(
            f"gap {key}",
            f"{missing:,} missing between #{lo} and #{hi} in {counter.label}{total}",
            "The messages carry a counter, and some numbers never arrived. A PUB drops "
            "messages for a subscriber whose queue is full (the high-water marks, sndhwm and "
            "rcvhwm) or that was reconnecting; a PUSH deals messages round-robin, so another "
            "PULL got the missing ones; conflate keeps only the newest. Raise the high-water "
            "marks, make the receiver keep up, or look for a second consumer.",
        )


def _router_unknown(c: _Context) -> Iterator[Hint]:
    s, w, v = c.s, c.w, c.s.view
    if not s.routes or not w.unknown:
        return
    for ident, (_, last, _) in list(w.unknown.items()):
        if c.now - last >= c.t.shown:
            del w.unknown[ident]
    if not w.unknown:
        return
    ident, (count, _, refused) = max(w.unknown.items(), key=lambda item: item[1][1])
    shown = prefix_text(ident) if ident else '""'
    heard = ", ".join(prefix_text(p) for p in v.peers_seen[-3:])
    peers = f" (heard from: {heard})" if heard else " (it has heard from no peer yet)"
    if refused:
        text = (f"{_s(count, 'message')} to {shown} refused: no connected peer has that "
                f"identity{peers}")
    else:
        text = (f"{_s(count, 'message')} to {shown} dropped: no connected peer has that "
                f"identity, and router_mandatory is off{peers}")
    others = len(w.unknown) - 1
    if others:
        text += f"; {others} other unknown identit{'ies' if others != 1 else 'y'}"
    yield Hint(
        "router-unknown",
        text,
        "A ROUTER sends each message to the peer whose routing identity is its first frame. "
        "With no such peer connected, ZeroMQ drops the message without a word "
        "(router_mandatory=0) or refuses it (router_mandatory=1, how the dashboard makes "
        "ROUTERs). Use an identity a peer really has (the peer sets routing_id before it "
        "connects, or pick one the ROUTER heard from in the peer chooser), and keep "
        "router_mandatory on to be told at once.",
    )
