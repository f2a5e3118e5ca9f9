"""What consumers read about each device (written by the engine thread only).

Like :mod:`zmqdash.engine.state`: collections are replaced whole, counters are plain ints each
updated by one store, so a reader on another thread always sees a consistent value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..ring import F2B, Ring
from ..state import SocketView

if TYPE_CHECKING:
    from ..rates import Rates
    from ..recording import Recording
    from ..subscriptions import SubscriptionTable
    from .commands import Options

RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"

#: meta of the tap entry of a message the user sent into a direction
INJECTED = "injected"

#: a side's endpoints as given: ((role, endpoint), ...)
Endpoints = tuple[tuple[str, str], ...]


@dataclass
class DeviceStats:
    """Exact counters: messages and bytes that crossed each way (injected ones included), and
    what could not cross."""

    f2b_msgs: int = 0
    f2b_bytes: int = 0
    b2f_msgs: int = 0
    b2f_bytes: int = 0
    injected: int = 0
    refused: int = 0  # taken from one side, refused by the other (e.g. no such peer)
    errors: int = 0

    def crossed(self, direction: str) -> tuple[int, int]:
        """(messages, bytes) that went ``direction`` (F2B or B2F)."""
        if direction == F2B:
            return self.f2b_msgs, self.f2b_bytes
        return self.b2f_msgs, self.b2f_bytes


@dataclass
class DeviceView:
    """The consumer-facing picture of one device. ``frontend`` and ``backend`` are its two
    sockets as socket views (their endpoints and live states); both log into ``log``, which
    also holds the tap: every message that crossed, as an ``F2B`` or ``B2F`` entry."""

    name: str
    kind: str
    log: Ring
    frontend: SocketView
    backend: SocketView
    stats: DeviceStats = field(default_factory=DeviceStats)
    state: str = STOPPED
    reason: str = ""  # why it stopped, when it was not asked to (a bind that failed)
    paused_at: float | None = None  # time.time() when paused
    tap: bool = True
    subscriptions: tuple[bytes, ...] = ()  # a forwarder's, as they crossed it, oldest first
    waiting: tuple[int, int] = (0, 0)  # messages waiting for the backend, for the frontend
    rates: Rates | None = None  # the last minute (in: f2b, out: b2f)
    recording: Recording | None = None  # while it is being recorded
    closed: bool = False
    #: what it was made with, per side (frontend, backend): ((role, endpoint), ...) as given
    #: (a wildcard port stays ``*``), and the options as (name, value) pairs
    endpoints: tuple[Endpoints, Endpoints] = ((), ())
    options: tuple[Options, Options] = ((), ())

    @property
    def type(self) -> str:
        """The kind, where code shared with socket views asks for a type."""
        return self.kind

    @property
    def subscribers(self) -> SubscriptionTable | None:
        """A forwarder's XPUB table of who subscribes to what (None for the other kinds), as
        a socket view's: an export of the log ends with it."""
        return self.backend.subscribers if self.kind == "forwarder" else None

    @property
    def dropped(self) -> int:
        """Log entries that fell out of the ring."""
        return self.log.dropped

    @property
    def errors(self) -> int:
        return self.stats.errors + self.frontend.stats.errors + self.backend.stats.errors

    def side_of(self, endpoint: str) -> str:
        """"frontend" or "backend": the side with ``endpoint`` (as given, or as bound), or ""."""
        for side, view in (("frontend", self.frontend), ("backend", self.backend)):
            if any(endpoint in (e.endpoint, e.resolved) for e in view.endpoints):
                return side
        return ""

    def paused_for(self, now: float) -> float:
        """Seconds since it was paused (0 when it is not paused)."""
        return max(0.0, now - self.paused_at) if self.paused_at is not None else 0.0
