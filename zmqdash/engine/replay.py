"""Replay: the messages of a JSON Lines recording sent again on a socket, at the recorded pace,
N times faster, or as fast as the socket takes them.

A reader thread of the replay's own (:mod:`.replay_reader`) parses the file (an export or a
recording), keeps the messages of one direction that match the filter, and queues them,
bounded, for the engine. The engine's thread sends them from a timer,
in order, each at ``start + (ts - first ts) / speed``; a message more than
:data:`LATE_SHIFT` late (the peer or the machine held the replay up) moves the schedule on
rather than bursting to catch up. Frames are the recorded bytes, exactly; on a ROUTER the
recorded identity is replaced by the one chosen now.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import socket_types
from .errors import EngineError, PeerUnreachable
from .replay_reader import DIRECTIONS, PASS_END, Matcher, ReplaySource

if TYPE_CHECKING:
    from . import commands as C
    from .core import Engine
    from .loop import Handlers
    from .socket_record import SocketRecord

#: most messages sent in one timer tick before the engine looks at its sockets again
TICK_BATCH = 2048
#: a message this late (seconds) moves the schedule on instead of being caught up with
LATE_SHIFT = 0.25
#: how long the engine waits before looking again when it cannot send yet (seconds)
RETRY = 0.002
#: how often a replay into a ROUTER retries while its peer is not connected (seconds)
PEER_RETRY = 0.05


@dataclass
class ReplayState:
    """What consumers read about a replay (counters written by one thread each: ``sent`` and
    ``state`` by the engine's, the file's by the reader's)."""

    path: str
    speed: float | None
    loop: bool
    match: str | None
    direction: str | None  # in or out; None until the reader has decided
    id: int = 0
    state: str = "starting"  # starting, running, done, stopped, failed
    sent: int = 0
    #: message records in the file that did not match the filter (or the direction)
    skipped: int = 0
    #: lines that are not records of this format, and the first one's problem
    bad_lines: int = 0
    first_bad: str = ""
    #: passes through the file finished (with loop on)
    passes: int = 0
    #: a ROUTER's peer is not connected (router_mandatory): the replay waits for it
    waiting_peer: bool = False
    error: str = ""
    started: float = field(default_factory=time.time)

    @property
    def running(self) -> bool:
        return self.state in ("starting", "running")

    def summary(self) -> str:
        speed = "as fast as possible" if self.speed is None else (
            "at the recorded pace" if self.speed == 1 else f"at {self.speed:g}x the recorded "
                                                           "pace")
        what = {"done": "replayed", "stopped": "stopped after", "failed": "failed after"}.get(
            self.state, "replaying:")
        text = f"{what} {self.sent:,} message{'s' if self.sent != 1 else ''} from " \
               f"{self.path} {speed}"
        if self.passes > 1:
            text += f", {self.passes} passes"
        if self.skipped:
            text += f"; {self.skipped:,} not matching skipped"
        if self.bad_lines:
            text += f"; {self.bad_lines:,} bad line{'s' if self.bad_lines != 1 else ''} " \
                    f"skipped ({self.first_bad})"
        if self.error:
            text += f": {self.error}"
        return text


def retarget(frames: list[bytes], from_router: bool, to_router: bool,
             peer: bytes | None) -> list[bytes] | None:
    """A recorded message's frames as they go out again. Into a ROUTER with a ``peer``: that
    identity first, in place of a recorded ROUTER's identity frame (``peer`` None: the first
    frame is the identity, as recorded); from a ROUTER into another type: without the identity
    frame, which means nothing there (None if nothing is left)."""
    if to_router:
        if peer is None:
            return frames
        return [peer, *(frames[1:] if from_router else frames)]
    if from_router:
        return frames[1:] or None
    return frames


def message_matcher(text: str | None) -> Matcher | None:
    """A predicate on a message's frames for a filter as the log's filter takes it: ``hex:``
    or ``b64:`` bytes that any frame holds, else text or ``/regex/`` on the message as the log
    shows it (format auto). None: no filter. Raises ``re.error`` or ``CodecError``."""
    from ..codec import render_frames
    from ..codec.match import bytes_matcher, matches_bytes, text_matcher

    if not text:
        return None
    if matches_bytes(text):
        return bytes_matcher(text)
    matches = text_matcher(text)
    assert matches is not None  # text is not blank
    return lambda frames: matches(render_frames(list(frames), "auto", 4096))


class _Run:
    """Engine-side: one replay on one socket."""

    def __init__(self, rid: int, state: ReplayState, source: ReplaySource,
                 peer: bytes | None, count: int | None = None) -> None:
        self.id = rid
        self.state = state
        self.source = source
        self.peer = peer
        self.count = count
        self.start: float | None = None  # monotonic time of the pass's first message
        self.waiting = False  # the engine has no timer for it (waiting for the reader)


class ReplayNews:
    """Internal: a replay's reader has queued messages after running dry, or finished."""

    def __init__(self, uid: int, rid: int) -> None:
        self.uid = uid
        self.rid = rid
        self.name = None  # not a user's command


class Replayer:
    """The engine's replay part: the ReplayStart and ReplayStop commands, and the timer that
    sends (the engine's thread only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runs: dict[int, _Run] = {}  # socket uid -> its replay

    def handlers(self) -> Handlers:
        from . import commands as C

        return {C.ReplayStart: self.start, C.ReplayStop: self.stop, ReplayNews: self.news}

    # -- commands ----------------------------------------------------------------------------

    def start(self, cmd: C.ReplayStart) -> ReplayState:

        engine = self.engine
        s = engine._get(cmd.name)
        if s.type in socket_types.RECEIVE_ONLY:
            raise EngineError(f"a {s.type} socket cannot send, so it cannot replay")
        if s.uid in self.runs:
            raise EngineError(f"{s.name} is replaying already; stop that replay first")
        speed = cmd.speed
        if speed is not None and (isinstance(speed, bool) or not isinstance(speed, (int, float))
                                  or not math.isfinite(speed) or speed <= 0):
            raise EngineError("the speed must be a number above 0 (2 is twice as fast), or "
                              "none for as fast as possible")
        if cmd.direction is not None and cmd.direction not in DIRECTIONS:
            raise EngineError("the direction is in, out, f>b or b>f (a device's), not "
                              f"{cmd.direction!r}")
        if cmd.peer is not None and not s.routes:
            raise EngineError("a peer identity only applies to ROUTER sockets")
        if cmd.count is not None:
            from . import limits

            limits.count(cmd.count, "the number of messages to replay")
        path = os.path.abspath(os.path.expanduser(str(cmd.path).strip()))
        if not str(cmd.path).strip():
            raise EngineError("a replay needs a file")
        if not os.path.isfile(path):
            reason = "no such file" if not os.path.exists(path) else "not a file"
            raise EngineError(f"cannot replay {path}: {reason}")
        try:
            matches = message_matcher(cmd.match)
        except Exception as exc:  # re.error, CodecError
            raise EngineError(f"bad filter: {exc}") from None
        rid = engine._next_uid
        engine._next_uid += 1
        state = ReplayState(path, None if speed is None else float(speed), bool(cmd.loop),
                            cmd.match or None, cmd.direction, id=rid)
        uid = s.uid
        source = ReplaySource(state, matches,
                              lambda: engine._post(ReplayNews(uid, rid), None))
        run = _Run(rid, state, source, cmd.peer, cmd.count)
        run.waiting = True
        self.runs[uid] = run
        s.view.replay = state
        source.start()
        engine._info(s, f"replaying {path} "
                        + ("as fast as possible" if speed is None else f"at speed {speed:g}"))
        engine._changed.add(s.name)
        return state

    def stop(self, cmd: C.ReplayStop) -> ReplayState:
        s = self.engine._get(cmd.name)
        run = self.runs.get(s.uid)
        if run is None:
            raise EngineError(f"{s.name} is not replaying")
        self._end(s, run, "stopped")
        return run.state

    def news(self, cmd: ReplayNews) -> None:
        run = self.runs.get(cmd.uid)
        if run is None or run.id != cmd.rid or not run.waiting:
            return
        run.waiting = False
        import heapq
        import time as _time

        heapq.heappush(self.engine._timers, (_time.monotonic(), run.id, cmd.uid))

    # -- the engine's hooks --------------------------------------------------------------------

    def tick(self, s: SocketRecord, rid: int, now: float) -> float | None:
        """Send what is due; the monotonic time to come back, or None (no timer: finished, or
        waiting for the reader)."""
        run = self.runs.get(s.uid)
        if run is None or run.id != rid:
            return None
        try:
            return self._tick(s, run, now)
        except Exception as exc:  # noqa: BLE001 - a replay's bug stops it, not the engine
            run.state.error = repr(exc)
            self._end(s, run, "failed")
            self.engine._error(s, f"replay stopped: {exc!r}")
            return None

    def _tick(self, s: SocketRecord, run: _Run, now: float) -> float | None:
        if not self._can_send(s):
            return now + RETRY
        source, state = run.source, run.state
        speed = state.speed
        sent = 0
        while sent < TICK_BATCH:
            try:
                item = source.peek()
            except IndexError:
                if source.finished and not source.items:
                    self._finished(s, run)
                    return None
                # ran dry: the reader posts ReplayNews once it has more. It looks at
                # `wanted` after each append, and this looks at the queue after setting it, so
                # one of the two sees the other
                run.waiting = True
                source.wanted = True
                if source.items or source.finished:
                    run.waiting = False
                    return now + 1e-6
                return None
            if item is PASS_END:
                source.pop()
                state.passes += 1
                run.start = None
                continue
            offset, frames, from_router = item[0], item[1], item[2]
            if speed is not None:
                if run.start is None:
                    run.start = now - offset / speed
                due = run.start + offset / speed
                if due > now:
                    return due
                if now - due > LATE_SHIFT:  # held up: move the schedule on, do not burst
                    run.start += now - due
            out = self._retarget(s, run, list(frames), from_router)
            if out is None:
                source.pop()
                state.skipped += 1
                continue
            try:
                self.engine._send_checked(s, out)
            except PeerUnreachable as exc:  # router_mandatory: wait for the peer, lose nothing
                if not state.waiting_peer:
                    state.waiting_peer = True
                    self.engine._info(s, f"replay: {exc}; waiting for that peer to connect")
                return now + PEER_RETRY
            except EngineError as exc:
                state.error = str(exc)
                self._end(s, run, "failed")
                self.engine._error(s, f"replay stopped: {exc}")
                return None
            source.pop()
            state.waiting_peer = False
            state.state = "running"
            state.sent += 1
            sent += 1
            if run.count is not None and state.sent >= run.count:
                self._end(s, run, "done")
                self.engine._info(s, state.summary())
                return None
            if not self._can_send(s):
                return now + RETRY
        return now + 1e-6  # more is ready: the engine looks at its sockets, then comes back

    def close_socket(self, s: SocketRecord) -> None:
        run = self.runs.get(s.uid)
        if run is not None:
            self._end(s, run, "stopped")

    def shutdown(self) -> None:
        for run in self.runs.values():
            run.source.stop()
        self.runs.clear()

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _can_send(s: SocketRecord) -> bool:
        if s.outbox:
            return False  # the peer is not taking what was sent: wait for it
        if s.asks and not s.relaxed and s.view.awaiting_reply:
            return False
        if s.answers and s.pending_request is None:
            return False
        return True

    @staticmethod
    def _retarget(s: SocketRecord, run: _Run, frames: list[bytes],
                  from_router: bool) -> list[bytes] | None:
        return retarget(frames, from_router, s.routes, run.peer)

    def _finished(self, s: SocketRecord, run: _Run) -> None:
        state = run.state
        if run.source.error:
            state.error = run.source.error
            self._end(s, run, "failed")
            self.engine._error(s, f"replay failed: {run.source.error}")
            return
        self._end(s, run, "done")
        self.engine._info(s, state.summary())

    def _end(self, s: SocketRecord, run: _Run, how: str) -> None:
        run.source.stop()
        run.state.state = how
        self.runs.pop(s.uid, None)
        self.engine._changed.add(s.name)
