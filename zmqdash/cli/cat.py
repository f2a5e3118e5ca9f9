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
from operator import itemgetter

from ..codec import (
    entry_to_json_line,
    human_size,
)
from ..codec.entries import entry_text
from ..engine import (
    ERROR,
    EVENT,
    IN,
    OUT,
    Engine,
    EngineError,
    options,
    tunnels,
)
from ..engine import commands as C
from ..engine.flow import DEFAULT_WINDOW as FLOW_WINDOW
from ..engine.socket_types import NAMES as SOCKET_TYPES
from ..engine.socket_types import RECEIVE_ONLY, REPLYING, SEND_ONLY
from ..entries import FRAMES, KIND, META, SIZE
from . import argtypes, recording, remote_args
from .cat_plan import (  # noqa: F401 (proxy.py reads them here)
    DEFAULT_LINGER_MS,
    FORMATS,
    NAME,
    PROG,
    SEND_BATCH,
    TICK,
    Plan,
    UsageError,
)
from .cat_send import Sending
from .messages import say
from .output import NO_LIMIT, MessageWriter, message_text  # noqa: F401 (proxy.py uses it)


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
                   help="SUB/XSUB prefix (repeatable, a repeat counts once; default: everything; "
                   "hex: for bytes)")
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
    recording.add_argument(p)
    p.set_defaults(func=main)




def _handshake_trouble(view) -> str:
    """``"; " + why`` when an endpoint's handshake failed (the likely reason nothing came
    back: a plain socket against a CURVE server, a wrong key), else ``""``."""
    for ep in view.endpoints:
        if ep.handshake.startswith(("handshake failed", "handshake refused")):
            return f"; {ep.endpoint}: {ep.handshake}"
    return ""


def _is_subscription(frames) -> bool:
    """A subscribe (``\\x01prefix``) or unsubscribe (``\\x00prefix``) message on an XPUB."""
    return len(frames) == 1 and frames[0][:1] in (b"\x00", b"\x01")


def main(args: argparse.Namespace) -> int:
    try:
        plan = Plan.from_args(args)
    except UsageError as exc:
        say(PROG, exc)
        return 2
    linger = 0 if plan.type in RECEIVE_ONLY else DEFAULT_LINGER_MS
    engine = Engine(ring_capacity=65536, default_linger=linger)
    # unless it ends as planned, the user wants out now: drop what is queued
    stop_linger: int | None = 0
    try:
        engine.start()
        code = _Session(engine, plan, args).run()
        stop_linger = None
    except KeyboardInterrupt:
        return 130
    finally:
        engine.stop(linger=stop_linger)
    return code




class _Session(Sending):
    """One run of ``zmqdash cat``: set up, then print until a stop condition."""

    def __init__(self, engine: Engine, plan: Plan, args: argparse.Namespace) -> None:
        self.engine = engine
        self.plan = plan
        self.args = args
        self.writer = MessageWriter(_binary(sys.stdout), args.format, NAME, plan.type)
        self.errors = 0
        self.received = 0
        self.sender_done = threading.Event()
        self.hinted: set[str] = set()  # hints already said (each is said once)
        self.send_failed = None
        self.send_logged = False
        self.input_done = False
        self.unheard = 0
        self.blind = self.blind_mark = 0
        self.waiting_peer = False
        self.started = time.monotonic()
        self.recorded: recording.Recorded | None = None

    # -- set-up ---------------------------------------------------------------------------------

    def setup(self) -> None:
        e, a, plan = self.engine, self.args, self.plan
        e.call(C.Create(NAME, plan.type, options=tuple(plan.options)))
        # before any bind or connect: take no more than is printed, and with --count no more
        # than that many (an XPUB's --subs counts table changes, not messages)
        e.call(C.Backpressure(NAME, FLOW_WINDOW, None if a.subs else a.count))
        if a.record:
            self.recorded = recording.Recorded(e, [NAME], a.record)
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
        if plan.type in REPLYING:
            e.call(C.AutoReply(NAME, plan.reply))









    # -- receiving and printing -----------------------------------------------------------------

    def run(self) -> int:
        try:
            self.setup()
        except EngineError as exc:
            self.note(str(exc))
            self.say_hints(self.engine.call(C.CheckHints(NAME)) if NAME in
                           self.engine.sockets() else ())
            # an option libzmq refuses for this type is the command line's mistake
            return 2 if isinstance(exc, options.OptionError) else 1
        if not self.wants_stdin():
            self.input_done = True
        threading.Thread(target=self.sender, name="zmqdash-cat-sender", daemon=True).start()
        engine = self.engine
        view = engine.view(NAME)
        ring = view.log
        seq = read_bytes = 0
        gen = engine.generation
        last_active = time.monotonic()  # a message in or out
        last_pending, pending_since = 0, last_active
        limit = self.args.count or NO_LIMIT
        timeout = self.args.timeout
        sends_only = self.plan.type in SEND_ONLY
        while True:
            gen = engine.wait_for_change(gen, TICK)
            # decide whether we are done, and see a send failure, *before* reading the log:
            # whatever is logged in between is printed now or on the next round, never skipped,
            # and the engine logs a failed Send before the sender hears of it
            done = self.sender_done.is_set() and self.finished_sending(view)
            failed = self.send_failed
            batch = ring.since(seq)
            if batch:
                seq = batch[-1][0] + 1
                read_bytes += sum(map(_SIZE, batch))
                if self.show(batch):
                    last_active = time.monotonic()
                engine.consumed(view, seq, read_bytes)
                if self.received >= limit:
                    return self.finish(0)
            self.say_hints(view.hints)
            if seq < ring.first:  # cannot happen with back-pressure; said if it ever does
                self.note(f"{ring.first - seq} entries fell out of the log before they could be "
                          "printed")
                self.errors += 1
                seq = ring.first
            if self.recorded is not None and self.recorded.check(self.note):
                last_active = time.monotonic()  # receiving waits for the disk: not idle
            if failed:
                if not self.send_logged:
                    self.note(failed)
                return self.finish(1)
            broken = next((ep for ep in view.endpoints if tunnels.broken(ep)), None)
            if broken is not None:  # a tunnel that cannot work: say so rather than wait
                self.note(broken.describe())
                return self.finish(1)
            if done:
                return self.finish(0)
            if timeout is None:
                continue
            now = time.monotonic()
            if view.pending != last_pending:
                last_pending, pending_since = view.pending, now
            if sends_only:
                # reading stdin never times out: --timeout bounds the wait for peers to take
                # what is queued (the sender bounds its own waits for room)
                if self.sender_done.is_set() and view.pending and now - pending_since >= timeout:
                    self.note(f"{self.undelivered(view.pending)} within {timeout:g} s"
                              f"{self.why(view)}")
                    return self.finish(1)
            elif self.plan.type == "REQ":  # waiting for stdin is not waiting for a reply
                if view.awaiting_reply:
                    if now - max(last_active, pending_since) >= timeout:
                        self.note(f"no reply within {timeout:g} s{self.why(view)}")
                        return self.finish(1)
                elif self.sender_done.is_set() and now - last_active >= timeout:
                    return self.finish(0)
            elif self.waiting_peer:
                continue  # the sender's own wait for a peer ends with --timeout and says so
            elif now - last_active >= timeout:  # nothing in or out for that long
                if view.pending:
                    self.note(f"{self.undelivered(view.pending)} within {timeout:g} s"
                              f"{self.why(view)}")
                    return self.finish(1)
                if not self.input_done and not _stdin_is_terminal():
                    self.note(f"nothing in or out for {timeout:g} s: stopped before the end of "
                              "standard input")
                    return self.finish(1)
                return self.finish(0)

    def why(self, view) -> str:
        """Why nothing came back, when an endpoint's handshake failed (unless -v has already
        said it as it happened)."""
        return "" if self.args.verbose else _handshake_trouble(view)

    def say_hints(self, hints) -> None:
        """Each hint once, on stderr, when it first becomes true (not on every change)."""
        for hint in hints:
            if hint.key not in self.hinted:
                self.hinted.add(hint.key)
                self.note(f"hint: {hint.text}")

    def finished_sending(self, view) -> bool:
        """After stdin ends: senders stop once everything left; REQ once the reply is in."""
        kind = self.plan.type
        if kind in SEND_ONLY:
            return view.pending == 0
        if kind == "REQ":
            return not view.awaiting_reply and self.args.count is None
        return False  # PAIR, DEALER, ROUTER ...: keep receiving until --count/--timeout/Ctrl+C

    def show(self, batch: list[tuple]) -> bool:
        """Print a batch of log entries; True if a message went in or out."""
        subs = self.args.subs
        if not subs and set(map(_KIND, batch)) == _ONLY_IN:  # a flood: all in one go
            take = batch[: max(0, (self.args.count or NO_LIMIT) - self.received)]
            self.received += len(take)
            self.writer.write(take)
            return True
        active = False
        run: list[tuple] = []  # consecutive messages, printed together
        for entry in batch:
            kind = entry[KIND]
            if kind == IN and not (subs and _is_subscription(entry[FRAMES])):
                if self.received < (self.args.count or NO_LIMIT):
                    self.received += 1
                    run.append(entry)
                active = True
                continue
            self.writer.write(run)
            run = []
            if subs and kind == EVENT and getattr(entry[META], "prefix", None) is not None:
                self.received += 1  # a change of the subscription table
                self.print_change(entry)
                active = True
            elif kind == IN:
                active = True  # a subscription message on an XPUB: told as a table change
            elif kind == ERROR:
                self.errors += 1
                self.note_entry(entry)
            elif kind == OUT:
                active = True
                if self.args.verbose:
                    self.note(f"sent {human_size(entry[SIZE])}")
            elif kind == EVENT and self.args.verbose:
                self.note_entry(entry)
        self.writer.write(run)
        return active

    def print_change(self, entry) -> None:
        fmt = self.args.format
        if fmt == "none":
            return
        if fmt == "jsonl":
            self.writer.line(entry_to_json_line(entry, NAME, self.plan.type))
        else:
            self.writer.line(entry_text(entry))

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
        if self.unheard:
            self.note(f"sent {self.unheard} with no subscriber connected; see --wait-peer")
            code = code or 1
        lost = self.never_connected(view)
        if lost:
            self.note(lost)
            code = code or 1
        if self.args.stats:
            s = view.stats
            elapsed = max(time.monotonic() - self.started, 1e-9)
            self.note(
                f"received {s.msgs_in} messages ({human_size(s.bytes_in)}), sent {s.msgs_out} "
                f"({human_size(s.bytes_out)}) in {elapsed:.2f} s: "
                f"{s.msgs_in / elapsed:,.0f} msg/s in, {s.msgs_out / elapsed:,.0f} msg/s out; "
                f"{s.errors} errors"
            )
        if self.recorded is not None and not self.recorded.finish(
                self.note, self.args.stats or self.args.verbose):
            code = code or 1
        if code == 0 and self.errors:
            return 1
        return code


_KIND, _SIZE = itemgetter(KIND), itemgetter(SIZE)
_ONLY_IN = {IN}


def _binary(stream):
    """The byte stream under a text stream (standard output), or the stream itself."""
    return getattr(stream, "buffer", stream)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and os.isatty(sys.stdin.fileno())
    except (OSError, ValueError):
        return False
