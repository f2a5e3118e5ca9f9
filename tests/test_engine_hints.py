"""Hints, each brought about by the real situation (separate peer processes where a peer is
involved) and gone once the situation ends."""

from __future__ import annotations

import pytest
import zmq
from conftest import (
    cat_bound_endpoint,
    create,
    free_tcp_port,
    read_line,
    wait_received,
    wait_until,
)

from zmqdash.engine import commands as C
from zmqdash.engine.credentials import CLIENT, CURVE, SERVER, Credentials
from zmqdash.engine.hints import Timing

#: fast enough for tests: looks five times a second, and situations count after a second
FAST = Timing(interval=0.1, quiet=1.0, recent=0.6, req_wait=0.5, hang=1.0, shown=1.5,
              retries=2)


@pytest.fixture
def engine(make_engine):
    return make_engine(hint_timing=FAST)


def hint(engine, name: str, key: str, contains: str = "", timeout: float = 10.0):
    """Wait for socket ``name`` to have a hint whose key starts with ``key`` (and whose text
    holds ``contains``); return it."""
    def find():
        for h in engine.view(name).hints:
            if h.key.startswith(key) and contains in h.text:
                return h
        return None
    return wait_until(engine, find, timeout,
                      f"a {key!r} hint on {name} saying {contains!r} "
                      f"(has {[h.text for h in engine.view(name).hints]})")


def no_hint(engine, name: str, key: str, timeout: float = 10.0) -> None:
    wait_until(engine, lambda: not any(h.key.startswith(key) for h in engine.view(name).hints),
               timeout, f"the {key!r} hint on {name} to go "
                        f"(has {[h.text for h in engine.view(name).hints]})")


def has(engine, name: str, key: str) -> bool:
    return any(h.key.startswith(key) for h in engine.view(name).hints)


# -- subscribers ---------------------------------------------------------------------------------


def test_sub_with_no_subscription(engine, spawn_peer):
    pub = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    create(engine, "sub", "SUB")
    engine.call(C.Connect("sub", pub.endpoint))
    h = hint(engine, "sub", "no-subscription")
    assert "subscribe to * (everything) or a prefix" in h.text
    assert "Subscribe to *" in h.explain
    engine.call(C.Subscribe("sub", b"1"))
    no_hint(engine, "sub", "no-subscription")
    wait_received(engine, "sub", 3)


def test_sub_whose_prefix_matches_nothing_a_publisher_process_sends(engine, spawn_peer):
    pub = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")  # 1-update N, 2-update N
    create(engine, "sub", "SUB")
    engine.call(C.Subscribe("sub", b"3"))
    engine.call(C.Connect("sub", pub.endpoint))
    h = hint(engine, "sub", "no-match", "nothing has arrived for")
    assert "subscribed to 3" in h.text
    engine.call(C.Subscribe("sub", b"1"))
    no_hint(engine, "sub", "no-match")
    assert engine.view("sub").stats.msgs_in > 0


def test_sub_whose_prefix_matches_nothing_a_publisher_here_sends(engine):
    create(engine, "pub", "PUB")
    create(engine, "sub", "SUB")
    engine.call(C.Subscribe("sub", b"1"))
    real = engine.call(C.Bind("pub", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("sub", real))
    engine.call(C.RepeatStart("pub", ("2-tick {seq}",), 10))
    h = hint(engine, "sub", "no-match", "none starts with 1")
    assert h.text.startswith("PUB pub sent ") and "it sends 2-tick " in h.text
    engine.call(C.Subscribe("sub", b"2"))
    no_hint(engine, "sub", "no-match")


# -- publishers ----------------------------------------------------------------------------------


def test_pub_with_no_subscriber_then_a_slow_joiner(engine, spawn_peer):
    create(engine, "pub", "PUB")
    real = engine.call(C.Bind("pub", "tcp://127.0.0.1:*"))
    engine.call(C.RepeatStart("pub", ("tick {seq}",), 10))
    h = hint(engine, "pub", "no-subscriber", "no subscriber is connected")
    assert "went nowhere" in h.text
    peer = spawn_peer("subscriber", "connect", real, "", stdin=True)
    peer.read_line()
    h = hint(engine, "pub", "slow-joiner")
    lost = int(h.text.split()[2].replace(",", ""))
    assert lost >= 10  # at 100 a second, for well over a tenth of a second
    assert not has(engine, "pub", "no-subscriber")
    no_hint(engine, "pub", "slow-joiner")  # a past event: it goes after a while
    peer.proc.kill()
    hint(engine, "pub", "no-subscriber")  # alone again
    engine.call(C.RepeatStop("pub"))
    no_hint(engine, "pub", "no-subscriber")  # no longer sending


def test_xpub_with_peers_but_no_subscription(engine, spawn_peer):
    create(engine, "xpub", "XPUB")
    real = engine.call(C.Bind("xpub", "tcp://127.0.0.1:*"))
    peer = spawn_peer("subscriber", "connect", real, stdin=True)
    peer.read_line()
    engine.call(C.RepeatStart("xpub", ("tick {seq}",), 10))
    hint(engine, "xpub", "no-subscriber", "1 peer connected but none has subscribed")
    assert peer.command("sub tick") == "ok"
    hint(engine, "xpub", "slow-joiner")
    no_hint(engine, "xpub", "no-subscriber")


# -- request/reply -------------------------------------------------------------------------------


def test_req_waiting_for_a_reply_until_it_comes(engine, spawn_peer):
    server = spawn_peer("manual_rep", "bind", "tcp://127.0.0.1:*", stdin=True)
    create(engine, "req", "REQ")
    engine.call(C.Connect("req", server.endpoint))
    engine.call(C.Send("req", (b"anyone?",)))
    assert server.command("recv") == "got anyone?"
    h = hint(engine, "req", "req-waiting", "for a reply")
    assert "req_relaxed" in h.explain and "close the socket" in h.explain
    assert server.command("reply here") == "ok"
    no_hint(engine, "req", "req-waiting")
    wait_received(engine, "req", 1)


def test_req_whose_request_has_not_left(engine, spawn_peer):
    port = free_tcp_port()
    create(engine, "req", "REQ", ("immediate", "1"))
    engine.call(C.Connect("req", f"tcp://127.0.0.1:{port}"))
    engine.call(C.Send("req", (b"hello?",)))
    hint(engine, "req", "req-waiting", "the request has not left")
    server = spawn_peer("manual_rep", "bind", f"tcp://127.0.0.1:{port}", stdin=True)
    assert server.command("recv") == "got hello?"
    hint(engine, "req", "req-waiting", "for a reply")
    assert server.command("reply ok") == "ok"
    no_hint(engine, "req", "req-waiting")


# -- connecting and binding ----------------------------------------------------------------------


def test_connect_retrying_where_nothing_listens_until_a_peer_binds(engine, spawn_peer):
    port = free_tcp_port()
    ep = f"tcp://127.0.0.1:{port}"
    create(engine, "push", "PUSH")
    engine.call(C.Connect("push", ep))
    h = hint(engine, "push", f"retrying {ep}", f"nothing is listening at {ep}")
    assert "attempts since" in h.text
    spawn_peer("pull_printer", "bind", ep, "1")
    no_hint(engine, "push", "retrying")


def test_connect_retrying_suggests_the_port_a_socket_here_listens_on(engine):
    create(engine, "rep", "REP")
    real = engine.call(C.Bind("rep", "tcp://127.0.0.1:*"))
    create(engine, "req", "REQ")
    engine.call(C.Connect("req", f"tcp://127.0.0.1:{free_tcp_port()}"))
    hint(engine, "req", "retrying", f"rep listens on {real}: wrong port?")


def test_connect_that_neither_connects_nor_is_refused(engine, spawn_peer):
    hole = spawn_peer("blackhole", "bind", "tcp://127.0.0.1:*")
    create(engine, "dealer", "DEALER")
    engine.call(C.Connect("dealer", hole.endpoint))
    h = hint(engine, "dealer", "retrying", "neither connected nor refused")
    assert "firewall" in h.text
    hole.proc.kill()  # now the port refuses
    hint(engine, "dealer", "retrying", "nothing is listening at")
    assert not any("neither connected" in x.text for x in engine.view("dealer").hints)


def test_bind_in_use_names_the_process_holding_it(engine, spawn_peer):
    holder = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "1")
    create(engine, "pull", "PULL")
    with pytest.raises(Exception, match="address already in use"):
        engine.call(C.Bind("pull", holder.endpoint))
    h = hint(engine, "pull", "bind-in-use", "already in use")  # looking, then found
    h = hint(engine, "pull", "bind-in-use", f"(pid {holder.proc.pid}: ")
    assert "by python (pid" in h.text and "pull_printer.py bind tcp://127.0.0.1:*" in h.text
    engine.call(C.Unbind("pull", holder.endpoint))
    no_hint(engine, "pull", "bind-in-use")


def test_bind_in_use_by_a_socket_here(engine):
    create(engine, "one", "PULL")
    real = engine.call(C.Bind("one", "tcp://127.0.0.1:*"))
    create(engine, "two", "PULL")
    with pytest.raises(Exception, match="address already in use"):
        engine.call(C.Bind("two", real))
    found = engine.call(C.CheckHints("two"))  # at once, without waiting for the timer
    assert [h.text for h in found] == [
        f"bind {real} failed: the address is already in use by one (PULL) in this zmqdash"]


# -- queues --------------------------------------------------------------------------------------


def test_outbox_waiting_for_a_peer_until_one_connects(engine, spawn_peer):
    port = free_tcp_port()
    ep = f"tcp://127.0.0.1:{port}"
    create(engine, "push", "PUSH", ("immediate", "1"))
    engine.call(C.Connect("push", ep))
    for i in range(5):
        engine.call(C.Send("push", (b"job %d" % i,)))
    hint(engine, "push", "outbox", "5 messages waiting to leave: no peer is connected")
    spawn_peer("pull_printer", "bind", ep, "5")
    no_hint(engine, "push", "outbox")


def test_outbox_growing_at_the_high_water_mark_until_the_peer_reads(engine, spawn_peer):
    peer = spawn_peer("stalled_pull", "bind", "tcp://127.0.0.1:*", "10", stdin=True)
    create(engine, "push", "PUSH", ("sndhwm", "10"))
    engine.call(C.Connect("push", peer.endpoint))
    # big messages, so the kernel's socket buffers fill too and ZeroMQ's queue backs up
    engine.call(C.RepeatStart("push", ("job {seq} " + "x" * 100_000,), 2, 500))
    h = hint(engine, "push", "outbox", "and growing: the peer is not taking them")
    assert "sndhwm=10" in h.text
    peer.proc.stdin.write(b"drain\n")
    peer.proc.stdin.flush()
    assert peer.read_line() == "draining"
    no_hint(engine, "push", "outbox")


# -- counters ------------------------------------------------------------------------------------


def test_gaps_in_a_counter_a_repeat_send_here_numbers(engine, spawn_peer):
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("push", "tcp://127.0.0.1:*"))
    create(engine, "pull", "PULL")
    engine.call(C.Connect("pull", real))
    wait_until(engine, lambda: engine.view("push").endpoints[0].peers == 1, what="a peer")
    other = spawn_peer("pull_printer", "connect", real, "1000000")  # a second worker
    wait_until(engine, lambda: engine.view("push").endpoints[0].peers == 2, what="two peers")
    engine.call(C.RepeatStart("push", ("job {seq}",), 5))
    h = hint(engine, "pull", "gap", "missing between #")
    assert "in job {seq}" in h.text and "PULL got the missing ones" in h.explain
    other.proc.kill()
    no_hint(engine, "pull", "gap")  # every number arrives again


def test_gaps_in_a_counter_the_user_marks(engine, spawn_peer):
    pub = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    for name in ("sub", "witness"):
        create(engine, name, "SUB")
        engine.call(C.Subscribe(name, b"1"))
        engine.call(C.Connect(name, pub.endpoint))
    engine.call(C.WatchCounter("sub", "1-update {seq}"))
    wait_received(engine, "sub", 20)
    assert not has(engine, "sub", "gap")
    engine.call(C.Disconnect("sub", pub.endpoint))
    # what is published while it is away is lost to it: the witness sees it go by
    wait_received(engine, "witness", engine.view("witness").stats.msgs_in + 20)
    engine.call(C.Connect("sub", pub.endpoint))
    h = hint(engine, "sub", "gap", "missing between #")
    assert "in 1-update {seq}" in h.text
    assert not has(engine, "witness", "gap")  # not watched, and missed nothing
    no_hint(engine, "sub", "gap")
    with pytest.raises(Exception, match=r"marked with \{seq\}"):
        engine.call(C.WatchCounter("sub", "1-update"))


# -- exclusive pair ------------------------------------------------------------------------------


def test_pair_that_already_has_a_peer(engine, spawn_peer):
    create(engine, "pair", "PAIR")
    real = engine.call(C.Bind("pair", "tcp://127.0.0.1:*"))
    first = spawn_peer("pair_peer", "connect", real)
    wait_received(engine, "pair", 1)  # the first peer's hello
    second = spawn_peer("pair_peer", "connect", real)
    h = hint(engine, "pair", "pair-extra", "this PAIR already has a peer")
    assert "127.0.0.1:" in h.text and "gets nothing" in h.text
    second.proc.kill()
    no_hint(engine, "pair", "pair-extra")
    third = spawn_peer("pair_peer", "connect", real)
    hint(engine, "pair", "pair-extra", "already has a peer")
    first.proc.kill()
    hint(engine, "pair", "pair-extra", "its peer went away; 1 other connection")
    third.proc.kill()
    no_hint(engine, "pair", "pair-extra")


# -- routing ----------------------------------------------------------------------------------


def test_router_sending_to_an_identity_no_peer_has(engine, spawn_peer):
    create(engine, "router", "ROUTER")
    real = engine.call(C.Bind("router", "tcp://127.0.0.1:*"))
    spawn_peer("req_client", "connect", real, "hello")  # a real peer, heard from
    wait_until(engine, lambda: engine.view("router").peers_seen, what="a peer heard from")
    with pytest.raises(Exception, match="no connected peer has the identity 'w9'"):
        engine.call(C.Send("router", (b"job",), peer=b"w9"))
    h = hint(engine, "router", "router-unknown", "1 message to w9 refused")
    assert "(heard from: hex:" in h.text and "router_mandatory" in h.explain
    no_hint(engine, "router", "router-unknown")  # nothing more sent there: it goes
    engine.call(C.SetOption("router", "router_mandatory", "0"))
    for _ in range(3):  # ZeroMQ's way now: no error, the message is dropped
        assert engine.call(C.Send("router", (b"job",), peer=b"w9")) == "dropped"
    hint(engine, "router", "router-unknown",
         "3 messages to w9 dropped: no connected peer has that identity, and router_mandatory "
         "is off")
    no_hint(engine, "router", "router-unknown")


# -- security ------------------------------------------------------------------------------------


def _keys() -> tuple[str, str]:
    public, secret = zmq.curve_keypair()
    return public.decode(), secret.decode()


def _secure(engine, name: str, kind: str, creds) -> None:
    create(engine, name, kind)
    engine.call(C.Secure(name, creds))


def test_wrong_server_key_on_the_client(engine, spawn_peer):
    server = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", _keys()[1])
    _secure(engine, "client", "REQ", Credentials(CURVE, CLIENT, server_key=_keys()[0]))
    engine.call(C.Connect("client", server.endpoint))
    h = hint(engine, "client", "handshake", "wrong server key (curve_serverkey)?")
    assert "drops the CURVE handshake on every attempt" in h.text
    assert not has(engine, "client", "retrying")  # one hint for it, not two
    engine.call(C.Disconnect("client", server.endpoint))
    no_hint(engine, "client", "handshake")


def test_wrong_server_key_set_as_plain_options(engine, spawn_peer):
    server = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", _keys()[1])
    public, secret = _keys()
    # text: so a key that starts like a codec prefix (@, hex:) is taken as it is
    create(engine, "client", "REQ", ("curve_serverkey", "text:" + _keys()[0]),
           ("curve_publickey", "text:" + public), ("curve_secretkey", "text:" + secret))
    engine.call(C.Connect("client", server.endpoint))
    hint(engine, "client", "handshake", "wrong server key (curve_serverkey)?")


def test_a_client_with_the_wrong_server_key_seen_by_the_server(engine, spawn_peer):
    _secure(engine, "server", "REP", Credentials(CURVE, SERVER, secret_key=_keys()[1]))
    real = engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    client = spawn_peer("curve_client", "connect", real, _keys()[0])
    h = hint(engine, "server", "handshake", "it has the wrong server key")
    assert "does not decrypt" in h.text
    client.proc.kill()
    no_hint(engine, "server", "handshake")


def test_security_mechanism_mismatch(engine, spawn_peer):
    _secure(engine, "server", "REP", Credentials(CURVE, SERVER, secret_key=_keys()[1]))
    real = engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    client = spawn_peer("req_client", "connect", real, "hello")  # no security
    # the plain client notices first and hangs up, or the server does: either way, said
    h = hint(engine, "server", "handshake", "mechanism")
    assert "CURVE" in h.text
    client.proc.kill()
    no_hint(engine, "server", "handshake")


def test_client_key_refused_by_the_servers_authenticator(engine, spawn_peer, start_cat):
    public, secret = _keys()
    # the server: zmqdash cat in a process of its own, allowing one key that is not ours
    server = start_cat("REP", "-b", "tcp://127.0.0.1:*", "--curve-server", secret,
                       "--allow-keys", _keys()[0], "--no-stdin")
    assert read_line(server.stderr).startswith("zmqdash cat: CURVE server")
    ep = cat_bound_endpoint(server)
    _secure(engine, "client", "REQ", Credentials(CURVE, CLIENT, server_key=public))
    engine.call(C.Connect("client", ep))
    h = hint(engine, "client", "handshake", "the server refused this socket's key (ZAP 400)")
    assert "allowed list" in h.explain
    server.kill()
    engine.call(C.Disconnect("client", ep))
    no_hint(engine, "client", "handshake")


def test_a_client_key_the_authenticator_here_refuses(engine, spawn_peer):
    public, secret = _keys()
    _secure(engine, "server", "REP", Credentials(CURVE, SERVER, secret_key=secret,
                                                 allow_keys=(_keys()[0],)))
    real = engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    client = spawn_peer("curve_client", "connect", real, public)  # a key not on the list
    hint(engine, "server", "handshake", "a client's key was refused by the authenticator "
                                         "(ZAP 400)")
    client.proc.kill()
    no_hint(engine, "server", "handshake")
