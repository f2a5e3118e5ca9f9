"""Turning socket monitor events into endpoint states and readable log entries.

Pure functions: the poller thread reads the events and stores what these return.
"""

from __future__ import annotations

import os
from dataclasses import replace

import zmq

from . import state as S

#: events of one reconnect cycle to an absent peer; repeats fold into one log entry
RETRY_CYCLE = frozenset({"CONNECT_DELAYED", "CLOSED", "CONNECT_RETRIED"})

_PROTOCOL_ERRORS = {
    int(getattr(zmq, name)): name.removeprefix("PROTOCOL_ERROR_").lower().replace("_", " ")
    for name in dir(zmq)
    if name.startswith("PROTOCOL_ERROR_")
}


def event_name(event: int) -> str:
    try:
        return zmq.Event(event).name
    except ValueError:
        return f"EVENT_{event}"


def detail(name: str, value: int) -> str:
    """A short human reading of the event's value (which means something different per event)."""
    if name in ("BIND_FAILED", "ACCEPT_FAILED", "CLOSE_FAILED", "HANDSHAKE_FAILED_NO_DETAIL"):
        return os.strerror(value) if value else ""
    if name == "CONNECT_RETRIED":
        return f"retry in {value} ms"
    if name == "HANDSHAKE_FAILED_PROTOCOL":
        return _PROTOCOL_ERRORS.get(value, f"protocol error {value}")
    if name == "HANDSHAKE_FAILED_AUTH":
        return f"authentication refused, status {value}"
    return ""


def matches(ep: S.EndpointState, endpoint: str) -> bool:
    return endpoint in (ep.endpoint, ep.resolved)


def transition(ep: S.EndpointState, name: str, value: int) -> S.EndpointState:
    """The endpoint's state after monitor event ``name``."""
    if name == "LISTENING":
        return replace(ep, state=S.LISTENING, reason="")
    if name == "BIND_FAILED":
        return replace(ep, state=S.FAILED, reason=detail(name, value))
    if name == "ACCEPTED":
        return replace(ep, state=S.LISTENING, peers=ep.peers + 1, reason="")
    if name == "CONNECTED":
        return replace(ep, state=S.CONNECTED, peers=1, reason="")
    if name == "CONNECT_RETRIED":
        return replace(ep, state=S.RETRYING, peers=0, reason="no peer answering")
    if name == "CONNECT_DELAYED" and ep.state == S.PENDING:
        return replace(ep, state=S.RETRYING, reason="connecting")
    if name == "DISCONNECTED":
        if ep.role == S.BIND:
            return replace(ep, peers=max(ep.peers - 1, 0))
        return replace(ep, state=S.RETRYING, peers=0, reason="peer went away")
    if name.startswith("HANDSHAKE_FAILED"):
        if ep.role == S.BIND:
            return replace(ep, reason=f"a peer failed the handshake: {detail(name, value)}")
        return replace(ep, state=S.FAILED, peers=0, reason=f"handshake: {detail(name, value)}")
    return ep
