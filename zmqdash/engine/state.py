"""What consumers read about each socket.

The poller thread is the only writer. Fields holding collections are replaced whole (tuples,
frozen dataclasses), never mutated in place, so a reader on another thread always sees a
consistent value. Counters are plain ints, each updated by one store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .ring import Ring
from .subscriptions import SubscriptionTable

if TYPE_CHECKING:
    from .credentials import SecurityState
    from .flow import Flow
    from .hints import Hint
    from .rates import Rates
    from .recording import Recording
    from .replay import ReplayState

# endpoint roles
BIND = "bind"
CONNECT = "connect"

# endpoint states
PENDING = "pending"  # asked for, not confirmed yet (e.g. resolving a host name)
LISTENING = "listening"
CONNECTED = "connected"
RETRYING = "retrying"
FAILED = "failed"
ATTACHED = "attached"  # inproc: no monitor events exist, so the state is all we know
TUNNEL_DOWN = "tunnel down"  # a connect via SSH whose ssh died; it is being restarted
CLOSED = "closed"  # the socket was closed (a stopped device's endpoints)


@dataclass(frozen=True)
class EndpointState:
    """One bind or connect of a socket and what the monitor last said about it."""

    endpoint: str  # as the user gave it
    role: str  # BIND or CONNECT
    state: str = PENDING
    peers: int = 0
    #: how many times a peer came (the peer count rose): a message queued while none was
    #: connected has had a chance to leave only if this grew since
    connections: int = 0
    reason: str = ""
    resolved: str = ""  # the real endpoint (wildcard port resolved; a tunnel's local end)
    via: str = ""  # the SSH host a connect goes through
    handshake: str = ""  # a secured socket's last handshake, in words ("CURVE handshake ok")
    detail: str = ""  # multicast: the pace its messages go at (rate, recovery_ivl), own line

    def describe(self) -> str:
        shown = self.endpoint if self.via else (self.resolved or self.endpoint)
        text = f"{self.role} {shown}"
        if self.via:
            text += f" via {self.via}"
        text += f": {self.state}"
        if self.state in (LISTENING, CONNECTED) and self.peers:
            text += f" ({self.peers} peer{'s' if self.peers != 1 else ''})"
        for part in (self.handshake, self.reason):
            if part:
                text += f" - {part}"
        return text


@dataclass(frozen=True)
class RepeaterState:
    id: int
    frames: tuple[str, ...]
    interval_ms: int
    count: int | None
    sent: int = 0
    peer: bytes | None = None


@dataclass
class Stats:
    """Exact counters for one socket (written by the poller thread only)."""

    msgs_in: int = 0
    bytes_in: int = 0
    msgs_out: int = 0
    bytes_out: int = 0
    errors: int = 0

    def snapshot(self) -> Stats:
        return Stats(self.msgs_in, self.bytes_in, self.msgs_out, self.bytes_out, self.errors)


@dataclass
class SocketView:
    """The consumer-facing picture of one socket."""

    name: str
    type: str
    log: Ring
    stats: Stats = field(default_factory=Stats)
    endpoints: tuple[EndpointState, ...] = ()
    subscriptions: tuple[bytes, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # (name, value as text) in the order set
    repeaters: tuple[RepeaterState, ...] = ()
    auto_reply: tuple[str, ...] | None = None
    peers_seen: tuple[bytes, ...] = ()  # ROUTER: routing identities seen, newest last
    pending: int = 0  # messages waiting in the outbox
    awaiting_reply: bool = False  # REQ: sent, reply not in yet
    reply_due: bool = False  # REP: a request is in, its reply not sent yet
    subscribers: SubscriptionTable | None = None  # XPUB: who subscribes to what
    #: multicast senders: time.monotonic() by which what was sent should have left at the
    #: socket's rate (an estimate: libzmq does not say)
    paced_until: float = 0.0
    hints: tuple[Hint, ...] = ()  # hints.Hint: why messages may be going missing, while it is true
    closed: bool = False
    security: SecurityState | None = None  # CURVE or PLAIN, when the socket has one
    #: back-pressure toward a consumer that reads every entry (set once, at creation)
    flow: Flow | None = None
    recording: Recording | None = None  # while the socket is recorded
    replay: ReplayState | None = None  # while (and after) a replay runs
    rates: Rates | None = None  # the last minute, a second at a time

    @property
    def dropped(self) -> int:
        return self.log.dropped
