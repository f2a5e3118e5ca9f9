"""Back-pressure between the engine and a consumer that must see every entry of a socket's log.

The dashboard samples a flood: entries that fall out of a ring before they are drawn are fine
there. ``zmqdash cat`` and ``zmqdash run`` print every entry, so for them the engine takes no
more messages from a socket than the consumer has room for: once ``window`` entries (or half
the ring's byte budget) are waiting unread, it stops receiving from that socket, and ZeroMQ's
queues and high-water marks hold what comes next (a PUSH peer then waits, as with any slow
consumer). ``limit`` bounds the messages taken in all (``cat --count``), so none is taken that
will not be printed.

The consumer reads entries, then tells the engine how far it got with
:meth:`Engine.consumed <zmqdash.engine.loop.Loop.consumed>`; only when the engine is holding
does that wake it. Each side writes its own fields (one store each, under the GIL): the consumer
``read_seq`` and ``read_bytes``, the engine ``held``. The engine sets ``held`` and then looks at
the consumer's fields once more, and the consumer stores its fields and then looks at
``held``, so one of the two always sees the other and no wake-up is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ring import Ring
    from .state import Stats

#: unread entries a consumer may have waiting (the ring must hold more than this)
DEFAULT_WINDOW = 8192


class Flow:
    __slots__ = ("window", "limit", "read_seq", "read_bytes", "held")

    def __init__(self, window: int = DEFAULT_WINDOW, limit: int | None = None) -> None:
        self.window = window
        #: messages to take from the socket in all (None: no limit)
        self.limit = limit
        #: written by the consumer: the next seq it will read, and the bytes it has read
        self.read_seq = 0
        self.read_bytes = 0
        #: written by the engine: it stopped receiving until the consumer reads on
        self.held = False

    def room(self, ring: Ring, stats: Stats, batch: int) -> tuple[int, int]:
        """How many messages, and how many bytes, the engine may take now."""
        n = min(batch, self.window - (ring.total - self.read_seq))
        if self.limit is not None:
            n = min(n, self.limit - stats.msgs_in)
        # every byte in a ring is an IN or OUT entry's; what the consumer has not read yet
        # must never be trimmed for the byte budget, so unread bytes stay under half of it
        unread = 0 if self.read_seq >= ring.total else (
            stats.bytes_in + stats.bytes_out - self.read_bytes)
        return n, ring.byte_budget // 2 - unread
