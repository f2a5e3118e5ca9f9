"""Every socket type with its partner, on tcp, ipc and inproc, with either side bound."""

from __future__ import annotations

import re

import pytest
from conftest import (
    Endpoints,
    create,
    events,
    received,
    wait_received,
    wait_until,
)

from zmqdash.engine import commands as C

#: a multipart message with an empty frame and bytes that are not UTF-8
MESSAGE = [b"hello", b"\x00\xff\xfe binary", b"", "日本".encode()]
REPLY = [b"re", b"", b"ply \x01"]

PAIRS = [
    ("REQ", "REP"),
    ("PUB", "SUB"),
    ("PUSH", "PULL"),
    ("PAIR", "PAIR"),
    ("ROUTER", "DEALER"),  # the ROUTER speaks first, to the DEALER's routing id
    ("DEALER", "ROUTER"),  # the DEALER speaks first; the ROUTER answers the id it saw
    ("XPUB", "XSUB"),
    ("REQ", "ROUTER"),
]


def _probe_until_received(engine, sender: str, receiver: str) -> int:
    """PUB's slow joiner: publish probes until one arrives; return the messages received."""
    view = engine.view(receiver)
    while True:
        engine.call(C.Send(sender, (b"probe",)))
        try:
            wait_until(engine, lambda: view.stats.msgs_in > 0, timeout=0.05)
        except AssertionError:
            continue
        return view.stats.msgs_in


def _wait_router_knows_peer(engine, router: str, transport: str) -> None:
    """A ROUTER can address a connecting peer once the handshake carried its routing id (inproc
    has no monitor events and no handshake: the id is there at connect)."""
    if transport == "inproc":
        return
    view = engine.view(router)
    wait_until(engine, lambda: any(ev.event == "HANDSHAKE_SUCCEEDED" for ev in events(view)),
               what="the ROUTER's handshake")


@pytest.mark.timeout(20)
@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
@pytest.mark.parametrize("binder", ["first", "second"])
@pytest.mark.parametrize("types", PAIRS, ids=lambda t: "-".join(t))
def test_pair_exchanges_multipart_messages(engine, tmp_path, types, binder, transport):
    a_type, b_type = types
    eps = Endpoints(transport, tmp_path)
    a_opts = b_opts = ()
    if types == ("ROUTER", "DEALER"):
        a_opts = (("router_mandatory", "true"),)  # an unknown id would be an error, not a drop
        b_opts = (("routing_id", "dealer-1"),)
    create(engine, "a", a_type, *a_opts)
    create(engine, "b", b_type, *b_opts)
    bound, other = ("a", "b") if binder == "first" else ("b", "a")
    real = engine.call(C.Bind(bound, eps.bind_ep()))
    assert engine.call(C.Connect(other, real)) == real
    if transport == "tcp":
        assert re.fullmatch(r"tcp://127\.0\.0\.1:\d+", real) and not real.endswith(":0")
    a, b = engine.view("a"), engine.view("b")
    bound_ep = engine.view(bound).endpoints[0]
    assert (bound_ep.role, bound_ep.resolved) == ("bind", real)

    if types == ("REQ", "REP"):
        engine.call(C.Send("a", tuple(MESSAGE)))
        assert wait_received(engine, "b", 1) == [MESSAGE]
        engine.call(C.Send("b", tuple(REPLY)))
        assert wait_received(engine, "a", 1) == [REPLY]
    elif types == ("PUB", "SUB"):
        engine.call(C.Subscribe("b", b""))
        probes = _probe_until_received(engine, "a", "b")
        engine.call(C.Send("a", tuple(MESSAGE)))
        got = wait_received(engine, "b", probes + 1)
        assert got[-1] == MESSAGE and all(m == [b"probe"] for m in got[:-1])
    elif types == ("PUSH", "PULL"):
        engine.call(C.Send("a", tuple(MESSAGE)))
        engine.call(C.Send("a", tuple(REPLY)))
        assert wait_received(engine, "b", 2) == [MESSAGE, REPLY]
    elif types == ("PAIR", "PAIR"):
        engine.call(C.Send("a", tuple(MESSAGE)))
        engine.call(C.Send("b", tuple(REPLY)))
        assert wait_received(engine, "b", 1) == [MESSAGE]
        assert wait_received(engine, "a", 1) == [REPLY]
    elif types == ("ROUTER", "DEALER"):
        _wait_router_knows_peer(engine, "a", transport)
        engine.call(C.Send("a", tuple(MESSAGE), peer=b"dealer-1"))
        assert wait_received(engine, "b", 1) == [MESSAGE]
        engine.call(C.Send("b", tuple(REPLY)))
        assert wait_received(engine, "a", 1) == [[b"dealer-1", *REPLY]]
        assert a.peers_seen == (b"dealer-1",)
    elif types == ("DEALER", "ROUTER"):
        engine.call(C.Send("a", tuple(MESSAGE)))
        [[ident, *frames]] = wait_received(engine, "b", 1)
        assert frames == MESSAGE
        assert ident and b.peers_seen == (ident,)
        engine.call(C.Send("b", tuple(REPLY), peer=ident))
        assert wait_received(engine, "a", 1) == [REPLY]
    elif types == ("XPUB", "XSUB"):
        engine.call(C.Subscribe("b", b""))
        assert wait_received(engine, "a", 1) == [[b"\x01"]]  # the subscription frame
        engine.call(C.Send("a", tuple(MESSAGE)))
        assert wait_received(engine, "b", 1) == [MESSAGE]
    elif types == ("REQ", "ROUTER"):
        engine.call(C.Send("a", tuple(MESSAGE)))
        [[ident, delimiter, *frames]] = wait_received(engine, "b", 1)
        assert (delimiter, frames) == (b"", MESSAGE)
        engine.call(C.Send("b", (b"", *REPLY), peer=ident))
        assert wait_received(engine, "a", 1) == [REPLY]
    else:  # pragma: no cover - a new pair without a scenario
        raise AssertionError(f"no scenario for {types}")

    # counters agree with what crossed the wire (XSUB's subscription frame is not a message)
    for view in (a, b):
        assert view.stats.errors == 0, entries_text(view)
        assert view.stats.msgs_in == len(received(view))
    assert a.stats.msgs_out + b.stats.msgs_out >= 1


def entries_text(view) -> str:
    return "\n".join(repr(e) for e in view.log.since(0))
