"""A socket as the code that makes it again: a ``zmqdash cat`` line and a pyzmq program.

:func:`socket_as_code` takes a socket's description (a :class:`~.model.SocketSpec`, as
:func:`~.apply.spec_of` reads it from a live socket) and writes

- the ``zmqdash cat`` command line with the same type, endpoints, subscriptions, options and
  auto-reply; a repeat-send becomes a shell loop feeding cat's standard input;
- a short program in the style of the ZeroMQ guide's examples: a context, the socket, its
  options, binds and connects, subscriptions, then a send/receive loop that behaves as the
  socket does in the dashboard (its repeat-send, its auto-reply). ``python3 prog.py COUNT``
  stops after COUNT messages.

Both are plain text made from values, never from code: every payload, endpoint and name is
written as a Python or shell literal, so nothing a peer sent can run.

The rooms: :mod:`.cat_line` writes the command line, :mod:`.program` the program, from what
:mod:`.common` holds.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from zmqdash.codec import bytes_to_prefix, escape_text
from zmqdash.engine.options import option, option_value
from zmqdash.engine.socket_types import SEND_ONLY, STARTS

from ..model import SocketSpec

if TYPE_CHECKING:
    from zmqdash.engine.devices.state import DeviceView
    from zmqdash.engine.state import SocketView
from .cat_line import _cat_line
from .common import DEFAULT_INTERVAL, DEFAULT_MESSAGE, LOOK_BACK, Code, _Sends
from .program import _program, _Writer

__all__ = ["Code", "socket_as_code", "view_as_code", "device_as_code"]


def socket_as_code(spec: SocketSpec, *, bound: dict[str, str] | None = None,
                   failed: frozenset[str] | set[str] = frozenset(),
                   last_sent: tuple[bytes, ...] | None = None) -> Code:
    """The cat line and the program for ``spec``.

    ``bound`` maps a bind endpoint as given to the one it got (a wildcard port resolved);
    endpoints in ``failed`` are left out; ``last_sent`` is the last message the socket sent (what
    the code sends when the socket has no repeat-send).
    """
    kind = spec.type.upper()
    notes: list[str] = []
    binds = [ep for ep in spec.bind if ep not in failed]
    connects = [ep for ep in spec.connect if ep not in failed]
    dropped = [ep for ep in (*spec.bind, *spec.connect) if ep in failed]
    if dropped:
        notes.append("left out, as they failed: " + ", ".join(escape_text(e) for e in dropped))
    for ep in binds:
        real = (bound or {}).get(ep)
        if real and real != ep:
            notes.append(f"{escape_text(ep)} is bound as {escape_text(real)} now; the code binds "
                         f"{escape_text(ep)}, which picks a port of its own (it prints it)")
    if any(ep.startswith("inproc://") for ep in (*binds, *connects)):
        notes.append("inproc:// endpoints reach only sockets of the same process: the code "
                     "cannot talk to the dashboard's sockets over them")
    if len(spec.repeat) > 1:
        notes.append(f"only the first of {len(spec.repeat)} repeat-sends is written out")
    sends = _what_it_sends(spec, last_sent)
    command = _cat_line(spec, kind, binds, connects, sends, notes)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in spec.name).strip("_")
    filename = f"{safe or 'socket'}.py"
    program = _program(spec, kind, binds, connects, sends, filename)
    return Code(command, program, filename, tuple(notes))


def _what_it_sends(spec: SocketSpec, last_sent: tuple[bytes, ...] | None) -> _Sends | None:
    kind = spec.type.upper()
    if kind not in STARTS:
        return None
    if spec.repeat:
        rep = spec.repeat[0]
        frames = tuple(rep.frames)
        if rep.peer is not None:
            frames = (bytes_to_prefix(rep.peer), *frames)
        return _Sends(frames, rep.interval_ms / 1000, rep.count, True)
    if last_sent:
        message = tuple(bytes_to_prefix(bytes(f)) for f in last_sent)
    elif kind in SEND_ONLY or kind == "REQ":
        message = tuple(f.decode() for f in DEFAULT_MESSAGE)
    else:
        return None  # a two-way socket that has sent nothing only receives
    if kind in SEND_ONLY or kind == "REQ":
        return _Sends(message, DEFAULT_INTERVAL, None, False)
    return _Sends(message, None, 1, False)  # sent once, as the user did


def view_as_code(view: SocketView) -> Code:
    """:func:`socket_as_code` for a live socket (a :class:`~zmqdash.engine.SocketView`)."""
    from zmqdash.engine.ring import FRAMES, KIND, OUT

    from ..apply import spec_of

    bound = {e.endpoint: e.resolved for e in view.endpoints if e.role == "bind" and e.resolved}
    failed = {e.endpoint for e in view.endpoints if e.state == "failed"}
    ring = view.log
    last_sent = None
    for seq in range(ring.total - 1, max(ring.first, ring.total - LOOK_BACK) - 1, -1):
        entry = ring.get(seq)
        if entry is not None and entry[KIND] == OUT:
            last_sent = tuple(entry[FRAMES])
            break
    return socket_as_code(spec_of(view), bound=bound, failed=failed, last_sent=last_sent)


def device_as_code(view: DeviceView) -> Code:
    """The ``zmqdash proxy`` line and a pyzmq program (``zmq.proxy`` between the two sides, as
    the guide's msgqueue.py) for a device (a :class:`~zmqdash.engine.devices.DeviceView`)."""
    from zmqdash.engine.devices.spec import KINDS

    kind = view.kind
    spec = KINDS[kind]
    sides = (spec.frontend, spec.backend)
    notes: list[str] = []
    per_side = []
    for label, side in (("frontend", view.frontend), ("backend", view.backend)):
        eps = [e for e in side.endpoints if e.state != "failed"]
        failed = [e.endpoint for e in side.endpoints if e.state == "failed"]
        if failed:
            notes.append(f"{label}: left out, as they failed: "
                         + ", ".join(escape_text(e) for e in failed))
        for e in eps:
            if e.role == "bind" and e.resolved and e.resolved != e.endpoint:
                notes.append(f"{label} {escape_text(e.endpoint)} is bound as "
                             f"{escape_text(e.resolved)} now; the code binds "
                             f"{escape_text(e.endpoint)}, which picks a port of its own")
        if any(e.endpoint.startswith("inproc://") for e in eps):
            notes.append("inproc:// endpoints reach only sockets of the same process")
        per_side.append((label, eps, tuple(side.options)))
    args = ["zmqdash", "proxy", kind]
    for _label, eps, _opts in per_side:
        args.append(",".join(("@" if e.role == "bind" else ">") + e.endpoint for e in eps))
    for label, _eps, opts in per_side:
        for name, value in opts:
            args += [f"--{label}-option", f"{name}={value}"]
    if view.state == "paused":
        notes.append("the device is paused now; the code forwards at once")
    w = _Writer()
    w.imports.discard("import sys")
    w.add("context = zmq.Context()")
    name = escape_text(view.name)
    front, back = sides
    for (label, eps, opts), kind_ in zip(per_side, sides, strict=True):
        w.add(f"{label} = context.socket(zmq.{kind_})")
        for opt_name, value in opts:
            opt = option(opt_name)
            val: object
            try:
                val = option_value(opt, value)
            except Exception:  # noqa: BLE001 - the engine accepted it
                val = value
            w.add(f"{label}.setsockopt(zmq.{opt.name}, {val!r})")
        for e in eps:
            verb = "bind" if e.role == "bind" else "connect"
            w.add(f"{label}.{verb}({e.endpoint!r})")
            if verb == "bind" and "*" in e.endpoint.rpartition(":")[2]:
                w.add(f'print("{label} bound to", '
                      f'{label}.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)')
        w.add()
    # zmq.proxy() returns on Ctrl+C only if the signal lands while it waits in poll; one that
    # lands while it forwards is lost and the program runs on. So it forwards in a thread,
    # the main thread waits (a wait Ctrl+C ends), and ending the context stops the proxy.
    w.imports.add("import threading")
    w.add("def forward():")
    w.add("try:", 1)
    w.add("zmq.proxy(frontend, backend)  # forwards both ways until the context ends", 2)
    w.add("except zmq.ContextTerminated:", 1)
    w.add("pass", 2)
    w.add("finally:", 1)
    w.add("frontend.close(linger=0)", 2)
    w.add("backend.close(linger=0)", 2)
    w.add()
    w.add()
    w.add("forwarder = threading.Thread(target=forward, daemon=True)")
    w.add("forwarder.start()")
    w.add("try:")
    w.add("forwarder.join()  # until Ctrl+C", 1)
    w.add("except KeyboardInterrupt:")
    w.add("pass", 1)
    w.add("finally:")
    w.add("context.term()  # the proxy returns, closes both sockets, and the context ends", 1)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in view.name).strip("_")
    filename = f"{safe or 'device'}.py"
    header = [
        f"# The {kind} device '{name}' as the dashboard has it set up: frontend {front}, "
        f"backend {back}.",
        f"# Run: python3 {filename}  (Ctrl+C stops it)",
    ]
    return Code(shlex.join(args), "\n".join(header) + "\n\n" + w.text(), filename,
                tuple(notes))
