"""``zmqdash proxy KIND FRONTEND BACKEND``: one device from a shell, a headless client of the
engine.

The device runs in the same engine as the dashboard's: a streamer (PULL -> PUSH), a forwarder
(XSUB -> XPUB, subscriptions going back up) or a queue (ROUTER <-> DEALER). Endpoints are
czmq's: ``@`` binds, ``>`` connects, no prefix binds, several per side separated by commas.
``--tap`` prints every message that crosses, with its direction, in ``cat``'s formats, on
standard output; diagnostics, ``--stats`` and with ``-v`` connection events go to standard
error. Exit status as ``zmqdash cat``'s.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time

from ..codec import entry_to_json_line, human_size
from ..engine import ERROR, EVENT, INFO, Engine, EngineError, options
from ..engine.devices import (
    DIRECTION_WORDS,
    KINDS,
    DeviceCreate,
    check_sides,
    kind,
    parse_side,
)
from ..engine.ring import B2F, F2B
from . import recording
from .cat import DEFAULT_LINGER_MS, FORMATS, TICK, message_text
from .messages import say

PROG = "zmqdash proxy"
#: the device's name in its log and in JSON records
NAME = "proxy"
#: how a direction starts a text line of the tap
MARKS = {F2B: "f>b ", B2F: "b>f "}
#: the value a bare ``--stats`` stands for: counters at the end only
AT_END = 0.0
_BARE_STATS = "--stats=end"

EPILOG = """\
endpoints:
  @tcp://127.0.0.1:5559    bind (also without a prefix)
  >tcp://127.0.0.1:5678    connect
  @tcp://*:5559,>ipc:///tmp/up.sock    several on one side, comma-separated

kinds:
  streamer   PULL frontend -> PUSH backend (pipelines: tasks in, tasks out)
  forwarder  XSUB frontend -> XPUB backend (pub/sub; subscriptions travel back up)
  queue      ROUTER frontend <-> DEALER backend (request/reply, envelopes kept)

tap lines (-f text, hex, json): "f>b MESSAGE" went frontend to backend, "b>f MESSAGE" the
other way; a multipart message is one line per frame, "f>b [1/3] ...". -f jsonl: one JSON
object per message with "device", "type", "kind" (f>b or b>f), "direction", "frames", "size".

exit status:
  0    stopped as asked (--count or --timeout)
  1    a runtime error (an endpoint in use, a bind refused ...)
  2    a usage error
  130  Ctrl+C (143 for SIGTERM)

example: the guide's queue between clients and an echo server
  zmqdash proxy queue @tcp://127.0.0.1:5559 '>tcp://127.0.0.1:5678'
"""


class UsageError(Exception):
    """Bad arguments found after parsing (exit 2)."""


class _Terminated(Exception):
    """SIGTERM arrived."""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "proxy",
        help="run a streamer, forwarder or queue between two sets of endpoints",
        description="Run one device: a streamer (PULL -> PUSH), forwarder (XSUB -> XPUB) or "
        "queue (ROUTER <-> DEALER) between FRONTEND and BACKEND, until Ctrl+C.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", metavar="KIND", help="streamer, forwarder or queue")
    p.add_argument("frontend", metavar="FRONTEND",
                   help="the frontend's endpoints: @bind, >connect, comma-separated")
    p.add_argument("backend", metavar="BACKEND", help="the backend's endpoints, the same way")
    p.add_argument("--tap", action="store_true",
                   help="print every message that crosses, with its direction, on stdout")
    p.add_argument("-f", "--format", choices=FORMATS, default="text",
                   help="how --tap prints messages (default: text)")
    p.add_argument("--stats", nargs="?", type=_stats_interval, const=AT_END, default=None,
                   metavar="N",
                   help="print counters (messages, bytes, rates each way) on stderr at the end, "
                   "and every N seconds with --stats N")
    p.add_argument("-n", "--count", type=_positive_int, default=None, metavar="N",
                   help="stop after N messages crossed (both ways together)")
    p.add_argument("-t", "--timeout", type=_positive_float, default=None, metavar="S",
                   help="stop when nothing crosses for S seconds")
    p.add_argument("--frontend-option", action="append", default=[], metavar="NAME=VALUE",
                   help="a socket option of the frontend (repeatable), e.g. rcvhwm=10000")
    p.add_argument("--backend-option", action="append", default=[], metavar="NAME=VALUE",
                   help="a socket option of the backend (repeatable), e.g. sndhwm=10000")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print connection events (listening, accepted ...) on stderr")
    p.add_argument(
        "--record", metavar="FILE", default=None,
        help="also write every message that crosses (with its direction), and the device's "
        "events, to FILE as JSON lines, the records a recording writes (the file is "
        "replaced); if the disk cannot keep up, the device waits for it and that is said")
    p.set_defaults(func=main)
    # `--stats` takes an optional N: a bare one followed by a positional (`--stats queue ...`)
    # must not swallow it, so it is told apart before argparse sees it
    parse = p.parse_known_args
    p.parse_known_args = lambda args=None, namespace=None: parse(_bare_stats(args), namespace)


def _rate(per_second: float) -> str:
    """``0.4``, ``12``, ``1,204,518``: a slow device's rate is not rounded away to 0."""
    return f"{per_second:,.1f}" if 0 < per_second < 10 else f"{per_second:,.0f}"


def _bare_stats(args):
    if args is None:
        return args
    out = list(args)
    for i, arg in enumerate(out):
        if arg == "--":
            break
        if arg == "--stats" and (i + 1 == len(out) or not _is_number(out[i + 1])):
            out[i] = _BARE_STATS
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _stats_interval(text: str) -> float:
    if text == "end":
        return AT_END
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def plan(args: argparse.Namespace) -> DeviceCreate:
    """The device the arguments ask for, checked before any socket exists (UsageError)."""
    try:
        device_kind = kind(args.kind)
        front = parse_side(args.frontend, "frontend")
        back = parse_side(args.backend, "backend")
        check_sides(front, back)
        front_opts = tuple(options.assignment(o) for o in args.frontend_option)
        back_opts = tuple(options.assignment(o) for o in args.backend_option)
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    return DeviceCreate(NAME, device_kind.name, (args.frontend,), (args.backend,),
                        tap=args.tap, frontend_options=front_opts, backend_options=back_opts)


def main(args: argparse.Namespace) -> int:
    try:
        cmd = plan(args)
    except UsageError as exc:
        say(PROG, exc)
        return 2
    engine = Engine(ring_capacity=65536, default_linger=DEFAULT_LINGER_MS)
    engine.start()
    try:
        with _terminate_on_sigterm():
            code = _Run(engine, cmd, args).run()
    except KeyboardInterrupt:
        engine.stop(linger=0)  # the user wants out now: drop what is still queued
        return 130
    except _Terminated:
        engine.stop(linger=0)
        return 143
    engine.stop()
    return code


@contextlib.contextmanager
def _terminate_on_sigterm():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Run:
    """One run: start the device, then print the tap, notes and counters until told to stop."""

    def __init__(self, engine: Engine, cmd: DeviceCreate, args: argparse.Namespace) -> None:
        self.engine = engine
        self.cmd = cmd
        self.args = args
        self.out = sys.stdout
        self.errors = 0
        self.started = time.monotonic()
        self._last_stats = (self.started, 0, 0)
        self.recorded: recording.Recorded | None = None

    def note(self, text: str) -> None:
        say(PROG, text)

    def run(self) -> int:
        try:
            self.engine.call(self.cmd, timeout=30)
        except EngineError as exc:
            self.note(str(exc))
            return 1
        view = self.engine.devices()[NAME]
        for side, side_view in (("frontend", view.frontend), ("backend", view.backend)):
            for ep in side_view.endpoints:
                verb = "bound" if ep.role == "bind" else "connecting to"
                self.note(f"{side} {side_view.type} {verb} {ep.resolved or ep.endpoint}")
        if self.args.record:
            try:  # from the first entry: what starting logged goes in too
                self.recorded = recording.Recorded(self.engine, [], self.args.record,
                                                   backlog=True, devices=[NAME])
            except EngineError as exc:
                self.note(str(exc))
                return 1
        try:  # a signal that comes the moment the line is out still gets the counters
            self.note(f"{view.kind} running (Ctrl+C stops)")
            code = self.follow(view)
        except (KeyboardInterrupt, _Terminated):
            if self.args.stats is not None:  # the counters are printed however it ends
                self.print_stats(view, time.monotonic(), final=True)
            self.finish_recording()
            raise
        if not self.finish_recording():
            code = code or 1
        return code

    def finish_recording(self) -> bool:
        """Stop the recording, if any, and wait for its file: False if anything was lost."""
        recorded, self.recorded = self.recorded, None
        return recorded is None or recorded.finish(self.note, verbose=self.args.verbose)

    def follow(self, view) -> int:
        ring, stats = view.log, view.stats
        args = self.args
        seq = ring.total  # what was logged while starting was said above
        gen = self.engine.generation
        last_crossed, last_change = self.crossed(stats), time.monotonic()
        interval = args.stats or 0
        next_stats = time.monotonic() + interval if interval else None
        while True:
            gen = self.engine.wait_for_change(gen, TICK)
            for entry in ring.since(seq):
                seq = entry[0] + 1
                self.show(view, entry)
            if seq < ring.first:
                self.note(f"{ring.first - seq} messages not printed (output too slow)")
                seq = ring.first
            now = time.monotonic()
            crossed = self.crossed(stats)
            if crossed != last_crossed:
                last_crossed, last_change = crossed, now
            if self.recorded is not None and self.recorded.check(self.note):
                last_change = now  # the device waits for the disk: not quiet
            if args.count is not None and crossed >= args.count:
                return self.finish(view, 0)
            if args.timeout is not None and now - last_change >= args.timeout:
                return self.finish(view, 0)
            if next_stats is not None and now >= next_stats:
                self.print_stats(view, now)
                next_stats = now + interval
            if not self.engine.running:
                self.note("the engine stopped")
                return 1

    @staticmethod
    def crossed(stats) -> int:
        return stats.f2b_msgs + stats.b2f_msgs

    def show(self, view, entry) -> None:
        kind_ = entry[2]
        if kind_ in MARKS:
            if self.args.tap:  # (a recording turns the engine's tap on without --tap)
                self.print_message(view, entry)
        elif kind_ == ERROR:
            self.errors += 1
            self.note(entry[4])
        elif kind_ == EVENT and self.args.verbose:
            side = view.side_of(entry[4].endpoint)
            self.note((f"{side}: " if side else "") + entry[4].describe())
        elif kind_ == INFO and self.args.verbose:
            self.note(str(entry[4]))

    def print_message(self, view, entry) -> None:
        fmt = self.args.format
        if fmt == "none":
            return
        if fmt == "jsonl":
            line = entry_to_json_line(entry, NAME, view.kind)
        else:
            line = message_text(entry[3], fmt, MARKS[entry[2]])
        self.out.write(line + "\n")
        self.out.flush()

    def print_stats(self, view, now: float, final: bool = False) -> None:
        s = view.stats
        if final:
            elapsed = max(now - self.started, 1e-9)
            f2b_rate, b2f_rate = s.f2b_msgs / elapsed, s.b2f_msgs / elapsed
            when = f"in {elapsed:.2f} s"
        else:
            at, f2b, b2f = self._last_stats
            elapsed = max(now - at, 1e-9)
            f2b_rate, b2f_rate = (s.f2b_msgs - f2b) / elapsed, (s.b2f_msgs - b2f) / elapsed
            when = f"after {now - self.started:.0f} s"
        self._last_stats = (now, s.f2b_msgs, s.b2f_msgs)
        parts = [f"{DIRECTION_WORDS[F2B]} {s.f2b_msgs:,} messages ({human_size(s.f2b_bytes)}, "
                 f"{_rate(f2b_rate)} msg/s)"]
        if KINDS[view.kind].both_ways:
            parts.append(f"{DIRECTION_WORDS[B2F]} {s.b2f_msgs:,} ({human_size(s.b2f_bytes)}, "
                         f"{_rate(b2f_rate)} msg/s)")
        tail = f"{s.refused} refused, {view.errors} errors"
        if view.waiting[0] or view.waiting[1]:
            tail += f", {sum(view.waiting)} waiting"
        self.note(f"{when}: " + "; ".join(parts) + f"; {tail}")

    def finish(self, view, code: int) -> int:
        if self.args.stats is not None:
            self.print_stats(view, time.monotonic(), final=True)
        if code == 0 and self.errors:
            return 1
        return code
