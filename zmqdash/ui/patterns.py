"""The dashboard's tabs: the five messaging patterns, with the socket types each holds (from the
engine's table of types, :mod:`zmqdash.engine.socket_types`), and the devices (a streamer,
forwarder or queue between two sets of endpoints)."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.socket_types import REPLYING, SENDING, SUBSCRIBING, in_tab


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    types: tuple[str, ...]
    reminder: str
    example: str  # a first socket (or device) to try, shown in an empty tab
    noun: str = "sockets"  # what the tab holds

    @property
    def empty_hint(self) -> str:
        return f"No {self.noun} here yet. Press a to add one (for example: {self.example})."


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "reqrep",
        "Request/Reply",
        in_tab("reqrep"),
        "REQ asks and waits; REP answers each request in turn, in strict lock-step.",
        "REP bind tcp://127.0.0.1:5555, then REQ connect to it",
    ),
    Pattern(
        "pubsub",
        "Publish/Subscribe",
        in_tab("pubsub"),
        "PUB broadcasts; a SUB gets only messages that start with a prefix it wants.",
        "PUB bind tcp://127.0.0.1:5556, then SUB connect with a prefix",
    ),
    Pattern(
        "pipeline",
        "Pipeline",
        in_tab("pipeline"),
        "PUSH deals messages round-robin to its PULL peers: a fan-out work queue.",
        "PULL bind tcp://127.0.0.1:5557, then PUSH connect to it",
    ),
    Pattern(
        "pair",
        "Exclusive Pair",
        in_tab("pair"),
        "PAIR joins exactly two sockets, both ways, with no routing: a private pipe.",
        "PAIR bind inproc://pipe, then another PAIR connect to it",
    ),
    Pattern(
        "routerdealer",
        "Router/Dealer",
        in_tab("routerdealer"),
        "ROUTER tags each message with its sender's identity; DEALER is async REQ.",
        "ROUTER bind tcp://127.0.0.1:5558, then DEALER connect to it",
    ),
    Pattern(
        "devices",
        "Devices",
        (),
        "A device sits between two sets of peers: streamer (PUSH/PULL), forwarder (PUB/SUB), "
        "queue (REQ/REP).",
        "a queue with frontend @tcp://127.0.0.1:5559 for clients, backend @tcp://127.0.0.1:5560 "
        "for workers",
        noun="devices",
    ),
)

#: the tab of devices
DEVICES = "devices"

BY_ID = {p.id: p for p in PATTERNS}
TYPE_TO_PATTERN = {t: p.id for p in PATTERNS for t in p.types}
ALL_TYPES = tuple(t for p in PATTERNS for t in p.types)

# what each type can do (SENDING, SUBSCRIBING, REPLYING) is the engine's table
__all__ = ["PATTERNS", "BY_ID", "DEVICES", "TYPE_TO_PATTERN", "ALL_TYPES", "SENDING",
           "SUBSCRIBING", "REPLYING", "pattern_of"]


def pattern_of(socket_type: str) -> str:
    return TYPE_TO_PATTERN.get(socket_type.upper(), "pair")
