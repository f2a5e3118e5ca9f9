"""The checks about where messages go: a SUB with no subscription or none that matches, a
publisher sending before anyone listens, a REQ waiting for its reply."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import socket_types
from .. import state as S
from ..ring import FRAMES, OUT, TS
from ..subscriptions import prefix_text
from .look import (
    _ago,
    _clock,
    _Context,
    _linked,
    _newest,
    _prefixes,
    _s,
)
from .watch import (
    Hint,
    _can_receive,
    _peers,
)

if TYPE_CHECKING:
    pass


def _no_subscription(c: _Context) -> Iterator[Hint]:
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


def _no_match(c: _Context) -> Iterator[Hint]:
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


def _publishing(c: _Context) -> Iterator[Hint]:
    s, w = c.s, c.w
    if s.type not in socket_types.PUBLISHING:
        return
    w.account(s, c.now)
    can = _can_receive(s)
    if can is False and c.now - w.last_sent < c.t.recent and w.episode:
        peers = _peers(s.view) or 0
        if s.kind.subscriber_table and peers:
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


def _req_waiting(c: _Context) -> Iterator[Hint]:
    s, w, v = c.s, c.w, c.s.view
    if not s.asks or not v.awaiting_reply:
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
        f"waiting {_ago(waited)} for a reply"
        + (f" (sent at {_clock(went)})" if went is not None else "")  # None: it was queued
        + "; it cannot send again until one comes",
        "A REQ must receive the reply before it may send again; if the server is down, "
        "busy, or lost the request (it restarted), the REQ waits for ever. " + way_out,
    )
