"""The engine's side of the hints: a slow timer that works out every socket's hints
(:mod:`.hints`) from what is kept anyway, and the commands that ask for them now."""

from __future__ import annotations

import heapq
import time
from typing import TYPE_CHECKING

from . import commands as C
from . import hints
from .errors import EngineError
from .parts import EngineParts

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers


class Hinting(EngineParts):
    """The hints' timer and commands (a part of :class:`~.core.Engine`)."""

    def _start_hints(self) -> None:
        if not self._hints_due:
            self._hints_due = True
            heapq.heappush(self._timers,
                           (time.monotonic() + self.hint_timing.interval, 0, 0))

    def _hint_tick(self, now: float) -> None:
        """Work out every socket's hints (hints/) from what is known now; runs on a slow
        timer while there are sockets, never per message."""
        socks = list(self._by_uid.values())
        for s in socks:
            for rep in s.repeaters.values():
                for frame in rep.cmd.frames:
                    if frame not in self._counters:
                        pattern = hints.counter_pattern(frame)
                        if pattern is not None:
                            self._counters[frame] = pattern
        for s in socks:
            if self._counters and s.can_recv:
                hints.watch_counters(s.watch, self._counters)
            found = hints.evaluate(s, s.watch, socks, self.hint_timing, now)
            if found != s.watch.hints:
                s.watch.hints = found
                s.view.hints = found
                self._changed.add(s.name)
        self._hints_due = False
        if socks:
            self._start_hints()

    def _do_checkhints(self, cmd: C.CheckHints) -> tuple[hints.Hint, ...]:
        s = self._get(cmd.name)
        socks = list(self._by_uid.values())
        found = hints.evaluate(s, s.watch, socks, self.hint_timing, time.monotonic())
        if s.watch.lookups:  # who holds a port: asked for now, so worth a short wait
            hints.wait_lookups(s.watch, 1.0)
            found = hints.evaluate(s, s.watch, socks, self.hint_timing, time.monotonic())
        s.watch.hints = s.view.hints = found
        return found

    def _do_watchcounter(self, cmd: C.WatchCounter) -> None:
        s = self._get(cmd.name)
        old = s.watch.marked
        if old is not None:
            s.watch.counters.pop(old, None)
        s.watch.marked = None
        if cmd.pattern:
            found = hints.marked_pattern(cmd.pattern)
            if found is None:
                raise EngineError("a counter to watch is marked with {seq}, e.g. 'tick {seq}'")
            s.watch.marked = cmd.pattern
            s.watch.counters.pop(cmd.pattern, None)
            hints.watch_counters(s.watch, {cmd.pattern: found})



def commands(engine: Engine) -> Handlers:
    return {C.CheckHints: engine._do_checkhints, C.WatchCounter: engine._do_watchcounter}
