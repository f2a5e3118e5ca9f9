"""Turning socket monitor events into endpoint states and readable log entries.

Pure functions: the poller thread reads the events and stores what these return.
"""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from typing import TYPE_CHECKING

import zmq

from . import state as S

if TYPE_CHECKING:
    from .credentials import SecurityState

#: events of one reconnect cycle to an absent peer; repeats fold into one log entry
RETRY_CYCLE = frozenset({"CONNECT_DELAYED", "CLOSED", "CONNECT_RETRIED"})

_PROTOCOL_ERRORS = {
    int(getattr(zmq, name)): name.removeprefix("PROTOCOL_ERROR_").lower().replace("_", " ")
    for name in dir(zmq)
    if name.startswith("PROTOCOL_ERROR_")
}


def event_name(event: int) -> str:
    try:
        return str(zmq.Event(event).name)
    except ValueError:
        return f"EVENT_{event}"


#: events of a connection that keeps failing the same way (a handshake refused, a tunnel whose
#: far end refuses): while an endpoint is in such a loop they fold into the failure's entry
LOOP_EVENTS = RETRY_CYCLE | {"CONNECTED", "DISCONNECTED", "ACCEPTED"}

_CRYPTOGRAPHIC = int(getattr(zmq, "PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC", 0x11000001))
_MISMATCH = int(getattr(zmq, "PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH", 0x11000002))


def detail(name: str, value: int, security: SecurityState | None = None) -> str:
    """A short human reading of the event's value (which means something different per event).

    ``security`` is the socket's :class:`~.credentials.SecurityState` (None: no mechanism), so
    a handshake's result can be said in the words of what most likely happened."""
    mech = security.mechanism.upper() if security is not None else ""
    server = security is not None and security.role == "server"
    if name == "HANDSHAKE_SUCCEEDED":
        return f"{mech} handshake ok" if mech else ""
    if name == "HANDSHAKE_FAILED_NO_DETAIL":
        if mech == "CURVE" and not server and value in (errno.EPIPE, errno.ECONNRESET):
            return "wrong server key? the server dropped the CURVE handshake"
        if not mech and value in (errno.EPIPE, errno.ECONNRESET):
            return "the peer dropped the handshake: does it expect encryption (CURVE) or PLAIN?"
        return os.strerror(value) if value else ""
    if name in ("BIND_FAILED", "ACCEPT_FAILED", "CLOSE_FAILED"):
        return os.strerror(value) if value else ""
    if name == "CONNECT_RETRIED":
        return f"retry in {value} ms"
    if name == "HANDSHAKE_FAILED_PROTOCOL":
        if value == _MISMATCH:
            if mech:
                return f"mechanism mismatch: this socket uses {mech}, the peer does not"
            return ("mechanism mismatch: the peer uses a security mechanism (CURVE or PLAIN?) "
                    "and this socket has none")
        if value == _CRYPTOGRAPHIC and mech == "CURVE":
            if server:
                return "wrong server key: a client's CURVE handshake did not decrypt"
            return "CURVE keys do not match (wrong server key?)"
        return _PROTOCOL_ERRORS.get(value, f"protocol error {value}")
    if name == "HANDSHAKE_FAILED_AUTH":
        if server and security is not None and security.refused:
            return f"{security.refused} (ZAP {value})"
        if value == 400 and mech == "PLAIN":
            return "user name or password not accepted (ZAP 400)"
        if value == 400:
            return "the server refused this client: client key not allowed or address denied " \
                   "(ZAP 400)"
        if value == 300:
            return "the server's authenticator failed for now (ZAP 300)"
        if value == 500:
            return "the server's authenticator failed (ZAP 500)"
        return f"authentication refused, status {value}"
    return ""


def matches(ep: S.EndpointState, endpoint: str) -> bool:
    return endpoint in (ep.endpoint, ep.resolved)


def in_loop(ep: S.EndpointState | None) -> bool:
    """Whether the endpoint is in a failure that repeats (its connection events then fold)."""
    if ep is None:
        return False
    if ep.handshake.startswith(("handshake failed", "handshake refused", "a peer failed")):
        return True
    return bool(ep.via) and ep.state != S.CONNECTED


def transition(ep: S.EndpointState, name: str, value: int,
               security: SecurityState | None = None) -> S.EndpointState:
    """The endpoint's state after monitor event ``name``."""
    if name == "HANDSHAKE_SUCCEEDED":
        words = detail(name, value, security)
        if ep.role == S.CONNECT:
            # (through a tunnel, CONNECTED only meant that ssh's local end took the connection)
            return replace(ep, state=S.CONNECTED, peers=1, reason="", handshake=words)
        return replace(ep, handshake=words) if words or ep.handshake else ep
    if name == "HANDSHAKE_FAILED_NO_DETAIL" and ep.via and ep.role == S.CONNECT and (
            security is None or ep.reason.startswith("forward refused")):
        # through a tunnel this is ssh closing a connection its far end refused; the tunnel
        # says why
        return replace(ep, state=S.RETRYING, peers=0)
    if name.startswith("HANDSHAKE_FAILED"):
        words = detail(name, value, security)
        if ep.role == S.BIND:
            return replace(ep, handshake=f"a peer failed the handshake: {words}")
        verb = "refused" if name == "HANDSHAKE_FAILED_AUTH" else "failed"
        return replace(ep, state=S.FAILED, peers=0, reason="",
                       handshake=f"handshake {verb}: {words}")
    if ep.via and ep.role == S.CONNECT:
        # the tunnel's own states (starting, refused, down) are set by the tunnel; here only
        # what the socket itself can tell
        if name == "DISCONNECTED" and ep.state == S.CONNECTED:
            return replace(ep, state=S.RETRYING, peers=0, reason="peer went away")
        return ep
    if name == "LISTENING":
        return replace(ep, state=S.LISTENING, reason="")
    if name == "BIND_FAILED":
        return replace(ep, state=S.FAILED, reason=detail(name, value))
    if name == "ACCEPTED":
        return replace(ep, state=S.LISTENING, peers=ep.peers + 1, reason="")
    if name == "CONNECTED":
        if in_loop(ep):  # the handshake that follows decides; it failed the last time
            return ep
        return replace(ep, state=S.CONNECTED, peers=1, reason="")
    if name == "CONNECT_RETRIED":
        if in_loop(ep):
            return replace(ep, state=S.RETRYING, peers=0)
        return replace(ep, state=S.RETRYING, peers=0, reason="no peer answering")
    if name == "CONNECT_DELAYED" and ep.state == S.PENDING:
        return replace(ep, state=S.RETRYING, reason="connecting")
    if name == "DISCONNECTED":
        if ep.role == S.BIND:
            return replace(ep, peers=max(ep.peers - 1, 0))
        if in_loop(ep):  # a failed handshake stays failed until libzmq really retries
            return replace(ep, state=S.FAILED if ep.state == S.FAILED else S.RETRYING, peers=0)
        return replace(ep, state=S.RETRYING, peers=0, reason="peer went away")
    return ep
