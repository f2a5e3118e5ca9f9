"""A minute of every socket's and device's traffic, a second at a time.

Once a second the engine's thread turns each socket's counters (and each device's, per
direction) into what happened in that second and keeps the last :data:`WINDOW` of them as a
:class:`Rates` on the view, replaced whole. A screen draws sparklines and rates from it
whenever it looks, so nothing is sampled, or costs anything, while nobody looks, and a minute's
history is there the moment somebody does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Engine

#: seconds of history kept
WINDOW = 60
#: how often the counters are turned into a second's worth (seconds)
PERIOD = 1.0

_EMPTY = (0,) * WINDOW


@dataclass(frozen=True)
class Rates:
    """The last :data:`WINDOW` seconds, oldest first: messages and bytes in and out in each
    (for a device, in is frontend to backend and out backend to frontend)."""

    msgs_in: tuple[int, ...] = _EMPTY
    msgs_out: tuple[int, ...] = _EMPTY
    bytes_in: tuple[int, ...] = _EMPTY
    bytes_out: tuple[int, ...] = _EMPTY
    seconds: int = 0  # how many seconds have been counted (less than WINDOW at first)

    @property
    def rate_in(self) -> int:
        """Messages received in the last full second."""
        return self.msgs_in[-1]

    @property
    def rate_out(self) -> int:
        return self.msgs_out[-1]

    @property
    def bytes_rate(self) -> int:
        """Bytes in and out in the last full second."""
        return self.bytes_in[-1] + self.bytes_out[-1]

    def total(self) -> tuple[int, ...]:
        """Messages in and out, each second."""
        return tuple(a + b for a, b in zip(self.msgs_in, self.msgs_out, strict=True))

    def after(self, counts: tuple[int, int, int, int],
              before: tuple[int, int, int, int]) -> Rates:
        """These rates with one more second: the counters now and a second ago."""
        deltas = [max(0, now - then) for now, then in zip(counts, before, strict=True)]
        return Rates(self.msgs_in[1:] + (deltas[0],), self.msgs_out[1:] + (deltas[1],),
                     self.bytes_in[1:] + (deltas[2],), self.bytes_out[1:] + (deltas[3],),
                     min(WINDOW, self.seconds + 1))


def last_second(view: Any) -> tuple[int, int]:
    """Messages in and out (a device: frontend to backend and back) in the last full second,
    as the engine counted them; ``(0, 0)`` before its first second. Every screen that shows a
    rate reads it here."""
    rates = getattr(view, "rates", None)
    return (rates.rate_in, rates.rate_out) if rates is not None else (0, 0)


def socket_counts(view: Any) -> tuple[int, int, int, int]:
    s = view.stats
    return s.msgs_in, s.msgs_out, s.bytes_in, s.bytes_out


def device_counts(view: Any) -> tuple[int, int, int, int]:
    s = view.stats
    return s.f2b_msgs, s.b2f_msgs, s.f2b_bytes, s.b2f_bytes


class RateKeeper:
    """The engine's part that keeps :class:`Rates` (its thread only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._before: dict[int, tuple[int, int, int, int]] = {}  # id(view) -> counters

    def tick(self, now: float) -> float:
        """Count the second that just ended; returns when to come back."""
        before = self._before
        seen: dict[int, tuple[int, int, int, int]] = {}
        for views, counts in ((self.engine.sockets().values(), socket_counts),
                              (self.engine.devices().values(), device_counts)):
            for view in views:
                key = id(view)
                now_counts = counts(view)
                old = before.get(key)
                current = getattr(view, "rates", None) or Rates()
                # a view seen for the first time: its counters started at zero
                view.rates = current.after(now_counts, (0, 0, 0, 0) if old is None else old)
                seen[key] = now_counts
        self._before = seen  # views that went away are forgotten
        return now + PERIOD
