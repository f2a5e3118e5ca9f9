"""A bounded, numbered log that one thread writes and any thread reads without a lock.

Every entry gets a sequence number (0, 1, 2 ...). The ring keeps at most ``capacity`` entries
and at most ``byte_budget`` bytes of frames (always at least the newest entry); older entries are
dropped and counted. Readers ask for an entry by number: an entry that has been overwritten is
reported as gone, never confused with its successor, because each entry carries its own number
(the check is safe under the GIL: a slot is replaced by one reference store).

An entry is a plain tuple ``(seq, ts, kind, frames, meta, size)``, cheap to build on the hot path:

- ``IN`` / ``OUT``: ``frames`` is the tuple of raw frames; ``meta`` is None (for a ROUTER's
  outgoing message, the peer identity is the first frame, as on the wire).
- ``F2B`` / ``B2F``: a message that crossed a device (frontend to backend, backend to
  frontend), as ``IN``; ``meta`` is None, or ``"injected"`` for one the user sent into that
  direction. Tuples of bytes,
  ints and floats are dropped from the garbage collector's tracking, so a full ring of
  messages costs its collections nothing.
- ``EVENT``: ``frames`` is empty; ``meta`` is an :class:`EventInfo` (mutable: a repeating
  reconnect loop updates one entry's count and time instead of adding thousands).
- ``ERROR`` / ``INFO``: ``frames`` is empty; ``meta`` is the message text.

``size`` is the total bytes of the frames.

This is the one definition of an entry. Received messages do not go through :meth:`Ring.append`
(too slow for a flood): ``recvpath.py`` writes their ``IN`` entries straight into the slots, in
Python or with its compiled twin ``_recvbatch.c``, and ``forwardpath.py`` a device's tap entries
the same way, all in this layout and with ``append``'s
byte accounting (``held`` loses the size of the entry a slot held before). Change them together.
"""

from __future__ import annotations

from dataclasses import dataclass

IN = "in"
OUT = "out"
EVENT = "event"
ERROR = "error"
INFO = "info"
#: a message that crossed a device from its frontend to its backend, and back (the tap)
F2B = "f>b"
B2F = "b>f"
#: the kinds whose entries hold a message's frames
MESSAGE_KINDS = frozenset({IN, OUT, F2B, B2F})

SEQ, TS, KIND, FRAMES, META, SIZE = range(6)

Entry = tuple  # (seq, ts, kind, frames, meta, size)

DEFAULT_CAPACITY = 10_000
DEFAULT_BYTE_BUDGET = 64 * 1024 * 1024


@dataclass
class EventInfo:
    """A socket monitor event as it appears in a log. ``count`` > 1 when repeats were folded."""

    event: str
    endpoint: str
    value: int
    detail: str = ""
    count: int = 1
    last_ts: float = 0.0

    def describe(self) -> str:
        text = f"{self.event} {self.endpoint}"
        if self.detail:
            text += f" ({self.detail})"
        if self.count > 1:
            text += f" x{self.count}"
        return text


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
        self._slots: list = [None] * capacity
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
        self.tap = None

    # -- writer side (the poller thread) -------------------------------------------------------

    def append(self, ts: float, kind: str, frames=(), meta=None, size: int = 0) -> Entry:
        seq = self.total
        entry = (seq, ts, kind, tuple(frames), meta, size)
        index = seq % self.capacity
        old = self._slots[index]
        if old is not None:
            self.held -= old[SIZE]
        self._slots[index] = entry
        self.held += size
        self.total = seq + 1
        self._trim()
        if self.tap is not None:
            self.tap(entry)
        return entry

    def _trim(self) -> None:
        """Advance ``first`` past what the count and byte limits no longer allow."""
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
                return run
        out = []
        for s in range(start, end):
            entry = slots[s % cap]
            if entry is not None and entry[SEQ] == s:
                out.append(entry)
        return out
