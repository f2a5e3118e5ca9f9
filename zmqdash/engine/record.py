"""Recording: sockets' log entries (and devices': what crosses them, with its direction)
written to a JSON Lines file as they happen. A device takes part as a :class:`RecordTarget`.

The engine's thread hands every new entry of a recorded socket to :meth:`Recording.take` (a
batch of received messages at once, anything else as it is logged), which only appends to a
bounded buffer. A writer thread of the recording's own turns the entries into the lines an
export writes (:class:`~zmqdash.codec.JsonLines`) and writes them, so neither the engine nor a
screen ever waits for the disk.

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
from collections.abc import Callable
from concurrent.futures import Future

from .ring import SIZE

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
        self._chunks: deque = deque()  # (JsonLines, entries) in the order they happened
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._opened: Future | None = None
        #: the file was opened (False: not yet, or it could not be)
        self.opened = False

    # -- the engine's thread ----------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Entries waiting for the disk (read from any thread: a moment's view)."""
        if self.done.is_set():
            return 0
        return max(0, self.taken - self.written - self.lost)

    def start(self, opened: Future | None = None) -> None:
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

    def take(self, lines, entries: list | tuple, nbytes: int, held: bool) -> bool:
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
        _settle(self._opened, result=self.path)
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

    def _write_buffered(self, out) -> int:
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


class RecordNews:
    """Internal: a recording's writer has news for the engine (caught up, or finished)."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.name = None  # not a user's command


class RecordTarget:
    """What can be recorded besides a socket (a device): the attributes the recorder reads and
    sets on a socket's engine record, and what it asks the engine to do for a socket, done by
    the target itself. ``recv_paused`` set to True holds receiving back (the target stops
    reading its sources) until it is set to False."""

    name: str
    type: str  # what its JSON lines call its type (a device's kind)
    view: object  # with ``log`` (a Ring), ``recording`` and ``closed``
    recording: Recording | None = None
    record_lines = None
    recv_paused: bool = False

    def info(self, text: str) -> None:
        raise NotImplementedError

    def error(self, text: str) -> None:
        raise NotImplementedError

    def update_poll(self) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        raise NotImplementedError


class Recorder:
    """The engine's recording part: the RecordStart and RecordStop commands, and handing each
    recorded socket's entries to its :class:`Recording` (on the engine's thread only)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        #: recording -> the sockets (engine records) it takes entries from
        self.active: dict[Recording, list] = {}

    def handlers(self) -> dict:
        from . import commands as C

        return {C.RecordStart: self.start, C.RecordStop: self.stop, RecordNews: self.news}

    # -- commands ---------------------------------------------------------------------------------

    def start(self, cmd):
        """RecordStart: the sockets it names, and its ``devices`` (their tap), in one file."""
        from .errors import EngineError

        engine = self.engine
        names = tuple(name for name in (cmd.name, *cmd.more) if name)
        socks = [engine._get(name) for name in dict.fromkeys(names)]
        socks += [engine._devices.record_target(name)
                  for name in dict.fromkeys(getattr(cmd, "devices", ()))]
        if not socks:
            raise EngineError("nothing to record: name a socket or a device")
        return self.begin(socks, cmd.path, cmd.backlog)

    def begin(self, socks: list, path: str, backlog: bool = False):
        """Record ``socks`` (sockets' engine records, or :class:`RecordTarget`) to ``path``."""
        from .errors import EngineError

        engine = self.engine
        if not str(path).strip():
            raise EngineError("a recording needs a file name")
        for s in socks:
            if s.recording is not None:
                raise EngineError(f"{s.name} is being recorded already, to {s.recording.path}")
        rec = Recording(str(path).strip(), on_drained=self._news_from_writer)
        self.active[rec] = socks
        for s in socks:
            if backlog:
                entries = s.view.log.since(s.view.log.first)
                if entries:
                    from ..codec import JsonLines

                    rec.take(JsonLines(s.name, s.type), entries, sum(e[SIZE] for e in entries),
                             True)
            self._info(s, f"recording to {rec.path}")
            self._attach(s, rec)
        rec.start(engine._current)
        return engine.LATER if engine._current is not None else rec.path

    def stop(self, cmd) -> Recording:
        """Stop the recording socket ``cmd.name`` is part of; the result is the
        :class:`Recording` (its ``wait()`` returns once the file is complete)."""

        return self.end(self.engine._get(cmd.name))

    def end(self, s) -> Recording:
        """Stop the recording ``s`` (a socket's record or a :class:`RecordTarget`) is part
        of."""
        from .errors import EngineError

        rec = s.recording
        if rec is None:
            raise EngineError(f"{s.name} is not being recorded")
        self._finish(rec)
        return rec

    def news(self, cmd: RecordNews) -> None:
        rec = cmd.recording
        socks = self.active.get(rec)
        if socks is None:
            return
        if rec.done.is_set():  # the writer ended by itself: it failed
            self._finish(rec, quiet=True)
            if rec.opened:
                text = f"recording stopped: {rec.summary()}"
            else:
                text = f"cannot record to {rec.path}: {rec.error}"
            for s in socks:
                if not s.view.closed:
                    self._error(s, text)
            from .errors import EngineError

            _settle(rec._opened, EngineError(text))
            return
        if not rec.behind:
            for s in socks:
                if s.recv_paused:
                    s.recv_paused = False
                    self._update_poll(s)

    # -- the engine's hooks -----------------------------------------------------------------------

    def received(self, s, ring, start: int, nbytes: int) -> None:
        """Entries ``start`` to ``ring.total`` were just received into ``ring`` (not trimmed
        yet, and fewer than its capacity): hand them over, and hold receiving back if the
        writer is behind."""
        slots, cap, _, _ = ring.writable()
        entries = [slots[i % cap] for i in range(start, ring.total)]
        if s.recording.take(s.record_lines, entries, nbytes, True) and not s.recv_paused:
            self._hold(s)

    def close_socket(self, s) -> None:
        rec = s.recording
        if rec is None:
            return
        socks = self.active.get(rec, [])
        self._detach(s)
        if s in socks:
            socks.remove(s)
        if not socks:
            self._finish(rec)

    def renamed(self, s) -> None:
        if s.recording is not None:
            from ..codec import JsonLines

            s.record_lines = JsonLines(s.name, s.type)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Finish every recording and wait (up to ``timeout`` in all) for the files."""
        import time as _time

        from .errors import EngineError

        recs = list(self.active)
        for rec in recs:
            self._finish(rec, quiet=True)
        deadline = _time.monotonic() + timeout
        for rec in recs:
            rec.wait(max(0.0, deadline - _time.monotonic()))
            _settle(rec._opened, EngineError("the engine stopped before the recording's file "
                                             "was open"))

    # -- helpers ----------------------------------------------------------------------------------

    def _attach(self, s, rec: Recording) -> None:
        from ..codec import JsonLines

        s.recording = rec
        s.record_lines = JsonLines(s.name, s.type)
        s.view.recording = rec

        def tap(entry, s=s, rec=rec) -> None:
            rec.take(s.record_lines, (entry,), entry[SIZE], False)

        s.view.log.tap = tap
        self._changed(s)

    def _detach(self, s) -> None:
        s.view.log.tap = None
        s.recording = None
        s.record_lines = None
        s.view.recording = None
        if s.recv_paused:
            s.recv_paused = False
            if not s.view.closed:
                self._update_poll(s)
        self._changed(s)

    def _finish(self, rec: Recording, quiet: bool = False) -> None:
        socks = self.active.pop(rec, [])
        for s in socks:
            if s.recording is rec:
                self._detach(s)
        rec.close()
        if not quiet:
            for s in socks:
                if not s.view.closed:
                    self._info(s, f"recording stopped: {rec.path}")

    def _hold(self, s) -> None:
        s.recv_paused = True
        self._update_poll(s)
        if s.recording.pauses == 1:
            self._info(s, "recording: the disk is not keeping up, so receiving waits for it "
                          "(messages wait in ZeroMQ's queues, none is lost)")

    # what the engine does for a socket, a RecordTarget does itself

    def _info(self, s, text: str) -> None:
        if isinstance(s, RecordTarget):
            s.info(text)
        else:
            self.engine._info(s, text)

    def _error(self, s, text: str) -> None:
        if isinstance(s, RecordTarget):
            s.error(text)
        else:
            self.engine._error(s, text)

    def _update_poll(self, s) -> None:
        if isinstance(s, RecordTarget):
            s.update_poll()
        else:
            self.engine._update_poll(s)

    def _changed(self, s) -> None:
        if isinstance(s, RecordTarget):
            s.changed()
        else:
            self.engine._changed.add(s.name)

    def _news_from_writer(self, rec: Recording) -> None:
        """The writer's thread: hand the news to the engine's."""
        self.engine._post(RecordNews(rec), None)


def _settle(fut: Future | None, exc: BaseException | None = None, result=None) -> None:
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
