"""Recording: sockets' log entries (and devices': what crosses them, with its direction)
written to a JSON Lines file as they happen. :class:`Recorder` is the engine's part that
starts and stops recordings and hands each recorded socket's new entries to its
:class:`~.recording.Recording` (the file, its buffer and its writer thread). A device takes
part as a :class:`RecordTarget`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias, cast

from .recording import Recording, settle
from .ring import SIZE, Entry, Ring

if TYPE_CHECKING:
    from ..codec import JsonLines
    from . import commands as C
    from .core import Engine
    from .loop import Handlers
    from .socket_record import SocketRecord


class RecordNews:
    """Internal: a recording's writer has news for the engine (caught up, or finished)."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.name = None  # not a user's command


class RecordedView(Protocol):
    """What the recorder reads and sets on the view of what it records."""

    log: Ring
    recording: Recording | None
    closed: bool


class RecordTarget:
    """What can be recorded besides a socket (a device): the attributes the recorder reads and
    sets on a socket's engine record, and what it asks the engine to do for a socket, done by
    the target itself. ``recv_paused`` set to True holds receiving back (the target stops
    reading its sources) until it is set to False."""

    recording: Recording | None = None
    record_lines: JsonLines | None = None
    recv_paused: bool = False

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def type(self) -> str:
        """What its JSON lines call its type (a device's kind)."""
        raise NotImplementedError

    @property
    def view(self) -> RecordedView:
        raise NotImplementedError

    def info(self, text: str) -> None:
        raise NotImplementedError

    def error(self, text: str) -> None:
        raise NotImplementedError

    def update_poll(self) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        raise NotImplementedError


#: what the recorder records: a socket's engine record, or a target that acts for itself
Recorded: TypeAlias = "SocketRecord | RecordTarget"


class Recorder:
    """The engine's recording part: the RecordStart and RecordStop commands, and handing each
    recorded socket's entries to its :class:`Recording` (on the engine's thread only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: recording -> the sockets (engine records) it takes entries from
        self.active: dict[Recording, list[Recorded]] = {}

    def handlers(self) -> Handlers:
        from . import commands as C

        return {C.RecordStart: self.start, C.RecordStop: self.stop, RecordNews: self.news}

    # -- commands ---------------------------------------------------------------------------------

    def start(self, cmd: C.RecordStart) -> object:
        """RecordStart: the sockets it names, and its ``devices`` (their tap), in one file."""
        from .errors import EngineError

        engine = self.engine
        names = tuple(name for name in (cmd.name, *cmd.more) if name)
        socks: list[Recorded] = [engine._get(name) for name in dict.fromkeys(names)]
        socks += [engine._devices.record_target(name) for name in dict.fromkeys(cmd.devices)]
        if not socks:
            raise EngineError("nothing to record: name a socket or a device")
        return self.begin(socks, cmd.path, cmd.backlog)

    def begin(self, socks: list[Recorded], path: str, backlog: bool = False) -> object:
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

    def stop(self, cmd: C.RecordStop) -> Recording:
        """Stop the recording socket ``cmd.name`` is part of; the result is the
        :class:`Recording` (its ``wait()`` returns once the file is complete)."""

        return self.end(self.engine._get(cmd.name))

    def end(self, s: Recorded) -> Recording:
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

            settle(rec._opened, EngineError(text))
            return
        if not rec.behind:
            for s in socks:
                if s.recv_paused:
                    s.recv_paused = False
                    self._update_poll(s)

    # -- the engine's hooks -----------------------------------------------------------------------

    def received(self, s: Recorded, ring: Ring, start: int, nbytes: int) -> None:
        """Entries ``start`` to ``ring.total`` were just received into ``ring`` (not trimmed
        yet, and fewer than its capacity): hand them over, and hold receiving back if the
        writer is behind."""
        rec, lines = s.recording, s.record_lines
        assert rec is not None and lines is not None  # called only while s is recorded
        slots, cap, _, _ = ring.writable()
        # the slots from start to the total hold the entries just written
        entries = cast("list[Entry]", [slots[i % cap] for i in range(start, ring.total)])
        if rec.take(lines, entries, nbytes, True) and not s.recv_paused:
            self._hold(s, rec)

    def close_socket(self, s: Recorded) -> None:
        rec = s.recording
        if rec is None:
            return
        socks = self.active.get(rec, [])
        self._detach(s)
        if s in socks:
            socks.remove(s)
        if not socks:
            self._finish(rec)

    def renamed(self, s: Recorded) -> None:
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
            settle(rec._opened, EngineError("the engine stopped before the recording's file "
                                             "was open"))

    # -- helpers ----------------------------------------------------------------------------------

    def _attach(self, s: Recorded, rec: Recording) -> None:
        from ..codec import JsonLines

        s.recording = rec
        s.record_lines = JsonLines(s.name, s.type)
        s.view.recording = rec

        def tap(entry: Entry, s: Recorded = s, rec: Recording = rec) -> None:
            lines = s.record_lines
            assert lines is not None  # the tap goes before the lines do (_detach)
            rec.take(lines, (entry,), entry[SIZE], False)

        s.view.log.tap = tap
        self._changed(s)

    def _detach(self, s: Recorded) -> None:
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

    def _hold(self, s: Recorded, rec: Recording) -> None:
        s.recv_paused = True
        self._update_poll(s)
        if rec.pauses == 1:
            self._info(s, "recording: the disk is not keeping up, so receiving waits for it "
                          "(messages wait in ZeroMQ's queues, none is lost)")

    # what the engine does for a socket, a RecordTarget does itself

    def _info(self, s: Recorded, text: str) -> None:
        if isinstance(s, RecordTarget):
            s.info(text)
        else:
            self.engine._info(s, text)

    def _error(self, s: Recorded, text: str) -> None:
        if isinstance(s, RecordTarget):
            s.error(text)
        else:
            self.engine._error(s, text)

    def _update_poll(self, s: Recorded) -> None:
        if isinstance(s, RecordTarget):
            s.update_poll()
        else:
            self.engine._update_poll(s)

    def _changed(self, s: Recorded) -> None:
        if isinstance(s, RecordTarget):
            s.changed()
        else:
            self.engine._changed.add(s.name)

    def _news_from_writer(self, rec: Recording) -> None:
        """The writer's thread: hand the news to the engine's."""
        self.engine._post(RecordNews(rec), None)
