"""The engine's side of devices: made, polled and forwarded by the poller thread only.

A device is two of the engine's own sockets (made like any other, with options and a monitor,
so endpoint states and connection events work as for a socket panel) that are not listed as
sockets: the device polls them itself.

:class:`DeviceTable` is one of the engine's parts: ``handlers()`` gives the engine its commands,
its sockets' poll callbacks go in ``engine._pollables`` (it registers them with the poller itself,
for input, output or neither), and it uses the engine's socket plumbing (``_open``, ``_bind``,
``_connect``, ``_close``). Nothing in it blocks.

It is put together from rooms, one concern each, as the engine is: the commands and the
device's log are here; :mod:`.sockets` starts and stops a device's sockets, :mod:`.forwarding`
moves its messages, :mod:`.record` records it. The engine's record of one device is
:mod:`.device_record`; what the rooms share is declared in :mod:`.parts`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import zmq

from .. import core, options
from .. import state as S
from ..errors import EngineError
from ..ring import ERROR, INFO, Ring
from . import commands as C
from . import spec
from .device_record import DIRS, SIDES, DeviceRecord
from .forwarding import Forwarding
from .record import DeviceRecording
from .sockets import DeviceSockets
from .state import INJECTED, PAUSED, RUNNING, STOPPED, DeviceView

if TYPE_CHECKING:
    from ..core import Engine
    from ..loop import Handlers


class DeviceTable(DeviceSockets, Forwarding, DeviceRecording):
    """Every device of one engine (see the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.views = {}
        self._devices = {}

    def handlers(self) -> Handlers:
        """The commands this part carries out, for the engine's table."""
        handlers: Handlers = {
            C.DeviceCreate: self._create, C.DevicePause: self._pause,
            C.DeviceResume: self._resume, C.DeviceStop: self._stop,
            C.DeviceRestart: self._restart, C.DeviceInject: self._inject,
            C.DeviceTap: self._tap, C.DeviceRename: self._rename,
            C.DeviceClearLog: self._clear_log, C.DeviceClose: self._close,
            C.DeviceRecordStart: self._record_start, C.DeviceRecordStop: self._record_stop,
        }
        return {t: partial(self._carry_out, fn) for t, fn in handlers.items()}

    # -- commands ------------------------------------------------------------------------------

    def _carry_out(self, handler: Callable[[Any], Any], cmd: C.DeviceCommand) -> Any:
        """Run a command; its error also goes in the device's log (and only there)."""
        try:
            return handler(cmd)
        except EngineError as exc:
            d = self._devices.get(cmd.device)
            if d is not None and not exc.logged:
                self._error(d, str(exc))
                exc.logged = True
            raise

    def _get(self, name: str) -> DeviceRecord:
        d = self._devices.get(name)
        if d is None:
            raise EngineError(f"no device named '{name}'")
        return d

    def _check_name(self, name: object) -> str:
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
        d = DeviceRecord(kind, cmd, view, (front, back))
        self._devices[name] = d
        self.views = {**self.views, name: view}
        self._changed(d)
        self._start(d)
        self._info(d, f"running: {self._describe(d)}")
        return name

    def _describe(self, d: DeviceRecord) -> str:
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
            dst = d.socks[1 - di]
            assert dst is not None  # running or paused: both sockets are open
            try:
                dst.sock.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                pass
            except zmq.ZMQError as exc:
                raise EngineError(f"inject {DIRS[di]}: {zmq.strerror(exc.errno or 0)}") \
                    from None
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

    # -- the log ---------------------------------------------------------------------------------

    def _error(self, d: DeviceRecord, text: str) -> None:
        d.view.log.append(time.time(), ERROR, meta=text)
        d.view.stats.errors += 1
        self._changed(d)

    def _info(self, d: DeviceRecord, text: str) -> None:
        d.view.log.append(time.time(), INFO, meta=text)

    def _changed(self, d: DeviceRecord) -> None:
        self.engine._changed.add(d.name)
