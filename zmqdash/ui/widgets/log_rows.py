"""Which entries of a socket's ring are its log's rows: every entry held, or only those the
filter passes, and which entry each row shows.

With a filter, the numbers of the entries that pass are kept as the ring is scanned, each entry
looked at once (at most :data:`SCAN_LIMIT` a poll); those that fell out of the ring are dropped
from the front.
"""

from __future__ import annotations

import bisect

from ...engine.ring import SEQ, Ring
from ..log_filter import Matcher

#: most entries a filter examines per poll (a backlog larger than this skips to the newest)
SCAN_LIMIT = 50_000


class LogRows:
    """Rows to entry numbers and back, as of the last :meth:`update`."""

    def __init__(self, ring: Ring) -> None:
        self.ring = ring
        #: the filter's test of an entry (None: every entry is a row)
        self.matcher: Matcher | None = None
        self._matches: list[int] = []  # entry numbers passing the filter, oldest first
        self._mhead = 0  # matches before this index have fallen out of the ring
        self._scanned = 0  # next entry number the filter has to look at
        #: ring.first / ring.total as of the last update: rows map to these
        self.first = 0
        self.total = 0
        #: how many rows there are
        self.count = 0

    def filter(self, matcher: Matcher | None) -> None:
        """From now on, rows are the entries ``matcher`` passes (None: every entry)."""
        self.matcher = matcher
        self._matches = []
        self._mhead = 0
        self._scanned = self.ring.first

    def update(self, first: int, total: int) -> None:
        """Take in the ring as it is now: it holds entries ``first`` to ``total - 1``."""
        if self.matcher is not None:
            self._scan(self.matcher, first, total)
            rows = len(self._matches) - self._mhead
        else:
            rows = total - first
        self.first, self.total, self.count = first, total, rows

    def seq_at(self, row: int) -> int | None:
        if row < 0 or row >= self.count:
            return None
        if self.matcher is None:
            return self.first + row
        return self._matches[self._mhead + row]

    def row_of(self, seq: int) -> int:
        """The row showing ``seq``, or the first row after it if it is not shown."""
        if self.matcher is None:
            return min(max(seq - self.first, 0), self.count)
        return bisect.bisect_left(self._matches, seq, self._mhead) - self._mhead

    def _scan(self, match: Matcher, first: int, total: int) -> None:
        matches = self._matches
        start = max(self._scanned, first, total - SCAN_LIMIT)
        if start < total:
            for entry in self.ring.since(start, total - start):
                if match(entry):
                    matches.append(entry[SEQ])
        self._scanned = total
        head = self._mhead
        while head < len(matches) and matches[head] < first:
            head += 1
        if head > 4096 and head * 2 > len(matches):
            del matches[:head]
            head = 0
        self._mhead = head
