"""Shutdown never hangs; the outbox holds what cannot leave yet; the engine has no UI imports."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading

import pytest
import zmq
from conftest import child_env, create, free_tcp_port, stop_engine, wait_received, wait_until

from zmqdash.engine import EngineError
from zmqdash.engine import commands as C
from zmqdash.engine.send import OUTBOX_LIMIT

PAYLOAD = b"x" * 10_000


def _flood(engine, name: str, n: int) -> list:
    """Submit ``n`` sends without waiting between them; return their results."""
    futures = [engine.submit(C.Send(name, (PAYLOAD,))) for _ in range(n)]
    return [f.result(10) for f in futures]


@pytest.fixture
def silent_pull():
    """A plain pyzmq PULL that is bound and never reads (its own context)."""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.rcvhwm = 10
    sock.linger = 0
    sock.bind("tcp://127.0.0.1:*")
    yield sock.last_endpoint.decode()
    sock.close(0)
    ctx.term()


@pytest.mark.parametrize("linger", [None, 0, 200, -1, 60_000])
def test_stop_with_thousands_unsent_to_a_peer_that_never_reads(make_engine, silent_pull, linger):
    engine = make_engine()
    opts = [("sndhwm", "10")] + ([("linger", str(linger))] if linger is not None else [])
    create(engine, "push", "PUSH", *opts)
    engine.call(C.Connect("push", silent_pull))
    results = _flood(engine, "push", 3000)  # 30 MB: more than pipes and kernel buffers hold
    assert "queued" in results
    assert engine.view("push").pending > 0
    thread = engine.thread
    stop_engine(engine, timeout=5)
    assert not thread.is_alive()
    assert not engine.running


@pytest.mark.parametrize("where", ["bound, nobody connects", "connecting to an absent port"])
def test_stop_with_thousands_unsent_to_nobody(make_engine, where):
    engine = make_engine(default_linger=5000)  # capped at shutdown
    create(engine, "push", "PUSH", ("sndhwm", "100"))
    if where.startswith("bound"):
        engine.call(C.Bind("push", "tcp://127.0.0.1:*"))
    else:
        engine.call(C.Connect("push", f"tcp://127.0.0.1:{free_tcp_port()}"))
    results = _flood(engine, "push", 5000)
    assert results.count("queued") >= 4900
    assert engine.view("push").pending >= 4900
    thread = engine.thread
    stop_engine(engine, timeout=5)
    assert not thread.is_alive()


def test_stop_after_closing_a_socket_with_infinite_linger(make_engine, tmp_path):
    engine = make_engine()
    create(engine, "push", "PUSH", ("linger", "-1"))
    # ipc to a path nobody will bind: the stuck socket can never reach a later test's socket
    engine.call(C.Connect("push", f"ipc://{tmp_path}/nobody.sock"))
    for i in range(3):
        engine.call(C.Send("push", (b"%d" % i,)))
    engine.call(C.Close("push"))
    thread = engine.thread
    engine.stop(timeout=3)  # shutdown caps linger at 1 s; 3 s is plenty
    assert not thread.is_alive()


def test_after_stop(make_engine):
    engine = make_engine()
    create(engine, "s", "PUB")
    gen = engine.generation
    stop_engine(engine)
    assert engine.wait_for_change(gen, timeout=5) != gen  # stopping is a change
    assert engine.wait_for_change(engine.generation, timeout=5) == engine.generation
    with pytest.raises(EngineError, match="not running"):
        engine.call(C.Create("t", "PUB"))
    stop_engine(engine)  # twice is fine
    assert engine.view("s").closed


def test_close_frees_the_name(engine):
    create(engine, "a", "PUSH")
    engine.call(C.Bind("a", "tcp://127.0.0.1:*"))
    engine.call(C.RepeatStart("a", ("x",), 1000))
    view = engine.view("a")
    engine.call(C.Close("a"))
    assert view.closed and view.repeaters == () and "a" not in engine.sockets()
    with pytest.raises(EngineError, match="no socket named 'a'"):
        engine.call(C.Send("a", (b"x",)))
    create(engine, "a", "PUSH")
    assert engine.view("a").type == "PUSH" and not engine.view("a").closed


# -- the outbox -----------------------------------------------------------------------------------


def test_push_with_no_peer_queues_then_delivers_in_order_to_a_connecting_pull(engine):
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("push", "tcp://127.0.0.1:*"))
    results = [engine.call(C.Send("push", (b"m%d" % i, b"part"))) for i in range(5)]
    assert results == ["queued"] * 5
    push = engine.view("push")
    assert push.pending == 5 and push.stats.msgs_out == 0
    create(engine, "pull", "PULL")
    engine.call(C.Connect("pull", real))
    assert wait_received(engine, "pull", 5) == [[b"m%d" % i, b"part"] for i in range(5)]
    wait_until(engine, lambda: push.pending == 0)
    assert push.stats.msgs_out == 5 and push.stats.bytes_out == 5 * 6
    engine.call(C.Send("push", (b"direct",)))
    assert wait_received(engine, "pull", 6)[-1] == [b"direct"]


def test_push_with_immediate_queues_then_delivers_in_order_to_a_binding_pull(engine, tmp_path):
    ep = f"ipc://{tmp_path}/late.sock"
    create(engine, "push", "PUSH", ("immediate", "1"))
    engine.call(C.Connect("push", ep))
    for i in range(5):
        assert engine.call(C.Send("push", (b"%d" % i,))) == "queued"
    assert engine.view("push").pending == 5
    create(engine, "pull", "PULL")
    engine.call(C.Bind("pull", ep))
    assert wait_received(engine, "pull", 5) == [[b"%d" % i] for i in range(5)]
    wait_until(engine, lambda: engine.view("push").pending == 0)


def test_req_request_waits_in_the_outbox_for_a_rep(engine):
    create(engine, "req", "REQ")
    real = engine.call(C.Bind("req", "tcp://127.0.0.1:*"))
    assert engine.call(C.Send("req", (b"early",))) == "queued"
    assert engine.view("req").awaiting_reply
    with pytest.raises(EngineError, match="waiting for a reply"):
        engine.call(C.Send("req", (b"too soon",)))
    create(engine, "rep", "REP")
    engine.call(C.AutoReply("rep", ("Echo: {body}",)))
    engine.call(C.Connect("rep", real))
    assert wait_received(engine, "req", 1) == [[b"Echo: early"]]
    assert engine.view("rep").stats.msgs_in == 1


def test_the_outbox_is_bounded(engine):
    create(engine, "push", "PUSH", ("sndhwm", "1"))
    engine.call(C.Bind("push", "tcp://127.0.0.1:*"))
    futures = [engine.submit(C.Send("push", (b"x",))) for _ in range(OUTBOX_LIMIT)]
    assert all(f.result(10) == "queued" for f in futures)
    with pytest.raises(EngineError, match=f"outbox full: {OUTBOX_LIMIT} messages are waiting"):
        engine.call(C.Send("push", (b"one too many",)))
    assert engine.view("push").pending == OUTBOX_LIMIT


# -- no UI in the engine ------------------------------------------------------------------------


def test_engine_codec_and_cat_never_import_textual():
    code = (
        "import zmqdash.engine, zmqdash.codec, zmqdash.cli.cat, sys; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual'); "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=30, env=child_env())
    assert result.returncode == 0, result.stderr


# -- a host name lookup still running when the engine stops ---------------------------------------


@pytest.fixture
def slow_dns(monkeypatch):
    """Host name lookups block until ``release.set()``; returns the Event."""
    import zmqdash.engine.links as links

    release = threading.Event()
    real = links.pysocket.getaddrinfo

    def blocked(host, *args, **kwargs):
        if host == "slow.example":
            release.wait(10)
            raise OSError("lookup abandoned")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(links.pysocket, "getaddrinfo", blocked)
    yield release
    release.set()


def test_stop_fails_a_connect_still_resolving(make_engine, slow_dns):
    engine = make_engine()
    create(engine, "push", "PUSH")
    fut = engine.submit(C.Connect("push", "tcp://slow.example:5555"))
    wait_until(engine, lambda: engine.view("push").endpoints != ())  # the lookup is running
    stop_engine(engine)
    slow_dns.set()
    with pytest.raises(EngineError):
        fut.result(timeout=2)


def test_a_late_lookup_does_not_write_to_a_reused_fd(make_engine, slow_dns):
    engine = make_engine()
    create(engine, "push", "PUSH")
    engine.submit(C.Connect("push", "tcp://slow.example:5555"))
    wait_until(engine, lambda: engine.view("push").endpoints != ())
    closed_w = engine._wake_w
    stop_engine(engine)
    try:
        fcntl.fcntl(closed_w, fcntl.F_GETFD)
        pytest.skip("the engine's old fd number is already in use again")
    except OSError:
        pass  # free, as it should be after stop()
    r, w = os.pipe()
    os.dup2(w, closed_w)  # another file now has the engine's old number
    try:
        os.set_blocking(r, False)
        slow_dns.set()
        # the resolver thread ends once it has reported; wait for it (no sleeping)
        for t in threading.enumerate():
            if t.daemon and "_resolve" in t.name:
                t.join(5)
        try:
            stray = os.read(r, 16)
        except BlockingIOError:
            stray = b""
        assert stray == b""
    finally:
        for fd in (r, w, closed_w):
            os.close(fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities: Linux")
@pytest.mark.parametrize("nice", [0, 5])
def test_the_engine_thread_can_give_way_to_the_screen(make_engine, nice):
    engine = make_engine(nice=nice)
    create(engine, "p", "PUSH")  # a command answered: the thread is running
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert os.getpriority(os.PRIO_PROCESS, engine.thread.native_id) == min(19, base + nice)
