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
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from zmqdash.codec import CodecError, bytes_to_prefix, escape_text, join_frames, parse_frame
from zmqdash.engine.options import option, option_value
from zmqdash.engine.socket_types import RECEIVE_ONLY, REPLYING, SEND_ONLY, STARTS, SUBSCRIBING
from zmqdash.engine.templates import PLACEHOLDERS

from . import remote
from .model import SocketSpec

#: what a sender without a repeat-send of its own sends, once a second, when it has sent nothing
DEFAULT_MESSAGE = (b"Hello",)
#: seconds between messages of a sender without a repeat-send
DEFAULT_INTERVAL = 1.0
#: the frame separator of the cat lines written here
SEPARATOR = "|"
#: log entries looked through for the last message a socket sent
LOOK_BACK = 1000

_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_CODEC_PREFIXES = ("text:", "hex:", "b64:", "@")

#: Python for each template placeholder (``n`` is the message's number, ``body`` the request)
_PY_PLACEHOLDERS = {
    "seq": ("str(n)", ()),
    "time": ('datetime.now().isoformat(timespec="milliseconds")',
             ("from datetime import datetime",)),
    "epoch": ('f"{time.time():.6f}"', ("import time",)),
    "ms": ("str(int(time.time() * 1000))", ("import time",)),
    "rand": ("str(random.randrange(1_000_000))", ("import random",)),
    "uuid": ("str(uuid.uuid4())", ("import uuid",)),
    "body": ("body", ()),
}
#: shell for each placeholder in a cat feeder loop (bash and GNU date)
_SH_PLACEHOLDERS = {
    "seq": '"$i"',
    "time": '"$(date +%Y-%m-%dT%H:%M:%S.%3N)"',
    "epoch": '"$(date +%s.%6N)"',
    "ms": '"$(date +%s%3N)"',
    "rand": '"$(( (RANDOM * 32768 + RANDOM) % 1000000 ))"',
    "uuid": '"$(cat /proc/sys/kernel/random/uuid)"',
}


@dataclass(frozen=True)
class Code:
    """What :func:`socket_as_code` writes."""

    command: str  # a shell command line (one line; may be a pipeline)
    program: str  # a complete Python program
    filename: str  # a file name to save the program as
    notes: tuple[str, ...] = ()  # where the code differs from the socket, in plain words


@dataclass(frozen=True)
class _Sends:
    """What the socket sends: template frames (repeat-send syntax), how often, how many."""

    frames: tuple[str, ...]  # templates, in the input syntax (hex:, b64:, text:, @@, @file)
    interval: float | None  # seconds; None: as the peer allows (REQ) or once (two-way types)
    count: int | None  # stop after this many (None: no limit of its own)
    repeats: bool  # a repeat-send (True) or one message the user sent (False)


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


# -- the cat line --------------------------------------------------------------------------------


def _cat_line(spec: SocketSpec, kind: str, binds: list[str], connects: list[str],
              sends: _Sends | None, notes: list[str]) -> str:
    args = ["zmqdash", "cat", kind]
    for ep in binds:
        args += ["-b", ep]
    for ep in connects:
        args += ["-c", ep]
    if kind in SUBSCRIBING:
        if spec.subscribe:
            for prefix in spec.subscribe:
                args += ["-s", bytes_to_prefix(prefix) if prefix else ""]
        else:
            notes.append(f"this {kind} subscribes to nothing yet; cat without -s subscribes to "
                         "everything")
    for name, value in spec.options.items():
        args += ["-o", f"{name}={value}"]
    args += remote.cat_arguments(spec, connects, notes)
    split = False
    if kind in REPLYING:
        if spec.reply is None:
            notes.append(f"this {kind} has no auto-reply (you answer by hand); cat and the "
                         "program echo each request")
        elif spec.reply:
            if len(spec.reply) > 1:
                split = True
            args += ["--reply", join_frames(list(spec.reply), SEPARATOR)]
    feeder = None
    if sends is not None and not sends.repeats:
        if len(sends.frames) > 1:
            split = True
        args += ["--send", join_frames(list(sends.frames), SEPARATOR)]  # --send reads hex: too
    elif sends is not None:
        feeder = _feeder(sends, notes)
        if feeder is not None:
            if len(sends.frames) > 1:
                split = True
            if any(f.startswith(_CODEC_PREFIXES) for f in sends.frames):
                args.append("--stdin-codec")
    if split:
        args += ["--split", SEPARATOR]
    line = shlex.join(args)
    return f"{feeder} | {line}" if feeder else line


def _feeder(sends: _Sends, notes: list[str]) -> str | None:
    """A shell loop printing one line per message of a repeat-send (None if lines cannot
    carry it)."""
    if any("\n" in f or "\r" in f for f in sends.frames):
        notes.append("the repeat-send's text spans lines, which cat's standard input cannot "
                     "carry: the cat line sends what you type instead")
        return None
    pieces = []
    for i, frame in enumerate(sends.frames):
        if i:
            pieces.append(shlex.quote(SEPARATOR))
        template = _escape_frame_text(frame)
        if template.startswith(("hex:", "b64:")) or (
                template.startswith("@") and not template.startswith("@@")):
            pieces.append(shlex.quote(template))  # sent as it is: no placeholders
            continue
        pos = 0
        for m in _PLACEHOLDER.finditer(template):
            if m.start() > pos:
                pieces.append(shlex.quote(template[pos:m.start()]))
            pieces.append(_SH_PLACEHOLDERS.get(m.group(1), shlex.quote(m.group(0))))
            pos = m.end()
        if pos < len(template) or not pieces:
            pieces.append(shlex.quote(template[pos:]))
    line = "".join(pieces)
    interval = f"{sends.interval:g}"
    if sends.count is not None:
        loop = f'i=0; while [ "$i" -lt {sends.count} ]; do i=$((i+1))'
    else:
        loop = "i=0; while :; do i=$((i+1))"
    return f"({loop}; printf '%s\\n' {line}; sleep {interval}; done)"


def _escape_frame_text(frame: str) -> str:
    """A template frame as one part of a ``--split`` line (its separators escaped)."""
    return join_frames([frame], SEPARATOR) if SEPARATOR in frame else frame


# -- the program ---------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.imports: set[str] = {"import sys", "import zmq"}

    def add(self, text: str = "", indent: int = 0) -> None:
        self.lines.append(("    " * indent + text) if text else "")

    def returns(self, items: list[str], indent: int) -> None:
        """``return [items]``, one item a line when they do not fit on one."""
        line = f"return [{', '.join(items)}]"
        if len(line) + 4 * indent <= 88:
            self.add(line, indent)
            return
        self.add("return [", indent)
        for item in items:
            self.add(item + ",", indent + 1)
        self.add("]", indent)

    def expr(self, template: str) -> str:
        """A Python expression giving the bytes of one template frame."""
        if template.startswith("@") and not template.startswith("@@"):
            self.imports.add("from pathlib import Path")
            return f"Path({template[1:]!r}).expanduser().read_bytes()"
        if template.startswith(("hex:", "b64:")):
            try:
                return repr(parse_frame(template))
            except CodecError:
                return repr(template.encode())
        if template.startswith("text:"):
            template = template[5:]
        elif template.startswith("@@"):
            template = template[1:]
        parts = []
        pos = 0
        for m in _PLACEHOLDER.finditer(template):
            if m.start() > pos:
                parts.append(repr(template[pos:m.start()]))
            code, imports = _PY_PLACEHOLDERS[m.group(1)]
            self.imports.update(imports)
            parts.append(code)
            pos = m.end()
        if pos < len(template):
            parts.append(repr(template[pos:]))
        if not parts:
            return 'b""'
        if len(parts) == 1 and parts[0].startswith(("'", '"')):
            return repr(template.encode("utf-8", "surrogateescape"))
        return "(" + " + ".join(parts) + ").encode()"

    def text(self) -> str:
        """The imports (standard library first, as the style guides order them), then the
        code."""
        stdlib = [i for i in self.imports if i != "import zmq"]
        head = sorted(i for i in stdlib if i.startswith("import "))
        head += sorted(i for i in stdlib if i.startswith("from "))
        return "\n".join([*head, "", "import zmq", "", *self.lines]).rstrip() + "\n"


def _program(spec: SocketSpec, kind: str, binds: list[str], connects: list[str],
             sends: _Sends | None, filename: str) -> str:
    w = _Writer()
    name = escape_text(spec.name)
    counts = "sent" if kind in SEND_ONLY else "received"
    header = [
        f"# The {kind} socket '{name}' as the dashboard has it set up.",
        f"# Run: python3 {filename} [COUNT]",
        f"# With COUNT it stops after COUNT messages {counts}; without, it runs until Ctrl+C.",
    ]
    w.add("limit = int(sys.argv[1]) if len(sys.argv) > 1 else None")
    if sends is not None and sends.repeats and sends.count is not None and \
            (kind in SEND_ONLY or kind == "REQ"):
        w.add(f"limit = {sends.count} if limit is None else min(limit, {sends.count})  "
              "# the repeat-send's count")
    w.add()
    w.add("context = zmq.Context()")
    w.add(f"socket = context.socket(zmq.{kind})")
    for opt_name, value in spec.options.items():
        opt = option(opt_name)
        try:
            val = option_value(opt, value)
        except Exception:  # noqa: BLE001 - the engine accepted it, so this should not happen
            val = value
        w.add(f"socket.setsockopt(zmq.{opt.name}, {val!r})")
    for ep in binds:
        w.add(f"socket.bind({repr(ep)})")
        if "*" in ep:
            w.add('print("bound to", socket.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)')
    for ep in connects:
        w.add(f"socket.connect({repr(ep)})")
    if kind == "SUB":
        for prefix in spec.subscribe:
            w.add(f"socket.setsockopt(zmq.SUBSCRIBE, {prefix!r})")
    elif kind == "XSUB":
        for prefix in spec.subscribe:
            w.add(f"socket.send(b'\\x01' + {prefix!r})  # subscribe: a message upstream")
    w.add()
    if sends is not None:
        number = "n" if sends.repeats else "_n"
        w.add()
        w.add(f"def message({number}):")
        if sends.repeats:
            w.add('"""The n-th message (n counts from 1), one bytes object per frame."""', 1)
        else:
            w.add('"""The message the socket sent last, one bytes object per frame."""', 1)
        w.returns([w.expr(f) for f in sends.frames], 1)
        w.add()
    replies = kind in ("REP", "ROUTER") and (kind == "REP" or spec.reply is not None)
    if replies:
        template = spec.reply or ()
        w.add()
        uses_n = any("{seq}" in t for t in template)
        uses_body = any("{body}" in t for t in template)
        w.add(f"def reply_to(request, {'n' if uses_n else '_n'}):")
        if template:
            w.add('"""The reply to a request (n counts replies from 1)."""', 1)
            if uses_body:
                w.add('body = request[-1].decode("utf-8", errors="replace") if request else ""', 1)
            w.returns([w.expr(t) for t in template], 1)
        else:
            w.add('"""The request\'s own frames: an echo."""', 1)
            w.add('return list(request) or [b""]', 1)
        w.add()
    w.add()
    _loop(w, kind, sends, replies)
    w.add("except KeyboardInterrupt:")
    w.add("pass", 1)
    w.add("finally:")
    if "linger" in {k.lower() for k in spec.options}:
        w.add("socket.close()", 1)
    elif kind in RECEIVE_ONLY:
        w.add("socket.close(linger=0)", 1)
    else:
        w.add("socket.close(linger=2000)  # up to 2 s for what is still queued to leave", 1)
    w.add("context.term()", 1)
    body = w.text()
    return "\n".join(header) + "\n\n" + body


def _loop(w: _Writer, kind: str, sends: _Sends | None, replies: bool) -> None:
    """The send/receive loop, inside ``try:``."""
    w.add("try:")
    if kind in SEND_ONLY:
        w.imports.add("import time")
        w.add("sent = 0", 1)
        w.add("while limit is None or sent < limit:", 1)
        w.add("sent += 1", 2)
        w.add("socket.send_multipart(message(sent))", 2)
        w.add(f"time.sleep({sends.interval!r})", 2)
        return
    w.add("received = 0", 1)
    if kind == "REQ":
        w.add("while limit is None or received < limit:", 1)
        w.add("socket.send_multipart(message(received + 1))", 2)
        w.add("reply = socket.recv_multipart()", 2)
        w.add("received += 1", 2)
        w.add('print("received", reply, flush=True)', 2)
        if sends.interval:
            w.imports.add("import time")
            w.add(f"time.sleep({sends.interval!r})", 2)
        return
    periodic = sends is not None and sends.interval is not None
    if sends is not None and not periodic:  # one message, as the user sent it
        w.add("socket.send_multipart(message(1))", 1)
    if periodic:
        w.imports.add("import time")
        capped = sends.count is not None
        w.add("sent = 0", 1)
        w.add("poller = zmq.Poller()", 1)
        w.add("poller.register(socket, zmq.POLLIN)", 1)
        w.add("next_send = time.monotonic()", 1)
        w.add("while limit is None or received < limit:", 1)
        more = f"sent < {sends.count} and " if capped else ""
        w.add(f"if {more}time.monotonic() >= next_send:", 2)
        w.add("sent += 1", 3)
        w.add("socket.send_multipart(message(sent))", 3)
        w.add(f"next_send += {sends.interval!r}", 3)
        if capped:
            w.add(f"wait = max(0.0, next_send - time.monotonic()) if sent < {sends.count} "
                  "else None", 2)
            w.add("if not poller.poll(None if wait is None else wait * 1000):", 2)
        else:
            w.add("if not poller.poll(max(0.0, next_send - time.monotonic()) * 1000):", 2)
        w.add("continue", 3)
        indent = 2
    else:
        w.add("while limit is None or received < limit:", 1)
        indent = 2
    w.add("frames = socket.recv_multipart()", indent)
    w.add("received += 1", indent)
    if kind == "ROUTER":
        w.add('print("received", frames, flush=True)  # frames[0]: the sender\'s identity',
              indent)
    else:
        w.add('print("received", frames, flush=True)', indent)
    if replies and kind == "REP":
        w.add("socket.send_multipart(reply_to(frames, received))", indent)
    elif replies:
        w.add("# the envelope: the identity, and the empty frame a REQ puts after it", indent)
        w.add('cut = frames.index(b"", 1) + 1 if b"" in frames[1:] else 1', indent)
        w.add("socket.send_multipart(frames[:cut] + reply_to(frames[cut:], received))", indent)


def view_as_code(view) -> Code:
    """:func:`socket_as_code` for a live socket (a :class:`~zmqdash.engine.SocketView`)."""
    from zmqdash.engine.ring import FRAMES, KIND, OUT

    from .apply import spec_of

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


def device_as_code(view) -> Code:
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
    w.add("try:")
    w.add("zmq.proxy(frontend, backend)  # forwards both ways until Ctrl+C", 1)
    w.add("except (KeyboardInterrupt, zmq.ContextTerminated):")
    w.add("pass", 1)
    w.add("finally:")
    w.add("frontend.close(linger=0)", 1)
    w.add("backend.close(linger=0)", 1)
    w.add("context.term()", 1)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in view.name).strip("_")
    filename = f"{safe or 'device'}.py"
    header = [
        f"# The {kind} device '{name}' as the dashboard has it set up: frontend {front}, "
        f"backend {back}.",
        f"# Run: python3 {filename}  (Ctrl+C stops it)",
    ]
    return Code(shlex.join(args), "\n".join(header) + "\n\n" + w.text(), filename,
                tuple(notes))
