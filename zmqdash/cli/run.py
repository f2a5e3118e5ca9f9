"""``zmqdash run NAME|PATH``: a session without the dashboard, printing every event.

Every log entry of every socket and device (messages in and out, messages crossing a device
each way, monitor events, errors, notes) is printed as it happens, as a text line or a JSON
line, until Ctrl+C, ``--count`` messages received, or ``--timeout`` seconds with nothing new.
The loop sleeps in ``Engine.wait_for_change``, so it wakes the moment something happens and
costs nothing while nothing does.

Exit status: 0 when it ran and stopped as asked (Ctrl+C included); 1 when the session cannot be
loaded or set up, or ``--timeout`` ended the run before ``--count`` messages arrived; 2 for
usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from datetime import datetime
from typing import TextIO

from zmqdash.cli import argtypes, recording
from zmqdash.codec import entry_to_json_line, escape_text
from zmqdash.codec.entries import entry_text
from zmqdash.engine.flow import DEFAULT_WINDOW as FLOW_WINDOW
from zmqdash.entries import B2F, F2B, IN, KIND, SEQ, SIZE, TS

from .messages import say

PROG = "zmqdash run"
#: what --count counts: messages received, and messages that crossed a device
RECEIVED = frozenset({IN, F2B, B2F})

#: characters of payload shown per text line
TEXT_LIMIT = 500
#: the name shown for entries of the engine's own log
ENGINE_LOG = "(engine)"

EPILOG = """\
output:
  text lines:  TIME  SOCKET  KIND  DETAIL   (KIND: in, out, event, error, info, and
               for a device f>b and b>f, a message that crossed it frontend to
               backend or back; payloads shown in the socket's or device's format,
               always terminal-safe)
  --jsonl:     one JSON object per entry (socket, type, seq, ts, time, kind, then
               frames and size, or event details, or text; a device's records
               name the device and add the direction)

exit status:
  0  stopped as asked: Ctrl+C, --count reached, or --timeout with no --count
  1  the session could not be loaded or set up (one line on stderr per problem),
     or --timeout ended the run before --count messages arrived
  2  usage error

NAME is a saved session (see 'zmqdash sessions'); 'demo' is the built-in demo unless a
saved session has that name. PATH is any session file.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "run",
        help="run a session without the dashboard, printing every event",
        description="Run a saved session or a session file (its sockets and devices) "
                    "without the dashboard, printing every message in and out, message "
                    "crossing a device, monitor event and error as it happens.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("session", metavar="NAME|PATH", help="a saved session or a .toml file")
    parser.add_argument("--jsonl", action="store_true", help="print JSON lines instead of text")
    parser.add_argument("--count", type=argtypes.count, metavar="N",
                        help="stop after N messages received or crossing a device (all "
                             "together)")
    parser.add_argument("--timeout", type=argtypes.seconds, metavar="S",
                        help="stop after S seconds with nothing new")
    recording.add_argument(parser, "every socket's and device's")
    parser.set_defaults(func=main)
    return parser


def main(args: argparse.Namespace) -> int:
    return run(args.session, jsonl=args.jsonl, count=args.count, timeout=args.timeout,
               record=args.record)


def run(name_or_path: str, *, jsonl: bool = False, count: int | None = None,
        timeout: float | None = None, out: TextIO | None = None,
        err: TextIO | None = None, record: str | None = None) -> int:
    """Load the session, build it in a fresh engine and print its events. Returns the exit
    status. Ctrl+C (and SIGTERM) end the run cleanly."""
    from zmqdash.engine import Engine
    from zmqdash.session import SessionError, apply

    from .sessions import load_for_run

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        session, _path = load_for_run(name_or_path)
    except SessionError as exc:
        say(PROG, exc, err)
        return 1
    formats = {(sock.name, sock.type): sock.format for sock in session.sockets}
    formats.update({(dev.name, dev.kind): dev.format for dev in session.devices})
    # every socket takes no more than is printed: a slow reader of the output holds the
    # messages back in ZeroMQ's queues instead of losing them (see zmqdash.engine.flow)
    engine = Engine(flow_window=FLOW_WINDOW)
    with _stop_on_sigterm():
        try:
            engine.start()
            problems = apply(engine, session)
            if problems:
                where = _path or session.name
                for problem in problems:
                    say(PROG, f"{where}: {problem}", err)
                return 1
            printer = _Printer(out, jsonl, formats)
            recorded = None
            if record:
                from zmqdash.engine import EngineError

                try:  # from the first entry: what setting up logged goes in too
                    recorded = recording.Recorded(engine, list(engine.sockets()), record,
                                                  backlog=True, devices=list(engine.devices()))
                except EngineError as exc:
                    say(PROG, exc, err)
                    return 1
            code = _follow(engine, printer, count, timeout, err, recorded)
            if recorded is not None and not recorded.finish(lambda text: say(PROG, text, err)):
                code = code or 1
            return code
        except KeyboardInterrupt:
            return 0
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): stop quietly, and keep Python's exit-time
            # flush of stdout from failing again
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
            return 0
        finally:
            engine.stop()


def _follow(engine, printer: _Printer, count: int | None, timeout: float | None,
            err: TextIO, recorded=None) -> int:
    cursors: dict[int, int] = {}  # id(ring) -> next seq to print
    read: dict[int, int] = {}  # id(ring) -> bytes of the entries read from it
    hinted: set[tuple[str, str]] = set()  # (socket, hint) already said: each is said once
    received = 0
    generation = engine.generation
    last_new = time.monotonic()
    while True:
        batch = _new_entries(engine, cursors, err, read)
        if batch:
            last_new = time.monotonic()
            for _ts, name, type_, entry in batch:
                printer.entry(name, type_, entry)
                if entry[KIND] in RECEIVED:
                    received += 1
                    if count is not None and received >= count:
                        printer.flush()
                        return 0
            printer.flush()
        _say_hints(engine, hinted, err)
        if not engine.running:
            say(PROG, "the engine stopped", err)
            return 1
        if recorded is not None and recorded.check(lambda text: say(PROG, text, err)):
            last_new = time.monotonic()  # receiving waits for the disk: not quiet
        wait = None
        if timeout is not None:
            wait = last_new + timeout - time.monotonic()
            if wait <= 0:
                if count is not None:
                    say(PROG, f"nothing new for {timeout:g} s; {received} of {count} "
                        "messages received", err)
                    return 1
                return 0
        generation = engine.wait_for_change(generation, wait)


def _say_hints(engine, hinted: set[tuple[str, str]], err: TextIO) -> None:
    """Each socket's hints (why messages may be going missing) on ``err``, once each, when
    they first become true."""
    for view in engine.sockets().values():
        for hint in view.hints:
            if (view.name, hint.key) not in hinted:
                hinted.add((view.name, hint.key))
                say(PROG, f"{view.name}: hint: {hint.text}", err)


def _new_entries(engine, cursors: dict[int, int], err: TextIO,
                 read: dict[int, int] | None = None) -> list[tuple[float, str, str, tuple]]:
    """Everything logged since the last call, oldest first across all sockets, each socket
    told how far it was read (back-pressure). Entries that fell out of a ring before they
    could be read are counted on ``err``."""
    batch = []
    read = {} if read is None else read
    sources = [(ENGINE_LOG, "", engine.log, None)]
    sources += [(v.name, v.type, v.log, v) for v in engine.sockets().values()]
    # a device's tap is not held back: what falls out of its log is counted below
    sources += [(v.name, v.kind, v.log, None) for v in engine.devices().values()]
    for name, type_, ring, view in sources:
        key = id(ring)
        start = cursors.get(key, 0)
        entries = ring.since(start)
        lost = (entries[0][SEQ] if entries else ring.first) - start
        if lost > 0:
            say(PROG, f"{name}: {lost} entries fell out of the log before they could be "
                "printed", err)
            cursors[key] = start + lost
        if entries:
            cursors[key] = entries[-1][SEQ] + 1
            batch += [(e[TS], name, type_, e) for e in entries]
            if view is not None:
                read[key] = read.get(key, 0) + sum(e[SIZE] for e in entries)
                engine.consumed(view, cursors[key], read[key])
    batch.sort(key=lambda item: item[0])  # stable: one socket's entries keep their order
    return batch


class _Printer:
    def __init__(self, out: TextIO, jsonl: bool, formats: dict[tuple[str, str], str]) -> None:
        self.out = out
        self.jsonl = jsonl
        self.formats = formats  # by (name, type): a socket and a device may share a name
        self.width = max((len(name) for name, _ in formats), default=0)

    def entry(self, name: str, type_: str, entry: tuple) -> None:
        if self.jsonl:
            self.out.write(entry_to_json_line(entry, name, type_) + "\n")
        else:
            self.out.write(self.text_line(name, type_, entry) + "\n")

    def text_line(self, name: str, type_: str, entry: tuple) -> str:
        ts, kind = entry[TS], entry[KIND]
        stamp = datetime.fromtimestamp(ts).strftime("%H:%M:%S.%f")[:-3]
        detail = entry_text(entry, self.formats.get((name, type_), "auto"), TEXT_LIMIT)
        return f"{stamp}  {escape_text(name):<{self.width}}  {kind:<5}  {detail}"

    def flush(self) -> None:
        self.out.flush()


@contextlib.contextmanager
def _stop_on_sigterm():
    """Treat SIGTERM like Ctrl+C while running (only the main thread can set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


