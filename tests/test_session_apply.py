"""Building a session in a real engine, reading it back, and the demo's live traffic."""

from __future__ import annotations

import socket
import time

import pytest

from zmqdash.engine import IN, Engine
from zmqdash.engine.ring import FRAMES, KIND
from zmqdash.session import (
    RepeatSpec,
    Session,
    SocketSpec,
    apply,
    capture,
    close_all,
    demo_session,
)


@pytest.fixture
def engine():
    eng = Engine().start()
    yield eng
    eng.stop()


def _received(engine, name) -> list[list[bytes]]:
    view = engine.sockets().get(name)
    if view is None:
        return []
    return [list(e[FRAMES]) for e in view.log.since(0) if e[KIND] == IN]


def _wait_until(engine, condition, timeout=10.0) -> bool:
    """Wait on the engine's change signal until ``condition()`` holds (or give up)."""
    deadline = time.monotonic() + timeout
    generation = engine.generation
    while not condition():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        generation = engine.wait_for_change(generation, left)
    return True


def test_demo_shows_every_pattern_working(engine):
    assert apply(engine, demo_session()) == []
    receivers = ["echo-server", "client", "subscriber", "worker", "pair-left", "pair-right",
                 "router", "dealer"]
    assert _wait_until(engine, lambda: all(_received(engine, n) for n in receivers)), {
        n: _received(engine, n) for n in receivers}
    assert _received(engine, "echo-server")[0] == [b"Hello #1"]
    assert _wait_until(engine, lambda: _received(engine, "client"))
    assert _received(engine, "client")[0] == [b"Echo: Hello #1"]
    assert _received(engine, "worker")[0] == [b"task #1"]
    assert _received(engine, "router")[0] == [b"dealer-1", b"job #1"]
    assert _received(engine, "dealer")[0] == [b"ack: job #1"]
    assert _received(engine, "pair-left")[0] == [b"pong #1"]
    assert _received(engine, "pair-right")[0] == [b"ping #1"]
    # the subscriber only ever sees the updates it subscribed to
    assert _wait_until(engine, lambda: len(engine.view("publisher").log.since(0)) >= 4)
    subscriber = _received(engine, "subscriber")
    assert subscriber and all(m[0].startswith(b"1-Update! >> #") for m in subscriber)


def test_two_demos_in_two_engines_do_not_collide():
    with Engine() as first, Engine() as second:
        assert apply(first, demo_session()) == []
        assert apply(second, demo_session()) == []
        assert _wait_until(second, lambda: _received(second, "worker"))


def test_apply_collects_every_error_and_carries_on(engine):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        session = Session("s", [
            SocketSpec("busy", "PULL", bind=[f"tcp://127.0.0.1:{port}", "inproc://fine"]),
            SocketSpec("bad-option", "PUSH", options={"router_mandatory": 1},
                       connect=["inproc://fine"]),
            SocketSpec("pusher", "PUSH", connect=["inproc://fine"],
                       repeat=[RepeatSpec(["job {seq}"], 10, count=3)]),
        ])
        errors = apply(engine, session)
    finally:
        taken.close()
    assert len(errors) == 2, errors
    # sockets are created first, then bound: errors come in that order
    assert errors[0] == "bad-option: option router_mandatory: 1 is not accepted for a PUSH socket"
    assert errors[1] == f"busy: bind tcp://127.0.0.1:{port}: address already in use"
    assert list(engine.sockets()) == ["busy", "pusher"]
    # the failed bind did not stop the rest: the inproc bind and the pusher work
    assert _wait_until(engine, lambda: len(_received(engine, "busy")) == 3)


def test_existing_socket_names_are_reported(engine):
    session = Session("s", [SocketSpec("a", "PAIR", bind=["inproc://a"])])
    assert apply(engine, session) == []
    assert apply(engine, session) == ["a: there is already a socket named 'a'"]
    assert close_all(engine) == []
    assert _wait_until(engine, lambda: not engine.sockets())
    # the name is free again (a new endpoint: libzmq frees a closed inproc one a little later)
    again = Session("s", [SocketSpec("a", "PAIR", bind=["inproc://a-again"])])
    assert apply(engine, again) == []


def test_capture_reads_back_what_was_applied(engine):
    session = Session("lab", [
        SocketSpec("server", "REP", bind=["tcp://127.0.0.1:*"], reply=["Echo: {body}"],
                   options={"linger": 100, "rcvhwm": 50}),
        SocketSpec("echo", "ROUTER", bind=["inproc://echo"], reply=[],
                   options={"routing_id": "007", "router_mandatory": 1}),
        SocketSpec("feed", "SUB", connect=["tcp://127.0.0.1:1", "inproc://nowhere"],
                   subscribe=[b"", b"\x00\xff"]),
        SocketSpec("pub", "XPUB", bind=["inproc://pub"],
                   repeat=[RepeatSpec(["a {seq}", "hex:00"], 60_000, count=5)]),
        SocketSpec("router", "ROUTER", bind=["inproc://r"],
                   repeat=[RepeatSpec(["x"], 60_000, peer=b"\x00\x01")]),
    ])
    assert apply(engine, session) == []
    extras = {"server": {"format": "hex", "snippets": ["hi", "hex:00"]}}
    captured = capture(engine, "lab", extras)
    session.sockets[0].format = "hex"
    session.sockets[0].snippets = ["hi", "hex:00"]
    # the engine lists an endpoint whose state changed last, so compare endpoints as sets
    for sock in captured.sockets + session.sockets:
        sock.connect.sort()
    assert captured == session


def test_capture_skips_closed_sockets(engine):
    session = Session("s", [SocketSpec("a", "PAIR"), SocketSpec("b", "PAIR")])
    assert apply(engine, session) == []
    assert close_all(engine) == []
    assert capture(engine, "s").sockets == []
