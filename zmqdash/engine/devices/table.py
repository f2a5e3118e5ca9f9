"""The engine's side of devices: made, polled and forwarded by the poller thread only.

A device is two of the engine's own sockets (made like any other, with options and a monitor,
so endpoint states and connection events work as for a socket panel) that are not listed as
sockets: the device polls them itself. When one is readable, a batch of messages goes across
(:mod:`..forwardpath`, the compiled helper where it was built); when the other side cannot take
a message now, that one message waits in the device's outbox for the direction, the source is
no longer read, and the destination is polled for room. ZeroMQ's own queues hold the rest, up to
the high-water marks, exactly as they do for a paused device.

:class:`DeviceTable` is one of the engine's parts: ``handlers()`` gives the engine its commands,
its sockets' poll callbacks go in ``engine._pollables`` (it registers them with the poller itself,
for input, output or neither), and it uses the engine's socket plumbing (``_open``, ``_bind``,
``_connect``, ``_close``). Nothing in it blocks.
"""

from __future__ import annotations

import errno
import time
from collections import deque
from dataclasses import replace
from functools import partial

import zmq

from .. import core, forwardpath, options, subscriptions
from .. import state as S
from ..errors import EngineError
from ..record import RecordTarget
from ..ring import B2F, ERROR, EVENT, F2B, FRAMES, INFO, KIND, META, TS, Ring
from . import commands as C
from . import spec
from .state import INJECTED, PAUSED, RUNNING, STOPPED, DeviceView

#: a direction by index: 0 goes frontend -> backend (read side 0, write side 1), 1 the other way
DIRS = (F2B, B2F)
SIDES = (spec.FRONTEND, spec.BACKEND)
#: refused messages are written in the log at most this often per device (the count is exact)
REFUSED_NOTE_INTERVAL = 1.0
NO_LIMIT = 1 << 62
#: the longest a restart waits for its own ports to be let go (seconds)
REBIND_WAIT = 0.25
IN_USE = core._ERRNO_TEXT[errno.EADDRINUSE]


class _Device:
    """Engine-side record of one device (touched only by the poller thread)."""

    def __init__(self, kind: spec.Kind, cmd: C.DeviceCreate, view: DeviceView,
                 endpoints: tuple[tuple, tuple]) -> None:
        self.kind = kind
        self.cmd = cmd
        self.view = view
        self.endpoints = endpoints  # per side: ((role, endpoint), ...)
        self.socks: list = [None, None]  # the engine's _Sock of each side, while started
        self.outbox: tuple[deque, deque] = (deque(), deque())  # per direction: (frames, meta)
        #: where a forwarder's subscriptions are seen when the tap is off
        self.scratch: Ring | None = None
        self.subs: dict[bytes, None] = {}
        #: (side, wildcard bind) -> the endpoint it got, bound again on restart so that peers
        #: find the device where it was
        self.ports: dict[tuple[int, str], str] = {}
        self.refused_at = 0.0
        self.refused_since = 0
        #: what the engine's recorder records (see _Recorded)
        self.rec: _Recorded | None = None

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def watches_subscriptions(self) -> bool:
        return self.kind.name == "forwarder"


class _Recorded(RecordTarget):
    """A device as the engine's recorder sees it: its log (the tap) is what is recorded, and
    while the recording's disk falls behind (``recv_paused``) the device reads neither side,
    so messages wait in ZeroMQ's queues as for a recorded socket."""

    def __init__(self, table: DeviceTable, d: _Device) -> None:
        self.table = table
        self.device = d
        self.recording = None
        self.record_lines = None
        self._held = False

    @property
    def name(self) -> str:
        return self.device.name

    @property
    def type(self) -> str:
        return self.device.kind.name

    @property
    def view(self) -> DeviceView:
        return self.device.view

    @property
    def recv_paused(self) -> bool:
        return self._held

    @recv_paused.setter
    def recv_paused(self, held: bool) -> None:
        was, self._held = self._held, bool(held)
        if was and not held:  # what waited for the disk goes across now
            for di in range(len(self.device.kind.directions)):
                self.table._pump(self.device, di)

    def info(self, text: str) -> None:
        self.table._info(self.device, text)

    def error(self, text: str) -> None:
        self.table._error(self.device, text)

    def update_poll(self) -> None:
        if not self.device.view.closed:
            self.table._update_poll(self.device)

    def changed(self) -> None:
        self.table._changed(self.device)


class DeviceTable:
    """Every device of one engine (see the module's docstring)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        #: what consumers read: the devices by name, replaced whole on every structural change
        self.views: dict[str, DeviceView] = {}
        self._devices: dict[str, _Device] = {}

    def handlers(self) -> dict:
        """The commands this part carries out, for the engine's table."""
        handlers = {
            C.DeviceCreate: self._create, C.DevicePause: self._pause,
            C.DeviceResume: self._resume, C.DeviceStop: self._stop,
            C.DeviceRestart: self._restart, C.DeviceInject: self._inject,
            C.DeviceTap: self._tap, C.DeviceRename: self._rename,
            C.DeviceClearLog: self._clear_log, C.DeviceClose: self._close,
            C.DeviceRecordStart: self._record_start, C.DeviceRecordStop: self._record_stop,
        }
        return {t: partial(self._carry_out, fn) for t, fn in handlers.items()}

    # -- commands ------------------------------------------------------------------------------

    def _carry_out(self, handler, cmd):
        """Run a command; its error also goes in the device's log (and only there)."""
        try:
            return handler(cmd)
        except EngineError as exc:
            d = self._devices.get(getattr(cmd, "device", None))
            if d is not None and not getattr(exc, "logged", False):
                self._error(d, str(exc))
                exc.logged = True
            raise

    def _get(self, name) -> _Device:
        d = self._devices.get(name)
        if d is None:
            raise EngineError(f"no device named '{name}'")
        return d

    def _check_name(self, name) -> str:
        if not isinstance(name, str) or not name.strip():
            raise EngineError("a device needs a name")
        name = name.strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise EngineError("a device name cannot contain control characters")
        if name in self._devices:
            raise EngineError(f"there is already a device named '{name}'")
        return name

    def _create(self, cmd: C.DeviceCreate) -> str:
        name = self._check_name(cmd.device)
        kind = spec.kind(cmd.kind)
        front = spec.parse_side(cmd.frontend, spec.FRONTEND)
        back = spec.parse_side(cmd.backend, spec.BACKEND)
        spec.check_sides(front, back)
        for side, opts in ((spec.FRONTEND, cmd.frontend_options),
                           (spec.BACKEND, cmd.backend_options)):
            for opt_name, value in opts:  # what can be checked without a socket
                try:
                    options.option_value(options.option(opt_name), value)
                except EngineError as exc:
                    raise EngineError(f"{side}: {exc}") from None
        e = self.engine
        ring = Ring(e.ring_capacity, e.byte_budget)
        view = DeviceView(
            name, kind.name, ring,
            frontend=S.SocketView(name=f"{name} {spec.FRONTEND}", type=kind.frontend, log=ring),
            backend=S.SocketView(name=f"{name} {spec.BACKEND}", type=kind.backend, log=ring),
            tap=bool(cmd.tap),
            endpoints=(front, back),
            options=(tuple(cmd.frontend_options), tuple(cmd.backend_options)),
        )
        d = _Device(kind, cmd, view, (front, back))
        self._devices[name] = d
        self.views = {**self.views, name: view}
        self._changed(d)
        self._start(d)
        self._info(d, f"running: {self._describe(d)}")
        return name

    def _describe(self, d: _Device) -> str:
        k = d.kind
        return (f"{k.name}, frontend {k.frontend} {spec.side_text(d.endpoints[0])}, "
                f"backend {k.backend} {spec.side_text(d.endpoints[1])}")

    def _pause(self, cmd: C.DevicePause) -> None:
        d = self._get(cmd.device)
        v = d.view
        if v.state == STOPPED:
            raise EngineError(f"{d.name} is stopped (restart it first)")
        if v.state == PAUSED:
            raise EngineError(f"{d.name} is already paused")
        v.state = PAUSED
        v.paused_at = time.time()
        self._update_poll(d)
        self._info(d, "paused: messages wait in ZeroMQ's queues, up to the high-water marks")
        self._changed(d)

    def _resume(self, cmd: C.DeviceResume) -> float:
        d = self._get(cmd.device)
        v = d.view
        if v.state != PAUSED:
            raise EngineError(f"{d.name} is not paused (it is {v.state})")
        paused = v.paused_for(time.time())
        v.state = RUNNING
        v.paused_at = None
        self._info(d, f"resumed after {paused:.1f} s paused")
        for di in range(len(d.kind.directions)):  # what waited goes across now
            self._pump(d, di)
        self._update_poll(d)
        self._changed(d)
        return paused

    def _stop(self, cmd: C.DeviceStop) -> None:
        d = self._get(cmd.device)
        if d.view.state == STOPPED:
            raise EngineError(f"{d.name} is already stopped")
        lost = self._close_sockets(d)
        d.view.state = STOPPED
        d.view.paused_at = None
        d.view.reason = ""
        self._info(d, "stopped" + (f"; {lost} message{'s' if lost != 1 else ''} waiting to "
                                   "cross were dropped" if lost else ""))
        self._changed(d)

    def _restart(self, cmd: C.DeviceRestart) -> None:
        d = self._get(cmd.device)
        lost = self._close_sockets(d)
        if lost:
            self._info(d, f"{lost} message{'s' if lost != 1 else ''} waiting to cross were "
                       "dropped")
        self._start(d, again=True)
        self._info(d, f"restarted: {self._describe(d)}")
        self._changed(d)

    def _inject(self, cmd: C.DeviceInject) -> str:
        d = self._get(cmd.device)
        di = DIRS.index(spec.direction(cmd.direction))
        if di >= len(d.kind.directions):
            raise EngineError(f"a {d.kind.name} carries messages one way only, frontend to "
                              "backend")
        if d.view.state == STOPPED:
            raise EngineError(f"{d.name} is stopped (restart it first)")
        frames = [bytes(f) for f in cmd.frames]
        if not frames:
            raise EngineError("nothing to inject (a message needs at least one frame)")
        if d.kind.name == "queue" and di == 1 and len(frames) < 2:
            raise EngineError("a message out of a queue's frontend (a ROUTER) starts with the "
                              "routing identity of the peer it goes to: give it as the first "
                              "frame")
        box = d.outbox[di]
        if len(box) >= core.OUTBOX_LIMIT:
            raise EngineError(f"outbox full: {len(box)} messages are waiting for the "
                              f"{SIDES[1 - di]} to take them")
        if not box:
            try:
                d.socks[1 - di].sock.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                pass
            except zmq.ZMQError as exc:
                raise EngineError(f"inject {DIRS[di]}: {zmq.strerror(exc.errno)}") from None
            else:
                self._crossed(d, di, frames, INJECTED)
                return "sent"
        box.append((frames, INJECTED))
        self._waiting(d)
        self._update_poll(d)
        self._info(d, f"injected message queued until the {SIDES[1 - di]} can take it")
        return "queued"

    def _tap(self, cmd: C.DeviceTap) -> None:
        d = self._get(cmd.device)
        if not cmd.on and d.view.recording is not None:
            raise EngineError(f"{d.name} is being recorded, and the recording is made from "
                              "the tap: stop the recording first")
        d.view.tap = bool(cmd.on)
        self._info(d, "tap on: every message that crosses is logged" if cmd.on else
                   "tap off: messages cross unlogged (counters go on)")
        self._changed(d)

    def _rename(self, cmd: C.DeviceRename) -> str:
        d = self._get(cmd.device)
        new = self._check_name(cmd.new_name)
        old = d.name
        self._devices = {(new if k == old else k): v for k, v in self._devices.items()}
        d.view.name = new
        d.view.frontend.name = f"{new} {spec.FRONTEND}"
        d.view.backend.name = f"{new} {spec.BACKEND}"
        for s, side in zip(d.socks, SIDES, strict=True):
            if s is not None:
                s.name = f"{new} {side}"
        self.views = {(new if k == old else k): v for k, v in self.views.items()}
        if d.rec is not None:
            self.engine._recorder.renamed(d.rec)
        self._info(d, f"renamed from '{old}'")
        self._changed(d)
        return new

    def _clear_log(self, cmd: C.DeviceClearLog) -> None:
        self._get(cmd.device).view.log.clear()

    def record_target(self, name: str) -> _Recorded:
        """What the engine's recorder records of the device ``name``; its tap goes on, since
        the recording is made of the tap's entries."""
        d = self._get(name)
        if d.rec is None:
            d.rec = _Recorded(self, d)
        if not d.view.tap:
            d.view.tap = True
            self._info(d, "tap on: a recording is made of what the tap logs")
            self._changed(d)
        return d.rec

    def _record_start(self, cmd: C.DeviceRecordStart):
        d = self._get(cmd.device)
        if d.view.recording is not None:
            raise EngineError(f"{d.name} is being recorded already, to "
                              f"{d.view.recording.path}")
        return self.engine._recorder.begin([self.record_target(d.name)], cmd.path,
                                           cmd.backlog)

    def _record_stop(self, cmd: C.DeviceRecordStop):
        d = self._get(cmd.device)
        if d.rec is None or d.rec.recording is None:
            raise EngineError(f"{d.name} is not being recorded")
        return self.engine._recorder.end(d.rec)

    def _close(self, cmd: C.DeviceClose) -> None:
        d = self._get(cmd.device)
        self._close_sockets(d)
        d.view.state = STOPPED
        d.view.closed = True
        if d.rec is not None:
            self.engine._recorder.close_socket(d.rec)
        del self._devices[d.name]
        self.views = {k: v for k, v in self.views.items() if k != d.name}
        self._changed(d)

    # -- starting and stopping -------------------------------------------------------------------

    def _start(self, d: _Device, again: bool = False) -> None:
        """Make both sockets, bind and connect them, and run; on failure the device is left
        stopped, with the reason, and the failure raised. ``again``: a restart."""
        e, v, k = self.engine, d.view, d.kind
        v.reason = ""
        try:
            sides = ((k.frontend, d.cmd.frontend_options, v.frontend),
                     (k.backend, d.cmd.backend_options, v.backend))
            for i, (type_, opts, side_view) in enumerate(sides):
                side_view.endpoints = ()
                side_view.closed = False
                try:
                    s = e._open(side_view.name, type_, opts, side_view)
                except EngineError as exc:
                    raise EngineError(f"{SIDES[i]}: {exc}") from None
                d.socks[i] = s
                e._pollables[s.sock] = partial(self._ready, d, i)
            for i, eps in enumerate(d.endpoints):
                for role, endpoint in eps:
                    try:
                        if role == S.BIND:
                            self._bind(d, i, endpoint, again)
                        else:
                            e._connect(d.socks[i], endpoint, None)
                    except EngineError as exc:
                        raise EngineError(f"{SIDES[i]}: {exc}") from None
        except EngineError as exc:
            self._close_sockets(d)
            v.state = STOPPED
            v.paused_at = None
            v.reason = str(exc)
            self._changed(d)
            raise
        v.state = RUNNING
        v.paused_at = None
        self._update_poll(d)

    def _bind(self, d: _Device, i: int, endpoint: str, again: bool) -> None:
        s = d.socks[i]
        before = d.ports.get((i, endpoint))
        if before is not None:
            try:
                self._bind_now(s, before, again)
                return
            except EngineError:  # taken meanwhile: a new port, then
                s.view.endpoints = tuple(ep for ep in s.view.endpoints if ep.endpoint != before)
        real = self._bind_now(s, endpoint, again)
        if real != endpoint:
            d.ports[(i, endpoint)] = real

    def _bind_now(self, s, endpoint: str, again: bool) -> str:
        """Bind; ``again`` (a restart): the port may still be held by this device's socket
        closed a moment ago, which libzmq's I/O thread lets go of asynchronously (within a
        millisecond or so), so "address in use" is retried for a short, bounded while."""
        deadline = time.monotonic() + (REBIND_WAIT if again else 0)
        while True:
            try:
                return self.engine._bind(s, endpoint)
            except EngineError as exc:
                if IN_USE not in str(exc) or time.monotonic() >= deadline:
                    raise
                s.view.endpoints = tuple(ep for ep in s.view.endpoints
                                         if ep.endpoint != endpoint)
                time.sleep(0.002)

    def _close_sockets(self, d: _Device) -> int:
        """Close both sockets (endpoints shown closed, failed ones kept as they are); returns
        how many messages were still waiting in the outboxes."""
        e = self.engine
        for i, s in enumerate(d.socks):
            if s is None:
                continue
            e._pollables.pop(s.sock, None)
            for ep in s.view.endpoints:  # let them go now (a close lets go later)
                if ep.role == S.BIND and ep.state != S.FAILED:
                    try:
                        s.sock.unbind(ep.resolved or ep.endpoint)
                    except zmq.ZMQError:
                        pass
            linger = core.CLOSE_LINGER_CAP if s.linger < 0 else min(s.linger,
                                                                    core.CLOSE_LINGER_CAP)
            try:
                e._close(s, linger)
            except zmq.ZMQError:
                pass
            e._by_uid.pop(s.uid, None)
            d.socks[i] = None
            s.view.endpoints = tuple(
                ep if ep.state == S.FAILED else replace(ep, state=S.CLOSED, peers=0, reason="")
                for ep in s.view.endpoints)
        lost = len(d.outbox[0]) + len(d.outbox[1])
        for box in d.outbox:
            box.clear()
        self._waiting(d)
        if d.subs:  # the frontend that held them upstream is gone: a new one starts with none
            d.subs.clear()
            d.view.subscriptions = ()
        return lost

    # -- forwarding (the poller calls _ready) ----------------------------------------------------

    def _update_poll(self, d: _Device) -> None:
        poller = self.engine._poller
        running = d.view.state == RUNNING and not (d.rec is not None and d.rec.recv_paused)
        for i, s in enumerate(d.socks):
            if s is None:
                continue
            flags = 0
            if running and i < len(d.kind.directions) and not d.outbox[i]:
                flags |= zmq.POLLIN  # side i is where direction i is read
            if d.outbox[1 - i]:
                flags |= zmq.POLLOUT  # a message waits to leave through side i
            if flags != s.poll_flags:
                if flags:
                    poller.register(s.sock, flags)
                else:
                    poller.unregister(s.sock)
                s.poll_flags = flags

    def _ready(self, d: _Device, i: int) -> None:
        """Side ``i`` is ready for what it is polled for (the engine calls this)."""
        s = d.socks[i]
        if s is None:
            return
        events = s.sock.get(zmq.EVENTS)  # which of its two polls fired
        if events & zmq.POLLOUT and d.outbox[1 - i]:
            self._flush(d, 1 - i)
        if events & zmq.POLLIN and s.poll_flags & zmq.POLLIN:
            self._pump(d, i)
        self._update_poll(d)

    def _pump(self, d: _Device, di: int) -> None:
        """Forward one batch in direction ``di`` (the hot path: bookkeeping once per batch)."""
        v = d.view
        if v.state != RUNNING or d.outbox[di]:
            return
        src, dst = d.socks[di], d.socks[1 - di]
        if src is None or dst is None:
            return
        rec = d.rec if d.rec is not None and d.rec.recording is not None else None
        if rec is not None and rec.recv_paused:
            return  # the recording's disk is behind: ZeroMQ's queues hold what comes
        if di == 1 and d.watches_subscriptions:
            self._pump_subscriptions(d, src, dst)
            return
        ring = v.log if v.tap else None
        batch = core.DRAIN_BATCH
        if rec is not None and ring is not None:
            # every entry still in its slot when handed over, and no more than the buffer takes
            batch = min(batch, ring.capacity, rec.recording.room())
        start = ring.total if ring is not None else 0
        n, nbytes, err, held, refused, refused_err = forwardpath.forward(
            src.sock, dst.sock, ring, time.time(), batch,
            ring.byte_budget if ring is not None else NO_LIMIT, DIRS[di])
        if rec is not None and ring is not None and n:
            self.engine._recorder.received(rec, ring, start, nbytes)
        stats = v.stats
        if di == 0:
            stats.f2b_msgs += n
            stats.f2b_bytes += nbytes
        else:
            stats.b2f_msgs += n
            stats.b2f_bytes += nbytes
        if n and ring is not None:
            ring.trim()
        if held is not None:
            d.outbox[di].append((held, None))
            self._waiting(d)
        if refused:
            self._refused(d, di, refused, refused_err)
        if err:
            self._error(d, f"{SIDES[di]}: receive: {zmq.strerror(err)}")

    def _pump_subscriptions(self, d: _Device, src, dst) -> None:
        """A forwarder's backend (XPUB) to its frontend (XSUB): what the subscribers ask for goes
        upstream. The engine's XPUBs pass every subscribe and unsubscribe, for the subscriber
        table (``backend.subscribers``); what crosses is what a plain XPUB would have passed,
        as ``zmq.proxy`` forwards it. Subscriptions are few: this goes message by message."""
        e = self.engine
        if d.scratch is None:
            d.scratch = Ring(4 * subscriptions.BATCH)
        scratch = d.scratch
        start = scratch.total
        _, _, err = subscriptions.receive(e, src, time.time(), src.subs, scratch)
        e._subscribers_changed(src)
        for entry in scratch.since(start):
            if entry[KIND] == EVENT:  # a change of the subscriber table, for the log
                d.view.log.append(entry[TS], EVENT, (), entry[META], 0)
                continue
            frames = list(entry[FRAMES])
            if d.outbox[1]:
                d.outbox[1].append((frames, None))
                continue
            try:
                dst.sock.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                d.outbox[1].append((frames, None))
            except zmq.ZMQError as exc:
                self._refused(d, 1, 1, exc.errno)
            else:
                self._crossed(d, 1, frames, None)
        scratch.clear()
        self._waiting(d)
        if err:
            self._error(d, f"{SIDES[1]}: receive: {zmq.strerror(err)}")

    def _flush(self, d: _Device, di: int) -> None:
        """Send what waits for direction ``di``'s destination, then go on forwarding."""
        box, dst = d.outbox[di], d.socks[1 - di]
        if dst is None:
            return
        while box:
            frames, meta = box[0]
            try:
                dst.sock.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                break
            except zmq.ZMQError as exc:
                box.popleft()
                self._refused(d, di, 1, exc.errno)
                continue
            box.popleft()
            self._crossed(d, di, frames, meta)
        self._waiting(d)
        if not box:
            self._pump(d, di)

    def _crossed(self, d: _Device, di: int, frames, meta) -> None:
        """Count (and tap) one message sent outside a batch: one that waited, or injected."""
        v = d.view
        size = sum(len(f) for f in frames)
        stats = v.stats
        if di == 0:
            stats.f2b_msgs += 1
            stats.f2b_bytes += size
        else:
            stats.b2f_msgs += 1
            stats.b2f_bytes += size
        if meta == INJECTED:
            stats.injected += 1
        if v.tap or meta is not None:
            v.log.append(time.time(), DIRS[di], frames, meta, size)
        if di == 1 and d.watches_subscriptions:
            self._note_subscription(d, frames)

    def _note_subscription(self, d: _Device, frames) -> None:
        """A forwarder shows what crossed upstream: a plain XPUB passes on the first subscribe
        of a prefix and its last holder's unsubscribe."""
        if len(frames) != 1 or frames[0][:1] not in (b"\x01", b"\x00"):
            return
        prefix = bytes(frames[0][1:])
        if frames[0][:1] == b"\x01":
            if prefix in d.subs:
                return
            d.subs[prefix] = None
        elif prefix in d.subs:
            del d.subs[prefix]
        else:
            return
        d.view.subscriptions = tuple(d.subs)
        self._changed(d)

    def _refused(self, d: _Device, di: int, count: int, err: int) -> None:
        d.view.stats.refused += count
        d.refused_since += count
        now = time.monotonic()
        if now - d.refused_at >= REFUSED_NOTE_INTERVAL:
            n, d.refused_since, d.refused_at = d.refused_since, 0, now
            why = ("no connected peer has that routing identity" if err == zmq.EHOSTUNREACH
                   else zmq.strerror(err))
            self._error(d, f"{n} message{'s' if n != 1 else ''} going {DIRS[di]} could not be "
                        f"delivered by the {SIDES[1 - di]}: {why}")

    def _waiting(self, d: _Device) -> None:
        waiting = (len(d.outbox[0]), len(d.outbox[1]))
        if waiting != d.view.waiting:
            d.view.waiting = waiting

    # -- the log ---------------------------------------------------------------------------------

    def _error(self, d: _Device, text: str) -> None:
        d.view.log.append(time.time(), ERROR, meta=text)
        d.view.stats.errors += 1
        self._changed(d)

    def _info(self, d: _Device, text: str) -> None:
        d.view.log.append(time.time(), INFO, meta=text)

    def _changed(self, d: _Device) -> None:
        self.engine._changed.add(d.name)
