"""Bad input: each a clear EngineError for that one socket while the engine and other sockets
keep running."""

from __future__ import annotations

import uuid

import pytest
import zmq
from conftest import create, entries, received, wait_received, wait_until

from zmqdash.engine import ERROR, EngineError
from zmqdash.engine import commands as C


@pytest.fixture
def bystanders(engine):
    """A PUSH/PULL pair that must keep working whatever else fails; call it to check."""
    create(engine, "by-push", "PUSH")
    create(engine, "by-pull", "PULL")
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind("by-pull", ep))
    engine.call(C.Connect("by-push", ep))
    count = 0

    def still_working() -> None:
        nonlocal count
        count += 1
        engine.call(C.Send("by-push", (b"ping %d" % count,)))
        assert wait_received(engine, "by-pull", count)[-1] == [b"ping %d" % count]
        assert engine.view("by-push").stats.errors == engine.view("by-pull").stats.errors == 0
        assert engine.running

    return still_working


def _errors(view) -> list[str]:
    return [e[4] for e in entries(view, ERROR)]


# -- endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("verb, endpoint, problem", [
    ("bind", "127.0.0.1:5555", "not an endpoint; expected transport://address"),
    ("connect", "localhost:5555", "not an endpoint"),
    ("bind", "htp://127.0.0.1:5555", "unknown transport 'htp'"),
    ("connect", "udpx://x", "unknown transport 'udpx'"),
    ("bind", "tcp://127.0.0.1", "tcp needs a port"),
    ("connect", "tcp://127.0.0.1:", "port must be a number from 1 to 65535"),
    ("bind", "tcp://127.0.0.1:0", "port must be a number from 1 to 65535"),
    ("connect", "tcp://127.0.0.1:0", "port must be a number from 1 to 65535"),
    ("bind", "tcp://127.0.0.1:99999", "port must be a number from 1 to 65535"),
    ("connect", "tcp://127.0.0.1:99999", "port must be a number from 1 to 65535"),
    ("bind", "tcp://127.0.0.1:http", "port must be a number"),
    ("connect", "tcp://*:5555", "cannot connect to '*'"),
    ("connect", "tcp://127.0.0.1:*", "a wildcard port only makes sense for bind"),
    ("bind", "", "empty endpoint"),
    ("connect", "   ", "empty endpoint"),
    ("bind", "tcp://:5555", "tcp needs a host or interface"),
    ("bind", "ipc://", "missing address"),
    ("bind", "ipc:///" + "x" * 120, "longer than the 107 bytes"),
    ("bind", "ipc://@" + "x" * 200, "longer than the 107 bytes"),  # abstract: the same limit
    ("connect", "ipc://@" + "x" * 107, "longer than the 107 bytes"),
    ("connect", "tcp://[::1:5555", "bad IPv6 form"),
])
def test_malformed_endpoints(engine, bystanders, verb, endpoint, problem):
    create(engine, "s", "PULL")
    cmd = C.Bind if verb == "bind" else C.Connect
    with pytest.raises(EngineError) as err:
        engine.call(cmd("s", endpoint))
    assert problem in str(err.value)
    assert str(err.value).startswith(verb)
    view = engine.view("s")
    assert view.stats.errors == 1 and _errors(view) == [str(err.value)]
    bystanders()
    # the socket itself is still usable
    assert engine.call(C.Bind("s", "tcp://127.0.0.1:*")).startswith("tcp://127.0.0.1:")


@pytest.mark.skipif(zmq.has("pgm"), reason="this libzmq has pgm")
@pytest.mark.parametrize("transport", ["pgm", "epgm", "norm"])
def test_pgm_without_support_says_so(engine, bystanders, transport):
    create(engine, "pub", "PUB")
    with pytest.raises(EngineError) as err:
        engine.call(C.Connect("pub", f"{transport}://127.0.0.1;239.192.1.1:5555"))
    assert f"this libzmq has no {transport}" in str(err.value)
    assert "--no-binary pyzmq pyzmq" in str(err.value)  # and how to get it
    bystanders()


def test_port_in_use(engine, bystanders):
    create(engine, "first", "PULL")
    create(engine, "second", "PULL")
    real = engine.call(C.Bind("first", "tcp://127.0.0.1:*"))
    with pytest.raises(EngineError) as err:
        engine.call(C.Bind("second", real))
    assert str(err.value) == f"bind {real}: address already in use"
    [state] = engine.view("second").endpoints
    assert (state.state, state.reason) == ("failed", "address already in use")
    assert engine.view("first").stats.errors == 0
    bystanders()
    # a failed endpoint can be tried again elsewhere
    assert engine.call(C.Bind("second", "tcp://127.0.0.1:*")) != real


def test_an_ipv6_address_with_ipv6_off_says_so(engine, bystanders):
    # libzmq's own errno (ENODEV) used to be overwritten by the monitor's: "resource
    # temporarily unavailable"
    create(engine, "pub", "PUB")
    with pytest.raises(EngineError) as err:
        engine.call(C.Bind("pub", "tcp://[::1]:*"))
    text = str(err.value)
    assert "temporarily unavailable" not in text
    assert text.startswith("bind tcp://[::1]:*: ") and "ipv6=1" in text, text
    [state] = engine.view("pub").endpoints
    assert state.state == "failed" and "ipv6=1" in state.reason
    bystanders()
    with pytest.raises(EngineError, match=r"^connect tcp://\[::1\]:5: .*ipv6=1"):
        engine.call(C.Connect("pub", "tcp://[::1]:5"))  # libzmq would retry for ever
    create(engine, "pub6", "PUB", ("ipv6", "1"))  # and with it on, it binds
    real = engine.call(C.Bind("pub6", "tcp://[::1]:*"))
    assert real.startswith("tcp://[::1]:")
    create(engine, "sub6", "SUB", ("ipv6", "1"))
    assert engine.call(C.Connect("sub6", real)) == real


def test_the_real_reason_of_a_failed_bind_is_kept(engine, tmp_path):
    create(engine, "pull", "PULL")
    with pytest.raises(EngineError) as err:
        engine.call(C.Bind("pull", f"ipc://{tmp_path}/missing/x.sock"))
    assert str(err.value).endswith(": no such file or directory"), str(err.value)


def test_unresolvable_host(engine, bystanders):
    create(engine, "push", "PUSH")
    with pytest.raises(EngineError) as err:
        engine.call(C.Connect("push", "tcp://nosuchhost.invalid:5555"), timeout=30)
    text = str(err.value)
    assert text.startswith("connect tcp://nosuchhost.invalid:5555: cannot resolve host")
    [state] = engine.view("push").endpoints
    assert state.state == "failed" and "cannot resolve host" in state.reason
    assert engine.view("push").stats.errors == 1
    bystanders()


def test_a_host_name_that_resolves_connects(engine):
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    port = engine.call(C.Bind("pull", "tcp://127.0.0.1:*")).rsplit(":", 1)[1]
    engine.call(C.Connect("push", f"tcp://localhost:{port}"), timeout=30)
    engine.call(C.Send("push", (b"via name",)))
    assert wait_received(engine, "pull", 1) == [[b"via name"]]


def test_duplicate_endpoint_on_one_socket(engine, tmp_path):
    create(engine, "s", "PULL")
    ep = f"ipc://{tmp_path}/dup.sock"
    engine.call(C.Bind("s", ep))
    with pytest.raises(EngineError, match=f"s already has bind {ep}"):
        engine.call(C.Bind("s", ep))
    real = engine.call(C.Bind("s", "tcp://127.0.0.1:*"))
    with pytest.raises(EngineError, match="address already in use"):
        engine.call(C.Bind("s", real))  # the same port by its real name


def test_two_wildcard_binds_on_one_socket(engine):
    create(engine, "s", "PULL")
    first = engine.call(C.Bind("s", "tcp://127.0.0.1:*"))
    second = engine.call(C.Bind("s", "tcp://127.0.0.1:*"))
    assert first != second
    assert {e.resolved for e in engine.view("s").endpoints} == {first, second}


# -- sockets and names --------------------------------------------------------------------------


@pytest.mark.parametrize("type_, problem", [
    ("REQQ", "did you mean REQ?"),
    ("PUBLISHER", "unknown socket type 'PUBLISHER'"),
    ("", "unknown socket type"),
    ("STREAM", "unknown socket type 'STREAM'"),
])
def test_unknown_socket_type(engine, bystanders, type_, problem):
    with pytest.raises(EngineError) as err:
        create(engine, "s", type_)
    assert problem in str(err.value)
    assert "s" not in engine.sockets()
    bystanders()


def test_socket_type_is_case_insensitive(engine):
    create(engine, "s", " dealer ")
    assert engine.view("s").type == "DEALER"


@pytest.mark.parametrize("name, problem", [
    ("", "a socket needs a name"),
    ("  ", "a socket needs a name"),
    ("a\x1bb", "control or invisible characters"),
    ("a\u200b", r"control or invisible characters \(U\+200B\)"),
    ("a\ufeff", "control or invisible characters"),
])
def test_bad_socket_names(engine, bystanders, name, problem):
    with pytest.raises(EngineError, match=problem):
        create(engine, name, "PUB")
    bystanders()


def test_duplicate_socket_name(engine, bystanders):
    with pytest.raises(EngineError, match="there is already a socket named 'by-push'"):
        create(engine, "by-push", "PUB")
    assert engine.view("by-push").type == "PUSH"
    assert any("already a socket named" in str(e[4]) for e in engine.log.since(0)) or \
        engine.view("by-push").stats.errors == 1


def test_duplicate_socket_name_is_not_blamed_on_the_existing_socket(engine, bystanders):
    with pytest.raises(EngineError, match="there is already a socket named 'by-push'"):
        create(engine, "by-push", "PUB")
    assert engine.view("by-push").stats.errors == 0
    assert _errors(engine.view("by-push")) == []
    assert any("already a socket named" in str(e[4]) for e in engine.log.since(0))


def test_commands_for_a_missing_socket_go_to_the_engine_log(engine):
    with pytest.raises(EngineError, match="no socket named 'ghost'"):
        engine.call(C.Send("ghost", (b"x",)))
    with pytest.raises(EngineError, match="no socket named 'ghost'"):
        engine.view("ghost")
    assert any("no socket named 'ghost'" in str(e[4]) for e in engine.log.since(0))


# -- sending ------------------------------------------------------------------------------------


def test_req_sending_twice_is_a_clear_error(engine, bystanders):
    create(engine, "req", "REQ")
    create(engine, "rep", "REP")
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind("rep", ep))
    engine.call(C.Connect("req", ep))
    engine.call(C.Send("req", (b"one",)))
    with pytest.raises(EngineError) as err:
        engine.call(C.Send("req", (b"two",)))
    assert "waiting for a reply" in str(err.value) and "req_relaxed" in str(err.value)
    assert engine.view("req").stats.errors == 1
    bystanders()
    # the conversation goes on
    assert wait_received(engine, "rep", 1) == [[b"one"]]
    engine.call(C.Send("rep", (b"answer",)))
    assert wait_received(engine, "req", 1) == [[b"answer"]]
    engine.call(C.Send("req", (b"three",)))
    assert wait_received(engine, "rep", 2)[-1] == [b"three"]
    assert engine.view("rep").stats.msgs_in == 2  # "two" never left


def test_rep_cannot_speak_first(engine):
    create(engine, "rep", "REP")
    with pytest.raises(EngineError, match="only reply after it has received a request"):
        engine.call(C.Send("rep", (b"x",)))


@pytest.mark.parametrize("type_", ["PULL", "SUB"])
def test_receive_only_sockets_cannot_send(engine, bystanders, type_):
    create(engine, "s", type_)
    with pytest.raises(EngineError, match=f"a {type_} socket cannot send"):
        engine.call(C.Send("s", (b"x",)))
    assert engine.view("s").stats.msgs_out == 0
    bystanders()


def test_router_send_needs_a_peer(engine, bystanders):
    create(engine, "router", "ROUTER")
    engine.call(C.Bind("router", "tcp://127.0.0.1:*"))
    with pytest.raises(EngineError, match="starts with the peer's identity"):
        engine.call(C.Send("router", (b"hello",)))
    create(engine, "dealer", "DEALER")
    with pytest.raises(EngineError, match="only applies to ROUTER"):
        engine.call(C.Send("dealer", (b"x",), peer=b"someone"))
    assert engine.view("router").stats.msgs_out == engine.view("dealer").stats.msgs_out == 0
    bystanders()


def test_empty_message_is_refused(engine):
    create(engine, "push", "PUSH")
    with pytest.raises(EngineError, match="needs at least one frame"):
        engine.call(C.Send("push", ()))


def test_invalid_utf8_is_stored_raw(engine):
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("push", real))
    payload = [b"\xff\xfe\x80", b"\xc3(", b"ok \xe2\x82"]
    engine.call(C.Send("push", tuple(payload)))
    assert wait_received(engine, "pull", 1) == [payload]
    [entry] = [e for e in entries(engine.view("pull")) if e[2] == "in"]
    assert all(type(f) is bytes for f in entry[3])
    assert engine.view("pull").stats.errors == 0


@pytest.mark.timeout(30)
def test_a_64_mib_message_arrives_intact(engine):
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("push", real))
    big = bytes(range(256)) * (64 * 1024 * 1024 // 256)
    assert len(big) == 64 << 20
    engine.call(C.Send("push", (b"head", big)), timeout=20)
    [[head, body]] = wait_received(engine, "pull", 1, timeout=20)
    assert head == b"head" and body == big
    size = 4 + (64 << 20)
    pull, push = engine.view("pull").stats, engine.view("push").stats
    assert (pull.msgs_in, pull.bytes_in) == (1, size)
    assert (push.msgs_out, push.bytes_out) == (1, size)
    # and the link still works for small ones
    engine.call(C.Send("push", (b"small",)))
    assert wait_received(engine, "pull", 2)[-1] == [b"small"]
    assert received(engine.view("pull"))[-1] == [b"small"]


def test_a_failing_on_change_callback_does_not_stop_the_engine(make_engine):
    calls = []

    def broken(names):
        calls.append(names)
        raise RuntimeError("consumer bug")

    engine = make_engine(on_change=broken)
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind("pull", ep))
    engine.call(C.Connect("push", ep))
    engine.call(C.Send("push", (b"x",)))
    assert wait_received(engine, "pull", 1) == [[b"x"]]
    assert calls and all(isinstance(c, frozenset) for c in calls)
    wait_until(engine, lambda: any("on_change failed" in str(e[4]) for e in engine.log.since(0)))


# -- unbind, disconnect, rename -----------------------------------------------------------------


def test_unbind_and_disconnect(engine):
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("push", real))
    engine.call(C.Send("push", (b"before",)))
    wait_received(engine, "pull", 1)
    engine.call(C.Disconnect("push", real))
    assert engine.view("push").endpoints == ()
    with pytest.raises(EngineError, match=f"push is not connected to {real} "
                       r"\(connected to: none\)"):
        engine.call(C.Disconnect("push", real))
    engine.call(C.Unbind("pull", "tcp://127.0.0.1:*"))  # by the name it was bound with
    assert engine.view("pull").endpoints == ()
    with pytest.raises(EngineError, match="pull is not bound to"):
        engine.call(C.Unbind("pull", real))
    notes = [e[4] for e in entries(engine.view("pull")) if e[2] == "info"]
    assert f"unbound {real}" in notes


def test_rename(engine, bystanders):
    create(engine, "old", "PAIR")
    view = engine.view("old")
    assert engine.call(C.Rename("old", "new")) == "new"
    assert engine.view("new") is view and view.name == "new"
    assert "old" not in engine.sockets()
    assert list(engine.sockets()) == ["by-push", "by-pull", "new"]
    with pytest.raises(EngineError, match="there is already a socket named 'by-pull'"):
        engine.call(C.Rename("new", "by-pull"))
    bystanders()


def test_two_wildcard_binds_keep_separate_states(engine):
    create(engine, "pull", "PULL")
    first = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    second = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    create(engine, "push", "PUSH")
    engine.call(C.Connect("push", second))
    view = engine.view("pull")

    def peers() -> dict[str, int]:
        return {e.resolved: e.peers for e in view.endpoints}

    wait_until(engine, lambda: peers() == {first: 0, second: 1}, what="the second to get a peer")
    engine.call(C.Send("push", (b"via second",)))
    assert wait_received(engine, "pull", 1) == [[b"via second"]]
    engine.call(C.Unbind("pull", second))
    assert [e.resolved for e in view.endpoints] == [first]
    engine.call(C.Disconnect("push", second))
    engine.call(C.Connect("push", first))
    engine.call(C.Send("push", (b"via first",)))
    assert wait_received(engine, "pull", 2)[-1] == [b"via first"]
