"""Commands about devices, put on the engine's queue like the socket commands.

Each names its device by ``device`` (devices and sockets have names of their own). Errors come
back as :class:`~zmqdash.engine.errors.EngineError` and are also written in the device's log.
"""

from __future__ import annotations

from dataclasses import dataclass

Options = tuple[tuple[str, "str | int | bytes"], ...]


@dataclass(frozen=True)
class DeviceCreate:
    """Make a device and start it. ``frontend`` and ``backend`` are endpoint strings in the
    ``@bind`` / ``>connect`` syntax (see :mod:`.spec`), each possibly comma-separated. ``tap``
    writes every message that crosses into the device's log. Options are set on that side's
    socket before any bind or connect.

    If a bind or connect fails, the device is kept, stopped, with the reason (a restart tries
    again), and the command fails with that reason."""

    device: str
    kind: str
    frontend: tuple[str, ...]
    backend: tuple[str, ...]
    tap: bool = True
    frontend_options: Options = ()
    backend_options: Options = ()


@dataclass(frozen=True)
class DevicePause:
    """Stop forwarding; messages wait in ZeroMQ's queues (up to the high-water marks)."""

    device: str


@dataclass(frozen=True)
class DeviceResume:
    """Forward again, what waited first, in order."""

    device: str


@dataclass(frozen=True)
class DeviceStop:
    """Close both sockets (their endpoints are let go; what was queued in them is lost)."""

    device: str


@dataclass(frozen=True)
class DeviceRestart:
    """Make both sockets again, with the same endpoints and options, and run (from any state)."""

    device: str


@dataclass(frozen=True)
class DeviceInject:
    """Send a message into one direction (``f>b``: out of the backend, as if it had come in on
    the frontend; ``b>f``: out of the frontend), whether running or paused."""

    device: str
    direction: str
    frames: tuple[bytes, ...]


@dataclass(frozen=True)
class DeviceTap:
    """Write (or stop writing) every message that crosses into the log."""

    device: str
    on: bool


@dataclass(frozen=True)
class DeviceRename:
    device: str
    new_name: str


@dataclass(frozen=True)
class DeviceClearLog:
    """Forget the device's log entries (counters stay)."""

    device: str


@dataclass(frozen=True)
class DeviceRecordStart:
    """Record what crosses the device (each message with its direction), and its events, as
    JSON lines to ``path`` (replaced), the records a socket's recording writes. The tap is
    turned on for it. Result: the absolute path, once the file is open."""

    device: str
    path: str
    backlog: bool = False


@dataclass(frozen=True)
class DeviceRecordStop:
    """Stop recording the device. Result: the :class:`~zmqdash.engine.recording.Recording`
    (``wait()`` for the file to be complete)."""

    device: str


@dataclass(frozen=True)
class DeviceClose:
    """Stop the device and forget it."""

    device: str


DeviceCommand = (
    DeviceCreate | DevicePause | DeviceResume | DeviceStop | DeviceRestart | DeviceInject
    | DeviceTap | DeviceRename | DeviceClearLog | DeviceRecordStart | DeviceRecordStop
    | DeviceClose
)
