"""The engine-side record of one device: its two sockets while it runs, the outbox of each
direction, what a forwarder saw of its subscriptions, and the ports its wildcard binds got.
Touched only by the poller thread; consumers read the :class:`~.state.DeviceView` it holds."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..ring import B2F, F2B, Ring
from . import spec

if TYPE_CHECKING:
    from ..socket_record import SocketRecord
    from . import commands as C
    from .record import RecordedDevice
    from .state import DeviceView, Endpoints

#: a direction by index: 0 goes frontend -> backend (read side 0, write side 1), 1 the other way
DIRS = (F2B, B2F)
SIDES = (spec.FRONTEND, spec.BACKEND)

#: a message waiting in an outbox: its frames, and the tap entry's meta (INJECTED or None)
Waiting = tuple[Sequence[bytes], str | None]


class DeviceRecord:
    """Engine-side record of one device (touched only by the poller thread)."""

    def __init__(self, kind: spec.Kind, cmd: C.DeviceCreate, view: DeviceView,
                 endpoints: tuple[Endpoints, Endpoints]) -> None:
        self.kind = kind
        self.cmd = cmd
        self.view = view
        self.endpoints = endpoints  # per side
        #: the engine's record of each side's socket, while started
        self.socks: list[SocketRecord | None] = [None, None]
        self.outbox: tuple[deque[Waiting], deque[Waiting]] = (deque(), deque())  # per direction
        #: where a forwarder's subscriptions are seen when the tap is off
        self.scratch: Ring | None = None
        self.subs: dict[bytes, None] = {}
        #: (side, wildcard bind) -> the endpoint it got, bound again on restart so that peers
        #: find the device where it was
        self.ports: dict[tuple[int, str], str] = {}
        self.refused_at = 0.0
        self.refused_since = 0
        #: what the engine's recorder records (see record.py)
        self.rec: RecordedDevice | None = None

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def watches_subscriptions(self) -> bool:
        return self.kind.name == "forwarder"
