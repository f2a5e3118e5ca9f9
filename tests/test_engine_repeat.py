"""Repeat-send (templates, counts, stopping, REQ pacing) and auto-reply on REP and ROUTER."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import pytest
from conftest import create, entries, received, wait_received, wait_until

from zmqdash.engine import INFO, EngineError
from zmqdash.engine import commands as C


def _link(engine, binder: str, connecter: str) -> None:
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind(binder, ep))
    engine.call(C.Connect(connecter, ep))


def _push_pull(engine) -> None:
    create(engine, "push", "PUSH")
    create(engine, "pull", "PULL")
    _link(engine, "pull", "push")


def test_repeat_honours_the_count_and_numbers_from_one(engine):
    _push_pull(engine)
    rid = engine.call(C.RepeatStart("push", ("task {seq}",), interval_ms=1, count=5))
    assert isinstance(rid, int)
    push = engine.view("push")
    wait_until(engine, lambda: push.repeaters == (), what="the repeater to finish")
    assert wait_received(engine, "pull", 5) == [[b"task %d" % i] for i in range(1, 6)]
    assert push.stats.msgs_out == 5
    notes = [e[4] for e in entries(push, INFO)]
    assert f"repeat-send #{rid} finished after 5 messages" in notes
    # nothing more: a message sent now is the very next one the PULL sees
    engine.call(C.Send("push", (b"after",)))
    assert wait_received(engine, "pull", 6)[-1] == [b"after"]
    assert engine.view("pull").stats.msgs_in == 6


def test_repeat_fills_time_and_keeps_json_braces(engine):
    _push_pull(engine)
    before = time.time()
    engine.call(C.RepeatStart("push", ('{"n": {seq}, "at": "{time}"}', "{seq}/{ms}"),
                              interval_ms=1, count=3))
    got = wait_received(engine, "pull", 3)
    after = time.time()
    for n, (body, tail) in enumerate(got, 1):
        record = json.loads(body)
        assert record["n"] == n
        stamp = datetime.fromisoformat(record["at"]).timestamp()
        assert before - 1 <= stamp <= after + 1
        seq, ms = tail.split(b"/")
        assert int(seq) == n and before - 1 <= int(ms) / 1000 <= after + 1


def test_repeat_stop_ends_an_endless_repeater(engine):
    _push_pull(engine)
    rid = engine.call(C.RepeatStart("push", ("r{seq}",), interval_ms=1))
    push = engine.view("push")
    assert [r.id for r in push.repeaters] == [rid] and push.repeaters[0].count is None
    wait_received(engine, "pull", 3)
    assert engine.call(C.RepeatStop("push", rid)) == 1
    assert push.repeaters == ()
    stopped_at = push.stats.msgs_out
    engine.call(C.Send("push", (b"sentinel",)))
    got = wait_received(engine, "pull", stopped_at + 1)
    assert got[-1] == [b"sentinel"]
    assert got[:-1] == [[b"r%d" % i] for i in range(1, stopped_at + 1)]
    # a second sentinel after another full round trip: still no repeats in between
    engine.call(C.Send("push", (b"sentinel 2",)))
    assert wait_received(engine, "pull", stopped_at + 2)[-1] == [b"sentinel 2"]
    assert push.stats.msgs_out == stopped_at + 2
    with pytest.raises(EngineError, match=f"has no repeat-send #{rid}"):
        engine.call(C.RepeatStop("push", rid))


def test_repeat_stop_all(engine):
    _push_pull(engine)
    for _ in range(3):
        engine.call(C.RepeatStart("push", ("x",), interval_ms=1000))
    assert len(engine.view("push").repeaters) == 3
    assert engine.call(C.RepeatStop("push")) == 3
    assert engine.view("push").repeaters == ()


def test_req_repeater_waits_for_each_reply(engine):
    create(engine, "req", "REQ")
    create(engine, "rep", "REP")
    _link(engine, "rep", "req")
    engine.call(C.RepeatStart("req", ("q{seq}",), interval_ms=1, count=3))
    for n in range(1, 4):
        assert wait_received(engine, "rep", n)[-1] == [b"q%d" % n]
        # many ticks pass while the REP holds the request; the REQ must not send (an EFSM
        # error would stop the repeater and count an error)
        wait_until(engine, lambda n=n: engine.view("req").stats.msgs_out == n)
        engine.call(C.Send("rep", (b"a%d" % n,)))
        assert wait_received(engine, "req", n)[-1] == [b"a%d" % n]
    wait_until(engine, lambda: engine.view("req").repeaters == ())
    assert engine.view("req").stats.errors == 0
    assert engine.view("rep").stats.msgs_in == 3


def test_req_repeater_against_an_auto_replying_rep(engine):
    create(engine, "req", "REQ")
    create(engine, "rep", "REP")
    engine.call(C.AutoReply("rep", ("Echo: {body}",)))
    _link(engine, "rep", "req")
    engine.call(C.RepeatStart("req", ("hello {seq}",), interval_ms=1, count=10))
    got = wait_received(engine, "req", 10)
    assert got == [[b"Echo: hello %d" % i] for i in range(1, 11)]
    assert engine.view("req").stats.errors == engine.view("rep").stats.errors == 0


@pytest.mark.parametrize("kwargs, problem", [
    ({"frames": ("x",), "interval_ms": 0}, "at least 1"),
    ({"frames": ("x",), "interval_ms": 10, "count": 0}, "the count must be at least 1"),
    ({"frames": (), "interval_ms": 10}, "needs a message template"),
    ({"frames": ("hex:zz",), "interval_ms": 10}, "hex: invalid character"),
])
def test_repeat_mistakes(engine, kwargs, problem):
    _push_pull(engine)
    with pytest.raises(EngineError, match=problem):
        engine.call(C.RepeatStart("push", **kwargs))
    with pytest.raises(EngineError, match="a PULL socket cannot send"):
        engine.call(C.RepeatStart("pull", ("x",), interval_ms=10))
    assert engine.view("push").repeaters == ()


# -- auto-reply ---------------------------------------------------------------------------------


def test_rep_auto_reply_echoes_every_frame(engine):
    create(engine, "rep", "REP")
    create(engine, "req", "REQ")
    engine.call(C.AutoReply("rep", ()))
    assert engine.view("rep").auto_reply == ()
    _link(engine, "rep", "req")
    for n, message in enumerate(([b"one"], [b"two", b"", b"\xff"]), 1):
        engine.call(C.Send("req", tuple(message)))
        assert wait_received(engine, "req", n)[-1] == message
    assert received(engine.view("rep")) == received(engine.view("req"))


def test_rep_auto_reply_template(engine):
    create(engine, "rep", "REP")
    create(engine, "req", "REQ")
    engine.call(C.AutoReply("rep", ("Echo: {body}",)))
    _link(engine, "rep", "req")
    engine.call(C.Send("req", (b"hello",)))
    assert wait_received(engine, "req", 1) == [[b"Echo: hello"]]
    engine.call(C.Send("req", (b"again",)))
    assert wait_received(engine, "req", 2)[1] == [b"Echo: again"]
    assert engine.view("rep").stats.msgs_out == 2


def test_auto_reply_answers_a_request_already_waiting_and_switches_off(engine):
    create(engine, "rep", "REP")
    create(engine, "req", "REQ")
    _link(engine, "rep", "req")
    engine.call(C.Send("req", (b"early",)))
    wait_received(engine, "rep", 1)
    engine.call(C.AutoReply("rep", ("late {body}",)))
    assert wait_received(engine, "req", 1) == [[b"late early"]]
    engine.call(C.AutoReply("rep", None))
    assert engine.view("rep").auto_reply is None
    engine.call(C.Send("req", (b"manual",)))
    wait_received(engine, "rep", 2)
    assert engine.view("req").awaiting_reply  # nobody answered by itself
    engine.call(C.Send("rep", (b"by hand",)))
    assert wait_received(engine, "req", 2)[-1] == [b"by hand"]


@pytest.mark.parametrize("client", ["REQ", "DEALER"])
def test_router_auto_reply_keeps_the_envelope(engine, client):
    create(engine, "router", "ROUTER")
    engine.call(C.AutoReply("router", ("Echo: {body}",)))
    real = engine.call(C.Bind("router", "tcp://127.0.0.1:*"))
    create(engine, "c", client, ("routing_id", "client-1"))
    engine.call(C.Connect("c", real))
    engine.call(C.Send("c", (b"hello",)))
    assert wait_received(engine, "c", 1) == [[b"Echo: hello"]]
    envelope = [b"client-1", b""] if client == "REQ" else [b"client-1"]
    assert received(engine.view("router")) == [[*envelope, b"hello"]]
    out = [list(e[3]) for e in entries(engine.view("router")) if e[2] == "out"]
    assert out == [[*envelope, b"Echo: hello"]]


def test_router_auto_reply_for_a_dealer_speaking_req_style(engine):
    create(engine, "router", "ROUTER")
    engine.call(C.AutoReply("router", ()))
    create(engine, "dealer", "DEALER")
    _link(engine, "router", "dealer")
    engine.call(C.Send("dealer", (b"", b"a", b"b")))
    assert wait_received(engine, "dealer", 1) == [[b"", b"a", b"b"]]


def test_auto_reply_is_only_for_rep_and_router(engine):
    create(engine, "d", "DEALER")
    with pytest.raises(EngineError, match="auto-reply is for REP and ROUTER sockets, not DEALER"):
        engine.call(C.AutoReply("d", ()))


def test_on_change_is_for_structure_not_for_every_message(make_engine):
    """A fast request loop and a fast repeater must not call the consumer once per message."""
    changes: list[frozenset[str]] = []
    engine = make_engine(on_change=changes.append)
    create(engine, "req", "REQ")
    create(engine, "rep", "REP")
    engine.call(C.AutoReply("rep", ()))
    _link(engine, "rep", "req")
    before = len(changes)
    engine.call(C.RepeatStart("req", ("ping {seq}",), interval_ms=1, count=300))
    wait_received(engine, "req", 300)
    wait_until(engine, lambda: engine.view("req").repeaters == ())
    # the start and the finish of the repeater are changes; 300 round trips are not
    assert len(changes) - before <= 10, changes[before:]
