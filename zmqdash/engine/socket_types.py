"""What each ZeroMQ socket type can do: the one table the engine, the codec's clients, the
session, the command line and the dashboard all read.

Plain data, no pyzmq import (the dashboard reads it before its first frame): ``number`` is
libzmq's constant for the type, which ZMTP fixes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SocketType:
    name: str
    number: int  # zmq.PAIR is 0 ... zmq.XSUB is 10
    tab: str  # the dashboard's tab it lives in (an id of ui/patterns.py)
    sends: bool
    receives: bool
    #: takes subscriptions (a subscription bar; SUB sets an option, XSUB sends a message)
    subscribes: bool = False
    #: sends to a peer chosen by its identity (the first frame names it)
    peer_chooser: bool = False
    #: "ask" (a REQ waits for each reply) or "answer" (a REP replies once to each request)
    lock_step: str | None = None
    #: can answer requests by itself (auto-reply)
    replies: bool = False
    #: keeps a table of who subscribes to what (from its subscription messages)
    subscriber_table: bool = False
    #: what it sends goes to the peers subscribed to it (a SUB's prefixes filter it)
    publishes: bool = False
    #: may bind or connect a multicast endpoint (pgm, epgm, norm), and sends on one if it sends
    multicast: bool = False
    #: the types it can talk to
    peers: frozenset[str] = frozenset()
    #: options only this type takes (besides those every socket has)
    options: tuple[str, ...] = ()

    @property
    def send_only(self) -> bool:
        return self.sends and not self.receives

    @property
    def receive_only(self) -> bool:
        return self.receives and not self.sends

    @property
    def flow_rank(self) -> int:
        """Where its pattern's messages are when they pass through it: 0 where they start (it
        only sends, publishes, or asks: REQ), 2 where they end (it only receives, subscribes,
        or answers: REP), 1 where they go either way (PAIR, DEALER, ROUTER). Between two types
        that can talk, messages go from the lower rank to the higher."""
        if self.send_only or self.publishes or self.lock_step == "ask":
            return 0
        if self.receive_only or self.subscribes or self.lock_step == "answer":
            return 2
        return 1


def _peers(*names: str) -> frozenset[str]:
    return frozenset(names)


#: every type, in the order the command line and messages list them
TYPES: tuple[SocketType, ...] = (
    SocketType("REQ", 3, "reqrep", True, True, lock_step="ask", peers=_peers("REP", "ROUTER"),
               options=("req_relaxed", "req_correlate")),
    SocketType("REP", 4, "reqrep", True, True, lock_step="answer", replies=True,
               peers=_peers("REQ", "DEALER")),
    SocketType("PUB", 1, "pubsub", True, False, publishes=True, multicast=True,
               peers=_peers("SUB", "XSUB")),
    SocketType("SUB", 2, "pubsub", False, True, subscribes=True, multicast=True,
               peers=_peers("PUB", "XPUB"), options=("subscribe", "unsubscribe")),
    SocketType("PUSH", 8, "pipeline", True, False, peers=_peers("PULL")),
    SocketType("PULL", 7, "pipeline", False, True, peers=_peers("PUSH")),
    SocketType("PAIR", 0, "pair", True, True, peers=_peers("PAIR")),
    SocketType("ROUTER", 6, "routerdealer", True, True, peer_chooser=True, replies=True,
               peers=_peers("REQ", "DEALER", "ROUTER"),
               options=("router_mandatory", "router_handover", "probe_router")),
    SocketType("DEALER", 5, "routerdealer", True, True, peers=_peers("REP", "DEALER", "ROUTER"),
               options=("probe_router",)),
    SocketType("XPUB", 9, "pubsub", True, True, publishes=True, subscriber_table=True,
               multicast=True,
               peers=_peers("SUB", "XSUB"),
               options=("xpub_verbose", "xpub_verboser", "xpub_nodrop", "xpub_manual",
                        "xpub_welcome_msg")),
    SocketType("XSUB", 10, "pubsub", True, True, subscribes=True, multicast=True,
               peers=_peers("PUB", "XPUB")),
)

BY_NAME: dict[str, SocketType] = {t.name: t for t in TYPES}
#: the names, in the table's order
NAMES: tuple[str, ...] = tuple(BY_NAME)

#: types that only send (no receiving, nothing to poll for input)
SEND_ONLY = frozenset(t.name for t in TYPES if t.send_only)
#: types that only receive (no composer, nothing to send)
RECEIVE_ONLY = frozenset(t.name for t in TYPES if t.receive_only)
#: types that can send from a composer
SENDING = frozenset(t.name for t in TYPES if t.sends)
#: types that send messages of their own (a REP only answers)
STARTS = frozenset(t.name for t in TYPES if t.sends and t.lock_step != "answer")
#: types that take subscriptions
SUBSCRIBING = frozenset(t.name for t in TYPES if t.subscribes)
#: types that can answer requests by themselves
REPLYING = frozenset(t.name for t in TYPES if t.replies)
#: types that may join a multicast group, and those of them that send into it
MULTICAST = tuple(t.name for t in TYPES if t.multicast)
MULTICAST_SENDERS = tuple(t.name for t in TYPES if t.multicast and t.publishes)
#: types whose messages go to subscribers
PUBLISHING = frozenset(t.name for t in TYPES if t.publishes)
#: the types each type can talk to
PEERS: dict[str, frozenset[str]] = {t.name: t.peers for t in TYPES}
#: (sender, receiver) for each two types that can talk and where messages go one way
#: (request/reply: the asking side first); equals (PAIR, DEALER and ROUTER) are not in it
FLOWS: frozenset[tuple[str, str]] = frozenset(
    (t.name, other) for t in TYPES for other in t.peers
    if t.flow_rank < BY_NAME[other].flow_rank)
#: the types that start a flow (the first of a pair in FLOWS)
FLOW_SOURCES = frozenset(sender for sender, _ in FLOWS)


def get(name: str) -> SocketType | None:
    """The type named ``name`` (any case, spaces around ignored), or None."""
    return BY_NAME.get(str(name).strip().upper())


def in_tab(tab: str) -> tuple[str, ...]:
    """The types the dashboard shows in the tab ``tab``, in the table's order."""
    return tuple(t.name for t in TYPES if t.tab == tab)
