"""Monitor events in the log and the endpoint states they drive."""

from __future__ import annotations

import uuid

from conftest import create, events, free_tcp_port, wait_received, wait_until

from zmqdash.engine import EVENT
from zmqdash.engine import commands as C
from zmqdash.engine.state import ATTACHED, CONNECTED, LISTENING, RETRYING


def _names(view) -> list[str]:
    return [ev.event for ev in events(view)]


def _endpoint(view, role: str):
    [ep] = [e for e in view.endpoints if e.role == role]
    return ep


def test_events_and_states_of_a_tcp_connection(engine):
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    pull, push = engine.view("pull"), engine.view("push")
    wait_until(engine, lambda: "LISTENING" in _names(pull))
    assert _endpoint(pull, "bind").state == LISTENING
    assert _endpoint(pull, "bind").peers == 0
    engine.call(C.Connect("push", real))
    wait_until(engine, lambda: _endpoint(push, "connect").state == CONNECTED)
    wait_until(engine, lambda: _endpoint(pull, "bind").peers == 1)
    wait_until(engine, lambda: "HANDSHAKE_SUCCEEDED" in _names(pull)
               and "HANDSHAKE_SUCCEEDED" in _names(push))
    assert "ACCEPTED" in _names(pull)
    assert "CONNECTED" in _names(push)
    assert [ev.endpoint for ev in events(push) if ev.event == "CONNECTED"] == [real]
    assert _endpoint(pull, "bind").describe() == f"bind {real}: listening (1 peer)"
    assert _endpoint(push, "connect").describe() == f"connect {real}: connected (1 peer)"

    # a second peer, then one leaves
    create(engine, "push2", "PUSH")
    engine.call(C.Connect("push2", real))
    wait_until(engine, lambda: _endpoint(pull, "bind").peers == 2)
    assert "(2 peers)" in _endpoint(pull, "bind").describe()
    engine.call(C.Close("push2"))
    wait_until(engine, lambda: "DISCONNECTED" in _names(pull))
    wait_until(engine, lambda: _endpoint(pull, "bind").peers == 1)
    # the link still carries messages
    engine.call(C.Send("push", (b"still here",)))
    assert wait_received(engine, "pull", 1) == [[b"still here"]]


def test_ipc_bind_reports_listening_and_accepted(engine, tmp_path):
    create(engine, "rep", "REP")
    create(engine, "req", "REQ")
    ep = f"ipc://{tmp_path}/mon.sock"
    assert engine.call(C.Bind("rep", ep)) == ep
    engine.call(C.Connect("req", ep))
    rep, req = engine.view("rep"), engine.view("req")
    wait_until(engine, lambda: {"LISTENING", "ACCEPTED"} <= set(_names(rep)))
    wait_until(engine, lambda: _endpoint(req, "connect").state == CONNECTED)
    assert _endpoint(rep, "bind").peers == 1


def test_inproc_has_no_events_but_an_attached_state(engine):
    create(engine, "a", "PAIR")
    create(engine, "b", "PAIR")
    ep = f"inproc://{uuid.uuid4().hex}"
    engine.call(C.Bind("a", ep))
    engine.call(C.Connect("b", ep))
    assert _endpoint(engine.view("b"), "connect").state == ATTACHED
    assert _endpoint(engine.view("a"), "bind").state == LISTENING
    engine.call(C.Send("b", (b"x",)))
    wait_received(engine, "a", 1)
    assert events(engine.view("a")) == events(engine.view("b")) == []


def test_retry_loop_to_an_absent_peer_is_one_updating_entry(engine):
    port = free_tcp_port()
    ep = f"tcp://127.0.0.1:{port}"
    create(engine, "push", "PUSH")
    engine.call(C.Connect("push", ep))
    view = engine.view("push")
    ring = view.log

    def retry_entry():
        found = [ev for ev in events(view) if ev.event == "CONNECT_RETRIED"]
        return found[0] if found else None

    first = wait_until(engine, retry_entry, what="the first CONNECT_RETRIED")
    length, total = len(ring), ring.total
    version = ring.version
    wait_until(engine, lambda: first.count >= 3, what="three retries folded into one entry")
    assert (len(ring), ring.total) == (length, total)  # the log did not grow
    assert ring.version > version  # but readers are told the entry changed
    assert retry_entry() is first and first.endpoint == ep
    assert first.last_ts >= ring.get(first_seq(ring, first))[1]
    assert " x" in first.describe() and "retry in" in first.describe()
    assert [e for e in events(view) if e.event == "CONNECT_RETRIED"] == [first]
    state = _endpoint(view, "connect")
    assert (state.state, state.reason) == (RETRYING, "no peer answering")

    # the peer appears: a new CONNECTED entry, the state follows
    create(engine, "pull", "PULL")
    engine.call(C.Bind("pull", ep))
    wait_until(engine, lambda: _endpoint(view, "connect").state == CONNECTED)
    assert "CONNECTED" in _names(view)
    engine.call(C.Send("push", (b"late",)))
    assert wait_received(engine, "pull", 1) == [[b"late"]]


def first_seq(ring, info) -> int:
    [seq] = [e[0] for e in ring.since(0) if e[2] == EVENT and e[4] is info]
    return seq


def test_a_peer_going_away_makes_a_connect_retry(engine):
    create(engine, "pull", "PULL")
    create(engine, "push", "PUSH")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("push", real))
    push = engine.view("push")
    wait_until(engine, lambda: _endpoint(push, "connect").state == CONNECTED)
    engine.call(C.Close("pull"))
    wait_until(engine, lambda: _endpoint(push, "connect").state == RETRYING)
    assert "DISCONNECTED" in _names(push)
