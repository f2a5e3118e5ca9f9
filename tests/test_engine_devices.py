"""Devices in the engine: a streamer, a forwarder and a queue carrying real traffic between
peer processes written like the guide's programs, with pause, resume, stop, restart, inject,
the tap and the counters; and the forward path itself, compiled and in Python.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import zmq
from conftest import WAIT, create, entries, read_lines, wait_received, wait_until

from zmqdash.engine import ERROR, INFO, EngineError, Ring, forwardpath, recvpath
from zmqdash.engine import commands as C
from zmqdash.engine.devices import (
    INJECTED,
    PAUSED,
    RUNNING,
    STOPPED,
    DeviceClearLog,
    DeviceClose,
    DeviceCreate,
    DeviceInject,
    DevicePause,
    DeviceRename,
    DeviceRestart,
    DeviceResume,
    DeviceStop,
    DeviceTap,
)
from zmqdash.engine.ring import B2F, F2B
from zmqdash.engine.state import CLOSED, FAILED, LISTENING

#: how long a device is watched to show that nothing crosses while it must not (absence has no
#: event to wait for; the engine forwards within a millisecond when it may)
QUIET = 0.3

MESSAGES = [[b"a"], [b""], [b"", b""], [b"x", b"", b"yz"], [b"\xff\x00" * 2048],
            [b"%d" % i for i in range(40)]]


# -- helpers -------------------------------------------------------------------------------------


def device(engine, name, kind, front, back, **kw):
    engine.call(DeviceCreate(name, kind, tuple(front), tuple(back), **kw))
    return engine.devices()[name]


def bound(side_view) -> str:
    """The real endpoint of a side's first bind."""
    return next(e.resolved for e in side_view.endpoints if e.role == "bind")


def tap(view, kind=None):
    return [list(e[3]) for e in entries(view) if e[2] in (F2B, B2F) and kind in (None, e[2])]


def texts(view, kind):
    return [e[4] for e in entries(view, kind)]


def wait_peers(engine, side_view, n, what=""):
    wait_until(engine, lambda: sum(e.peers for e in side_view.endpoints) >= n,
               what=what or f"{n} peers on {side_view.name}")


# -- the forward path, both implementations ----------------------------------------------------


@pytest.fixture(params=["compiled", "pure"])
def forward_path(request) -> str:
    """Forward with one path for the test's length (recvpath's switch chooses for both)."""
    compiled = request.param == "compiled"
    was = recvpath.COMPILED
    if recvpath.use(compiled) != compiled or forwardpath.compiled() != compiled:
        recvpath.use(was)
        pytest.skip(f"the compiled helper is not loaded ({recvpath.LOAD_ERROR})")
    yield request.param
    recvpath.use(was)


@pytest.fixture
def pipes():
    """src_push -> src (PULL) and dst (PUSH) -> dst_pull, over inproc."""
    ctx = zmq.Context()
    made = []

    def pair(a, b):
        ep = f"inproc://{uuid.uuid4().hex}"
        x, y = ctx.socket(a), ctx.socket(b)
        y.bind(ep)
        x.connect(ep)
        made.extend((x, y))
        return x, y

    src_push, src = pair(zmq.PUSH, zmq.PULL)
    dst, dst_pull = pair(zmq.PUSH, zmq.PULL)
    yield src_push, src, dst, dst_pull
    for s in made:
        s.close(0)
    ctx.term()


def _wait_readable(sock):
    assert sock.poll(int(WAIT * 1000)), "nothing arrived"


def test_forward_moves_whole_messages_and_taps_them(pipes, forward_path):
    src_push, src, dst, dst_pull = pipes
    for m in MESSAGES:
        src_push.send_multipart(m)
    ring = Ring(100)
    got = []
    while len(got) < len(MESSAGES):
        _wait_readable(src)
        n, nbytes, err, held, refused, _ = forwardpath.forward(src, dst, ring, 12.5, 1000,
                                                               1 << 30, F2B)
        assert (err, held, refused) == (0, None, 0)
        while dst_pull.poll(0):
            got.append(dst_pull.recv_multipart())
    assert got == MESSAGES
    assert [e[:3] for e in ring.since(0)] == [(i, 12.5, F2B) for i in range(len(MESSAGES))]
    assert [list(e[3]) for e in ring.since(0)] == MESSAGES
    assert all(type(e[3]) is tuple and e[4] is None for e in ring.since(0))
    assert [e[5] for e in ring.since(0)] == [sum(map(len, m)) for m in MESSAGES]
    assert ring.held == sum(sum(map(len, m)) for m in MESSAGES)


def test_forward_without_a_ring_counts_exactly(pipes, forward_path):
    src_push, src, dst, dst_pull = pipes
    for i in range(500):
        src_push.send_multipart([b"k", b"%d" % i])
    moved = nbytes = 0
    while moved < 500:
        _wait_readable(src)
        n, b, err, held, refused, _ = forwardpath.forward(src, dst, None, 0.0, 64, 1 << 30,
                                                          F2B)
        assert n <= 64 and (err, held, refused) == (0, None, 0)
        moved += n
        nbytes += b
    assert nbytes == sum(1 + len(b"%d" % i) for i in range(500))
    assert [dst_pull.recv_multipart()[1] for _ in range(500)] == [b"%d" % i for i in range(500)]


def test_a_message_the_other_side_cannot_take_is_held(forward_path):
    ctx = zmq.Context()
    ep = f"inproc://{uuid.uuid4().hex}"
    src_push, src = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    src.bind(ep)
    src_push.connect(ep)
    dst = ctx.socket(zmq.PUSH)  # no peer: it takes nothing
    try:
        src_push.send_multipart([b"first", b"", b"part"])
        src_push.send(b"second")
        _wait_readable(src)
        ring = Ring(10)
        n, nbytes, err, held, refused, _ = forwardpath.forward(src, dst, ring, 1.0, 100,
                                                               1 << 30, F2B)
        assert (n, nbytes, err, refused) == (0, 0, 0, 0)
        assert held == (b"first", b"", b"part") and type(held) is tuple
        assert ring.total == 0  # logged when it really crosses
        assert src.recv() == b"second"  # the batch stopped at the held message
    finally:
        for s in (src_push, src, dst):
            s.close(0)
        ctx.term()


def test_a_message_a_router_refuses_is_counted_and_the_next_arrives_whole(forward_path):
    ctx = zmq.Context()
    ep1, ep2 = (f"inproc://{uuid.uuid4().hex}" for _ in range(2))
    src_push, src = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    src.bind(ep1)
    src_push.connect(ep1)
    router, dealer = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
    router.router_mandatory = 1
    dealer.routing_id = b"known"
    router.bind(ep2)
    dealer.connect(ep2)
    try:
        dealer.send(b"hello")  # so the router knows the peer
        assert router.recv_multipart() == [b"known", b"hello"]
        src_push.send_multipart([b"nobody", b"lost"])
        src_push.send_multipart([b"known", b"kept", b"whole"])
        moved = refused = 0
        err_seen = 0
        while moved + refused < 2:
            _wait_readable(src)
            n, _, err, held, r, drop_err = forwardpath.forward(src, router, None, 0.0, 10,
                                                               1 << 30, B2F)
            assert err == 0 and held is None
            moved += n
            refused += r
            err_seen = drop_err or err_seen
        assert (moved, refused, err_seen) == (1, 1, zmq.EHOSTUNREACH)
        assert dealer.recv_multipart() == [b"kept", b"whole"]
    finally:
        for s in (src_push, src, router, dealer):
            s.close(0)
        ctx.term()


# -- the queue: the guide's request/reply broker ------------------------------------------------


@pytest.fixture
def queue(engine, spawn_peer):
    """A queue binding both sides on tcp, an echo server (REP) connected to its backend."""
    view = device(engine, "broker", "queue", ["@tcp://127.0.0.1:*"], ["@tcp://127.0.0.1:*"])
    spawn_peer("echo_rep", "connect", bound(view.backend))
    wait_peers(engine, view.backend, 1, "the echo server")
    return view


def test_a_queue_carries_requests_and_replies_with_their_envelopes(engine, queue, spawn_peer,
                                                                   forward_path):
    client = spawn_peer("req_client", "connect", bound(queue.frontend), "one", "two", "three")
    assert [client.read_line() for _ in range(3)] == ["Echo: one", "Echo: two", "Echo: three"]
    wait_until(engine, lambda: queue.stats.b2f_msgs == 3)
    s = queue.stats
    assert (s.f2b_msgs, s.b2f_msgs, s.refused, queue.errors) == (3, 3, 0, 0)
    assert s.f2b_bytes == sum(5 + 0 + len(w) for w in ("one", "two", "three"))
    requests, replies = tap(queue, F2B), tap(queue, B2F)
    ident = requests[0][0]
    assert len(ident) == 5  # the ROUTER's identity of the client, then REQ's empty delimiter
    assert requests == [[ident, b"", w] for w in (b"one", b"two", b"three")]
    assert replies == [[ident, b"", b"Echo: " + w] for w in (b"one", b"two", b"three")]
    assert queue.state == RUNNING


def test_a_paused_queue_holds_requests_until_it_resumes(engine, queue, spawn_peer):
    engine.call(DevicePause("broker"))
    assert queue.state == PAUSED and queue.paused_at is not None
    assert queue.paused_for(time.time() + 5) >= 5
    client = spawn_peer("req_client", "connect", bound(queue.frontend), "waiting")
    wait_peers(engine, queue.frontend, 1, "the client")
    time.sleep(QUIET)  # absence: the request must not cross while paused
    assert queue.stats.f2b_msgs == 0 and client.proc.poll() is None
    paused = engine.call(DeviceResume("broker"))
    assert paused >= QUIET
    assert client.read_line() == "Echo: waiting"
    assert client.proc.wait(WAIT) == 0
    assert (queue.stats.f2b_msgs, queue.stats.b2f_msgs) == (1, 1)
    assert queue.state == RUNNING and queue.paused_at is None
    assert any(t.startswith("resumed after") for t in texts(queue, INFO))


def test_inject_into_a_queue_reaches_the_other_side(engine, queue, make_engine):
    # a DEALER in another engine plays the client: injected b>f messages reach it by identity
    other = make_engine()
    create(other, "client", "DEALER", ("routing_id", "c1"))
    other.call(C.Connect("client", bound(queue.frontend)))
    other.call(C.Send("client", (b"", b"ping")))
    wait_received(other, "client", 1)  # the echo server's reply came back through the queue
    assert engine.call(DeviceInject("broker", "b>f", (b"c1", b"", b"pushed"))) == "sent"
    got = wait_received(other, "client", 2)
    assert got[-1] == [b"", b"pushed"]
    assert queue.stats.injected == 1 and queue.stats.b2f_msgs == 2
    last = entries(queue)[-1]
    assert (last[2], list(last[3]), last[4]) == (B2F, [b"c1", b"", b"pushed"], INJECTED)
    with pytest.raises(EngineError, match="routing identity"):
        engine.call(DeviceInject("broker", "b>f", (b"only-one-frame",)))


# -- the forwarder: the guide's weather proxy ----------------------------------------------------


def test_a_forwarder_passes_subscriptions_up_and_messages_down(engine, spawn_peer, forward_path):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    view = device(engine, "wuproxy", "forwarder", [">" + publisher.endpoint],
                  ["@tcp://127.0.0.1:*"])
    backend = bound(view.backend)
    one = spawn_peer("sub_printer", "connect", backend, "1")
    two = spawn_peer("sub_printer", "connect", backend, "2")
    wait_until(engine, lambda: set(view.subscriptions) == {b"1", b"2"},
               what="both subscriptions to cross")
    got = read_lines([one, two], each=10)  # each subscription reaches the publisher in time
    table = view.backend.subscribers  # who holds what, on the device's XPUB
    assert (table.holders(b"1"), table.holders(b"2")) == (1, 1)
    assert all(line.startswith("1-update") for line in got[one])
    assert all(line.startswith("2-update") for line in got[two])
    assert [b"\x01" + p for p in (b"1", b"2")] == sorted(m[0] for m in tap(view, B2F))
    # a subscriber that goes away takes its subscription with it, upstream too
    two.proc.kill()
    wait_until(engine, lambda: view.subscriptions == (b"1",), what="the unsubscribe")
    assert [b"\x002"] == [m[0] for m in tap(view, B2F)][-1:]
    # inject: a message to the subscribers that the publisher never sent
    engine.call(DeviceInject("wuproxy", "f>b", (b"1-injected",)))
    deadline = time.monotonic() + WAIT
    while one.read_line(max(0.1, deadline - time.monotonic())) != "1-injected":
        pass
    assert view.stats.injected == 1
    assert view.stats.f2b_msgs > 20 and view.stats.b2f_msgs == 3


def test_a_prefix_goes_upstream_once_and_leaves_with_its_last_holder(engine, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    view = device(engine, "wuproxy", "forwarder", [">" + publisher.endpoint],
                  ["@tcp://127.0.0.1:*"])
    a, b = (spawn_peer("sub_printer", "connect", bound(view.backend), "1") for _ in range(2))
    wait_until(engine, lambda: view.backend.subscribers.holders(b"1") == 2)
    assert view.subscriptions == (b"1",) and tap(view, B2F) == [[b"\x011"]]
    a.proc.kill()
    wait_until(engine, lambda: view.backend.subscribers.holders(b"1") == 1)
    assert view.subscriptions == (b"1",) and view.stats.b2f_msgs == 1
    b.proc.kill()
    wait_until(engine, lambda: view.subscriptions == ())
    assert tap(view, B2F) == [[b"\x011"], [b"\x001"]]


def test_a_restarted_forwarder_shows_only_what_its_new_subscribers_ask_for(engine, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    view = device(engine, "wuproxy", "forwarder", [">" + publisher.endpoint],
                  ["@tcp://127.0.0.1:*"])
    sub = spawn_peer("sub_printer", "connect", bound(view.backend), "1")
    wait_until(engine, lambda: view.subscriptions == (b"1",))
    engine.call(DeviceStop("wuproxy"))
    assert view.subscriptions == ()  # its XSUB, and what it had asked upstream, are gone
    engine.call(DeviceRestart("wuproxy"))
    # the subscriber reconnects (tcp) and asks again: upstream again, and updates flow
    wait_until(engine, lambda: view.subscriptions == (b"1",), what="the subscription again")
    before = view.stats.f2b_msgs
    wait_until(engine, lambda: view.stats.f2b_msgs > before, what="updates after restart")
    assert sub.read_line().startswith("1-update")


def test_a_forwarder_without_the_tap_still_shows_subscriptions(engine, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    view = device(engine, "quiet", "forwarder", [">" + publisher.endpoint],
                  ["@tcp://127.0.0.1:*"], tap=False)
    sub = spawn_peer("sub_printer", "connect", bound(view.backend), "2")
    assert sub.read_line().startswith("2-update")
    assert view.subscriptions == (b"2",)
    wait_until(engine, lambda: view.stats.f2b_msgs >= 1)
    assert tap(view) == []


# -- the streamer: the guide's task ventilator, two workers -------------------------------------


def test_a_streamer_shares_tasks_between_two_workers(engine, spawn_peer, forward_path):
    view = device(engine, "streamer", "streamer", ["@tcp://127.0.0.1:*"], ["@tcp://127.0.0.1:*"])
    workers = [spawn_peer("pull_printer", "connect", bound(view.backend), "1000")
               for _ in range(2)]
    wait_peers(engine, view.backend, 2, "both workers")
    spawn_peer("task_push", "connect", bound(view.frontend), "100")
    got = read_lines(workers, 100)
    tasks = sorted(bytes.fromhex(frames[0]).decode() for lines in got.values()
                   for frames in map(json.loads, lines))
    assert tasks == sorted(f"task {i} {(i * 37) % 100 + 1}" for i in range(1, 101))
    assert all(got.values())  # both workers had a share
    wait_until(engine, lambda: view.stats.f2b_msgs == 100)
    assert view.stats.b2f_msgs == 0 and len(tap(view, F2B)) == 100
    # inject a task; a streamer does not go the other way
    engine.call(DeviceInject("streamer", "f>b", (b"extra",)))
    got = read_lines(workers, 1)
    assert [line for lines in got.values() for line in lines] == ['["6578747261"]']
    with pytest.raises(EngineError, match="one way only"):
        engine.call(DeviceInject("streamer", "b>f", (b"no",)))


def test_a_paused_streamer_holds_the_tasks_and_resume_sends_them_in_order(engine, spawn_peer,
                                                                          forward_path):
    view = device(engine, "line", "streamer", ["@tcp://127.0.0.1:*"], ["@tcp://127.0.0.1:*"])
    worker = spawn_peer("pull_printer", "connect", bound(view.backend), "300")
    wait_peers(engine, view.backend, 1, "the worker")
    engine.call(DevicePause("line"))
    manager = spawn_peer("task_push", "connect", bound(view.frontend), "300")
    assert manager.proc.wait(WAIT) == 0  # every task has left it: they wait in the device
    time.sleep(QUIET)  # absence: nothing may cross while paused
    assert view.stats.f2b_msgs == 0 and tap(view) == []
    engine.call(DeviceResume("line"))
    got = read_lines([worker], 300)[worker]
    tasks = [bytes.fromhex(json.loads(line)[0]).decode() for line in got]
    assert tasks == [f"task {i} {(i * 37) % 100 + 1}" for i in range(1, 301)]  # in order
    wait_until(engine, lambda: view.stats.f2b_msgs == 300)
    assert view.stats.f2b_bytes == sum(len(t) for t in tasks)


def test_a_paused_forwarder_stops_the_updates_and_resume_goes_on(engine, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    view = device(engine, "wuproxy", "forwarder", [">" + publisher.endpoint],
                  ["@tcp://127.0.0.1:*"])
    sub = spawn_peer("sub_printer", "connect", bound(view.backend), "2")
    assert sub.read_line().startswith("2-update")
    engine.call(DevicePause("wuproxy"))
    held = view.stats.f2b_msgs
    time.sleep(QUIET)  # absence: the publisher goes on, nothing crosses
    assert view.stats.f2b_msgs == held and view.state == PAUSED
    engine.call(DeviceInject("wuproxy", "f>b", (b"2-while paused",)))  # inject still works
    engine.call(DeviceResume("wuproxy"))
    wait_until(engine, lambda: view.stats.f2b_msgs > held + 10, what="updates again")
    before = []  # what crossed before the pause, and was still on its way
    while (line := sub.read_line()) != "2-while paused":
        before.append(line)
        assert len(before) < 200, "the injected update never came"
    after = [sub.read_line() for _ in range(20)]  # what waited, then what came after
    numbers = [int(line.split()[1]) for line in before + after]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)  # in order


def test_stop_lets_the_endpoints_go_and_restart_takes_them_again(engine, spawn_peer):
    view = device(engine, "s", "streamer", ["@tcp://127.0.0.1:*"], ["@tcp://127.0.0.1:*"])
    front, back = bound(view.frontend), bound(view.backend)
    worker = spawn_peer("pull_printer", "connect", back, "2")
    spawn_peer("push_sender", "connect", front, "before")
    assert worker.read_line() == '["6265666f7265"]'
    engine.call(DeviceStop("s"))
    assert view.state == STOPPED
    assert [e.state for e in view.frontend.endpoints + view.backend.endpoints] == [CLOSED] * 2
    with pytest.raises(EngineError, match="is stopped"):
        engine.call(DevicePause("s"))
    with pytest.raises(EngineError, match="already stopped"):
        engine.call(DeviceStop("s"))
    engine.call(DeviceRestart("s"))
    assert view.state == RUNNING
    # the same ports again (a wildcard bind keeps the port it got), so peers reconnect
    assert (bound(view.frontend), bound(view.backend)) == (front, back)
    assert [e.state for e in view.frontend.endpoints] == [LISTENING]
    spawn_peer("push_sender", "connect", front, "after")
    assert worker.read_line(WAIT) == '["6166746572"]'
    wait_until(engine, lambda: view.stats.f2b_msgs == 2)


@pytest.mark.timeout(60)
def test_stopping_a_device_in_a_flood_returns_at_once(engine, spawn_peer):
    view = device(engine, "s", "streamer", ["@tcp://127.0.0.1:*"], ["@tcp://127.0.0.1:*"])
    spawn_peer("flood", "pull", "connect", bound(view.backend), "1000000")
    spawn_peer("flood", "push", "connect", bound(view.frontend), "1000000")
    wait_until(engine, lambda: view.stats.f2b_msgs > 20_000, what="the flood")
    t0 = time.monotonic()
    engine.call(DeviceStop("s"), timeout=5)
    assert time.monotonic() - t0 < 5
    assert view.state == STOPPED
    moved = view.stats.f2b_msgs
    assert 0 < moved < 1_000_000


# -- the tap, renaming, closing ------------------------------------------------------------------


def test_tap_off_counts_without_logging_and_clear_forgets(engine, spawn_peer):
    view = device(engine, "s", "streamer", ["@tcp://127.0.0.1:*"], ["@tcp://127.0.0.1:*"])
    worker = spawn_peer("pull_printer", "connect", bound(view.backend), "3")
    spawn_peer("push_sender", "connect", bound(view.frontend), "a")
    worker.read_line()
    engine.call(DeviceTap("s", False))
    spawn_peer("push_sender", "connect", bound(view.frontend), "b")
    worker.read_line()
    wait_until(engine, lambda: view.stats.f2b_msgs == 2)  # counted once its batch is done
    assert tap(view) == [[b"a"]]
    engine.call(DeviceTap("s", True))
    spawn_peer("push_sender", "connect", bound(view.frontend), "c")
    worker.read_line()
    wait_until(engine, lambda: view.stats.f2b_msgs == 3)
    assert tap(view) == [[b"a"], [b"c"]]
    engine.call(DeviceClearLog("s"))
    assert tap(view) == [] and view.stats.f2b_msgs == 3


def test_rename_and_close(engine):
    device(engine, "a", "queue", ["@inproc://q-front"], ["@inproc://q-back"])
    assert engine.call(DeviceRename("a", "b")) == "b"
    assert list(engine.devices()) == ["b"]
    view = engine.devices()["b"]
    assert view.frontend.name == "b frontend"
    with pytest.raises(EngineError, match="no device named 'a'"):
        engine.call(DevicePause("a"))
    engine.call(DeviceClose("b"))
    assert engine.devices() == {} and view.closed
    # the endpoints are free again
    device(engine, "c", "queue", ["@inproc://q-front"], ["@inproc://q-back"])


# -- bad input: one clear message each ----------------------------------------------------------


@pytest.mark.parametrize("front, back, message", [
    (["@tcp://127.0.0.1:5990"], [">tcp://127.0.0.1:5990"],
     "the frontend and the backend both name tcp://127.0.0.1:5990"),
    ([], ["@inproc://x"], "the frontend has no endpoint"),
    (["@inproc://y"], [""], "the backend has no endpoint"),
    (["@inproc://y,,@inproc://z"], ["@inproc://x"], "frontend: an empty endpoint"),
    (["tcp://127.0.0.1"], ["@inproc://x"], "frontend: bind tcp://127.0.0.1: tcp needs a port"),
    ([">tcp://*:5"], ["@inproc://x"], "frontend: connect tcp://*:5: cannot connect to '*'"),
])
def test_bad_endpoints_are_refused_before_any_socket(engine, front, back, message):
    with pytest.raises(EngineError) as err:
        device(engine, "bad", "queue", front, back)
    assert str(err.value).startswith(message)
    assert engine.devices() == {}
    assert texts_of_engine(engine) == [str(err.value)]


def texts_of_engine(engine):
    return [e[4] for e in engine.log.since(0) if e[2] == ERROR]


@pytest.mark.parametrize("kind, message", [
    ("queu", "unknown device kind 'queu' (streamer, forwarder or queue); did you mean queue?"),
    ("broker", "unknown device kind 'broker' (streamer, forwarder or queue)"),
])
def test_an_unknown_kind_is_named(engine, kind, message):
    with pytest.raises(EngineError) as err:
        device(engine, "bad", kind, ["@inproc://a"], ["@inproc://b"])
    assert str(err.value) == message


def test_an_endpoint_in_use_leaves_the_device_stopped_with_the_reason(engine):
    create(engine, "holder", "PULL")
    taken = engine.call(C.Bind("holder", "tcp://127.0.0.1:*"))
    with pytest.raises(EngineError) as err:
        device(engine, "q", "queue", ["@tcp://127.0.0.1:*"], ["@" + taken])
    assert str(err.value) == f"backend: bind {taken}: address already in use"
    view = engine.devices()["q"]
    assert view.state == STOPPED and view.reason == str(err.value)
    assert [e.state for e in view.backend.endpoints] == [FAILED]
    assert texts(view, ERROR) == [str(err.value)]  # in the device's log, not the engine's
    assert texts_of_engine(engine) == []
    engine.call(C.Close("holder"))
    engine.call(DeviceRestart("q"))
    assert view.state == RUNNING and view.reason == ""


def test_a_bad_option_names_its_side(engine):
    with pytest.raises(EngineError, match="backend: unknown socket option 'sndhmw'; did you "
                                          "mean sndhwm"):
        engine.call(DeviceCreate("q", "queue", ("@inproc://a",), ("@inproc://b",),
                                 backend_options=(("sndhmw", "10"),)))


def test_a_duplicate_name_is_refused(engine):
    device(engine, "q", "queue", ["@inproc://a"], ["@inproc://b"])
    with pytest.raises(EngineError, match="already a device named 'q'"):
        device(engine, "q", "streamer", ["@inproc://c"], ["@inproc://d"])
