"""Recording a device: what crosses it (its tap), with each message's direction, and its
events, written by the engine's recorder (:mod:`..record`) as a socket's recording is. The
recorder sees a device as a :class:`~..record.RecordTarget`, :class:`RecordedDevice`."""

from __future__ import annotations

from ..errors import EngineError
from ..record import RecordTarget
from ..recording import Recording
from . import commands as C
from .device_record import DeviceRecord
from .parts import DeviceParts
from .state import DeviceView


class RecordedDevice(RecordTarget):
    """A device as the engine's recorder sees it: its log (the tap) is what is recorded, and
    while the recording's disk falls behind (``recv_paused``) the device reads neither side,
    so messages wait in ZeroMQ's queues as for a recorded socket."""

    def __init__(self, table: DeviceParts, d: DeviceRecord) -> None:
        self.table = table
        self.device = d
        self.recording = None
        self.record_lines = None
        self._held = False

    @property
    def name(self) -> str:
        return self.device.name

    @property
    def type(self) -> str:
        return self.device.kind.name

    @property
    def view(self) -> DeviceView:
        return self.device.view

    @property
    def recv_paused(self) -> bool:
        return self._held

    @recv_paused.setter
    def recv_paused(self, held: bool) -> None:
        was, self._held = self._held, bool(held)
        if was and not held:  # what waited for the disk goes across now
            for di in range(len(self.device.kind.directions)):
                self.table._pump(self.device, di)

    def info(self, text: str) -> None:
        self.table._info(self.device, text)

    def error(self, text: str) -> None:
        self.table._error(self.device, text)

    def update_poll(self) -> None:
        if not self.device.view.closed:
            self.table._update_poll(self.device)

    def changed(self) -> None:
        self.table._changed(self.device)


class DeviceRecording(DeviceParts):
    """The device record commands (a room of :class:`~.table.DeviceTable`)."""

    def record_target(self, name: str) -> RecordedDevice:
        """What the engine's recorder records of the device ``name``; its tap goes on, since
        the recording is made of the tap's entries."""
        d = self._get(name)
        if d.rec is None:
            d.rec = RecordedDevice(self, d)
        if not d.view.tap:
            d.view.tap = True
            self._info(d, "tap on: a recording is made of what the tap logs")
            self._changed(d)
        return d.rec

    def _record_start(self, cmd: C.DeviceRecordStart) -> object:
        d = self._get(cmd.device)
        if d.view.recording is not None:
            raise EngineError(f"{d.name} is being recorded already, to "
                              f"{d.view.recording.path}")
        return self.engine._recorder.begin([self.record_target(d.name)], cmd.path,
                                           cmd.backlog)

    def _record_stop(self, cmd: C.DeviceRecordStop) -> Recording:
        d = self._get(cmd.device)
        if d.rec is None or d.rec.recording is None:
            raise EngineError(f"{d.name} is not being recorded")
        return self.engine._recorder.end(d.rec)
