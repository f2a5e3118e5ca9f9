"""A recording's file: log entries written to a JSON Lines file as they happen, by a writer
thread of the recording's own (the engine's part that starts and stops recordings is
:mod:`.record`).

The engine's thread hands every new entry of a recorded socket to :meth:`Recording.take` (a
batch of received messages at once, anything else as it is logged), which only appends to a
bounded buffer. The writer turns the entries into the lines an export writes
(:class:`~zmqdash.codec.JsonLines`) and writes them, so neither the engine nor a screen ever
waits for the disk.

When the disk cannot keep up the buffer fills. Past :data:`HIGH_WATER` entries (or
:data:`HIGH_WATER_BYTES`) :attr:`Recording.behind` turns on and the engine stops receiving
on the recorded sockets, so messages wait in ZeroMQ's queues (and the senders' high-water
marks hold them back) instead of being lost; once the writer is back under half of that it
calls ``on_drained`` and the engine receives again. Entries that do not come from receiving
(sent messages, events) are never held back; past twice the high-water mark they are counted
in :attr:`Recording.lost` rather than kept, and that is said when the recording stops.

Counters are plain ints, each written by one thread: ``taken``/``taken_bytes``/``lost`` by the
engine's; ``written``/``written_bytes``/``unwritten``/``error`` by the writer's.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TextIO

from .ring import SIZE, Entry

if TYPE_CHECKING:
    from ..codec import JsonLines

#: entries waiting for the disk before receiving pauses
HIGH_WATER = 100_000
#: bytes of frames waiting for the disk before receiving pauses
HIGH_WATER_BYTES = 64 << 20
#: how often the writer flushes what it wrote while entries keep coming, in seconds
FLUSH_EVERY = 0.5
#: the file's write buffer
BUFFER_SIZE = 1 << 20


class Recording:
    """One file being written from the log entries of one or more sockets."""

    def __init__(self, path: str, on_drained: Callable[[Recording], None] | None = None,
                 high_water: int | None = None, high_water_bytes: int | None = None) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))
        #: called from the writer's thread when it caught up after falling behind, and when
        #: it has closed the file
        self.on_drained = on_drained
        self.high_water = HIGH_WATER if high_water is None else high_water
        self.high_water_bytes = HIGH_WATER_BYTES if high_water_bytes is None else \
            high_water_bytes
        self.started = time.time()
        #: entries handed over by the engine, and their bytes
        self.taken = 0
        self.taken_bytes = 0
        #: entries written to the file, and their frames' bytes
        self.written = 0
        self.written_bytes = 0
        #: entries that could not be kept (the buffer was full twice over)
        self.lost = 0
        #: entries taken but never written because writing failed
        self.unwritten = 0
        #: times receiving was paused because the disk fell behind
        self.pauses = 0
        #: the buffer is over its high-water mark: the engine holds receiving back (set by the
        #: engine's thread, cleared by the writer's)
        self.behind = False
        #: why writing failed ("" while it works)
        self.error = ""
        #: the writer has closed the file (after :meth:`close`, or a failure)
        self.done = threading.Event()
        #: (the socket's JsonLines, entries) in the order they happened
        self._chunks: deque[tuple[JsonLines, Sequence[Entry]]] = deque()
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._opened: Future[Any] | None = None
        #: the file was opened (False: not yet, or it could not be)
        self.opened = False

    # -- the engine's thread ----------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Entries waiting for the disk (read from any thread: a moment's view)."""
        if self.done.is_set():
            return 0
        return max(0, self.taken - self.written - self.lost)

    def start(self, opened: Future[Any] | None = None) -> None:
        """Start the writer; ``opened`` is resolved with the path once the file is open (or
        failed with the reason it cannot be)."""
        self._opened = opened
        self._thread = threading.Thread(target=self._run, name="zmqdash-record", daemon=True)
        self._thread.start()

    def room(self) -> int:
        """How many received messages the buffer takes before its high-water mark (at least
        one): a batch of received messages never goes much past it, so what cannot be held
        back (sent messages, events) always finds room below twice the mark."""
        return max(1, self.high_water - (self.taken - self.written - self.lost))

    def take(self, lines: JsonLines, entries: Sequence[Entry], nbytes: int, held: bool) -> bool:
        """Queue ``entries`` (of the socket ``lines`` writes for, with ``nbytes`` of frames).
        ``held``: they were received (the engine can hold receiving back), so they are always
        kept. Returns :attr:`behind`."""
        if self._closing:
            return False
        n = len(entries)
        if not held and self.taken - self.written - self.lost >= 2 * self.high_water:
            self.lost += n
            return self.behind
        self._chunks.append((lines, entries))
        self.taken += n
        self.taken_bytes += nbytes
        if not self._wake.is_set():
            self._wake.set()
        if not self.behind and (self.taken - self.written - self.lost >= self.high_water
                                or self.taken_bytes - self.written_bytes
                                >= self.high_water_bytes):
            self.behind = True
            self.pauses += 1
            self._wake.set()  # the writer looks again, so it sees `behind` when it catches up
        return self.behind

    def close(self) -> None:
        """Take nothing more; the writer writes what is buffered and closes the file."""
        self._closing = True
        self._wake.set()

    # -- any thread -------------------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the file is closed; False if it still is not after ``timeout``."""
        return self.done.wait(timeout)

    def summary(self) -> str:
        """One line for the user: what was written, and anything that went wrong."""
        text = f"{self.written:,} entries written to {self.path}"
        if self.error:
            text += f"; writing failed: {self.error}"
            if self.unwritten:
                text += f" ({self.unwritten:,} entries not written)"
        if self.lost:
            text += f"; {self.lost:,} entries lost (the disk could not keep up)"
        if self.pauses:
            text += (f"; the disk fell behind {self.pauses:,} time"
                     f"{'s' if self.pauses != 1 else ''} and receiving waited for it")
        return text

    # -- the writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            out = open(self.path, "w", encoding="ascii", buffering=BUFFER_SIZE)  # noqa: SIM115
        except OSError as exc:  # the engine detaches it, then fails the command (see news)
            self.error = exc.strerror or str(exc)
            self._closing = True
            self._chunks.clear()
            self.done.set()
            self._drained()
            return
        self.opened = True
        settle(self._opened, result=self.path)
        last_flush = time.monotonic()
        try:
            while True:
                self._wake.wait(FLUSH_EVERY)
                self._wake.clear()  # before taking: an entry queued after this wakes us again
                closing = self._closing
                wrote = self._write_buffered(out)
                now = time.monotonic()
                if wrote and now - last_flush >= FLUSH_EVERY or not wrote:
                    out.flush()
                    last_flush = now
                if closing and not self._chunks:
                    break
        except OSError as exc:  # the disk is full, the file went away ...
            self.error = exc.strerror or str(exc)
            self._closing = True
            self.unwritten = self.taken - self.written - self.lost
            self._chunks.clear()
        finally:
            try:
                out.flush()
                try:
                    os.fsync(out.fileno())
                except OSError as exc:
                    if exc.errno not in (errno.EINVAL, errno.EROFS, errno.ENOTSUP):
                        raise  # a pipe, a terminal or /dev/null cannot be synced: fine
            except OSError as exc:
                self.error = self.error or exc.strerror or str(exc)
            except ValueError:
                pass  # closed already
            try:
                out.close()
            except OSError as exc:
                self.error = self.error or exc.strerror or str(exc)
            self.behind = False
            self.done.set()
            self._drained()

    def _write_buffered(self, out: TextIO) -> int:
        chunks = self._chunks
        wrote = 0
        while chunks:
            lines, entries = chunks.popleft()
            out.write(lines.lines(entries))
            self.written += len(entries)
            self.written_bytes += sum(e[SIZE] for e in entries)
            wrote += len(entries)
            self._caught_up()
        # and when there was nothing to write: the engine may have turned `behind` on just
        # after the last look, and waits for this to turn it off
        self._caught_up()
        return wrote

    def _caught_up(self) -> None:
        if self.behind and self.taken - self.written - self.lost <= self.high_water // 2 \
                and self.taken_bytes - self.written_bytes <= self.high_water_bytes // 2:
            self.behind = False
            self._drained()

    def _drained(self) -> None:
        if self.on_drained is not None:
            try:
                self.on_drained(self)
            except Exception:  # noqa: BLE001 - the engine may be stopping; nothing to do here
                pass


def settle(fut: Future[Any] | None, exc: BaseException | None = None,
           result: object = None) -> None:
    """Resolve ``fut`` unless it is done already (the writer and the engine may race)."""
    if fut is None or fut.done():
        return
    try:
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)
    except Exception:  # noqa: BLE001 - resolved meanwhile by the other thread
        pass
