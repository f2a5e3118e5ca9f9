"""Devices: a streamer, forwarder or queue the engine runs between two sockets of its own.

The poller thread forwards in batches (``forwardpath``), counts each direction, writes the tap
into the device's log, and pauses, resumes, stops, restarts and injects on command. Nothing here
imports the engine itself: consumers need only these commands and views.
"""

from .commands import (
    DeviceClearLog,
    DeviceClose,
    DeviceCreate,
    DeviceInject,
    DevicePause,
    DeviceRecordStart,
    DeviceRecordStop,
    DeviceRename,
    DeviceRestart,
    DeviceResume,
    DeviceStop,
    DeviceTap,
)
from .spec import (
    BACKEND,
    DIRECTION_WORDS,
    FRONTEND,
    KINDS,
    Kind,
    check_sides,
    direction,
    endpoint_text,
    kind,
    parse_side,
    side_text,
)
from .state import INJECTED, PAUSED, RUNNING, STOPPED, DeviceStats, DeviceView

__all__ = [
    "BACKEND", "DIRECTION_WORDS", "FRONTEND", "INJECTED", "KINDS", "PAUSED", "RUNNING",
    "STOPPED", "DeviceClearLog", "DeviceClose", "DeviceCreate", "DeviceInject", "DevicePause",
    "DeviceRecordStart", "DeviceRecordStop", "DeviceRename", "DeviceRestart", "DeviceResume",
    "DeviceStats", "DeviceStop", "DeviceTap", "DeviceView", "Kind", "check_sides", "direction",
    "endpoint_text", "kind", "parse_side", "side_text",
]
