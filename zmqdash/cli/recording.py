"""``--record FILE`` for ``zmqdash cat``, ``run`` and ``proxy``: every log entry of the sockets
(and what crosses the devices), as the JSON lines an export writes, written off the main loop
by the engine's recorder."""

from __future__ import annotations

from ..engine import EngineError
from ..engine import commands as C

#: how long the end of a command waits for the recording's file to be complete
FINISH_WAIT = 30.0


def add_argument(parser, what: str = "the socket's") -> None:
    parser.add_argument(
        "--record", metavar="FILE", default=None,
        help=f"also write every entry of {what} log (messages in and out, events, errors) to "
        "FILE as JSON lines, the records an export writes (the file is replaced); if the disk "
        "cannot keep up, receiving waits for it and that is said")


class Recorded:
    """A recording started for a command: say when the disk falls behind, and how it ended."""

    def __init__(self, engine, names: list[str], path: str, backlog: bool = False,
                 devices: list[str] | tuple[str, ...] = ()) -> None:
        """Start recording the sockets ``names`` and the ``devices`` into ``path`` (raises
        EngineError, in words for the user)."""
        self.engine = engine
        self.names = names
        self.devices = tuple(devices)
        self.path = engine.call(C.RecordStart(names[0] if names else "", path,
                                              more=tuple(names[1:]), backlog=backlog,
                                              devices=self.devices), timeout=10)
        self.recording = (engine.view(names[0]) if names else
                          engine.devices()[self.devices[0]]).recording
        self._said = 0

    def check(self, note) -> bool:
        """``note(text)`` once when the disk first falls behind. True while receiving waits
        for the disk (a wait for messages should not count that time as quiet)."""
        rec = self.recording
        if rec is None:
            return False
        if rec.pauses and not self._said:
            self._said = rec.pauses
            note(f"recording: {rec.path}: the disk is not keeping up; receiving waits for it, "
                 "nothing is lost")
        return rec.behind

    def finish(self, note, verbose: bool = False) -> bool:
        """Stop, wait for the file, and say what was written when ``verbose`` or anything went
        wrong. False if anything was lost or could not be written."""
        rec = self.recording
        if self.names:
            stop: object = C.RecordStop(self.names[0])
        else:
            from ..engine.devices import DeviceRecordStop

            stop = DeviceRecordStop(self.devices[0])
        try:
            self.engine.call(stop, timeout=10)
        except EngineError:
            pass  # the socket was closed already, which stopped the recording
        if rec is None:
            return True
        if not rec.wait(FINISH_WAIT):
            note(f"recording: {rec.path} is still being written after {FINISH_WAIT:g} s; "
                 f"{rec.written:,} entries written so far")
            return False
        ok = not rec.error and not rec.lost and not rec.unwritten
        if verbose or not ok:
            note(f"recording: {rec.summary()}")
        return ok
