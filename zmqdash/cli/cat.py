"""``zmqdash cat``: netcat for ZeroMQ, a headless client of the engine.

One socket, made and driven through the same engine as the dashboard. Messages to send come from
``--send`` and then from standard input (one message per line); received messages go to standard
output, one line each, always terminal-safe. Diagnostics go to standard error.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

from ..codec import (
    CodecError,
    entry_to_json_line,
    hex_inline,
    human_size,
    parse_message,
    prefix_to_bytes,
    render_frame,
    split_frames,
)
from ..engine import (
    ERROR,
    EVENT,
    IN,
    OUT,
    Engine,
    EngineError,
    endpoints,
    options,
    templates,
    tunnels,
)
from ..engine import commands as C
from ..engine.options import RECEIVE_ONLY, SEND_ONLY, SOCKET_TYPES
from . import argtypes, remote_args
from .messages import say

NAME = "cat"
PROG = "zmqdash cat"
FORMATS = ("text", "hex", "json", "jsonl", "none")
#: how long a sender waits at exit for queued messages to leave, unless --timeout says otherwise
DEFAULT_LINGER_MS = 2000
#: how often the main loop re-checks its stop conditions while nothing happens
TICK = 0.2
NO_LIMIT = 1 << 62


class UsageError(Exception):
    """Bad arguments found after parsing (exit 2)."""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "cat",
        help="send and receive on one socket from a shell (netcat for ZeroMQ)",
        description="Make one socket, bind and/or connect it, send --send messages and stdin "
        "lines, print what arrives. Exit 0 on success, 1 on runtime errors, 2 on usage errors.",
        epilog="Examples: zmqdash cat REQ -c tcp://127.0.0.1:5555 --send hello | "
        "zmqdash cat SUB -c tcp://127.0.0.1:5556 -s 1 --count 5 | "
        "seq 10 | zmqdash cat PUSH -c tcp://127.0.0.1:5557",
    )
    p.add_argument("type", metavar="TYPE", type=str.upper,
                   help="socket type: " + ", ".join(SOCKET_TYPES))
    p.add_argument("-b", "--bind", action="append", default=[], metavar="EP",
                   help="bind an endpoint (repeatable); tcp://127.0.0.1:* picks a free port")
    p.add_argument("-c", "--connect", action="append", default=[], metavar="EP",
                   help="connect to an endpoint (repeatable)")
    p.add_argument("-s", "--subscribe", action="append", default=None, metavar="PREFIX",
                   help="SUB/XSUB prefix (repeatable; default: everything; hex: for bytes)")
    p.add_argument("-o", "--option", action="append", default=[], metavar="NAME=VALUE",
                   help="any socket option, e.g. -o sndhwm=1000 -o identity=worker-1")
    p.add_argument("--send", action="append", default=[], metavar="MSG",
                   help="a message to send before reading stdin (repeatable); accepts hex:, "
                   "b64:, @file and text: prefixes")
    p.add_argument("--split", metavar="SEP", default=None,
                   help="split each message (--send and stdin lines) into frames at SEP; "
                   "a backslash before SEP keeps it literal")
    p.add_argument("--stdin-codec", action="store_true",
                   help="read hex:, b64:, @file and text: prefixes in stdin lines too "
                   "(by default a stdin line is sent as its literal UTF-8 bytes)")
    p.add_argument("--no-stdin", action="store_true", help="do not read standard input")
    p.add_argument("-f", "--format", choices=FORMATS, default="text",
                   help="how received messages are printed (default: text)")
    p.add_argument("-n", "--count", type=argtypes.count, default=None, metavar="N",
                   help="stop after N messages received")
    p.add_argument("-t", "--timeout", type=argtypes.seconds, default=None, metavar="S",
                   help="stop when nothing arrives for S seconds")
    p.add_argument("--stats", action="store_true",
                   help="print a summary (messages, bytes, rate) on stderr at the end")
    p.add_argument("--reply", metavar="TEMPLATE", default=None,
                   help="REP/ROUTER: answer each request with TEMPLATE ({body}, {seq}, {time}); "
                   "default: echo the request")
    p.add_argument("--subs", action="store_true",
                   help="XPUB: print each change of the subscription table (subscribe or "
                   "unsubscribe, prefix, peer ip:port, holders) instead of the raw subscription "
                   "messages")
    p.add_argument("--wait-peer", action="store_true",
                   help="wait for a peer to connect before sending (avoids PUB's slow joiner)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print connection events (listening, connected, retrying ...) on "
                   "stderr")
    remote_args.add_arguments(p)
    p.set_defaults(func=main)


def message_text(frames, fmt: str, prefix: str = "") -> str:
    """A message as printed in the text, hex and json formats: one line, or one line per frame
    (``[2/3] ...``) for a multipart message; each line starts with ``prefix``."""
    rows = [_render(f, fmt) for f in frames]
    if len(rows) == 1:
        return prefix + rows[0]
    n = len(rows)
    return "\n".join(f"{prefix}[{i}/{n}] {row}" for i, row in enumerate(rows, 1))


def _render(frame: bytes, fmt: str) -> str:
    if fmt == "hex":
        return hex_inline(frame, NO_LIMIT)
    return render_frame(frame, "json" if fmt == "json" else "text", NO_LIMIT)


def _stdin_lines():
    """Lines of standard input, read with os.read: a thread blocked here holds no lock of
    sys.stdin's buffer, so the interpreter can exit while it waits (a buffered read cannot)."""
    fd = sys.stdin.fileno() if sys.stdin is not None else -1
    if fd < 0:
        return
    pending = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


def _is_subscription(frames) -> bool:
    """A subscribe (``\\x01prefix``) or unsubscribe (``\\x00prefix``) message on an XPUB."""
    return len(frames) == 1 and frames[0][:1] in (b"\x00", b"\x01")


def main(args: argparse.Namespace) -> int:
    try:
        plan = _Plan.from_args(args)
    except UsageError as exc:
        say(PROG, exc)
        return 2
    linger = 0 if plan.type in RECEIVE_ONLY else DEFAULT_LINGER_MS
    engine = Engine(ring_capacity=65536, default_linger=linger)
    stop_linger = 0  # unless it ends as planned, the user wants out now: drop what is queued
    try:
        engine.start()
        code = _Session(engine, plan, args).run()
        stop_linger = None
    except KeyboardInterrupt:
        return 130
    finally:
        engine.stop(linger=stop_linger)
    return code


class _Plan:
    """What to do, checked before any socket exists."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.type = args.type
        self.options: list[tuple[str, str]] = []
        self.subscriptions: list[bytes] = []
        self.messages: list[list[bytes]] = []
        self.credentials = None
        self.via: str | None = None
        #: the auto-reply template of a REP or ROUTER (empty: echo)
        self.reply: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> _Plan:
        plan = cls(args)
        if args.connect and args.type not in RECEIVE_ONLY:
            # queue only to peers that are really there, so messages nobody takes stay in the
            # engine's outbox, where a --timeout can report them, instead of vanishing at exit
            plan.options.append(("immediate", "1"))
        if args.type not in SOCKET_TYPES:
            raise UsageError(f"unknown socket type '{args.type}' "
                             f"(one of {', '.join(SOCKET_TYPES)})")
        if not args.bind and not args.connect:
            raise UsageError("give at least one --bind or --connect endpoint")
        try:  # the same checks the engine makes, so a typo is a usage error (exit 2)
            for ep in args.bind:
                endpoints.parse(ep, bind=True, socket_type=args.type)
            for ep in args.connect:
                endpoints.parse(ep, bind=False, socket_type=args.type)
            plan.options += [options.assignment(item) for item in args.option]
            plan.via = remote_args.ssh_host(args)
            plan.credentials = remote_args.credentials(args)
        except EngineError as exc:
            raise UsageError(str(exc)) from None
        if args.subscribe is not None and args.type not in ("SUB", "XSUB"):
            raise UsageError(f"--subscribe is for SUB and XSUB sockets, not {args.type}")
        if args.type in ("SUB", "XSUB"):
            try:
                plan.subscriptions = [prefix_to_bytes(p) for p in (args.subscribe or [""])]
            except CodecError as exc:
                raise UsageError(f"--subscribe: {exc}") from None
        if args.subs and args.type != "XPUB":
            raise UsageError(f"--subs is for XPUB sockets, not {args.type}")
        if args.split is not None:
            try:
                split_frames("", args.split)
            except CodecError as exc:
                raise UsageError(f"--split: {exc}") from None
        if args.reply is not None and args.type not in ("REP", "ROUTER"):
            raise UsageError(f"--reply is for REP and ROUTER sockets, not {args.type}")
        if args.reply is not None:
            plan.reply = tuple(split_frames(args.reply, args.split) if args.split
                               else [args.reply])
            try:
                for frame in plan.reply:
                    templates.compile_frame(frame)
            except CodecError as exc:
                raise UsageError(f"--reply: {exc}") from None
        if args.send and args.type in RECEIVE_ONLY | {"REP"}:
            raise UsageError(f"a {args.type} socket does not send messages of its own")
        for text in args.send:
            try:
                plan.messages.append(parse_message(text, args.split))
            except CodecError as exc:
                raise UsageError(f"--send {text!r}: {exc}") from None
        return plan


class _Session:
    """One run of ``zmqdash cat``: set up, then print until a stop condition."""

    def __init__(self, engine: Engine, plan: _Plan, args: argparse.Namespace) -> None:
        self.engine = engine
        self.plan = plan
        self.args = args
        self.out = sys.stdout
        self.errors = 0
        self.received = 0
        self.sender_done = threading.Event()
        self.send_failed: str | None = None
        self.started = time.monotonic()

    # -- set-up ---------------------------------------------------------------------------------

    def setup(self) -> None:
        e, a, plan = self.engine, self.args, self.plan
        e.call(C.Create(NAME, plan.type, options=tuple(plan.options)))
        if plan.credentials is not None:
            self.note(e.call(C.Secure(NAME, plan.credentials)))
        for ep in a.bind:
            real = e.call(C.Bind(NAME, ep))
            self.note(f"bound {real}")
        for ep in a.connect:
            e.call(C.Connect(NAME, ep, via=plan.via), timeout=30)
            self.note(f"connecting to {ep}" + (f" via {plan.via}" if plan.via else ""))
        for prefix in plan.subscriptions:
            e.call(C.Subscribe(NAME, prefix))
        if plan.type in ("REP", "ROUTER"):
            e.call(C.AutoReply(NAME, plan.reply))

    def note(self, text: str) -> None:
        say(PROG, text)

    # -- sending (its own thread, so a blocking stdin never stalls printing) ----------------------

    def wants_stdin(self) -> bool:
        return not self.args.no_stdin and self.plan.type not in RECEIVE_ONLY | {"REP"}

    def sender(self) -> None:
        try:
            if self.args.wait_peer:
                self.wait_for_peer()
            for frames in self.plan.messages:
                if not self.send(frames):
                    return
            if self.wants_stdin():
                for raw in _stdin_lines():
                    if not self.send_line(raw):
                        return
        except Exception as exc:  # report, never hang the main loop
            self.send_failed = str(exc)
        finally:
            self.sender_done.set()

    def wait_for_peer(self) -> None:
        view = self.engine.view(NAME)
        gen = self.engine.generation
        while not any(ep.peers for ep in view.endpoints):
            gen = self.engine.wait_for_change(gen, TICK)

    def send_line(self, raw: bytes) -> bool:
        line = raw.rstrip(b"\n").removesuffix(b"\r")
        if self.args.stdin_codec or self.args.split:
            text = line.decode("utf-8", errors="surrogateescape")
            try:
                if self.args.stdin_codec:
                    frames = parse_message(text, self.args.split)
                else:
                    frames = [p.encode("utf-8", errors="surrogateescape")
                              for p in split_frames(text, self.args.split)]
            except CodecError as exc:
                self.note(f"stdin line skipped: {exc}")
                self.errors += 1
                return True
        else:
            frames = [line]
        return self.send(frames)

    def send(self, frames: list[bytes]) -> bool:
        engine = self.engine
        view = engine.view(NAME)
        if self.plan.type == "REQ":  # one request at a time: wait for the reply
            gen = engine.generation
            while view.awaiting_reply:
                gen = engine.wait_for_change(gen, TICK)
        try:
            engine.call(C.Send(NAME, tuple(frames)), timeout=30)
        except EngineError as exc:
            self.send_failed = str(exc)
            return False
        return True

    # -- receiving and printing -----------------------------------------------------------------

    def run(self) -> int:
        try:
            self.setup()
        except EngineError as exc:
            self.note(str(exc))
            # an option libzmq refuses for this type is the command line's mistake
            return 2 if isinstance(exc, options.OptionError) else 1
        threading.Thread(target=self.sender, name="zmqdash-cat-sender", daemon=True).start()
        view = self.engine.view(NAME)
        ring = view.log
        seq = 0
        gen = self.engine.generation
        last_in = time.monotonic()
        code = 0
        limit = self.args.count or NO_LIMIT
        while True:
            gen = self.engine.wait_for_change(gen, TICK)
            # decide whether we are done *before* reading the log, so whatever arrives in between
            # is printed now or on the next round, never skipped
            done = self.sender_done.is_set() and self.finished_sending(view)
            for entry in ring.since(seq):
                seq = entry[0] + 1
                if self.show(entry):
                    last_in = time.monotonic()
                    if self.received >= limit:
                        return self.finish(0)
            if seq < ring.first:  # the printer fell behind the ring: say so, keep going
                self.note(f"{ring.first - seq} messages not printed (output too slow)")
                seq = ring.first
            if self.send_failed:
                self.note(self.send_failed)
                return self.finish(1)
            broken = next((ep for ep in view.endpoints if tunnels.broken(ep)), None)
            if broken is not None:  # a tunnel that cannot work: say so rather than wait
                self.note(broken.describe())
                return self.finish(1)
            if done:
                return self.finish(code)
            timeout = self.args.timeout
            if timeout is not None and time.monotonic() - last_in >= timeout:
                if self.plan.type == "REQ" and view.awaiting_reply:
                    self.note(f"no reply within {timeout:g} s")
                    return self.finish(1)
                if view.pending:
                    n = view.pending
                    self.note(f"{n} message{'s' if n != 1 else ''} not delivered: no peer took "
                              f"{'them' if n != 1 else 'it'} within {timeout:g} s")
                    return self.finish(1)
                return self.finish(0)

    def finished_sending(self, view) -> bool:
        """After stdin ends: senders stop once everything left; REQ once the reply is in."""
        kind = self.plan.type
        if kind in SEND_ONLY:
            return view.pending == 0
        if kind == "REQ":
            return not view.awaiting_reply and self.args.count is None
        return False  # PAIR, DEALER, ROUTER ...: keep receiving until --count/--timeout/Ctrl+C

    def show(self, entry) -> bool:
        """Print one log entry; True if it was a received message."""
        kind = entry[2]
        if self.args.subs:
            if kind == EVENT and getattr(entry[4], "prefix", None) is not None:
                self.received += 1  # a change of the subscription table
                self.print_change(entry)
                return True
            if kind == IN and _is_subscription(entry[3]):
                return False  # told as a change of the table instead
        if kind == IN:
            self.received += 1
            self.print_message(entry)
            return True
        if kind == ERROR:
            self.errors += 1
            self.note(entry[4])
        elif kind == EVENT and self.args.verbose:
            self.note(entry[4].describe())
        elif kind == OUT and self.args.verbose:
            self.note(f"sent {human_size(entry[5])}")
        return False

    def print_message(self, entry) -> None:
        fmt = self.args.format
        if fmt == "none":
            return
        if fmt == "jsonl":
            line = entry_to_json_line(entry, NAME, self.plan.type)
        else:
            line = message_text(entry[3], fmt)
        self.out.write(line + "\n")
        self.out.flush()

    def print_change(self, entry) -> None:
        fmt = self.args.format
        if fmt == "none":
            return
        if fmt == "jsonl":
            line = entry_to_json_line(entry, NAME, self.plan.type)
        else:
            line = entry[4].describe()  # terminal-safe: prefix and peer are escaped
        self.out.write(line + "\n")
        self.out.flush()

    def wait_paced(self, view) -> None:
        """A multicast sender's messages leave at the socket's rate, and libzmq cannot say
        when they have: wait until they should have (within --timeout), saying so."""
        left = view.paced_until - time.monotonic()
        if left <= DEFAULT_LINGER_MS / 1000 / 2:
            return  # the linger covers it
        limit = self.args.timeout
        if limit is not None and left > limit:
            self.note(f"about {left - limit:.0f} s of messages may not leave: the multicast "
                      f"rate holds them longer than --timeout {limit:g} s (-o rate=KBIT/S)")
            left = limit
        else:
            self.note(f"waiting about {left:.0f} s for the messages to leave at the "
                      "multicast rate (-o rate=KBIT/S sends faster)")
        time.sleep(left)

    def finish(self, code: int) -> int:
        view = self.engine.view(NAME)
        if self.plan.type in SEND_ONLY | {"PAIR", "DEALER", "REQ"}:
            self.wait_paced(view)
            try:  # close with the socket's linger so what is queued gets out
                self.engine.call(C.Close(NAME), timeout=DEFAULT_LINGER_MS / 1000 + 5)
            except EngineError:
                pass
        if self.args.stats:
            s = view.stats
            elapsed = max(time.monotonic() - self.started, 1e-9)
            self.note(
                f"received {s.msgs_in} messages ({human_size(s.bytes_in)}), sent {s.msgs_out} "
                f"({human_size(s.bytes_out)}) in {elapsed:.2f} s: "
                f"{s.msgs_in / elapsed:,.0f} msg/s in, {s.msgs_out / elapsed:,.0f} msg/s out; "
                f"{s.errors} errors"
            )
        if code == 0 and self.errors:
            return 1
        return code
