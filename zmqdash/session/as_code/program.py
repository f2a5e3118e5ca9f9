"""The pyzmq program of a socket, in the style of the ZeroMQ guide's examples."""

from __future__ import annotations

from zmqdash.codec import CodecError, escape_text, parse_frame
from zmqdash.engine.options import option, option_value
from zmqdash.engine.socket_types import RECEIVE_ONLY, SEND_ONLY

from ..model import SocketSpec
from .common import (
    _PLACEHOLDER,
    _Sends,
)

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
        val: object
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
        assert sends is not None  # a sender always has something to send
        w.imports.add("import time")
        w.add("sent = 0", 1)
        w.add("while limit is None or sent < limit:", 1)
        w.add("sent += 1", 2)
        w.add("socket.send_multipart(message(sent))", 2)
        w.add(f"time.sleep({sends.interval!r})", 2)
        return
    w.add("received = 0", 1)
    if kind == "REQ":
        assert sends is not None
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
    if sends is not None and periodic:
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
