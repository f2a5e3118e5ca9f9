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
"""

from __future__ import annotations

import errno
import re
import select
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass

from . import socket_types
from . import state as S
from .ring import FRAMES, IN, KIND, OUT, SEQ, TS
from .subscriptions import peer_label, prefix_text


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


def _s(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _prefixes(subs: tuple[bytes, ...]) -> str:
    shown = [prefix_text(p) for p in subs[:4]]
    more = f" (+{len(subs) - 4} more)" if len(subs) > 4 else ""
    if len(shown) == 1:
        return shown[0] + more
    return ", ".join(shown[:-1]) + " or " + shown[-1] + more


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
    head = template[:_PLACEHOLDER.search(template).start()].encode()
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
        self.unknown: dict[bytes, list] = {}
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
        return seen[0]

    # -- monitor events (called before the event changes the endpoint's state) -------------------

    def event(self, s, name: str, value: int, where: str, now: float) -> None:
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

    def account(self, s, now: float) -> None:
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


# -- what the checks look at ---------------------------------------------------------------------


def _role(view, where: str) -> str | None:
    for ep in view.endpoints:
        if where in (ep.endpoint, ep.resolved):
            return ep.role
    return None


def _inproc(ep: S.EndpointState) -> bool:
    return (ep.resolved or ep.endpoint).startswith("inproc://")


def _peers(view) -> int | None:
    """Peers connected, or None when that cannot be known (an inproc endpoint)."""
    total = 0
    for ep in view.endpoints:
        if _inproc(ep):
            return None
        if ep.state in (S.LISTENING, S.CONNECTED):
            total += ep.peers
    return total


def _can_receive(s) -> bool | None:
    """Whether anyone would receive what this PUB or XPUB sends now (None: cannot tell)."""
    peers = _peers(s.view)
    if peers is None:
        return None
    if s.type == "XPUB" and s.view.subscribers is not None:
        return bool(s.view.subscribers.rows)
    return peers > 0


def _address(ep: S.EndpointState) -> str:
    return ep.resolved or ep.endpoint


def _linked(s, socks, types: Collection[str]) -> list:
    """Sockets of these types in this engine at the other end of one of ``s``'s endpoints."""
    mine = {(_address(ep), ep.role) for ep in s.view.endpoints}
    found = []
    for other in socks:
        if other is s or other.type not in types:
            continue
        for ep in other.view.endpoints:
            opposite = S.CONNECT if ep.role == S.BIND else S.BIND
            if (_address(ep), opposite) in mine or (ep.endpoint, opposite) in mine:
                found.append(other)
                break
    return found


def _newest(ring, kind: str, limit: int = 64) -> list[tuple]:
    """Up to ``limit`` of the newest entries of ``kind`` among the last ``limit`` entries."""
    out = []
    for seq in range(ring.total - 1, max(ring.first, ring.total - limit) - 1, -1):
        entry = ring.get(seq)
        if entry is not None and entry[KIND] == kind:
            out.append(entry)
    return out


def _option(view, name: str) -> str | None:
    for key, value in view.options:
        if key == name:
            return value
    return None


# -- the checks ----------------------------------------------------------------------------------


class _Context:
    __slots__ = ("s", "w", "socks", "t", "now")

    def __init__(self, s, w: Watch, socks, timing: Timing, now: float) -> None:
        self.s = s
        self.w = w
        self.socks = socks
        self.t = timing
        self.now = now


def _no_subscription(c: _Context):
    v = c.s.view
    if c.s.type not in socket_types.SUBSCRIBING or v.subscriptions or not v.endpoints:
        return
    yield Hint(
        "no-subscription",
        "subscribed to nothing, so nothing arrives: subscribe to * (everything) or a prefix",
        f"A {c.s.type} receives only messages whose first frame starts with a prefix it "
        "subscribed to, and it starts with none. Subscribe to * (the empty prefix) to see "
        "everything the publishers send, or to the prefix you want (s edits the "
        "subscriptions; -s on the command line; subscribe = [...] in a session).",
    )


def _no_match(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    if s.type != "SUB" or not v.subscriptions:
        return
    connected = any(ep.state in (S.CONNECTED, S.ATTACHED) or (ep.state == S.LISTENING
                                                               and ep.peers) for ep in
                    v.endpoints)
    pubs = _linked(s, c.socks, socket_types.PUBLISHING)
    key = (v.stats.msgs_in, v.subscriptions, connected)
    if key != w.quiet_key:  # it received, or its prefixes or connection changed: start again
        w.quiet_key = key
        w.quiet_since = c.now
        w.pub_marks = {p.uid: p.view.stats.msgs_out for p in pubs}
        return
    if not connected:
        return
    quiet = c.now - w.quiet_since
    subs = _prefixes(v.subscriptions)
    sending = [(p, p.view.stats.msgs_out - w.pub_marks.get(p.uid, p.view.stats.msgs_out))
               for p in pubs]
    sending = [(p, n) for p, n in sending if n > 0]
    if sending and quiet >= c.t.recent:
        pub, n = sending[0]
        heads = []
        for entry in _newest(pub.view.log, OUT):
            head = prefix_text(entry[FRAMES][0][:24]) if entry[FRAMES] else ""
            if head not in heads:
                heads.append(head)
            if len(heads) == 3:
                break
        sample = f": it sends {', '.join(heads)}" if heads else ""
        yield Hint(
            "no-match",
            f"{pub.type} {pub.name} sent {_s(n, 'message')} in {_ago(quiet)} and "
            f"none starts with {subs}{sample}",
            "A SUB keeps only the messages whose first frame starts, byte for byte, with one "
            f"of its prefixes ({subs}); everything else is dropped at the publisher without a "
            "trace. Subscribe to the prefix the publisher really uses (or to * to see "
            "everything first), or change what the publisher sends.",
        )
    elif not pubs and quiet >= c.t.quiet:
        yield Hint(
            "no-match",
            f"connected and subscribed to {subs}, but nothing has arrived for {_ago(quiet)}: "
            f"is the publisher sending, and do its messages start with {subs}?",
            "A SUB keeps only the messages whose first frame starts with one of its prefixes, "
            "and drops the rest without a trace; it cannot tell a silent publisher from one "
            "whose topics do not match. Check what the publisher sends (subscribe to * for a "
            "while to see everything), and that it sends at all.",
        )


def _publishing(c: _Context):
    s, w = c.s, c.w
    if s.type not in socket_types.PUBLISHING:
        return
    w.account(s, c.now)
    can = _can_receive(s)
    if can is False and c.now - w.last_sent < c.t.recent and w.episode:
        peers = _peers(s.view) or 0
        if s.type == "XPUB" and peers:
            who = f"{_s(peers, 'peer')} connected but none has subscribed"
        else:
            who = "no subscriber is connected"
        yield Hint(
            "no-subscriber",
            f"sending to nobody: {who}; {_s(w.episode, 'message')} went nowhere",
            f"A {s.type} sends each message only to the subscribers connected (and subscribed) "
            "at that moment and drops it otherwise, without an error. Connect a subscriber "
            "first, or wait for one before sending (zmqdash cat --wait-peer; in code, wait "
            "for a subscription on an XPUB, or for a reply on a second channel).",
        )
    elif can and w.joined is not None and w.episode and c.now - w.joined < c.t.shown:
        yield Hint(
            "slow-joiner",
            f"slow joiner: {_s(w.episode, 'message')} went out before the first subscriber "
            f"was there, and nobody got them",
            "A subscriber that connects after the publisher started misses everything sent "
            "before its subscription arrived: ZeroMQ drops it, and even a connect takes a few "
            "milliseconds. Start subscribers first and make the publisher wait for them "
            "(zmqdash cat --wait-peer, or an XPUB that sees the subscription), or let late "
            "joiners ask for what they missed.",
        )


def _req_waiting(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    if s.type != "REQ" or not v.awaiting_reply:
        w.req = None
        return
    out = v.stats.msgs_out
    if w.req is None or w.req[0] != out:  # a new request: when it went (still queued: None)
        sent = _newest(v.log, OUT, 16)
        w.req = (out, c.now, sent[0][TS] if sent and not s.outbox else None)
    _, seen, went = w.req
    waited = time.time() - went if went is not None else c.now - seen
    if waited < c.t.req_wait:
        return
    way_out = ("Way out: set req_relaxed=1 (with req_correlate=1) so a new request may go, or "
               "close the socket (w) and add it again; in code, poll with a timeout and "
               "recreate the socket (the guide's Lazy Pirate).")
    if s.outbox:
        yield Hint(
            "req-waiting",
            f"the request has not left after {_ago(waited)}: no server is connected to take "
            "it",
            "A REQ holds its request until a server is connected, and sends nothing else "
            "meanwhile. Start the server, or check the endpoint it connects to. " + way_out,
        )
        return
    yield Hint(
        "req-waiting",
        f"waiting {_ago(waited)} for a reply (sent at {_clock(went)}); it cannot send "
        "again until one comes",
        "A REQ must receive the reply before it may send again; if the server is down, "
        "busy, or lost the request (it restarted), the REQ waits for ever. " + way_out,
    )


def _retrying(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    for ep in v.endpoints:
        if ep.role != S.CONNECT or ep.state not in (S.RETRYING, S.PENDING):
            continue
        where = _address(ep)
        r = w.retry.get(where)
        if r is None or where in w.failures:
            continue  # a failing handshake has a hint of its own
        shown = where
        if r.delayed_at is not None and c.now - r.delayed_at >= c.t.hang:
            yield Hint(
                f"retrying {where}",
                f"no answer from {shown} for {_ago(c.now - r.delayed_at)}, neither connected "
                "nor refused: a firewall dropping packets, or a host that is down?",
                "The connection attempt is neither accepted nor refused, which is what a "
                "firewall that drops packets, a wrong address on the network or a host that is "
                "off looks like (nothing listening would refuse at once). ZeroMQ keeps trying "
                "by itself; check the address, the route and the firewall.",
            )
            continue
        if r.attempts < c.t.retries:
            continue
        attempts = f"{_s(r.attempts, 'attempt')} since {_clock(r.since)}"
        if r.went_away is not None:
            text = (f"the peer at {shown} went away at {_clock(r.went_away)}; reconnecting "
                    f"({attempts})")
            cause = "The peer closed the connection or died; nothing listens there now."
        else:
            what = "nothing is bound at" if where.startswith("ipc://") else \
                "nothing is listening at"
            text = f"{what} {shown} ({attempts})"
            cause = ("Each attempt was refused at once: no socket is bound at that address "
                     "(the server is not running yet, or it is on another port or path).")
        near = _near_miss(s, ep, c.socks)
        if near:
            text += f"; {near}"
        yield Hint(
            f"retrying {where}",
            text,
            f"{cause} A ZeroMQ connect never fails: it retries every reconnect_ivl ms (100 by "
            "default) for ever, and messages wait in the queue meanwhile (a PUB drops them). "
            "Start the peer, or fix the address.",
        )


#: which socket types talk to which
PEER_TYPES = socket_types.PEERS


def _near_miss(s, ep: S.EndpointState, socks) -> str:
    """A socket of this engine that could be the peer, bound on the same host but another
    port (a wrong port?)."""
    where = _address(ep)
    if not where.startswith("tcp://") or ":" not in where[6:]:
        return ""
    host = where[6:].rsplit(":", 1)[0]
    for other in socks:
        if other.type not in PEER_TYPES.get(s.type, ()):
            continue
        for oep in other.view.endpoints:
            addr = _address(oep)
            if oep.role == S.BIND and oep.state == S.LISTENING and \
                    addr.startswith("tcp://") and addr[6:].rsplit(":", 1)[0] in (host, "0.0.0.0"):
                return f"{other.name} listens on {addr}: wrong port?"
    return ""


def _bind_in_use(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    for ep in v.endpoints:
        if ep.role != S.BIND or ep.state != S.FAILED or "in use" not in ep.reason:
            continue
        where = ep.endpoint
        who = w.holders.get(where)
        if who is None:
            who = _holder(s, ep, c.socks, w)
        yield Hint(
            f"bind-in-use {where}",
            f"bind {where} failed: the address is already in use {who}",
            "Only one socket can bind an address at a time. Bind another one "
            "(tcp://127.0.0.1:* picks a free port), connect to the socket that holds it "
            "instead, or stop the process holding it; u drops this failed endpoint and b binds "
            "again.",
        )


LOOKING = "(looking for the process that holds it)"


def _holder(s, ep: S.EndpointState, socks, w: Watch) -> str:
    """Who holds the address ``ep`` failed to bind: a socket of this engine, else the process
    the OS names (looked up once, on a thread of its own; :data:`LOOKING` meanwhile)."""
    for other in socks:
        if other is s:
            continue
        for oep in other.view.endpoints:
            if oep.role == S.BIND and oep.state == S.LISTENING and \
                    ep.endpoint in (oep.endpoint, oep.resolved):
                return f"by {other.name} ({other.type}) in this zmqdash"
    match = re.search(r":(\d+)$", ep.endpoint)
    if not ep.endpoint.startswith("tcp://") or match is None:
        return "(the OS does not say by whom)"
    where = ep.endpoint
    w.holders[where] = LOOKING
    port = int(match.group(1))

    def look() -> None:
        from . import porthold

        found = porthold.holder(port)
        # one store: the timer reads it at its next look
        w.holders[where] = ("(the OS does not say by whom)" if found is None
                            else "by " + found.describe())

    w.lookups.append(threading.Thread(target=look, name="zmqdash-porthold", daemon=True))
    w.lookups[-1].start()
    return LOOKING


def wait_lookups(w: Watch, timeout: float) -> None:
    """Let the port-holder lookups of ``w`` finish (for an answer that is needed now)."""
    for thread in w.lookups:
        thread.join(timeout)
    w.lookups = [t for t in w.lookups if t.is_alive()]


def _outbox(c: _Context):
    w, v = c.w, c.s.view
    pending = v.pending
    prev, w.pending_prev = w.pending_prev, pending
    if not pending or pending < prev:
        w.pending_since = None
        return
    if w.pending_since is None:
        w.pending_since = c.now
    if c.now - w.pending_since < c.t.interval * 1.5:
        return  # one look is not a trend
    growing = " and growing" if pending > prev else ""
    peers = _peers(v)
    if peers == 0:
        why = "no peer is connected to take them"
        explain = ("Messages wait in zmqdash's outbox until a peer is connected (up to 10,000, "
                   "then sending fails). Connect or start the peer.")
    else:
        hwm = _option(v, "sndhwm") or "1000"
        why = (f"the peer is not taking them: its queue is full (high-water mark sndhwm="
               f"{hwm})")
        explain = ("The peer is connected but does not read fast enough (or at all), so "
                   "ZeroMQ's queue towards it reached its high-water mark and the rest wait "
                   "here. Make the receiver keep up, give it more workers, or raise sndhwm "
                   "and rcvhwm if bursts are expected.")
    yield Hint("outbox", f"{_s(pending, 'message')} waiting to leave{growing}: {why}",
               explain)


def _hung_up(fd: int) -> bool:
    """Whether the peer of connection ``fd`` has closed it (looked at, nothing read)."""
    poller = select.poll()
    poller.register(fd, getattr(select, "POLLRDHUP", 0x2000) | select.POLLHUP)
    try:
        return bool(poller.poll(0))
    except OSError:
        return True


def _pair(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    if s.type != "PAIR":
        return
    # libzmq stops reading a connection its PAIR turned away, and then may never report that
    # the peer died: look for ourselves
    for fd in [fd for fd in w.pair_turned if _hung_up(fd)]:
        del w.pair_turned[fd]
    connects = [ep for ep in v.endpoints if ep.role == S.CONNECT and ep.state == S.CONNECTED]
    explain = ("A PAIR is connected to exactly one peer: it takes the first, and every other "
               "connection stays open but unused (what those peers send is lost, and they get "
               "nothing). Use one PAIR per peer, or a ROUTER or DEALER for several.")
    turned = list(w.pair_turned.values())
    if turned and w.pair_active is not None:
        others = ", ".join(t for t in turned[:3])
        yield Hint(
            "pair-extra",
            f"this PAIR already has a peer ({w.pair_active[1]}); {others} "
            f"connected too and get{'s' if len(turned) == 1 else ''} nothing",
            explain,
        )
    elif turned:
        yield Hint(
            "pair-extra",
            f"its peer went away; {_s(len(turned), 'other connection')} turned away earlier "
            "stay unused until they reconnect",
            explain,
        )
    elif len(connects) > 1:
        yield Hint(
            "pair-extra",
            f"connected to {len(connects)} endpoints, but a PAIR talks to one peer only",
            explain,
        )


def _handshakes(c: _Context):
    w, v = c.w, c.s.view
    sec = v.security
    mechanism = sec.mechanism if sec is not None else ""
    curve = mechanism == "curve" or _option(v, "curve_serverkey") is not None
    server = (sec is not None and sec.role == "server") or _option(v, "curve_server") == "1"
    for where, f in list(w.failures.items()):
        role = _role(v, where)
        if role is None or (role == S.BIND and c.now - f.last >= c.t.shown):
            del w.failures[where]
            continue
        if role == S.CONNECT and f.event == "HANDSHAKE_FAILED_AUTH" and \
                c.now - f.last >= c.t.shown and not any(
                    ep.state == S.FAILED for ep in v.endpoints if _address(ep) == where):
            del w.failures[where]
            continue
        shown = where
        times = f" ({_s(f.count, 'time')} since {_clock(f.first)})" if f.count > 1 else ""
        if f.event == "HANDSHAKE_FAILED_PROTOCOL" and f.value == _MISMATCH:
            yield Hint(
                f"handshake {where}",
                f"{shown}: security mechanism mismatch: one side uses CURVE (or PLAIN) and "
                f"the other does not{times}",
                "Both ends of a connection must use the same security mechanism: a CURVE "
                "server talks only to CURVE clients, and a plain (NULL) socket only to plain "
                "ones. Give the client curve_serverkey and a key pair (or the server "
                "curve_server=1 and its secret key), or take security off both.",
            )
        elif f.event == "HANDSHAKE_FAILED_PROTOCOL" and f.value == _CRYPTOGRAPHIC:
            yield Hint(
                f"handshake {where}",
                f"{shown}: a client's CURVE handshake does not decrypt: it has the wrong "
                f"server key{times}",
                "A CURVE client must be given this server's public key (curve_serverkey); one "
                "with another key fails the handshake on every attempt and retries for ever. "
                "Give the client this server's public key.",
            )
        elif f.event == "HANDSHAKE_FAILED_AUTH":
            status = f" (ZAP {f.value})" if f.value else ""
            what = "user name or password" if mechanism == "plain" else "key"
            if role == S.BIND or server:
                text = f"{shown}: a client's {what} was refused by the authenticator{status}"
                if sec is not None and sec.refused:
                    text += f": {sec.refused}"
            else:
                text = f"{shown}: the server refused this socket's {what}{status}"
            yield Hint(
                f"handshake {where}",
                text + times,
                "The server's authenticator (ZAP) decided against the client: its public key "
                "is not in the allowed list, or its address is denied. Allow the client's "
                "public key (or address) on the server, or use a key it allows.",
            )
        elif f.event == "HANDSHAKE_FAILED_NO_DETAIL" and role == S.CONNECT and \
                f.value in (errno.EPIPE, errno.ECONNRESET) and f.count > 1:
            if curve:
                text = (f"{shown}: the server drops the CURVE handshake on every attempt"
                        f"{times}: wrong server key (curve_serverkey)?")
            else:
                text = (f"{shown}: the peer drops every handshake{times}: does it expect "
                        "security (CURVE, PLAIN) this socket does not have?")
            yield Hint(
                f"handshake {where}",
                text,
                "The peer accepts the connection and then closes it during the handshake, "
                "every time: with CURVE, that is what a client with the wrong server public "
                "key sees (the server cannot decrypt it and drops it). Set curve_serverkey to "
                "the server's real public key.",
            )
        elif f.event == "HANDSHAKE_FAILED_NO_DETAIL" and role == S.BIND and server and \
                f.value in (errno.EPIPE, errno.ECONNRESET):
            yield Hint(
                f"handshake {where}",
                f"{shown}: a client hung up during the CURVE handshake{times}: one without "
                "CURVE (a security mechanism mismatch)?",
                "A client that does not use CURVE sees the mismatch and closes the connection "
                "as the handshake begins. Give the client this server's public key "
                "(curve_serverkey) and a key pair of its own.",
            )
        elif f.count > 1 or role == S.CONNECT:
            detail = f.event.removeprefix("HANDSHAKE_FAILED_").lower()
            yield Hint(
                f"handshake {where}",
                f"{shown}: the handshake failed ({detail}, value {f.value}){times}",
                "The connection was made but the ZMTP handshake that follows failed, so no "
                "message can pass. Both ends must agree on the socket types and the security "
                "mechanism and its keys.",
            )


def _gaps(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    if not w.counters or not s.can_recv:
        return
    ring = v.log
    start = max(w.scanned, ring.first)
    if ring.total - start > GAP_SCAN_LIMIT:  # too much to look at: pick up from the newest
        start = ring.total - GAP_SCAN_LIMIT
        for counter in w.counters.values():
            counter.last = None
    counters = list(w.counters.values())
    for entry in ring.since(start):
        if entry[KIND] != IN:
            continue
        for frame in entry[FRAMES][:4]:
            found = False
            for counter in counters:
                if not frame.startswith(counter.head):
                    continue
                m = counter.pattern.fullmatch(frame)
                if m is None:
                    continue
                n = int(m.group(1))
                last = counter.last
                if last is not None and n > last + 1:
                    missing = n - last - 1
                    counter.missing += missing
                    counter.gap = (missing, last, n)
                    counter.gap_at = c.now
                counter.last = n
                found = True
                break
            if found:
                break
        w.scanned = entry[SEQ] + 1
    w.scanned = max(w.scanned, ring.total)
    for key, counter in w.counters.items():
        if counter.gap is None or c.now - counter.gap_at >= c.t.shown:
            continue
        missing, lo, hi = counter.gap
        total = f"; {counter.missing:,} missing in all" if counter.missing > missing else ""
        yield Hint(
            f"gap {key}",
            f"{missing:,} missing between #{lo} and #{hi} in {counter.label}{total}",
            "The messages carry a counter, and some numbers never arrived. A PUB drops "
            "messages for a subscriber whose queue is full (the high-water marks, sndhwm and "
            "rcvhwm) or that was reconnecting; a PUSH deals messages round-robin, so another "
            "PULL got the missing ones; conflate keeps only the newest. Raise the high-water "
            "marks, make the receiver keep up, or look for a second consumer.",
        )


def _router_unknown(c: _Context):
    s, w, v = c.s, c.w, c.s.view
    if s.type != "ROUTER" or not w.unknown:
        return
    for ident, (_, last, _) in list(w.unknown.items()):
        if c.now - last >= c.t.shown:
            del w.unknown[ident]
    if not w.unknown:
        return
    ident, (count, _, refused) = max(w.unknown.items(), key=lambda item: item[1][1])
    shown = prefix_text(ident) if ident else '""'
    heard = ", ".join(prefix_text(p) for p in v.peers_seen[-3:])
    peers = f" (heard from: {heard})" if heard else " (it has heard from no peer yet)"
    if refused:
        text = (f"{_s(count, 'message')} to {shown} refused: no connected peer has that "
                f"identity{peers}")
    else:
        text = (f"{_s(count, 'message')} to {shown} dropped: no connected peer has that "
                f"identity, and router_mandatory is off{peers}")
    others = len(w.unknown) - 1
    if others:
        text += f"; {others} other unknown identit{'ies' if others != 1 else 'y'}"
    yield Hint(
        "router-unknown",
        text,
        "A ROUTER sends each message to the peer whose routing identity is its first frame. "
        "With no such peer connected, ZeroMQ drops the message without a word "
        "(router_mandatory=0) or refuses it (router_mandatory=1, how the dashboard makes "
        "ROUTERs). Use an identity a peer really has (the peer sets routing_id before it "
        "connects, or pick one the ROUTER heard from in the peer chooser), and keep "
        "router_mandatory on to be told at once.",
    )


CHECKS = (_no_subscription, _no_match, _publishing, _req_waiting, _retrying, _bind_in_use,
          _outbox, _pair, _handshakes, _gaps, _router_unknown)


def evaluate(s, watch: Watch, socks, timing: Timing, now: float) -> tuple[Hint, ...]:
    """Every hint that is true of socket ``s`` now (``socks``: all of the engine's sockets)."""
    c = _Context(s, watch, socks, timing, now)
    return tuple(hint for check in CHECKS for hint in check(c))


def watch_counters(watch: Watch, templates: dict[str, tuple[re.Pattern[bytes], bytes]]) -> None:
    """Make ``watch`` look for gaps in every numbered stream of ``templates`` (label ->
    :func:`counter_pattern`), keeping what it knows of streams it already follows."""
    for label, (pattern, head) in templates.items():
        if label not in watch.counters:
            watch.counters[label] = _Counter(pattern, head, label)
