"""Exact counters, the bounded per-socket ring, the byte budget and ClearLog.

inproc has no monitor events, so on inproc the log holds exactly the messages sent and received.
"""

from __future__ import annotations

import uuid

import pytest
from conftest import create, entries, received, wait_received, wait_until

from zmqdash.engine import IN, OUT, EngineError, Ring
from zmqdash.engine import commands as C


def _push_pull(engine) -> None:
    create(engine, "push", "PUSH")
    create(engine, "pull", "PULL")
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind("pull", ep))
    engine.call(C.Connect("push", ep))


def test_counters_are_exact(engine):
    _push_pull(engine)
    messages = [[b"x" * n] for n in (0, 1, 7, 300)] + [[b"ab", b"", b"cde"], [b"\xff" * 4096]]
    for frames in messages:
        engine.call(C.Send("push", tuple(frames)))
    assert wait_received(engine, "pull", len(messages)) == messages
    total = sum(len(f) for m in messages for f in m)
    push, pull = engine.view("push").stats, engine.view("pull").stats
    assert (push.msgs_out, push.bytes_out, push.msgs_in, push.bytes_in) == (6, total, 0, 0)
    assert (pull.msgs_in, pull.bytes_in, pull.msgs_out, pull.bytes_out) == (6, total, 0, 0)
    assert push.errors == pull.errors == 0
    sizes = [e[5] for e in entries(engine.view("pull"), IN)]
    assert sizes == [sum(len(f) for f in m) for m in messages]
    assert [list(e[3]) for e in entries(engine.view("push"), OUT)] == messages


def test_ring_keeps_the_newest_entries_and_counts_the_rest(make_engine):
    engine = make_engine(ring_capacity=8)
    _push_pull(engine)
    pull = engine.view("pull")
    ring = pull.log
    version = ring.version
    for i in range(20):
        engine.call(C.Send("push", (b"m%d" % i,)))
    wait_received(engine, "pull", 20)
    assert ring.version > version
    assert len(ring) == 8
    assert (ring.total, ring.first, ring.dropped, pull.dropped) == (20, 12, 12, 12)
    assert ring.get(11) is None and ring.get(12)[3] == (b"m12",)
    assert [e[0] for e in ring.since(0)] == list(range(12, 20))
    assert [e[3] for e in ring.since(15)] == [(b"m%d" % i,) for i in range(15, 20)]
    assert [e[0] for e in ring.since(13, limit=2)] == [13, 14]
    assert ring.since(20) == []
    assert pull.stats.msgs_in == 20  # counters are not bounded by the ring
    # the sender's ring is bounded the same way
    push = engine.view("push").log
    assert (len(push), push.dropped) == (8, 12)


def test_ring_version_bumps_on_every_append():
    ring = Ring(3)
    seen = [ring.version]
    for i in range(5):
        ring.append(float(i), IN, [b"%d" % i], None, 1)
        seen.append(ring.version)
    assert seen == sorted(set(seen))  # strictly increasing
    assert (ring.first, ring.dropped, len(ring), ring.held) == (2, 2, 3, 3)


def test_byte_budget_evicts_oldest_but_keeps_the_newest(make_engine):
    engine = make_engine(byte_budget=1000)
    _push_pull(engine)
    pull = engine.view("pull")
    for i in range(10):
        engine.call(C.Send("push", (bytes([65 + i]) * 300,)))
    wait_received(engine, "pull", 10)
    held = entries(pull, IN)
    assert [e[3][0][:1] for e in held] == [b"H", b"I", b"J"]  # 3 x 300 fits in 1000
    assert pull.log.held == 900 and pull.log.dropped == 7
    # one message bigger than the whole budget is still kept: the newest always is
    engine.call(C.Send("push", (b"z" * 5000,)))
    wait_received(engine, "pull", 11)
    assert [e[5] for e in entries(pull)] == [5000]
    assert pull.log.held == 5000 and pull.log.dropped == 10
    assert pull.stats.bytes_in == 3000 + 5000


def test_clear_log_forgets_entries_but_keeps_counters(engine):
    _push_pull(engine)
    for i in range(5):
        engine.call(C.Send("push", (b"%d" % i,)))
    wait_received(engine, "pull", 5)
    pull = engine.view("pull")
    version = pull.log.version
    engine.call(C.ClearLog("pull"))
    assert len(pull.log) == 0 and entries(pull) == []
    assert pull.log.version > version
    assert pull.log.dropped == 0  # cleared is not dropped
    assert pull.stats.msgs_in == 5 and pull.stats.bytes_in == 5
    engine.call(C.Send("push", (b"after",)))
    assert wait_received(engine, "pull", 6) == [[b"after"]]
    assert entries(pull)[0][0] == 5  # numbering goes on
    with pytest.raises(EngineError, match="no socket named 'nope'"):
        engine.call(C.ClearLog("nope"))


def test_consumers_pull_what_is_new_since_a_sequence_number(engine):
    _push_pull(engine)
    pull = engine.view("pull")
    seq = 0
    got: list[bytes] = []
    for batch in range(3):
        for i in range(4):
            engine.call(C.Send("push", (b"%d-%d" % (batch, i),)))
        wait_until(engine, lambda seq=seq: pull.log.total >= seq + 4)
        new = pull.log.since(seq)
        seq = new[-1][0] + 1
        got += [e[3][0] for e in new]
    assert got == [b"%d-%d" % (b, i) for b in range(3) for i in range(4)]
    assert received(pull) == [[g] for g in got]
