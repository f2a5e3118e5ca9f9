"""The one table of what each socket type can do agrees with libzmq, and everything that needs
a list of types reads it."""

from __future__ import annotations

import zmq

from zmqdash.engine import options, socket_types
from zmqdash.engine.socket_types import BY_NAME, TYPES
from zmqdash.session import model
from zmqdash.ui import patterns


def test_each_type_is_libzmqs_own():
    assert {t.name: t.number for t in TYPES} == {t.name: int(getattr(zmq, t.name)) for t in TYPES}
    assert options.SOCKET_TYPES == {t.name: t.number for t in TYPES}


def test_what_a_type_can_do_matches_what_libzmq_does():
    ctx = zmq.Context()
    try:
        for t in TYPES:
            sock = ctx.socket(t.number)
            try:
                assert (t.sends or t.receives), t.name
                if not t.receives:  # a send-only socket cannot receive, says libzmq
                    try:
                        sock.recv(zmq.NOBLOCK)
                    except zmq.ZMQError as exc:
                        assert exc.errno == zmq.ENOTSUP, t.name
                if not t.sends:
                    try:
                        sock.send(b"x", zmq.NOBLOCK)
                    except zmq.ZMQError as exc:
                        assert exc.errno == zmq.ENOTSUP, t.name
                for name in t.options:  # each of its own options is one libzmq has
                    assert zmq.SocketOption[name.upper()]
            finally:
                sock.close(0)
    finally:
        ctx.term()


def test_peers_go_both_ways():
    for t in TYPES:
        for other in t.peers:
            assert t.name in BY_NAME[other].peers, (t.name, other)


def test_the_tabs_and_the_session_read_the_table():
    assert sorted(patterns.ALL_TYPES) == sorted(socket_types.NAMES)
    assert all(patterns.pattern_of(t.name) == t.tab for t in TYPES)
    assert model.SOCKET_TYPE_NAMES == socket_types.NAMES
    assert patterns.SENDING == {t.name for t in TYPES if t.sends}
    assert model.SUBSCRIBING == patterns.SUBSCRIBING == {"SUB", "XSUB"}
    assert model.REPLYING == patterns.REPLYING == {"REP", "ROUTER"}
    assert socket_types.RECEIVE_ONLY == {"SUB", "PULL"}
    assert socket_types.SEND_ONLY == {"PUB", "PUSH"}


def test_flows_go_one_way_between_types_that_can_talk():
    flows = socket_types.FLOWS
    for sender, receiver in flows:
        assert receiver in BY_NAME[sender].peers, (sender, receiver)
        assert (receiver, sender) not in flows, (sender, receiver)
    # a pattern's messages start at what only sends, publishes or asks, and end at what only
    # receives, subscribes or answers; between equals they go either way
    assert {("PUSH", "PULL"), ("PUB", "SUB"), ("XPUB", "XSUB"), ("REQ", "REP"),
            ("REQ", "ROUTER"), ("DEALER", "REP")} <= flows
    for a, b in (("DEALER", "ROUTER"), ("DEALER", "DEALER"), ("ROUTER", "ROUTER"),
                 ("PAIR", "PAIR")):
        assert b in BY_NAME[a].peers and (a, b) not in flows and (b, a) not in flows
    assert socket_types.FLOW_SOURCES == {"PUSH", "PUB", "XPUB", "REQ", "DEALER"}
    assert all(BY_NAME[t].sends for t in socket_types.FLOW_SOURCES)
