"""The checks about connections: a connect retrying, a bind whose port another process
holds, an outbox no peer takes from, a PAIR with more than one peer, failing handshakes."""

from __future__ import annotations

import errno
import re
import select
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .. import socket_types
from .. import state as S
from .look import (
    _address,
    _ago,
    _clock,
    _Context,
    _option,
    _s,
)
from .watch import (
    _CRYPTOGRAPHIC,
    _MISMATCH,
    Hint,
    Watch,
    _peers,
    _role,
)

if TYPE_CHECKING:
    from ..socket_record import SocketRecord


def _retrying(c: _Context) -> Iterator[Hint]:
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


def _near_miss(s: SocketRecord, ep: S.EndpointState, socks: Sequence[SocketRecord]) -> str:
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


def _bind_in_use(c: _Context) -> Iterator[Hint]:
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


def _holder(s: SocketRecord, ep: S.EndpointState, socks: Sequence[SocketRecord], w: Watch) -> str:
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
        from .. import porthold

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


def _outbox(c: _Context) -> Iterator[Hint]:
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


def _pair(c: _Context) -> Iterator[Hint]:
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


def _handshakes(c: _Context) -> Iterator[Hint]:
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
