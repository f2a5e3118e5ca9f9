"""Pacing repaints of what keeps changing: a flood is shown a few times a second, a lone change
at once.

Every repaint of a scrolling log is a screenful of terminal output and a frame that a key press
may have to wait behind; nobody reads a flood faster than a few frames a second anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: while something keeps changing, it is repainted at most this often (seconds)
STREAM_INTERVAL = 0.2
#: a look this much early still counts as on time (the timer that drives looks is not exact;
#: without it, a 0.1 s timer that fires a little early would repaint every 0.3 s)
SLACK = 0.02


class Pacer:
    """Decides, each time a view looks at its data, whether to repaint now.

    A change that follows a quiet look is shown at once; while every look finds a change, at
    most one repaint per ``interval``. A forced look (an action, a resize) always repaints.
    """

    __slots__ = ("interval", "clock", "_streaming", "_painted_at")

    def __init__(self, interval: float = STREAM_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._streaming = False  # the last look found a change
        self._painted_at = 0.0

    def due(self, changed: bool, force: bool = False) -> bool:
        """Whether to repaint now; a change not shown now must be offered again later."""
        if not (changed or force):
            self._streaming = False
            return False
        now = self.clock()
        if not force and self._streaming and now - self._painted_at < self.interval - SLACK:
            return False
        self._streaming = changed and not force
        self._painted_at = now
        return True
