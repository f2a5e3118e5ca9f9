"""Why messages go missing, in words: hints about a socket, shown only while they are true.

Each hint is worked out from what the engine keeps anyway (endpoint states, counters, the
outbox, the subscription table, the log) plus a few observations of monitor events kept by a
:class:`Watch` per socket. The engine evaluates them on a slow timer (``Timing.interval``),
never per message, and publishes the result as ``SocketView.hints``, replaced whole; a hint
whose situation has ended is simply not in the next result.

A :class:`Hint` has a stable ``key`` (the same situation keeps its key while its numbers
move), a one-line ``text`` and an ``explain`` of two or three sentences with the way out. Both
are plain text holding what came from outside (endpoints, names, process command lines; bytes
in the codec's prefix form, ``hex:`` when not printable): whoever shows them escapes them
(``codec.escape_text``), as with any other text.

Everything below runs on the engine's thread. The list of every hint, with the situation that
causes it, is docs/why-no-messages.md: keep the two together.

The rooms: :mod:`.watch` (the data a socket keeps), :mod:`.look` (what the checks look at),
and the checks by subject in :mod:`.flow_checks`, :mod:`.link_checks` and
:mod:`.message_checks`; :data:`CHECKS` is every check, in the order hints are shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .flow_checks import _no_match, _no_subscription, _publishing, _req_waiting
from .link_checks import (
    LOOKING,
    PEER_TYPES,
    _bind_in_use,
    _handshakes,
    _outbox,
    _pair,
    _retrying,
    wait_lookups,
)
from .look import _Context
from .message_checks import _gaps, _router_unknown
from .watch import (
    GAP_SCAN_LIMIT,
    Hint,
    Timing,
    Watch,
    _Counter,
    counter_pattern,
    marked_pattern,
)

__all__ = ["CHECKS", "GAP_SCAN_LIMIT", "Hint", "LOOKING", "PEER_TYPES", "Timing", "Watch",
           "counter_pattern", "evaluate", "marked_pattern", "wait_lookups", "watch_counters"]

if TYPE_CHECKING:
    from ..socket_record import SocketRecord


CHECKS = (_no_subscription, _no_match, _publishing, _req_waiting, _retrying, _bind_in_use,
          _outbox, _pair, _handshakes, _gaps, _router_unknown)


def evaluate(s: SocketRecord, watch: Watch, socks: Sequence[SocketRecord], timing: Timing,
             now: float) -> tuple[Hint, ...]:
    """Every hint that is true of socket ``s`` now (``socks``: all of the engine's sockets)."""
    c = _Context(s, watch, socks, timing, now)
    return tuple(hint for check in CHECKS for hint in check(c))


def watch_counters(watch: Watch, templates: dict[str, tuple[re.Pattern[bytes], bytes]]) -> None:
    """Make ``watch`` look for gaps in every numbered stream of ``templates`` (label ->
    :func:`counter_pattern`), keeping what it knows of streams it already follows."""
    for label, (pattern, head) in templates.items():
        if label not in watch.counters:
            watch.counters[label] = _Counter(pattern, head, label)
