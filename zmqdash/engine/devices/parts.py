"""What the rooms of the device table share, declared once: the state
:class:`~.table.DeviceTable` sets up, and the few methods one room calls in another (each
defined in the room its comment names). Every room derives from :class:`DeviceParts`, so a
type checker sees the whole table from inside any of them; at run time this class holds
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core import Engine
    from .device_record import DeviceRecord
    from .state import DeviceView


class DeviceParts:
    """The device table's shared state and its rooms' calls to each other (for the type
    checker)."""

    engine: Engine
    #: what consumers read: the devices by name, replaced whole on every structural change
    views: dict[str, DeviceView]
    _devices: dict[str, DeviceRecord]

    if TYPE_CHECKING:
        # table.py
        def _get(self, name: str) -> DeviceRecord: ...
        def _error(self, d: DeviceRecord, text: str) -> None: ...
        def _info(self, d: DeviceRecord, text: str) -> None: ...
        def _changed(self, d: DeviceRecord) -> None: ...

        # sockets.py
        def _start(self, d: DeviceRecord, again: bool = False) -> None: ...
        def _close_sockets(self, d: DeviceRecord) -> int: ...

        # forwarding.py
        def _update_poll(self, d: DeviceRecord) -> None: ...
        def _ready(self, d: DeviceRecord, i: int) -> None: ...
        def _pump(self, d: DeviceRecord, di: int) -> None: ...
        def _crossed(self, d: DeviceRecord, di: int, frames: Sequence[bytes],
                     meta: str | None) -> None: ...
        def _waiting(self, d: DeviceRecord) -> None: ...
