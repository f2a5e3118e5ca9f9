"""Who subscribes to what on an XPUB: a live table of prefixes, their holders and peers.

A plain XPUB hides most of what its subscribers do (duplicates are dropped, explicit
unsubscribes pass only when the last holder goes), so every XPUB the engine owns runs with
``xpub_verboser``, which passes every subscribe and unsubscribe, and :class:`Tracker` decides
what the socket's owner would have received with the options it really asked for
(:meth:`Tracker.delivers`): the log (and a forwarder's upstream side) sees exactly that, while
the table sees everything.

Who sent a subscription: its frame's ``zmq.SRCFD`` property (deprecated, but it works on libzmq
4.3) is the file descriptor the socket monitor reported in ``ACCEPTED`` (or ``CONNECTED``), and
``getpeername()`` on it gives ``ip:port`` (``Peer-Address`` metadata has the IP only). When a
peer goes, the monitor reports ``DISCONNECTED(fd)`` and its rows go; the unsubscribes libzmq
makes up for it carry no metadata, so they are matched to the peers that went. Over ``inproc``
there is neither a descriptor nor a monitor: such subscribers share one anonymous peer.

Everything here runs on the engine's thread. Consumers read :class:`SubscriptionTable`, a frozen
snapshot the engine replaces whole, and :class:`SubscriptionChange` entries in the socket's log;
pyzmq is imported only by the engine-side functions, so a consumer can import the types before
pyzmq is loaded.
"""

from __future__ import annotations

import os
import socket as pysocket
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .ring import EVENT, IN, EventInfo

SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"

#: delivery modes: what the XPUB's owner asked to receive (libzmq's own behaviour for each)
DEFAULT = "default"  # a new prefix, and the unsubscribe of its last holder
VERBOSE = "verbose"  # every subscribe, and the unsubscribe of the last holder
VERBOSER = "verboser"  # every subscribe and unsubscribe
MANUAL = "manual"  # xpub_manual: every subscription message goes to the owner

#: the peer key of subscribers that cannot be told apart (inproc)
ANONYMOUS = -1
ANONYMOUS_LABEL = "inproc"

#: most messages taken from an XPUB in one batch
BATCH = 1024

if TYPE_CHECKING:
    from .parts import EngineParts
    from .ring import Ring
    from .socket_record import SocketRecord


def prefix_text(prefix: bytes) -> str:
    """A prefix as the dashboard writes it: ``*`` for everything, else the codec's prefix form
    (text, ``text:`` when it would read as a codec prefix or is ``*``, ``hex:`` for bytes).
    Not yet terminal-safe: escape it before printing."""
    from ..codec import bytes_to_prefix

    if prefix == b"":
        return "*"
    if prefix == b"*":
        return "text:*"
    return bytes_to_prefix(prefix)


@dataclass(frozen=True)
class SubscriptionRow:
    prefix: bytes
    peers: tuple[str, ...]  # each holder's label (ip:port), in the order they subscribed

    @property
    def holders(self) -> int:
        return len(self.peers)


@dataclass(frozen=True)
class SubscriptionTable:
    """The live table of one XPUB: a row per prefix someone holds, sorted by prefix."""

    rows: tuple[SubscriptionRow, ...] = ()
    peers: int = 0  # peers connected (subscribed or not)
    anonymous: bool = False  # some subscribers came over inproc and cannot be told apart

    @property
    def prefixes(self) -> int:
        return len(self.rows)

    def holders(self, prefix: bytes) -> int:
        for row in self.rows:
            if row.prefix == prefix:
                return row.holders
        return 0


@dataclass
class SubscriptionChange(EventInfo):
    """A log entry's meta for one change of the table (an ``EVENT`` entry).

    ``event`` is ``subscribe`` or ``unsubscribe``; ``endpoint`` is where the peer came in;
    ``value`` and ``holders`` are how many peers hold the prefix now; ``again`` marks a
    subscribe of a prefix the peer already held; ``gone`` an unsubscribe because the peer left.
    """

    prefix: bytes = b""
    peer: str = ""
    holders: int = 0
    again: bool = False
    gone: bool = False

    def describe(self) -> str:
        what = prefix_text(self.prefix)
        word = "from" if self.event == SUBSCRIBE else "by"
        text = f"{self.event} {what} {word} {self.peer}"
        notes = [f"{self.holders} holder{'s' if self.holders != 1 else ''}"]
        if self.again:
            notes.append("again")
        if self.gone:
            notes.append("peer gone")
        return f"{text} ({', '.join(notes)})"


class _Peer:
    __slots__ = ("label", "endpoint", "prefixes")

    def __init__(self, label: str, endpoint: str) -> None:
        self.label = label
        self.endpoint = endpoint
        self.prefixes: dict[bytes, None] = {}  # held, in the order subscribed


class Tracker:
    """The subscription table of one XPUB (engine thread only)."""

    def __init__(self) -> None:
        self.mode = DEFAULT
        self._peers: dict[int, _Peer] = {}
        self._rows: dict[bytes, dict[int, None]] = {}  # prefix -> holders' keys, in order
        # peers that went, with the prefixes libzmq will still send an unsubscribe for
        self._leaving: dict[int, _Peer] = {}
        self._next_gone = -2  # keys for leaving peers whose descriptor was reused
        self._table: SubscriptionTable | None = SubscriptionTable()
        #: the table changed since the engine last published it
        self.changed = False

    # -- options --------------------------------------------------------------------------------

    def set_mode(self, option: int, value: int) -> None:
        """The owner set xpub_verbose, xpub_verboser or xpub_manual: remember it, without
        letting libzmq see it (the socket stays verboser, so the table sees everything)."""
        import zmq

        on = bool(value)
        if option == zmq.XPUB_MANUAL:
            self.mode = MANUAL if on else DEFAULT
        elif option == zmq.XPUB_VERBOSER:
            self.mode = VERBOSER if on else DEFAULT
        else:
            self.mode = VERBOSE if on else DEFAULT

    # -- peers (from the monitor) ---------------------------------------------------------------

    def peer_came(self, fd: int, endpoint: str) -> None:
        leaving = self._leaving.pop(fd, None)
        if leaving is not None:  # the descriptor was reused: keep the old peer apart
            self._leaving[self._next_gone] = leaving
            self._next_gone -= 1
        if fd not in self._peers:
            self._peers[fd] = _Peer(peer_label(fd), endpoint)
            self._publish()

    def peer_went(self, fd: int) -> list[SubscriptionChange]:
        peer = self._peers.pop(fd, None)
        if peer is None:
            return []
        changes = []
        for prefix in peer.prefixes:
            holders = self._rows.get(prefix)
            if holders is not None:
                holders.pop(fd, None)
                if not holders:
                    del self._rows[prefix]
            changes.append(self._change(UNSUBSCRIBE, prefix, peer, gone=True))
        if peer.prefixes:
            self._leaving[fd] = peer
        self._publish()
        return changes

    # -- subscription messages -------------------------------------------------------------------

    def message(self, data: bytes, fd: int) -> tuple[bool, list[SubscriptionChange]]:
        """A subscription message (``\\x01prefix`` or ``\\x00prefix``) from descriptor ``fd``
        (-1: none). Returns whether the owner would have received it, and the table's changes.
        An unsubscribe with no descriptor must come after the monitor's events were read."""
        subscribe = data[0] == 1
        prefix = data[1:]
        if fd < 0:
            return self._anonymous(subscribe, prefix)
        if fd in self._leaving:  # a message still queued from a peer that has gone
            held = self._leaving[fd].prefixes
            if subscribe:
                held[prefix] = None
            else:
                held.pop(prefix, None)
            return False, []
        peer = self._peers.get(fd)
        if peer is None:  # its ACCEPTED event is not read yet
            peer = self._peers[fd] = _Peer(peer_label(fd), "")
        return self._apply(subscribe, prefix, fd, peer)

    def _apply(self, subscribe: bool, prefix: bytes, key: int,
               peer: _Peer) -> tuple[bool, list[SubscriptionChange]]:
        holders = self._rows.get(prefix)
        if subscribe:
            again = prefix in peer.prefixes
            first = not holders
            if holders is None:
                holders = self._rows[prefix] = {}
            holders[key] = None
            peer.prefixes[prefix] = None
            deliver = first or self.mode != DEFAULT
            change = self._change(SUBSCRIBE, prefix, peer, again=again)
        else:
            if prefix not in peer.prefixes:
                # libzmq passes an unsubscribe of something the peer did not hold
                return True, []
            del peer.prefixes[prefix]
            assert holders is not None  # the peer held it, so the row is there
            holders.pop(key, None)
            if not holders:
                del self._rows[prefix]
            deliver = self._last_gone(prefix) or self.mode in (VERBOSER, MANUAL)
            change = self._change(UNSUBSCRIBE, prefix, peer)
        self._publish()
        return deliver, [change]

    def _anonymous(self, subscribe: bool,
                   prefix: bytes) -> tuple[bool, list[SubscriptionChange]]:
        if not subscribe:
            # made up by libzmq for a peer that went: whichever left with this prefix
            for key, peer in list(self._leaving.items()):
                if prefix in peer.prefixes:
                    del peer.prefixes[prefix]
                    if not peer.prefixes:
                        del self._leaving[key]
                    return self._last_gone(prefix) or self.mode in (VERBOSER, MANUAL), []
        anon = self._peers.get(ANONYMOUS)
        if anon is None:
            if not subscribe:
                return True, []
            anon = self._peers[ANONYMOUS] = _Peer(ANONYMOUS_LABEL, "")
        return self._apply(subscribe, prefix, ANONYMOUS, anon)

    def _last_gone(self, prefix: bytes) -> bool:
        """No peer holds ``prefix`` any more (nor will: no leaving peer still has it)."""
        return prefix not in self._rows and not any(
            prefix in p.prefixes for p in self._leaving.values())

    # -- snapshots -------------------------------------------------------------------------------

    def _change(self, event: str, prefix: bytes, peer: _Peer, again: bool = False,
                gone: bool = False) -> SubscriptionChange:
        holders = len(self._rows.get(prefix, ()))
        return SubscriptionChange(event, peer.endpoint, holders, prefix=prefix,
                                  peer=peer.label, holders=holders, again=again, gone=gone)

    def _publish(self) -> None:
        self._table = None  # made again when next asked for: once per batch, not per message
        self.changed = True

    @property
    def table(self) -> SubscriptionTable:
        """The table as it stands (a new snapshot after any change)."""
        if self._table is None:
            rows = tuple(
                SubscriptionRow(prefix, tuple(self._peers[k].label for k in holders))
                for prefix, holders in sorted(self._rows.items())
            )
            self._table = SubscriptionTable(
                rows, sum(1 for k in self._peers if k != ANONYMOUS), ANONYMOUS in self._peers)
        return self._table

    def clear(self) -> None:
        """Forget every peer (the socket is closing)."""
        self._peers.clear()
        self._rows.clear()
        self._leaving.clear()
        self._publish()


def peer_label(fd: int) -> str:
    """``ip:port`` of the peer on descriptor ``fd`` (``[ip]:port`` for IPv6); for a Unix
    socket (ipc) the peer's process id where the OS tells it; ``fd N`` if neither is known."""
    try:
        sock = pysocket.socket(fileno=os.dup(fd))
    except OSError:
        return f"fd {fd}"
    try:
        if sock.family == pysocket.AF_UNIX:
            creds = getattr(pysocket, "SO_PEERCRED", None)
            if creds is not None:
                pid = struct.unpack("3i", sock.getsockopt(pysocket.SOL_SOCKET, creds, 12))[0]
                if pid > 0:
                    return f"ipc pid {pid}"
            return f"ipc fd {fd}"
        host, port = sock.getpeername()[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    except OSError:
        return f"fd {fd}"
    finally:
        sock.close()


def source_fd(frame: Any) -> int:
    """The descriptor a received frame came from, or -1 (inproc, or made up by libzmq)."""
    import zmq

    try:
        return int(frame.get(zmq.SRCFD))
    except zmq.ZMQError:
        return -1


def receive(engine: EngineParts, s: SocketRecord, ts: float, tracker: Tracker,
            ring: Ring | None = None) -> tuple[int, int, int]:
    """Take what is waiting on an XPUB ``s`` into its ring (or ``ring``: a device's forwarder
    reads its XPUB this way), as :func:`recvpath.receive` does, feeding each subscription
    message to ``tracker``. A subscription message is logged as ``IN`` only where the owner's
    own options would have passed it; each change of the table is logged as an ``EVENT`` with a
    :class:`SubscriptionChange`. Returns (messages logged, their bytes, errno)."""
    import zmq

    sock = s.sock
    ring = s.view.log if ring is None else ring
    noblock, again = zmq.NOBLOCK, zmq.Again
    n = nbytes = err = 0
    try:
        for _ in range(BATCH):
            try:
                frame = sock.recv(noblock, copy=False)
            except again:
                break
            data = frame.bytes
            if frame.more:
                parts = [data]
                while frame.more:
                    frame = sock.recv(noblock, copy=False)
                    parts.append(frame.bytes)
                frames = tuple(parts)
            else:
                frames = (data,)
                if data[:1] in (b"\x00", b"\x01"):
                    fd = source_fd(frame)
                    if fd < 0 and data[0] == 0:
                        engine._monitor_events(s)  # the DISCONNECTED it follows
                    deliver, changes = tracker.message(data, fd)
                    if deliver:
                        ring.append(ts, IN, frames, None, len(data))
                        n += 1
                        nbytes += len(data)
                    for change in changes:
                        change.last_ts = ts
                        ring.append(ts, EVENT, (), change, 0)
                    continue
            size = sum(len(f) for f in frames)
            ring.append(ts, IN, frames, None, size)
            n += 1
            nbytes += size
    except zmq.ZMQError as exc:
        err = exc.errno or 0
    return n, nbytes, err

