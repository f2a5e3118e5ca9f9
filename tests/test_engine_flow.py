"""Back-pressure: with a window set, the engine takes no more from a socket than its consumer
has read, so nothing falls out of the log unread; ZeroMQ's queues hold the rest."""

from __future__ import annotations

import pytest
from conftest import wait_until

from zmqdash.engine import IN, EngineError
from zmqdash.engine import commands as C


def _pipeline(engine, name="pull", window=100, limit=None, **push_options):
    engine.call(C.Create(name, "PULL"))
    engine.call(C.Backpressure(name, window, limit))
    ep = engine.call(C.Bind(name, f"inproc://{name}-flow"))
    engine.call(C.Create("push", "PUSH", options=tuple(push_options.items())))
    engine.call(C.Connect("push", ep))
    return engine.view(name)


def _read_all(engine, view, until: int) -> list[bytes]:
    """Read the log as a consumer does, telling the engine how far; every message, in order."""
    got: list[bytes] = []
    seq = nbytes = 0
    while len(got) < until:
        gen = engine.generation
        batch = view.log.since(seq)
        if batch:
            assert batch[0][0] == seq, "an entry fell out of the log unread"
            seq = batch[-1][0] + 1
            nbytes += sum(e[5] for e in batch)
            got += [e[3][0] for e in batch if e[2] == IN]
            engine.consumed(view, seq, nbytes)
        else:
            engine.wait_for_change(gen, 5)
            assert engine.running
    return got


def test_an_unread_window_holds_the_rest_in_zeromq(engine):
    view = _pipeline(engine, window=100)
    sent = [b"%d" % i for i in range(5000)]
    assert engine.call(C.SendMany("push", tuple((m,) for m in sent))) == (5000, "")
    wait_until(engine, lambda: view.flow.held, what="the engine to hold back")
    assert view.stats.msgs_in <= 100 and view.log.dropped == 0
    assert _read_all(engine, view, 5000) == sent
    assert view.log.dropped == 0


def test_the_limit_takes_exactly_that_many(engine):
    view = _pipeline(engine, window=1000, limit=30)
    engine.call(C.SendMany("push", tuple((b"%d" % i,) for i in range(100))))
    wait_until(engine, lambda: view.flow.held, what="the engine to stop at the limit")
    assert view.stats.msgs_in == 30
    assert _read_all(engine, view, 30) == [b"%d" % i for i in range(30)]
    assert view.stats.msgs_in == 30  # read on: still no more taken


def test_unread_bytes_stay_under_half_the_budget(make_engine):
    engine = make_engine(byte_budget=1 << 20)
    view = _pipeline(engine, window=1000)
    big = [bytes([i]) * (100 << 10) for i in range(40)]  # 4 MiB in all, the budget is 1 MiB
    engine.call(C.SendMany("push", tuple((m,) for m in big)))
    wait_until(engine, lambda: view.flow.held, what="the engine to hold back")
    assert view.log.held <= (1 << 20) // 2 + (100 << 10)
    assert _read_all(engine, view, 40) == big  # read ones may leave; none left unread


def test_without_a_window_a_flood_may_leave_the_log(make_engine):
    # the dashboard's way: the log keeps the newest and counts what fell out
    engine = make_engine(ring_capacity=100)
    engine.call(C.Create("pull", "PULL"))
    ep = engine.call(C.Bind("pull", "inproc://no-flow"))
    engine.call(C.Create("push", "PUSH"))
    engine.call(C.Connect("push", ep))
    engine.call(C.SendMany("push", tuple((b"x",) for _ in range(1000))))
    view = engine.view("pull")
    wait_until(engine, lambda: view.stats.msgs_in == 1000)
    assert view.log.dropped > 0 and view.flow is None


def test_a_window_must_fit_the_ring(engine):
    engine.call(C.Create("pull", "PULL"))
    with pytest.raises(EngineError, match="the window must be at most"):
        engine.call(C.Backpressure("pull", 10**9))
    with pytest.raises(EngineError, match="the limit must be at least 1"):
        engine.call(C.Backpressure("pull", 10, 0))
    engine.call(C.Backpressure("pull", None))
    assert engine.view("pull").flow is None


def test_send_many_stops_at_a_full_outbox_and_at_an_error(engine):
    engine.call(C.Create("push", "PUSH"))  # no peer: everything waits in the outbox
    accepted, error = engine.call(C.SendMany("push", tuple((b"x",) for _ in range(10_500))))
    assert (accepted, error) == (10_000, "")
    assert engine.view("push").pending == 10_000
    engine.call(C.Create("pull", "PULL"))
    accepted, error = engine.call(C.SendMany("pull", ((b"x",),)))
    assert (accepted, error) == (0, "a PULL socket cannot send")
