"""The hints' data: a :class:`Hint`, the :class:`Timing` of situations, and the
:class:`Watch` each socket keeps of monitor events, counters and refusals."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import socket_types
from .. import state as S
from ..subscriptions import peer_label

if TYPE_CHECKING:
    from ..socket_record import SocketRecord


@dataclass(frozen=True)
class Hint:
    key: str  # stable while the same situation lasts
    text: str  # one line (escape it to show it)
    explain: str  # why, and the way out (escape it to show it)


@dataclass(frozen=True)
class Timing:
    """How long situations last before they are worth saying (seconds)."""

    interval: float = 0.5  # how often hints are worked out
    quiet: float = 5.0  # a connected, subscribed SUB that received nothing for this long
    recent: float = 2.0  # "is sending": sent something within this long
    req_wait: float = 2.0  # a REQ waiting for its reply this long
    hang: float = 3.0  # a connect that neither connects nor is refused for this long
    shown: float = 30.0  # how long a past event (slow joiner, a gap, a refused handshake) stays
    retries: int = 2  # reconnect attempts before a retry loop is worth a hint


#: most received entries examined for counter gaps per socket per evaluation
GAP_SCAN_LIMIT = 5_000
#: placeholders a repeat-send template may hold, as the text they become
_PLACEHOLDER_PATTERNS = {
    "seq": rb"(\d+)", "time": rb".+?", "epoch": rb"[0-9.]+", "ms": rb"\d+", "rand": rb"\d+",
    "uuid": rb"[0-9a-f-]+", "body": rb".*?",
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(_PLACEHOLDER_PATTERNS) + r")\}")
_CRYPTOGRAPHIC = 0x11000001
_MISMATCH = 0x11000002


def counter_pattern(template: str) -> tuple[re.Pattern[bytes], bytes] | None:
    """A regular expression matching what a repeat-send template frame (or a pattern the user
    marked) becomes, with the ``{seq}`` number as its group, and the literal bytes every match
    starts with; None without ``{seq}``."""
    if "{seq}" not in template or template.startswith(("hex:", "b64:", "@")) and \
            not template.startswith("@@"):
        return None
    if template.startswith("text:"):
        template = template[5:]
    elif template.startswith("@@"):
        template = template[1:]
    parts = []
    pos = 0
    seen_seq = False
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos:match.start()].encode()))
        key = match.group(1)
        if key == "seq" and not seen_seq:
            parts.append(_PLACEHOLDER_PATTERNS["seq"])
            seen_seq = True
        elif key == "seq":
            parts.append(rb"\d+")
        else:
            parts.append(_PLACEHOLDER_PATTERNS[key])
        pos = match.end()
    parts.append(re.escape(template[pos:].encode()))
    first = _PLACEHOLDER.search(template)
    assert first is not None  # the template has a placeholder (checked above)
    head = template[:first.start()].encode()
    return re.compile(b"".join(parts), re.DOTALL), head


def marked_pattern(text: str) -> tuple[re.Pattern[bytes], bytes] | None:
    """As :func:`counter_pattern`, for a number the user marked with ``{seq}`` in the log's
    filter: found anywhere in a frame, ignoring case unless the text has a capital letter, as
    the filter matches; None without ``{seq}``."""
    if "{seq}" not in text:
        return None
    first, *rest = (re.escape(part.encode()) for part in text.split("{seq}"))
    body = first + rb"(\d+)" + rb"\d+".join(rest)
    flags = re.DOTALL | (0 if any(c.isupper() for c in text) else re.IGNORECASE)
    return re.compile(rb".*?" + body + rb".*", flags), b""


class _Retry:
    # times to show are wall-clock (time.time()); durations are measured on time.monotonic()
    __slots__ = ("attempts", "since", "refused", "delayed_at", "went_away")

    def __init__(self) -> None:
        self.attempts = 0
        self.since = 0.0  # wall clock: the first attempt
        self.refused = 0
        self.delayed_at: float | None = None  # monotonic: a connect in progress since
        self.went_away: float | None = None  # wall clock: the peer left


class _Failure:
    __slots__ = ("event", "value", "count", "first", "last")

    def __init__(self, event: str, value: int, now: float) -> None:
        self.event = event
        self.value = value
        self.count = 0
        self.first = time.time()  # wall clock, to show
        self.last = now  # monotonic


class _Counter:
    """Gaps in one numbered stream (a ``{seq}`` template) as one socket receives it."""

    __slots__ = ("pattern", "head", "label", "last", "missing", "gap", "gap_at")

    def __init__(self, pattern: re.Pattern[bytes], head: bytes, label: str) -> None:
        self.pattern = pattern
        self.head = head  # what every matching frame starts with (a cheap test first)
        self.label = label
        self.last: int | None = None
        self.missing = 0
        self.gap: tuple[int, int, int] | None = None  # (missing, last before, first after)
        self.gap_at = 0.0


class Watch:
    """What the hints of one socket need beyond its view (engine thread only)."""

    def __init__(self, now: float) -> None:
        self.retry: dict[str, _Retry] = {}
        self.failures: dict[str, _Failure] = {}
        # PAIR (bound): the connection it talks to, and those it turned away
        self.pair_active: tuple[int, str] | None = None
        self.pair_turned: dict[int, str] = {}
        # PUB/XPUB: messages sent while nobody could receive them
        self.out_mark = 0
        self.last_sent = float("-inf")
        self.nowhere = 0  # in all
        self.episode = 0  # since the last time someone could receive
        self.joined: float | None = None
        # REQ: (messages out, when first seen waiting, when the request went: None if queued)
        self.req: tuple[int, float, float | None] | None = None
        # SUB: when it last received (or started to be able to)
        self.in_mark = -1
        self.quiet_since = now
        self.quiet_key: object = None
        self.pub_marks: dict[int, int] = {}
        # outbox
        self.pending_prev = 0
        self.pending_since: float | None = None
        # bind: who holds a port (looked up once per endpoint, on a thread)
        self.holders: dict[str, str] = {}
        self.lookups: list[threading.Thread] = []
        # counters carried in messages
        self.counters: dict[str, _Counter] = {}
        self.marked: str | None = None  # a pattern the user marked
        self.scanned = 0
        # ROUTER: identities no connected peer had -> [messages, last time, refused (not dropped)]
        self.unknown: dict[bytes, list[Any]] = {}
        self.hints: tuple[Hint, ...] = ()

    def unroutable(self, identity: bytes, refused: bool, now: float) -> int:
        """A ROUTER message for ``identity`` found no connected peer (called per such send).
        Returns how many have, lately."""
        seen = self.unknown.get(identity)
        if seen is None:
            if len(self.unknown) >= 64:  # a few kept: the hint names the newest
                self.unknown.pop(next(iter(self.unknown)))
            seen = self.unknown[identity] = [0, now, refused]
        seen[0] += 1
        seen[1] = now
        seen[2] = refused
        return int(seen[0])

    # -- monitor events (called before the event changes the endpoint's state) -------------------

    def event(self, s: SocketRecord, name: str, value: int, where: str, now: float) -> None:
        if s.type in socket_types.PUBLISHING:
            self.account(s, now)
        role = _role(s.view, where)
        if name == "CONNECT_DELAYED":
            r = self.retry.setdefault(where, _Retry())
            if r.delayed_at is None:
                r.delayed_at = now
        elif name == "CLOSED":
            r = self.retry.setdefault(where, _Retry())
            r.refused += 1
            r.delayed_at = None
        elif name == "CONNECT_RETRIED":
            r = self.retry.setdefault(where, _Retry())
            r.attempts += 1
            r.since = r.since or time.time()
            r.delayed_at = None
        elif name == "CONNECTED":
            self.retry.pop(where, None)
            if s.type == "PAIR":
                self._pair_came(value, now)
        elif name == "ACCEPTED" and s.type == "PAIR":
            self._pair_came(value, now)
        elif name == "DISCONNECTED":
            if role == S.CONNECT:
                r = self.retry.setdefault(where, _Retry())
                r.went_away = time.time()
            if s.type == "PAIR":
                self._pair_went(value)
        elif name.startswith("HANDSHAKE_FAILED"):
            f = self.failures.get(where)
            if f is None or (f.event, f.value) != (name, value):
                f = self.failures[where] = _Failure(name, value, now)
            f.count += 1
            f.last = now
        elif name == "HANDSHAKE_SUCCEEDED" and role == S.CONNECT:
            self.failures.pop(where, None)

    def _pair_came(self, fd: int, now: float) -> None:
        label = peer_label(fd)
        if self.pair_active is None:
            self.pair_active = (fd, label)
        else:
            self.pair_turned[fd] = label

    def _pair_went(self, fd: int) -> None:
        if self.pair_active is not None and self.pair_active[0] == fd:
            self.pair_active = None
        else:
            self.pair_turned.pop(fd, None)

    def account(self, s: SocketRecord, now: float) -> None:
        """Count what a PUB or XPUB sent since last time, as gone nowhere if no one could
        receive it (called before a peer comes or goes, and on the timer)."""
        out = s.view.stats.msgs_out
        sent = out - self.out_mark
        self.out_mark = out
        if sent > 0:
            self.last_sent = now
        can = _can_receive(s)
        if can is False:
            if self.joined is not None:  # everyone left: a new episode begins
                self.joined = None
                self.episode = 0
            self.nowhere += sent
            self.episode += sent
        elif can and self.episode and self.joined is None:
            self.joined = now


def _role(view: S.SocketView, where: str) -> str | None:
    for ep in view.endpoints:
        if where in (ep.endpoint, ep.resolved):
            return ep.role
    return None


def _can_receive(s: SocketRecord) -> bool | None:
    """Whether anyone would receive what this PUB or XPUB sends now (None: cannot tell)."""
    peers = _peers(s.view)
    if peers is None:
        return None
    if s.kind.subscriber_table and s.view.subscribers is not None:
        return bool(s.view.subscribers.rows)
    return peers > 0


def _peers(view: S.SocketView) -> int | None:
    """Peers connected, or None when that cannot be known (an inproc endpoint)."""
    total = 0
    for ep in view.endpoints:
        if _inproc(ep):
            return None
        if ep.state in (S.LISTENING, S.CONNECTED):
            total += ep.peers
    return total


def _inproc(ep: S.EndpointState) -> bool:
    return (ep.resolved or ep.endpoint).startswith("inproc://")
