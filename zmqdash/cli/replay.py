"""``zmqdash replay FILE TYPE -c EP``: send a recording's messages again from one socket.

FILE is a recording (``--record``, ``R`` in the dashboard) or an export (``e``): JSON lines, one
entry each. The messages of one direction (the received ones, unless the file has none or
``--direction`` says otherwise) go out on a socket of TYPE, made and connected as ``zmqdash
cat`` makes its socket, at the recorded pace, ``--speed N`` times faster, or ``--speed max``;
frames exactly as recorded, multipart and binary alike. The engine sends them (see
:mod:`zmqdash.engine.replay`); this module only sets up, waits and reports.

Exit status: 0 when every message was sent; 1 on a runtime error (a send refused, lines of the
file that are not records, messages no peer took within ``--timeout``); 2 on a usage error (a
missing file included); 130 on Ctrl+C.
"""

from __future__ import annotations

import argparse
import math
import os
import time

from ..codec import CodecError, prefix_to_bytes
from ..engine import EngineError, endpoints, options
from ..engine import commands as C
from ..engine.socket_types import NAMES as SOCKET_TYPES
from ..engine.socket_types import RECEIVE_ONLY
from ..entries import KIND, META, SEQ
from . import argtypes
from .messages import say

PROG = "zmqdash replay"
NAME = "replay"
#: how long queued messages may take to leave at the end (ms), as cat's senders
LINGER_MS = 2000
#: how often the wait re-checks its stop conditions while nothing happens
TICK = 0.2
MAX_SPEED = 1_000_000.0


class UsageError(Exception):
    """Bad arguments found after parsing (exit 2)."""


def speed(text: str) -> float | None:
    """``--speed``: ``max``, or a factor above 0 (``2`` is twice the recorded pace)."""
    body = text.strip().lower()
    if body in ("max", "maximum", "inf"):
        return None
    try:
        value = float(body) if body.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(
            f"must be max or a number above 0 (2 is twice the recorded pace), not {text!r}")
    return value


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "replay",
        help="send the messages of a recording again from one socket",
        description="Send the messages of a recording or export (JSON lines) from one socket, "
        "at the recorded pace, faster, or as fast as the socket takes them. Frames go out "
        "exactly as recorded. Exit 0 when every message was sent, 1 on runtime errors, 2 on "
        "usage errors.",
        epilog="Examples: zmqdash replay feed.jsonl PUSH -c tcp://127.0.0.1:5557 | "
        "zmqdash replay ticks.jsonl PUB -b 'tcp://127.0.0.1:*' --wait-peer --speed 2 --loop | "
        "zmqdash replay jobs.jsonl ROUTER -b tcp://127.0.0.1:5555 --peer worker-1 --speed max",
    )
    p.add_argument("file", metavar="FILE", help="a recording or an export (JSON lines)")
    p.add_argument("type", metavar="TYPE", type=str.upper,
                   help="socket type that sends: " + ", ".join(
                       t for t in SOCKET_TYPES if t not in RECEIVE_ONLY))
    p.add_argument("-b", "--bind", action="append", default=[], metavar="EP",
                   help="bind an endpoint (repeatable); tcp://127.0.0.1:* picks a free port")
    p.add_argument("-c", "--connect", action="append", default=[], metavar="EP",
                   help="connect to an endpoint (repeatable)")
    p.add_argument("-o", "--option", action="append", default=[], metavar="NAME=VALUE",
                   help="any socket option, e.g. -o sndhwm=1000 -o identity=replayer")
    p.add_argument("--speed", type=speed, default=1.0, metavar="N|max",
                   help="1 keeps the recorded pace (the default), 2 is twice as fast, max as "
                   "fast as the socket takes them")
    p.add_argument("--loop", action="store_true",
                   help="start again after the last message, until Ctrl+C or --count")
    p.add_argument("--filter", metavar="TEXT", default=None,
                   help="only messages that match, as the dashboard's log filter: plain text "
                   "(any case unless it has capitals), /regex/, or hex:/b64: bytes")
    p.add_argument("--direction", choices=("in", "out", "f>b", "b>f"), default=None,
                   help="replay the received (in) or the sent (out) messages, or what crossed "
                   "a recorded device from its frontend to its backend (f>b) or back (b>f); "
                   "default: the received ones, else a device's f>b, else its b>f, else the "
                   "sent ones")
    p.add_argument("--peer", metavar="ID", default=None,
                   help="ROUTER: send every message to this identity (hex: for bytes); a "
                   "ROUTER's recorded identity frame is replaced by it. Without it a ROUTER "
                   "takes each message's first frame as the identity. The replay waits while "
                   "that peer is not connected")
    p.add_argument("--wait-peer", action="store_true",
                   help="wait for a peer to connect before the first message (a PUB's "
                   "subscribers join late)")
    p.add_argument("-n", "--count", type=argtypes.count, default=None, metavar="N",
                   help="stop after N messages sent")
    p.add_argument("-t", "--timeout", type=argtypes.seconds, default=None, metavar="S",
                   help="give up when no message could be sent for S seconds (no peer takes "
                   "them)")
    p.add_argument("--stats", action="store_true",
                   help="print what was sent, how fast, and what was skipped, on stderr")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print connection events on stderr")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        plan = _plan(args)
    except UsageError as exc:
        say(PROG, exc)
        return 2
    from ..engine import Engine

    engine = Engine(ring_capacity=65536, default_linger=LINGER_MS)
    stop_linger: int | None = 0
    try:
        engine.start()
        code = _Replay(engine, args, plan).run()
        stop_linger = None
    except KeyboardInterrupt:
        return 130
    finally:
        engine.stop(linger=stop_linger)
    return code


def _plan(args: argparse.Namespace) -> dict:
    if args.type not in SOCKET_TYPES:
        raise UsageError(f"unknown socket type '{args.type}' (one of {', '.join(SOCKET_TYPES)})")
    if args.type in RECEIVE_ONLY:
        raise UsageError(f"a {args.type} socket cannot send, so it cannot replay")
    if not args.bind and not args.connect:
        raise UsageError("give at least one --bind or --connect endpoint")
    path = os.path.abspath(os.path.expanduser(args.file))
    if not os.path.isfile(path):
        raise UsageError(f"{path}: " + ("no such file" if not os.path.exists(path)
                                        else "not a file"))
    if not os.access(path, os.R_OK):
        raise UsageError(f"{path}: permission denied")
    opts: list[tuple[str, str]] = []
    if args.connect:
        opts.append(("immediate", "1"))  # as cat: only peers that are there take messages
    if args.type == "ROUTER":
        # a message for a peer not connected (yet) waits for it rather than vanishing
        opts.append(("router_mandatory", "1"))
    try:
        for ep in args.bind:
            endpoints.parse(ep, bind=True)
        for ep in args.connect:
            endpoints.parse(ep, bind=False)
        opts += [options.assignment(item) for item in args.option]
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    peer = None
    if args.peer is not None:
        if args.type != "ROUTER":
            raise UsageError(f"--peer is for ROUTER sockets, not {args.type}")
        try:
            peer = prefix_to_bytes(args.peer)
        except CodecError as exc:
            raise UsageError(f"--peer: {exc}") from None
        if not peer:
            raise UsageError("--peer: an identity cannot be empty")
    if args.filter is not None:
        import re

        from ..engine.replay import message_matcher

        try:
            message_matcher(args.filter)
        except re.error as exc:
            raise UsageError(f"--filter: bad regular expression: {exc}") from None
        except CodecError as exc:
            raise UsageError(f"--filter: {exc}") from None
    return {"path": path, "options": tuple(opts), "peer": peer}


class _Replay:
    def __init__(self, engine, args: argparse.Namespace, plan: dict) -> None:
        self.engine = engine
        self.args = args
        self.plan = plan
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        say(PROG, text)

    def run(self) -> int:
        e, a = self.engine, self.args
        try:
            e.call(C.Create(NAME, a.type, options=self.plan["options"]))
            for ep in a.bind:
                self.note(f"bound {e.call(C.Bind(NAME, ep))}")
            for ep in a.connect:
                e.call(C.Connect(NAME, ep), timeout=30)
        except EngineError as exc:
            self.note(str(exc))
            return 2 if isinstance(exc, options.OptionError) else 1
        view = e.view(NAME)
        seq = 0
        gen = e.generation
        if a.wait_peer:
            while not any(ep.peers for ep in view.endpoints):
                gen = e.wait_for_change(gen, TICK)
                seq = self.show(view, seq)
        try:
            state = e.call(C.ReplayStart(NAME, self.plan["path"], speed=a.speed, loop=a.loop,
                                         match=a.filter, direction=a.direction,
                                         peer=self.plan["peer"], count=a.count))
        except EngineError as exc:
            self.note(str(exc))
            return 1
        self.started = time.monotonic()
        last_sent, last_change = 0, time.monotonic()
        while state.running:
            gen = e.wait_for_change(gen, TICK)
            seq = self.show(view, seq)
            if state.sent != last_sent:
                last_sent, last_change = state.sent, time.monotonic()
            elif a.timeout is not None and time.monotonic() - last_change >= a.timeout:
                e.call(C.ReplayStop(NAME))
                self.note(f"no message could be sent for {a.timeout:g} s (no peer takes them); "
                          f"{state.sent:,} sent")
                return self.finish(state, 1)
        return self.finish(state, 0 if state.state == "done" else 1)

    def show(self, view, seq: int) -> int:
        """Print the errors (and with -v the events) logged since ``seq``."""
        from ..engine import ERROR, EVENT

        for entry in view.log.since(seq):
            seq = entry[SEQ] + 1
            if entry[KIND] == ERROR:
                self.note(entry[META])
            elif entry[KIND] == EVENT and self.args.verbose:
                self.note(entry[META].describe())
        return seq

    def finish(self, state, code: int) -> int:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        try:  # close with the linger so what is queued gets out
            self.engine.call(C.Close(NAME), timeout=LINGER_MS / 1000 + 5)
        except EngineError:
            pass
        if state.bad_lines:
            code = code or 1
        if self.args.stats or state.bad_lines or state.state == "failed":
            self.note(f"{state.summary()} in {elapsed:.2f} s ({state.sent / elapsed:,.0f} "
                      "msg/s)")
        return code
