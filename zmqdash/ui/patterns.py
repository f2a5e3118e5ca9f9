"""The five messaging patterns the dashboard has a tab for, and which socket types live where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    types: tuple[str, ...]
    reminder: str
    example: str  # a first socket to try, shown in an empty tab


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "reqrep",
        "Request/Reply",
        ("REQ", "REP"),
        "REQ asks and waits; REP answers each request in turn, in strict lock-step.",
        "REP bind tcp://127.0.0.1:5555, then REQ connect to it",
    ),
    Pattern(
        "pubsub",
        "Publish/Subscribe",
        ("PUB", "SUB", "XPUB", "XSUB"),
        "PUB broadcasts; a SUB gets only messages that start with a prefix it wants.",
        "PUB bind tcp://127.0.0.1:5556, then SUB connect with a prefix",
    ),
    Pattern(
        "pipeline",
        "Pipeline",
        ("PUSH", "PULL"),
        "PUSH deals messages round-robin to its PULL peers: a fan-out work queue.",
        "PULL bind tcp://127.0.0.1:5557, then PUSH connect to it",
    ),
    Pattern(
        "pair",
        "Exclusive Pair",
        ("PAIR",),
        "PAIR joins exactly two sockets, both ways, with no routing: a private pipe.",
        "PAIR bind inproc://pipe, then another PAIR connect to it",
    ),
    Pattern(
        "routerdealer",
        "Router/Dealer",
        ("ROUTER", "DEALER"),
        "ROUTER tags each message with its sender's identity; DEALER is async REQ.",
        "ROUTER bind tcp://127.0.0.1:5558, then DEALER connect to it",
    ),
)

BY_ID = {p.id: p for p in PATTERNS}
TYPE_TO_PATTERN = {t: p.id for p in PATTERNS for t in p.types}
ALL_TYPES = tuple(t for p in PATTERNS for t in p.types)

#: socket types that can send from a composer
SENDING = frozenset({"REQ", "REP", "PUB", "PUSH", "PAIR", "ROUTER", "DEALER", "XPUB", "XSUB"})
#: socket types with a subscription bar
SUBSCRIBING = frozenset({"SUB", "XSUB"})
#: socket types that can answer requests by themselves
REPLYING = frozenset({"REP", "ROUTER"})


def pattern_of(socket_type: str) -> str:
    return TYPE_TO_PATTERN.get(socket_type.upper(), "pair")
