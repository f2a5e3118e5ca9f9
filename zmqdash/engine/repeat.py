"""Repeat-send (a template sent every so often, numbered) and the engine's timer heap, which
also drives the hints, the once-a-second rates and replays."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from . import commands as C
from . import limits, socket_types, templates
from . import state as S
from .errors import EngineError, PeerUnreachable
from .loop import RATES_TIMER
from .parts import EngineParts
from .send import OUTBOX_LIMIT
from .socket_record import SocketRecord

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers

class Repeater:
    def __init__(self, rid: int, cmd: C.RepeatStart, makers: list[Callable[..., bytes]],
                 due: float) -> None:
        self.id = rid
        self.cmd = cmd
        self.makers = makers
        self.sent = 0
        self.due = due
        self.dropped = 0  # messages in a row for a ROUTER peer that is not connected

    def state(self) -> S.RepeaterState:
        c = self.cmd
        return S.RepeaterState(self.id, c.frames, c.interval_ms, c.count, self.sent, c.peer)


class Repeats(EngineParts):
    """Repeat-send and timers (a part of :class:`~.core.Engine`)."""

    def _do_repeatstart(self, cmd: C.RepeatStart) -> int:
        s = self._get(cmd.name)
        if s.type in socket_types.RECEIVE_ONLY:
            raise EngineError(f"a {s.type} socket cannot send")
        limits.interval_ms(cmd.interval_ms)
        if cmd.count is not None:
            limits.count(cmd.count)
        if not cmd.frames:
            raise EngineError("a repeat-send needs a message template")
        if cmd.newest_peer:
            cmd = replace(cmd, peer=self._newest_peer(s), newest_peer=False)
        if s.routes and cmd.peer is None and len(cmd.frames) < 2:
            raise EngineError("a ROUTER repeat-send needs a peer identity")
        makers = templates.compile_frames(cmd.frames)
        s.repeats_started += 1  # numbered per socket, from 1
        rid = s.repeats_started
        rep = Repeater(rid, cmd, makers, time.monotonic())
        s.repeaters[rid] = rep
        heapq.heappush(self._timers, (rep.due, rid, s.uid))
        self._repeaters_changed(s)
        return rid

    def _do_repeatstop(self, cmd: C.RepeatStop) -> int:
        s = self._get(cmd.name)
        if cmd.repeater is None:
            stopped = len(s.repeaters)
            s.repeaters.clear()
        elif s.repeaters.pop(cmd.repeater, None) is None:
            raise EngineError(f"{s.name} has no repeat-send #{cmd.repeater}")
        else:
            stopped = 1
        self._repeaters_changed(s)
        return stopped

    def _repeaters_changed(self, s: SocketRecord, structural: bool = True) -> None:
        s.view.repeaters = tuple(r.state() for r in s.repeaters.values())
        if structural:
            self._changed.add(s.name)

    def _run_timers(self) -> None:
        now = time.monotonic()
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, rid, uid = heapq.heappop(timers)
            if uid == 0:
                self._hint_tick(now)
                continue
            if uid == RATES_TIMER:
                heapq.heappush(timers, (self._rates.tick(now), 0, RATES_TIMER))
                continue
            s = self._by_uid.get(uid)
            rep = s.repeaters.get(rid) if s is not None else None
            if rep is None:
                due = self._replayer.tick(s, rid, now) if s is not None else None
                if due is not None:
                    heapq.heappush(timers, (due, rid, uid))
                continue
            assert s is not None  # it has the repeater
            try:
                self.send_repeat(s, rep)
            except Exception as exc:  # a repeater's bug stops that repeater, not the engine
                s.repeaters.pop(rid, None)
                self._error(s, f"repeat-send #{rid} stopped: {exc!r}")
                self._repeaters_changed(s)
            if rid not in s.repeaters:
                continue
            interval = rep.cmd.interval_ms / 1000
            rep.due += interval
            if rep.due < now:  # fell behind (a busy machine): do not burst to catch up
                rep.due = now + interval
            heapq.heappush(timers, (rep.due, rid, uid))

    def send_repeat(self, s: SocketRecord, rep: Repeater) -> None:
        """Poller thread only: send ``rep``'s next message, when its timer is due."""
        if s.asks and not s.relaxed and (s.view.awaiting_reply or s.outbox):
            return  # a REQ waits for its reply before the next request
        if len(s.outbox) >= OUTBOX_LIMIT:
            return
        seq = rep.sent + 1
        frames = [make(seq) for make in rep.makers]
        if rep.cmd.peer is not None:
            frames.insert(0, rep.cmd.peer)
        try:
            self._send(s, frames)
        except PeerUnreachable as exc:  # the peer may connect later: say it once, keep going
            if not rep.dropped:
                self._error(s, f"repeat-send #{rep.id}: {exc}; dropping its messages until "
                               "that peer connects")
            rep.dropped += 1
        except EngineError as exc:
            s.repeaters.pop(rep.id, None)
            self._error(s, f"repeat-send #{rep.id} stopped: {exc}")
            self._repeaters_changed(s)
            return
        else:
            if rep.dropped:
                self._info(s, f"repeat-send #{rep.id}: the peer is connected; {rep.dropped} "
                              f"message{'s' if rep.dropped != 1 else ''} dropped before")
                rep.dropped = 0
        rep.sent = seq
        finished = rep.cmd.count is not None and seq >= rep.cmd.count
        if finished:
            s.repeaters.pop(rep.id, None)
            self._info(s, f"repeat-send #{rep.id} finished after {seq} messages")
        # a new sent count is not a structural change: consumers read it when they look
        self._repeaters_changed(s, structural=finished)



def commands(engine: Engine) -> Handlers:
    return {C.RepeatStart: engine._do_repeatstart, C.RepeatStop: engine._do_repeatstop}
