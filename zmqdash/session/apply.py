"""Building a session's topology in an engine, and reading a live topology back as a session.

:func:`apply` only submits engine commands (it never touches a socket), so any thread may call
it. It goes in phases, each finished before the next starts: create every socket with its
options, bind every socket, make the devices (each binds and connects its two sides), then
connect, subscribe, switch auto-replies on and start the repeat-senders. Binding first means no
connect races its peer's bind, whatever order the sockets and devices come in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from zmqdash.engine import commands as C
from zmqdash.engine.devices import commands as D
from zmqdash.engine.errors import EngineError
from zmqdash.engine.protocol import AnyCommand, EngineLike

from .model import DeviceSpec, RepeatSpec, Session, SocketSpec

if TYPE_CHECKING:
    from zmqdash.engine.credentials import Credentials
    from zmqdash.engine.devices.state import DeviceView
    from zmqdash.engine.state import SocketView

#: how long one phase may take (connects to host names wait for the lookup)
PHASE_TIMEOUT = 10.0


def apply(engine: EngineLike, session: Session, timeout: float = PHASE_TIMEOUT) -> list[str]:
    """Create ``session``'s sockets in ``engine`` (running, and without sockets of the same
    names). Returns one message per failed step, ``"name: problem"``; an empty list means every
    step worked. A socket that cannot be created is skipped in the later phases; any other
    failure leaves the rest of that socket's setup going ahead."""
    errors: list[str] = []

    def run(steps: Sequence[tuple[SocketSpec | DeviceSpec, AnyCommand]]) -> set[str]:
        futures: list[tuple[SocketSpec | DeviceSpec, Future[Any]]] = [
            (sock, engine.submit(cmd)) for sock, cmd in steps
        ]
        failed = set()
        for sock, fut in futures:
            try:
                fut.result(timeout)
            except EngineError as exc:
                errors.append(f"{sock.name}: {exc}")
                failed.add(sock.name)
            except FutureTimeout:
                errors.append(f"{sock.name}: no answer from the engine in {timeout:g} s")
                failed.add(sock.name)
        return failed

    failed = run([
        (sock, C.Create(sock.name, sock.type.upper(), tuple(sock.options.items())))
        for sock in session.sockets
    ])
    created = [sock for sock in session.sockets if sock.name not in failed]
    # a socket whose security cannot be set must not bind or connect without it
    insecure = run([(sock, C.Secure(sock.name, _resolved(sock.security), sock.security))
                    for sock in created if sock.security is not None])
    created = [sock for sock in created if sock.name not in insecure]
    run([(sock, C.Bind(sock.name, ep)) for sock in created for ep in sock.bind])
    # a device that cannot bind is kept, stopped, with the reason (it is still the session's)
    run([(dev, D.DeviceCreate(dev.name, dev.kind, tuple(dev.frontend), tuple(dev.backend),
                              dev.tap, tuple(dev.frontend_options.items()),
                              tuple(dev.backend_options.items())))
         for dev in session.devices])
    run([(sock, C.Connect(sock.name, ep, via=sock.via.get(ep)))
         for sock in created for ep in sock.connect])
    # Subscriptions and auto-replies are all in place before the first repeat-send goes out,
    # so a demo's first messages are not dropped for want of a subscriber or an answer.
    later: list[tuple[SocketSpec | DeviceSpec, AnyCommand]] = [
        (sock, C.Subscribe(sock.name, prefix)) for sock in created for prefix in sock.subscribe
    ]
    later += [
        (sock, C.AutoReply(sock.name, tuple(sock.reply)))
        for sock in created if sock.reply is not None
    ]
    later += [
        (sock, C.RepeatStart(sock.name, tuple(rep.frames), rep.interval_ms, rep.count, rep.peer))
        for sock in created for rep in sock.repeat
    ]
    run(later)
    return errors


def _resolved(creds: Credentials) -> Credentials:
    """Key names made paths of the keys folder, and a PLAIN password file found there."""
    from dataclasses import replace

    from .paths import keys_dir, resolve_credentials

    creds = resolve_credentials(creds)
    if creds.password_file:
        creds = replace(creds, password_file=str(keys_dir() / creds.password_file))
    return creds


def close_all(engine: EngineLike, timeout: float = PHASE_TIMEOUT) -> list[str]:
    """Close every socket and device of ``engine`` (before applying another session). Returns
    problems."""
    errors = []
    futures = [(name, engine.submit(C.Close(name))) for name in list(engine.sockets())]
    futures += [(name, engine.submit(D.DeviceClose(name))) for name in list(devices_of(engine))]
    for name, fut in futures:
        try:
            fut.result(timeout)
        except (EngineError, FutureTimeout) as exc:
            errors.append(f"{name}: {exc or 'no answer from the engine'}")
    return errors


def capture(engine: EngineLike, name: str, extras: dict[str, dict[str, Any]] | None = None,
            device_extras: dict[str, dict[str, Any]] | None = None) -> Session:
    """The engine's live topology as a :class:`Session` named ``name``.

    Endpoints are kept as the user gave them (a wildcard port stays ``*``), failed ones included
    (they were asked for). ``extras`` holds what only the dashboard knows, by socket name:
    ``{"format": "hex", "snippets": [...]}``; ``device_extras`` the same by device name (its
    display format). A device is captured whatever its state (paused or stopped is not saved).
    """
    extras = extras or {}
    device_extras = device_extras or {}
    sockets = [spec_of(view, extras.get(view.name))
               for view in engine.sockets().values() if not view.closed]
    devices = [device_spec_of(view, device_extras.get(view.name))
               for view in devices_of(engine).values() if not view.closed]
    return Session(name=name, sockets=sockets, devices=devices)


def devices_of(engine: EngineLike) -> Mapping[str, DeviceView]:
    """The engine's devices."""
    return engine.devices()


def device_spec_of(view: DeviceView, extra: dict[str, Any] | None = None) -> DeviceSpec:
    """One live device (a :class:`~zmqdash.engine.devices.DeviceView`) as a
    :class:`DeviceSpec`."""
    from zmqdash.engine.devices import endpoint_text

    extra = extra or {}
    front, back = view.endpoints
    front_opts, back_opts = view.options
    return DeviceSpec(
        name=view.name,
        kind=view.kind,
        frontend=[endpoint_text(role, ep) for role, ep in front],
        backend=[endpoint_text(role, ep) for role, ep in back],
        tap=view.tap,
        format=extra.get("format", "auto"),
        frontend_options={k: _option_value(str(v)) for k, v in front_opts},
        backend_options={k: _option_value(str(v)) for k, v in back_opts},
    )


def spec_of(view: SocketView, extra: dict[str, Any] | None = None) -> SocketSpec:
    """One live socket (a :class:`~zmqdash.engine.SocketView`) as a :class:`SocketSpec`."""
    extra = extra or {}
    return SocketSpec(
        name=view.name,
        type=view.type,
        bind=[e.endpoint for e in view.endpoints if e.role == "bind"],
        connect=[e.endpoint for e in view.endpoints if e.role == "connect"],
        via={e.endpoint: e.via for e in view.endpoints if e.role == "connect" and e.via},
        security=view.security.credentials if view.security is not None else None,
        subscribe=list(view.subscriptions),
        options={key: _option_value(text) for key, text in view.options},
        format=extra.get("format", "auto"),
        repeat=[
            RepeatSpec(frames=list(r.frames), interval_ms=r.interval_ms, count=r.count,
                       peer=r.peer)
            for r in view.repeaters
        ],
        snippets=list(extra.get("snippets", [])),
        reply=None if view.auto_reply is None else list(view.auto_reply),
    )


def _option_value(text: str) -> str | int:
    """An option as the engine shows it (text), as a file should hold it: numbers as numbers.
    Only text that reads back identically becomes a number (``"007"`` stays text)."""
    try:
        number = int(text)
    except ValueError:
        return text
    return number if str(number) == text else text
