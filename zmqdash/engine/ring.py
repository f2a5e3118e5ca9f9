"""A bounded, numbered log that one thread writes and any thread reads without a lock.

Every entry gets a sequence number (0, 1, 2 ...). The ring keeps at most ``capacity`` entries
and at most ``byte_budget`` bytes of frames (always at least the newest entry); older entries are
dropped and counted. Readers ask for an entry by number: an entry that has been overwritten is
reported as gone, never confused with its successor, because each entry carries its own number
(the check is safe under the GIL: a slot is replaced by one reference store).

An entry's layout (``(seq, ts, kind, frames, meta, size)``, read by ``entry[KIND]`` and friends)
is defined once, in :mod:`zmqdash.entries`; the names are here too for the engine's modules.
Received messages do not go through :meth:`Ring.append` (too slow for a flood): the receive
loops write them in place through :meth:`Ring.writable` and :meth:`Ring.written`, then the
engine calls :meth:`Ring.trim` once per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from ..entries import (
    B2F,
    DIRECTION_WORDS,
    ERROR,
    EVENT,
    F2B,
    FRAMES,
    IN,
    INFO,
    KIND,
    MESSAGE_KINDS,
    META,
    OUT,
    SEQ,
    SIZE,
    TS,
    Entry,
    EventInfo,
)

__all__ = ["B2F", "DIRECTION_WORDS", "ERROR", "EVENT", "F2B", "FRAMES", "IN", "INFO", "KIND",
           "MESSAGE_KINDS", "META", "OUT", "SEQ", "SIZE", "TS", "Entry", "EventInfo", "Ring",
           "DEFAULT_CAPACITY", "DEFAULT_BYTE_BUDGET"]

DEFAULT_CAPACITY = 10_000
DEFAULT_BYTE_BUDGET = 64 * 1024 * 1024


class Ring:
    """Numbered ring of entries bounded in count and bytes; one writer, lock-free readers."""

    __slots__ = ("capacity", "byte_budget", "_slots", "total", "first", "held", "dropped",
                 "version", "tap")

    def __init__(self, capacity: int = DEFAULT_CAPACITY,
                 byte_budget: int = DEFAULT_BYTE_BUDGET) -> None:
        if capacity < 1:
            raise ValueError("ring capacity must be at least 1")
        self.capacity = capacity
        self.byte_budget = byte_budget
        self._slots: list[Entry | None] = [None] * capacity
        #: number of entries ever appended; the next entry's seq
        self.total = 0
        #: the oldest seq still held
        self.first = 0
        #: bytes of frames held
        self.held = 0
        #: entries that fell out (count or byte limit); entries the user cleared are not counted
        self.dropped = 0
        #: bumped whenever something visible changes (append, in-place update, clear)
        self.version = 0
        #: called with each entry :meth:`append` adds (a recording's; the receive path's
        #: entries, which do not go through append, its caller hands over itself)
        self.tap: Callable[[Entry], Any] | None = None

    # -- writer side (the poller thread) -------------------------------------------------------

    def writable(self) -> tuple[list[Entry | None], int, int, int]:
        """The receive path's way in: ``(slots, capacity, total, held)``. Entry ``seq`` goes in
        ``slots[seq % capacity]``, built as :func:`zmqdash.entries.make` builds it, and ``held``
        loses the size of the entry the slot held before (``old[SIZE]``) and gains the new
        one's. Then :meth:`written` with the new total and held, and :meth:`trim` once the
        batch is over. (``_recvbatch.c`` does the same through the attributes ``_slots``,
        ``capacity``, ``total`` and ``held``.)"""
        return self._slots, self.capacity, self.total, self.held

    def written(self, total: int, held: int) -> None:
        """Entries up to ``total`` were written in place (see :meth:`writable`)."""
        self.total = total
        self.held = held

    def append(self, ts: float, kind: str, frames: Any = (), meta: Any = None,
               size: int = 0) -> Entry:
        seq = self.total
        entry = (seq, ts, kind, tuple(frames), meta, size)
        index = seq % self.capacity
        old = self._slots[index]
        if old is not None:
            self.held -= old[SIZE]
        self._slots[index] = entry
        self.held += size
        self.total = seq + 1
        self.trim()
        if self.tap is not None:
            self.tap(entry)
        return entry

    def trim(self) -> None:
        """Advance ``first`` past what the count and byte limits no longer allow (after
        entries were written in place, see :meth:`writable`)."""
        total = self.total
        floor = total - self.capacity
        if self.first < floor:
            self.dropped += floor - self.first
            self.first = floor
        if self.held > self.byte_budget:
            slots, cap = self._slots, self.capacity
            while self.held > self.byte_budget and self.first < total - 1:
                index = self.first % cap
                old = slots[index]
                if old is not None:
                    self.held -= old[SIZE]
                    slots[index] = None
                self.first += 1
                self.dropped += 1
        self.version += 1

    def touch(self) -> None:
        """Note an in-place update of an entry (e.g. a folded reconnect event)."""
        self.version += 1

    def clear(self) -> None:
        self._slots = [None] * self.capacity
        self.held = 0
        self.first = self.total
        self.version += 1

    # -- reader side (any thread) ---------------------------------------------------------------

    def __len__(self) -> int:
        return self.total - self.first

    def get(self, seq: int) -> Entry | None:
        """The entry numbered ``seq``, or None if it is gone or not written yet."""
        if seq < self.first or seq >= self.total:
            return None
        entry = self._slots[seq % self.capacity]
        if entry is None or entry[SEQ] != seq:
            return None
        return entry

    def since(self, seq: int, limit: int | None = None) -> list[Entry]:
        """Entries numbered ``seq`` and later that are still held, oldest first."""
        end = self.total
        start = max(seq, self.first)
        if limit is not None and end - start > limit:
            end = start + limit
        slots, cap = self._slots, self.capacity
        if end - start > 16:
            # a long run: one slice of the slots (a consumer reading a flood). The writer fills
            # slots in order, so if both ends still hold their numbers, so does every slot
            # between (one in the middle is only overwritten after the first one is).
            a, b = start % cap, end % cap
            run = slots[a:b] if a < b else slots[a:] + slots[:b]
            first, last = run[0], run[-1]
            if (first is not None and last is not None and first[SEQ] == start
                    and last[SEQ] == end - 1):
                return cast("list[Entry]", run)
        out = []
        for s in range(start, end):
            entry = slots[s % cap]
            if entry is not None and entry[SEQ] == s:
                out.append(entry)
        return out
