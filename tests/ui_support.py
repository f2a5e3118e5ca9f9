"""Helpers for the dashboard's tests: a fake engine with fixed times, and waiting in Pilot.

The fake engine has the surface of :class:`zmqdash.engine.Engine` that the dashboard uses. It
carries out commands at once on in-memory views (no sockets, no thread), stamps every entry with
a fixed clock, and lets a test put received messages and events into a socket's log. Snapshots
stay identical run after run, and a flood costs Pilot nothing.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import Future
from contextlib import contextmanager

from zmqdash.engine import EngineError
from zmqdash.engine import commands as C
from zmqdash.engine.devices import commands as D
from zmqdash.engine.devices import spec
from zmqdash.engine.devices.state import INJECTED, PAUSED, RUNNING, STOPPED, DeviceView
from zmqdash.engine.ring import B2F, ERROR, EVENT, F2B, IN, INFO, OUT, EventInfo, Ring
from zmqdash.engine.state import (
    BIND,
    CONNECT,
    CONNECTED,
    LISTENING,
    EndpointState,
    RepeaterState,
    SocketView,
)

#: 2024-05-01 12:00:00 UTC: every fake entry is stamped from here on
T0 = 1714564800.0


@contextmanager
def utc():
    """Log rows show local time: pin it to UTC (then restore it) so snapshots match anywhere."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


class FakeEngine:
    def __init__(self, ring_capacity: int = 1000, on_change=None) -> None:
        self.ring_capacity = ring_capacity
        self.on_change = on_change
        self.generation = 0
        self.running = False
        self.commands: list = []
        self._views: dict[str, SocketView] = {}
        self._devices: dict[str, DeviceView] = {}
        self._ts = T0
        self._next_port = 5555
        self._next_id = 1

    # -- the Engine surface ------------------------------------------------------------------

    def start(self) -> FakeEngine:
        self.running = True
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.running = False

    def sockets(self) -> dict[str, SocketView]:
        return self._views

    def add_device(self, name: str, kind: str, frontend: tuple, backend: tuple):
        """A device as the engine shows one (no forwarding here): each side's endpoints."""
        from zmqdash.engine.devices.state import RUNNING, DeviceView

        sides = [SocketView(f"{name}.{side}", "?", Ring(10)) for side in ("front", "back")]
        for view, eps in zip(sides, (frontend, backend), strict=True):
            view.endpoints = tuple(eps)
        device = DeviceView(name, kind, Ring(self.ring_capacity), sides[0], sides[1],
                            state=RUNNING)
        self._devices = {**self._devices, name: device}
        return device

    def view(self, name: str) -> SocketView:
        return self._views[name]

    def devices(self) -> dict[str, DeviceView]:
        return self._devices

    def wait_for_change(self, generation: int, timeout: float | None = None) -> int:
        return self.generation

    def submit(self, cmd) -> Future:
        fut: Future = Future()
        self.commands.append(cmd)
        try:
            result = getattr(self, "_do_" + type(cmd).__name__.lower())(cmd)
        except EngineError as exc:
            view = self._views.get(getattr(cmd, "name", ""))
            if view is not None:
                self._log(view, ERROR, meta=str(exc))
                view.stats.errors += 1
            fut.set_exception(exc)
        else:
            fut.set_result(result)
        self.generation += 1
        return fut

    def call(self, cmd, timeout: float | None = 5.0):
        return self.submit(cmd).result(timeout)

    # -- for tests -----------------------------------------------------------------------------

    def tick(self, seconds: float = 0.25) -> float:
        self._ts += seconds
        return self._ts

    def _log(self, view: SocketView, kind: str, frames=(), meta=None) -> tuple:
        return view.log.append(self.tick(), kind, frames, meta, sum(len(f) for f in frames))

    def receive(self, name: str, *frames: bytes) -> None:
        view = self._views[name]
        self._log(view, IN, list(frames))
        view.stats.msgs_in += 1
        view.stats.bytes_in += sum(len(f) for f in frames)
        if view.type == "ROUTER" and frames[0] not in view.peers_seen:
            view.peers_seen = view.peers_seen + (frames[0],)
        if view.type == "REQ":
            view.awaiting_reply = False

    def flood(self, name: str, count: int, size: int = 64) -> None:
        """``count`` received messages at once, numbered, straight into the ring."""
        view = self._views[name]
        ring = view.log
        for _ in range(count):
            body = f"msg {ring.total:08d} ".encode().ljust(size, b".")
            ring.append(self._ts, IN, [body], None, len(body))
        self._ts += 0.001 * count
        view.stats.msgs_in += count
        view.stats.bytes_in += count * size

    def cross(self, name: str, direction: str, *frames: bytes, meta=None) -> None:
        """A message crossing device ``name`` (``f>b`` or ``b>f``), tapped and counted."""
        view = self._devices[name]
        view.log.append(self.tick(), direction, frames, meta, sum(len(f) for f in frames))
        size = sum(len(f) for f in frames)
        if direction == F2B:
            view.stats.f2b_msgs += 1
            view.stats.f2b_bytes += size
        else:
            view.stats.b2f_msgs += 1
            view.stats.b2f_bytes += size

    def event(self, name: str, event: str, endpoint: str, detail: str = "",
              count: int = 1) -> None:
        view = self._views[name]
        ts = self.tick()
        view.log.append(ts, EVENT, (), EventInfo(event, endpoint, 0, detail, count, ts), 0)

    def _changed(self, name: str) -> None:
        if self.on_change is not None:
            self.on_change(frozenset({name}))

    def _get(self, name: str) -> SocketView:
        if name not in self._views:
            raise EngineError(f"no socket named '{name}'")
        return self._views[name]

    def _set_endpoint(self, view: SocketView, ep: EndpointState) -> None:
        view.endpoints = tuple(e for e in view.endpoints if e.endpoint != ep.endpoint) + (ep,)

    # -- commands ------------------------------------------------------------------------------

    def _do_create(self, cmd: C.Create) -> str:
        if cmd.name in self._views:
            raise EngineError(f"there is already a socket named '{cmd.name}'")
        view = SocketView(cmd.name, cmd.type.upper(), Ring(self.ring_capacity))
        view.options = tuple((k, str(v)) for k, v in cmd.options)
        self._views = {**self._views, cmd.name: view}
        self._changed(cmd.name)
        return cmd.name

    def _do_bind(self, cmd: C.Bind) -> str:
        view = self._get(cmd.name)
        real = cmd.endpoint
        if real.endswith(":*"):
            real = real[:-1] + str(self._next_port)
            self._next_port += 1
        self._set_endpoint(view, EndpointState(cmd.endpoint, BIND, LISTENING, resolved=real))
        self._log(view, EVENT, meta=EventInfo("LISTENING", real, 0))
        self._changed(cmd.name)
        return real

    def _do_connect(self, cmd: C.Connect) -> str:
        view = self._get(cmd.name)
        self._set_endpoint(view, EndpointState(cmd.endpoint, CONNECT, CONNECTED, peers=1,
                                               resolved=cmd.endpoint))
        self._log(view, EVENT, meta=EventInfo("CONNECTED", cmd.endpoint, 0))
        self._changed(cmd.name)
        return cmd.endpoint

    def _drop(self, cmd, role: str) -> None:
        view = self._get(cmd.name)
        kept = tuple(e for e in view.endpoints
                     if not (e.role == role and cmd.endpoint in (e.endpoint, e.resolved)))
        if kept == view.endpoints:
            raise EngineError(f"{cmd.name} has no {role} {cmd.endpoint}")
        view.endpoints = kept
        self._log(view, INFO, meta=f"{'unbound' if role == BIND else 'disconnected'} "
                                   f"{cmd.endpoint}")
        self._changed(cmd.name)

    def _do_unbind(self, cmd: C.Unbind) -> None:
        self._drop(cmd, BIND)

    def _do_disconnect(self, cmd: C.Disconnect) -> None:
        self._drop(cmd, CONNECT)

    def _do_send(self, cmd: C.Send) -> str:
        view = self._get(cmd.name)
        if view.type in ("SUB", "PULL"):
            raise EngineError(f"a {view.type} socket cannot send")
        if view.type == "REQ" and view.awaiting_reply:
            raise EngineError("waiting for a reply; a REQ socket sends one request at a time")
        frames = list(cmd.frames)
        peer = cmd.peer
        if cmd.newest_peer:
            if not view.peers_seen:
                raise EngineError("no peer has talked to this ROUTER yet")
            peer = view.peers_seen[-1]
        if peer is not None:
            frames.insert(0, peer)
        self._log(view, OUT, frames)
        view.stats.msgs_out += 1
        view.stats.bytes_out += sum(len(f) for f in frames)
        if view.type == "REQ":
            view.awaiting_reply = True
        return "sent"

    def _do_subscribe(self, cmd: C.Subscribe) -> None:
        view = self._get(cmd.name)
        if view.type not in ("SUB", "XSUB"):
            raise EngineError(f"only SUB and XSUB sockets take subscriptions, not {view.type}")
        view.subscriptions = view.subscriptions + (cmd.prefix,)
        self._log(view, INFO, meta=f"subscribed {cmd.prefix!r}")
        self._changed(cmd.name)

    def _do_unsubscribe(self, cmd: C.Unsubscribe) -> None:
        view = self._get(cmd.name)
        view.subscriptions = tuple(p for p in view.subscriptions if p != cmd.prefix)
        self._log(view, INFO, meta=f"unsubscribed {cmd.prefix!r}")
        self._changed(cmd.name)

    def _do_setoption(self, cmd: C.SetOption) -> str:
        view = self._get(cmd.name)
        view.options = view.options + ((cmd.option, str(cmd.value)),)
        return str(cmd.value)

    def _do_repeatstart(self, cmd: C.RepeatStart) -> int:
        view = self._get(cmd.name)
        rid = self._next_id
        self._next_id += 1
        view.repeaters = view.repeaters + (
            RepeaterState(rid, cmd.frames, cmd.interval_ms, cmd.count, 0, cmd.peer),)
        self._changed(cmd.name)
        return rid

    def _do_repeatstop(self, cmd: C.RepeatStop) -> int:
        view = self._get(cmd.name)
        stopped = len(view.repeaters)
        view.repeaters = ()
        self._changed(cmd.name)
        return stopped

    def _do_autoreply(self, cmd: C.AutoReply) -> None:
        view = self._get(cmd.name)
        if view.type not in ("REP", "ROUTER"):
            raise EngineError(f"auto-reply is for REP and ROUTER sockets, not {view.type}")
        view.auto_reply = cmd.template
        self._changed(cmd.name)

    def _do_rename(self, cmd: C.Rename) -> str:
        view = self._get(cmd.name)
        if cmd.new_name in self._views:
            raise EngineError(f"there is already a socket named '{cmd.new_name}'")
        view.name = cmd.new_name
        self._views = {(cmd.new_name if k == cmd.name else k): v for k, v in self._views.items()}
        self._log(view, INFO, meta=f"renamed from '{cmd.name}'")
        self._changed(cmd.new_name)
        return cmd.new_name

    def _do_clearlog(self, cmd: C.ClearLog) -> None:
        self._get(cmd.name).log.clear()

    def _do_close(self, cmd: C.Close) -> None:
        view = self._get(cmd.name)
        view.closed = True
        self._views = {k: v for k, v in self._views.items() if k != cmd.name}
        self._changed(cmd.name)


    # -- devices -------------------------------------------------------------------------------

    def _device(self, name: str) -> DeviceView:
        if name not in self._devices:
            raise EngineError(f"no device named '{name}'")
        return self._devices[name]

    def _do_devicecreate(self, cmd: D.DeviceCreate) -> str:
        if cmd.device in self._devices:
            raise EngineError(f"there is already a device named '{cmd.device}'")
        kind = spec.kind(cmd.kind)
        sides = (spec.parse_side(cmd.frontend, spec.FRONTEND),
                 spec.parse_side(cmd.backend, spec.BACKEND))
        spec.check_sides(*sides)
        ring = Ring(self.ring_capacity)
        views = [SocketView(f"{cmd.device} {side}", type_, ring)
                 for side, type_ in ((spec.FRONTEND, kind.frontend), (spec.BACKEND, kind.backend))]
        for view, eps in zip(views, sides, strict=True):
            for role, ep in eps:
                real = ep
                if ep.endswith(":*"):
                    real = ep[:-1] + str(self._next_port)
                    self._next_port += 1
                state = LISTENING if role == BIND else CONNECTED
                view.endpoints += (EndpointState(ep, role, state, peers=1, resolved=real),)
        device = DeviceView(cmd.device, kind.name, ring, views[0], views[1], tap=cmd.tap,
                            state=RUNNING)
        self._devices = {**self._devices, cmd.device: device}
        ring.append(self.tick(), INFO, (), f"running: {kind.name}", 0)
        self._changed(cmd.device)
        return cmd.device

    def _do_devicepause(self, cmd: D.DevicePause) -> None:
        view = self._device(cmd.device)
        view.state, view.paused_at = PAUSED, self._ts

    def _do_deviceresume(self, cmd: D.DeviceResume) -> float:
        view = self._device(cmd.device)
        view.state, view.paused_at = RUNNING, None
        return 0.0

    def _do_devicestop(self, cmd: D.DeviceStop) -> None:
        self._device(cmd.device).state = STOPPED

    def _do_devicerestart(self, cmd: D.DeviceRestart) -> None:
        self._device(cmd.device).state = RUNNING

    def _do_deviceinject(self, cmd: D.DeviceInject) -> str:
        self._device(cmd.device)
        self.cross(cmd.device, spec.direction(cmd.direction), *cmd.frames, meta=INJECTED)
        self._devices[cmd.device].stats.injected += 1
        return "sent"

    def _do_devicetap(self, cmd: D.DeviceTap) -> None:
        self._device(cmd.device).tap = cmd.on

    def _do_deviceclearlog(self, cmd: D.DeviceClearLog) -> None:
        self._device(cmd.device).log.clear()

    def _do_devicerename(self, cmd: D.DeviceRename) -> str:
        view = self._device(cmd.device)
        view.name = cmd.new_name
        self._devices = {(cmd.new_name if k == cmd.device else k): v
                         for k, v in self._devices.items()}
        self._changed(cmd.new_name)
        return cmd.new_name

    def _do_deviceclose(self, cmd: D.DeviceClose) -> None:
        view = self._device(cmd.device)
        view.closed = True
        self._devices = {k: v for k, v in self._devices.items() if k != cmd.device}
        self._changed(cmd.device)


def populated(engine: FakeEngine | None = None) -> FakeEngine:
    """Every pattern with a little traffic, the same every time."""
    eng = engine or FakeEngine()
    call = eng.call
    call(C.Create("server", "REP"))
    call(C.Bind("server", "tcp://127.0.0.1:*"))
    call(C.AutoReply("server", ("Echo: {body}",)))
    call(C.Create("client", "REQ"))
    call(C.Connect("client", "tcp://127.0.0.1:5555"))
    for i in range(3):
        call(C.Send("client", (f"Hello #{i + 1}".encode(),)))
        eng.receive("server", f"Hello #{i + 1}".encode())
        eng._log(eng.view("server"), OUT, [f"Echo: Hello #{i + 1}".encode()])
        eng.view("server").stats.msgs_out += 1
        eng.receive("client", f"Echo: Hello #{i + 1}".encode())

    call(C.Create("weather", "PUB"))
    call(C.Bind("weather", "tcp://127.0.0.1:*"))
    call(C.Create("zip-10001", "SUB"))
    call(C.Connect("zip-10001", "tcp://127.0.0.1:5556"))
    call(C.Subscribe("zip-10001", b"10001 "))
    call(C.RepeatStart("weather", ("{seq} 21C",), 1000))
    for i in range(4):
        call(C.Send("weather", (f"10001 {20 + i}C 55%".encode(),)))
        call(C.Send("weather", (f"94110 {14 + i}C 80%".encode(),)))
        eng.receive("zip-10001", f"10001 {20 + i}C 55%".encode())

    call(C.Create("ventilator", "PUSH"))
    call(C.Bind("ventilator", "tcp://127.0.0.1:*"))
    call(C.Create("worker", "PULL"))
    call(C.Connect("worker", "tcp://127.0.0.1:5557"))
    eng.event("worker", "CONNECT_RETRIED", "tcp://127.0.0.1:5557", "retry in 100 ms", count=3)
    for i in range(5):
        call(C.Send("ventilator", (f'{{"task": {i}, "ms": {10 * i}}}'.encode(),)))
        eng.receive("worker", f'{{"task": {i}, "ms": {10 * i}}}'.encode())
    eng.receive("worker", b"\x00\x01\x02binary\xff\x1b[2J")

    call(C.Create("left", "PAIR"))
    call(C.Bind("left", "inproc://pipe"))
    call(C.Create("right", "PAIR"))
    call(C.Connect("right", "inproc://pipe"))
    call(C.Send("left", (b"ping",)))
    eng.receive("right", b"ping")
    call(C.Send("right", (b"pong", b"two frames")))
    eng.receive("left", b"pong", b"two frames")

    call(C.Create("broker", "ROUTER"))
    call(C.Bind("broker", "tcp://127.0.0.1:*"))
    call(C.Create("dealer", "DEALER"))
    call(C.Connect("dealer", "tcp://127.0.0.1:5558"))
    call(C.Send("dealer", (b"", b"job 1")))
    eng.receive("broker", b"\x00k\x8bEg", b"", b"job 1")
    eng.receive("broker", b"worker-A", b"", b"ready")

    call(D.DeviceCreate("hub", "queue", ("@tcp://127.0.0.1:5559",),
                        (">tcp://127.0.0.1:5560",)))
    for i in range(3):
        eng.cross("hub", F2B, b"\x00k\x8bEg", b"", f"Hello #{i + 1}".encode())
        eng.cross("hub", B2F, b"\x00k\x8bEg", b"", f"World #{i + 1}".encode())
    return eng


async def wait_for(pilot, predicate, timeout: float = 5.0, what: str = "") -> None:
    """Let the app run until ``predicate()`` holds (an observable condition, not a delay)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)


def frozen_clock() -> float:
    return 1000.0


def screen_text(app) -> str:
    """What the terminal would show, as plain text (for asserting on a headless app)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text().replace("\u00a0", " ")


def run_async(test):
    """Run an ``async def`` test function with asyncio (no async test plugin needed)."""
    import functools
    import inspect

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    wrapper.__signature__ = inspect.signature(test)
    return wrapper


async def settled(result) -> None:
    """Await what an app method returned, when it is awaitable: showing a tab, or a socket's
    panel, the first time builds the panels, and a key waits for that as a test does here."""
    if result is not None:
        await result
