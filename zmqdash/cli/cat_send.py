"""``zmqdash cat``'s sending: the --send messages, then standard input line by line, on a
thread of its own so that a blocking stdin never stalls printing."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import TYPE_CHECKING

from ..codec import (
    CodecError,
    parse_message,
    split_frames,
)
from ..codec.entries import entry_text
from ..engine import (
    EngineError,
)
from ..engine import commands as C
from ..engine.send import OUTBOX_LIMIT
from ..engine.socket_types import STARTS
from ..engine.state import ATTACHED
from .cat_plan import NAME, PROG, SEND_BATCH, TICK
from .messages import say

if TYPE_CHECKING:
    from ..engine import Engine
    from .cat_plan import Plan


def _stdin_batches():
    """Lists of lines of standard input, as many as each read brings, read with os.read: a
    thread blocked here holds no lock of sys.stdin's buffer, so the interpreter can exit while
    it waits (a buffered read cannot)."""
    fd = sys.stdin.fileno() if sys.stdin is not None else -1
    if fd < 0:
        return
    head: list[bytes] = []  # the start of a line longer than one read (kept, not re-copied)
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        if b"\n" not in chunk:
            head.append(chunk)
            continue
        lines = chunk.split(b"\n")
        if head:
            lines[0] = b"".join([*head, lines[0]])
        last = lines.pop()  # after the last line feed: the start of the next line
        head = [last] if last else []
        yield lines
    if head:
        yield [b"".join(head)]


class Sending:
    """The sending half of a ``zmqdash cat`` run (a part of :class:`~.cat._Session`, which
    sets these up)."""

    engine: Engine
    plan: Plan
    args: argparse.Namespace
    errors: int
    sender_done: threading.Event
    #: why sending stopped; ``send_logged``: the engine put the same words in the log
    send_failed: str | None
    send_logged: bool
    #: stdin was read to its end (or was not to be read at all)
    input_done: bool
    #: PUB: messages sent while no peer was connected
    unheard: int
    #: a connecting socket without immediate: messages that went into libzmq's queue while no
    #: peer was connected, since the peers' connection count was ``blind_mark``
    blind: int
    blind_mark: int
    waiting_peer: bool  # --wait-peer: the sender is waiting for one

    def note(self, text: str) -> None:
        say(PROG, text)

    def note_entry(self, entry: tuple) -> None:
        """A log entry (an error, an event) on standard error, as every log shows it."""
        say(PROG, entry_text(entry), escaped=True)

    def wants_stdin(self) -> bool:
        return not self.args.no_stdin and self.plan.type in STARTS

    def sender(self) -> None:
        try:
            if self.args.wait_peer and not self.wait_for_peer():
                return
            if not self.send_all(self.plan.messages):
                return
            if self.wants_stdin():
                for lines in _stdin_batches():
                    messages = [m for m in map(self.message_from_line, lines) if m is not None]
                    if not self.send_all(messages):
                        return
            self.input_done = True
        except Exception as exc:  # report, never hang the main loop
            self.fail(f"sending stopped: {exc or type(exc).__name__}")
        finally:
            self.sender_done.set()

    def fail(self, text: str, logged: bool = False) -> None:
        if self.send_failed is None:
            self.send_logged = logged
            self.send_failed = text

    def wait_for_peer(self) -> bool:
        """Wait for a peer, at most --timeout; False (and why) if none came."""
        view = self.engine.view(NAME)
        gen = self.engine.generation
        timeout = self.args.timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        self.waiting_peer = True
        while not any(ep.peers for ep in view.endpoints):
            if deadline is not None and time.monotonic() >= deadline:
                n = len(self.plan.messages)
                what = f"not sent: {n} --send message{'s' if n != 1 else ''}" if n else ""
                if self.wants_stdin():
                    what += ("; " if what else "") + "standard input was not read"
                self.fail(f"{what}: no peer connected within {timeout:g} s")
                return False
            gen = self.engine.wait_for_change(gen, TICK)
        self.waiting_peer = False
        return True

    def message_from_line(self, raw: bytes) -> list[bytes] | None:
        """The frames of one stdin line (None: skipped, and said why)."""
        line = raw.rstrip(b"\n").removesuffix(b"\r")
        if not (self.args.stdin_codec or self.args.split):
            return [line]
        text = line.decode("utf-8", errors="surrogateescape")
        try:
            if self.args.stdin_codec:
                return parse_message(text, self.args.split)
            return [p.encode("utf-8", errors="surrogateescape")
                    for p in split_frames(text, self.args.split)]
        except CodecError as exc:
            self.note(f"stdin line skipped: {exc}")
            self.errors += 1
            return None

    def send_all(self, messages: list[list[bytes]]) -> bool:
        """Hand messages to the engine in order, many per command; while its outbox is full
        (a peer is slow or not there yet) wait, at most --timeout with none leaving. False when
        sending must stop (and why is set)."""
        engine = self.engine
        view = engine.view(NAME)
        if self.plan.type == "REQ":  # one request at a time: each waits for its reply
            for frames in messages:
                gen = engine.generation
                while view.awaiting_reply:
                    gen = engine.wait_for_change(gen, TICK)
                try:
                    engine.call(C.Send(NAME, tuple(frames)), timeout=30)
                except EngineError as exc:  # the engine logged it: printed from the log
                    self.fail(str(exc), logged=True)
                    return False
            return True
        done = 0
        while done < len(messages):
            if not self.room(view):
                return False
            batch = tuple(tuple(m) for m in messages[done:done + SEND_BATCH])
            # attached (inproc, multicast): no connection events, so no telling who listens
            connections = connections_of(view)
            connected = any(ep.peers or ep.state == ATTACHED for ep in view.endpoints)
            went = view.stats.msgs_out
            accepted, error = engine.call(C.SendMany(NAME, batch), timeout=30)
            if not connected and self.plan.type == "PUB":
                self.unheard += accepted
            elif not connected and not self.plan.immediate:
                if connections != self.blind_mark:  # a peer came since: it took those
                    self.blind, self.blind_mark = 0, connections
                self.blind += view.stats.msgs_out - went
            done += accepted
            if error:  # the engine logged it: printed from the log
                self.fail(error, logged=True)
                return False
        return True

    def room(self, view) -> bool:
        """Wait until the engine's outbox has room; give up after --timeout with no message
        leaving it."""
        if view.pending < OUTBOX_LIMIT:
            return True
        timeout = self.args.timeout
        gen = self.engine.generation
        last, since = view.pending, time.monotonic()
        while view.pending >= OUTBOX_LIMIT:
            if view.pending < last:
                last, since = view.pending, time.monotonic()
            elif timeout is not None and time.monotonic() - since >= timeout:
                self.fail(f"{self.undelivered(view.pending)} within {timeout:g} s; the rest of "
                          "standard input was not read")
                return False
            gen = self.engine.wait_for_change(gen, TICK)
        return True

    def never_connected(self, view) -> str:
        """What went into libzmq's queue while no peer was connected, if none has come since
        (closing the socket drops it: libzmq has no peer to give it to)."""
        if not self.blind or connections_of(view) != self.blind_mark:
            return ""
        n = self.blind
        return (f"{n} message{'s' if n != 1 else ''} not delivered: no peer connected to "
                f"take {'them' if n != 1 else 'it'}")

    @staticmethod
    def undelivered(n: int) -> str:
        return (f"{n} message{'s' if n != 1 else ''} not delivered: no peer took "
                f"{'them' if n != 1 else 'it'}")



def connections_of(view) -> int:
    """How many times a peer has come to any of the socket's endpoints."""
    return sum(ep.connections for ep in view.endpoints)
