"""Receiving, on both paths: the compiled helper (``_recvbatch``) and the pure-Python loop.

Every test taking ``recv_path`` runs once per path. Some go through the engine over real
sockets; others call ``recvpath.receive`` directly on sockets made here, which is how the two
paths are compared entry for entry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import uuid

import pytest
import zmq
from conftest import child_env, create, entries, received, wait_received, wait_until

from zmqdash.engine import ERROR, EVENT, IN, INFO, OUT, EventInfo, Ring, recvpath
from zmqdash.engine import commands as C
from zmqdash.engine.receive import DRAIN_BATCH
from zmqdash.entries import SIZE

# -- the two paths --------------------------------------------------------------------------------


@pytest.fixture(params=["compiled", "pure"])
def recv_path(request) -> str:
    """Receive with one path for the test's length (the compiled one only if it was built:
    test_the_helper_is_built says whether it should have been)."""
    compiled = request.param == "compiled"
    was = recvpath.COMPILED
    if recvpath.use(compiled) != compiled:
        recvpath.use(was)
        pytest.skip(f"the compiled helper is not loaded ({recvpath.LOAD_ERROR})")
    yield request.param
    recvpath.use(was)


def _c_compiler() -> str | None:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) or shutil.which("cc") or shutil.which("gcc")


def test_the_helper_is_built():
    cc = _c_compiler()
    header = os.path.join(sysconfig.get_paths()["include"], "Python.h")
    if cc is None or not os.path.exists(header):
        pytest.skip(f"no C compiler ({cc}) or no Python.h ({header}) on this machine: "
                    "the install leaves the helper out and the engine receives in Python")
    from zmqdash.engine import _recvbatch  # an ImportError here fails the test

    assert callable(_recvbatch.receive)
    assert recvpath.LOAD_ERROR == ""


@pytest.mark.parametrize("value, compiled", [("1", False), ("", True), ("0", True)])
def test_zmqdash_pure_python_chooses_the_path(value, compiled):
    if compiled and recvpath.LOAD_ERROR:
        pytest.skip(f"the compiled helper is not loaded ({recvpath.LOAD_ERROR})")
    env = child_env()
    env["ZMQDASH_PURE_PYTHON"] = value
    code = "from zmqdash.engine import recvpath; print(recvpath.COMPILED)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(compiled)


# -- through the engine ---------------------------------------------------------------------------


def _push_pull(engine, endpoint: str | None = None) -> None:
    create(engine, "push", "PUSH")
    create(engine, "pull", "PULL")
    real = engine.call(C.Bind("pull", endpoint or f"inproc://{uuid.uuid4().hex}"))
    engine.call(C.Connect("push", real))


MESSAGES = [
    [b"a"],
    [b""],
    [b"", b""],
    [b"x", b"", b"yz"],
    [b"\xff\x00" * 2048],
    [b"%d" % i for i in range(40)],
]


def test_single_multipart_and_empty_frames_with_exact_counters(engine, recv_path):
    _push_pull(engine)
    for frames in MESSAGES:
        engine.call(C.Send("push", tuple(frames)))
    assert wait_received(engine, "pull", len(MESSAGES)) == MESSAGES
    view = engine.view("pull")
    total = sum(len(f) for m in MESSAGES for f in m)
    assert (view.stats.msgs_in, view.stats.bytes_in, view.stats.errors) == (6, total, 0)
    for entry, frames in zip(entries(view, IN), MESSAGES, strict=True):
        seq, ts, kind, got, meta, size = entry
        assert type(entry) is tuple and type(got) is tuple  # untracked by the collector
        assert all(type(f) is bytes for f in got)
        assert (kind, got, meta, size) == (IN, tuple(frames), None, sum(len(f) for f in frames))
        assert type(ts) is float and type(seq) is int and type(size) is int
    assert view.log.held == sum(e[5] for e in view.log.since(0))


@pytest.mark.timeout(40)
def test_a_64_mib_message_between_small_ones(make_engine, recv_path):
    engine = make_engine(byte_budget=128 << 20)  # room for all three
    _push_pull(engine, "tcp://127.0.0.1:*")
    big = bytes(range(256)) * (64 * 1024 * 1024 // 256)
    engine.call(C.Send("push", (b"before",)))
    engine.call(C.Send("push", (b"head", big, b"")), timeout=20)
    engine.call(C.Send("push", (b"after",)))
    got = wait_received(engine, "pull", 3, timeout=30)
    assert got[0] == [b"before"] and got[2] == [b"after"]
    assert got[1][0] == b"head" and got[1][1] == big and got[1][2] == b""
    stats = engine.view("pull").stats
    assert (stats.msgs_in, stats.bytes_in) == (3, 6 + 4 + (64 << 20) + 5)


def test_ring_wrap_keeps_held_bytes_true(make_engine, recv_path):
    engine = make_engine(ring_capacity=8)
    _push_pull(engine)
    sizes = [(i * 37) % 101 for i in range(50)]
    for i, n in enumerate(sizes):
        engine.call(C.Send("push", (b"m%02d" % i, b"z" * n)))
    wait_received(engine, "pull", 50)
    ring = engine.view("pull").log
    kept = [3 + n for n in sizes[-8:]]
    assert (ring.total, ring.first, ring.dropped) == (50, 42, 42)
    assert [e[5] for e in ring.since(0)] == kept
    assert ring.held == sum(kept)
    assert engine.view("pull").stats.bytes_in == sum(3 + n for n in sizes)


def _queue_then_drain(engine, messages) -> int:
    """On the engine's thread: queue ``messages`` for PULL "pull" from a plain PUSH, then drain
    "pull" once; returns how many messages that one batch took."""
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind("pull", ep))
    push = engine.context.socket(zmq.PUSH)
    push.sndhwm = 0
    push.connect(ep)
    stats = engine.view("pull").stats

    def queue_then_drain() -> int:
        for frames in messages:
            push.send_multipart(frames)
        engine.drain(engine.record("pull"))
        return stats.msgs_in

    try:
        return engine.on_engine_thread(queue_then_drain)
    finally:
        push.close(0)


def test_a_batch_stops_once_it_reaches_the_byte_budget(make_engine, recv_path):
    engine = make_engine(byte_budget=1000)
    create(engine, "pull", "PULL")
    assert _queue_then_drain(engine, [[bytes([65 + i]) * 300] for i in range(10)]) == 4
    got = wait_received(engine, "pull", 10)  # the rest in later batches
    assert got == [[bytes([65 + i]) * 300] for i in (7, 8, 9)]  # 3 x 300 fits in 1000
    ring = engine.view("pull").log
    assert (ring.held, ring.total, ring.first, ring.dropped) == (900, 10, 7, 7)


def test_a_batch_stops_at_drain_batch_messages(engine, recv_path):
    create(engine, "pull", "PULL")
    assert _queue_then_drain(engine, [[b"%d" % i] for i in range(DRAIN_BATCH + 5)]) == DRAIN_BATCH
    wait_received(engine, "pull", DRAIN_BATCH + 5)
    assert engine.view("pull").log.get(DRAIN_BATCH + 4)[3] == (b"%d" % (DRAIN_BATCH + 4),)


def _server_with_clients(engine, type_: str, reply, clients: list[tuple]) -> None:
    """A socket of ``type_`` named after it ("rep", "router"), auto-replying with ``reply``
    unless that is None, bound on inproc; each client ``(name, type, *options)`` connected."""
    name = type_.lower()
    create(engine, name, type_)
    if reply is not None:
        engine.call(C.AutoReply(name, reply))
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind(name, ep))
    for client, client_type, *options in clients:
        create(engine, client, client_type, *options)
        engine.call(C.Connect(client, ep))


def test_rep_hook_answers_every_request_in_order(engine, recv_path):
    _server_with_clients(engine, "REP", ("re {body}",), [(f"req{i}", "REQ") for i in range(5)])
    for i in range(5):
        engine.call(C.Send(f"req{i}", (b"q%d" % i,)))
    for i in range(5):
        assert wait_received(engine, f"req{i}", 1) == [[b"re q%d" % i]]
        assert not engine.view(f"req{i}").awaiting_reply  # the REQ hook ran
    rep = engine.view("rep")
    kinds = [e[2] for e in rep.log.since(0) if e[2] in (IN, OUT)]
    assert kinds == [IN, OUT] * 5  # each request answered before the next was taken
    assert (rep.stats.msgs_in, rep.stats.msgs_out, rep.stats.errors) == (5, 5, 0)


def test_rep_without_auto_reply_takes_one_request_at_a_time(engine, recv_path):
    _server_with_clients(engine, "REP", None, [(f"req{i}", "REQ") for i in range(3)])
    for i in range(3):
        engine.call(C.Send(f"req{i}", (b"q%d" % i,)))
    rep = engine.view("rep")
    wait_until(engine, lambda: rep.stats.msgs_in >= 1)
    engine.on_engine_thread(lambda: None)  # a full poll round later: still only one
    assert rep.stats.msgs_in == 1
    for n in (2, 3):
        engine.call(C.Send("rep", (b"answer",)))
        wait_until(engine, lambda n=n: rep.stats.msgs_in >= n)
    assert sorted(m[0] for m in received(rep)) == [b"q0", b"q1", b"q2"]
    assert rep.stats.errors == 0


def test_router_hook_sees_every_message_in_order(engine, recv_path):
    _server_with_clients(engine, "ROUTER", ("ok {body}",),
                         [(f"d{i}", "DEALER", ("routing_id", f"dealer-{i}")) for i in range(3)])
    for n in range(30):
        engine.call(C.Send(f"d{n % 3}", (b"", b"job %d" % n)))
    for i in range(3):
        got = wait_received(engine, f"d{i}", 10)
        assert got == [[b"", b"ok job %d" % n] for n in range(i, 30, 3)]
    router = engine.view("router")
    log = [e for e in router.log.since(0) if e[2] in (IN, OUT)]
    assert [e[2] for e in log] == [IN, OUT] * 30
    for inn, out in zip(log[::2], log[1::2], strict=True):
        assert out[3] == (inn[3][0], b"", b"ok " + inn[3][2])
    assert set(router.peers_seen) == {b"dealer-0", b"dealer-1", b"dealer-2"}
    assert (router.stats.msgs_in, router.stats.msgs_out, router.stats.errors) == (30, 30, 0)


def test_efsm_stops_quietly_and_other_errors_are_reported(engine, recv_path):
    create(engine, "req", "REQ")
    create(engine, "push", "PUSH")
    # a REQ that has asked nothing
    engine.on_engine_thread(lambda: engine.drain(engine.record("req")))
    view = engine.view("req")
    assert (view.stats.msgs_in, view.stats.errors) == (0, 0)
    assert entries(view, ERROR) == []
    engine.on_engine_thread(lambda: engine.drain(engine.record("push")))  # a PUSH cannot receive
    view = engine.view("push")
    assert (view.stats.msgs_in, view.stats.errors) == (0, 1)
    assert [e[4] for e in entries(view, ERROR)] == [
        f"receive: {zmq.strerror(zmq.ENOTSUP)}"]


# -- recvpath.receive itself, on sockets made here ----------------------------------------------


@pytest.fixture
def pair():
    """A PUSH and a PULL on inproc (no high-water marks): ``pair.send(frames)``, ``pair.pull``."""
    ctx = zmq.Context()
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    push.sndhwm = pull.rcvhwm = 0
    ep = f"inproc://{uuid.uuid4().hex}"
    pull.bind(ep)
    push.connect(ep)

    class Pair:
        def send(self, frames):
            push.send_multipart(frames)

    p = Pair()
    p.pull = pull
    yield p
    push.close(0)
    pull.close(0)
    ctx.term()


def _drain_all(ring, sock, ts=1.5) -> tuple[int, int, int]:
    n = nbytes = 0
    while True:
        got, size, err = recvpath.receive(sock, ring, ts, DRAIN_BATCH, ring.byte_budget)
        n += got
        nbytes += size
        if err or got == 0:
            return n, nbytes, err


def _mixed_ring() -> Ring:
    """A small ring that already holds every kind of entry, as a socket's log does."""
    ring = Ring(7)
    ring.append(0.5, OUT, [b"sent", b""], None, 4)
    ring.append(0.5, EVENT, (), EventInfo("CONNECTED", "tcp://h:1", 3), 0)
    ring.append(0.5, ERROR, (), "oops", 0)
    ring.append(0.5, INFO, (), "note", 0)
    return ring


def test_both_paths_write_the_same_entries_and_byte_counts(pair):
    if recvpath.LOAD_ERROR:
        pytest.skip(f"the compiled helper is not loaded ({recvpath.LOAD_ERROR})")
    messages = [[b"m%d" % i] + [b"p" * (i % 5)] * (i % 3) for i in range(40)] + MESSAGES
    rings = {}
    was = recvpath.COMPILED
    try:
        for compiled in (True, False):
            recvpath.use(compiled)
            for frames in messages:
                pair.send(frames)
            ring = rings[compiled] = _mixed_ring()
            n, nbytes, err = _drain_all(ring, pair.pull)
            total = sum(len(f) for m in messages for f in m)
            assert (n, nbytes, err) == (len(messages), total, 0)
            assert ring.total == 4 + len(messages)
    finally:
        recvpath.use(was)
    compiled, pure = rings[True], rings[False]
    assert compiled.writable() == pure.writable()  # the same entries in the same slots
    assert compiled.held == pure.held == sum(e[SIZE] for e in pure.since(0))
    assert [list(e[3]) for e in pure.since(0)] == messages[-7:]


def test_max_msgs_and_max_bytes_end_a_batch(pair, recv_path):
    for i in range(10):
        pair.send([bytes([65 + i]) * 300])
    ring = Ring(100)
    assert recvpath.receive(pair.pull, ring, 0.0, 3, 10**9) == (3, 900, 0)
    assert recvpath.receive(pair.pull, ring, 0.0, 100, 1000) == (4, 1200, 0)  # 900 < 1000
    assert recvpath.receive(pair.pull, ring, 0.0, 100, 0) == (0, 0, 0)
    assert recvpath.receive(pair.pull, ring, 0.0, 100, 10**9) == (3, 900, 0)
    assert recvpath.receive(pair.pull, ring, 0.0, 100, 10**9) == (0, 0, 0)
    assert (ring.total, ring.held) == (10, 3000)
    assert [e[3][0][0] for e in ring.since(0)] == list(range(65, 75))


def test_a_closed_socket_is_an_error_not_a_crash(pair, recv_path):
    pair.send([b"left behind"])
    pair.pull.close(0)
    ring = _mixed_ring()
    before = list(ring.writable()[0]), ring.total, ring.held
    assert recvpath.receive(pair.pull, ring, 0.0, 10, 10**9) == (0, 0, zmq.ENOTSOCK)
    assert (list(ring.writable()[0]), ring.total, ring.held) == before
