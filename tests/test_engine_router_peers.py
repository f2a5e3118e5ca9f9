"""A ROUTER's message for an identity no peer has is never dropped without a word: the engine
makes ROUTERs with router_mandatory on, so a send says so once, and a repeat-send to a peer that
has not connected yet says so once and goes on until it does."""

from __future__ import annotations

import pytest
from conftest import entries, wait_until

from zmqdash.engine import ERROR, INFO, OUT, EngineError
from zmqdash.engine import commands as C


def test_a_send_to_an_unknown_identity_is_one_error(engine):
    engine.call(C.Create("r", "ROUTER"))
    engine.call(C.Bind("r", "inproc://r-unknown"))
    with pytest.raises(EngineError, match="no connected peer has the identity 'ghost'"):
        engine.call(C.Send("r", (b"hello",), peer=b"ghost"))
    view = engine.view("r")
    assert view.stats.errors == 1 and view.stats.msgs_out == 0
    assert [e[4] for e in entries(view, ERROR)] == [
        "no connected peer has the identity 'ghost' (router_mandatory is on)"]


def test_a_repeat_send_waits_for_its_peer_saying_so_once(engine):
    engine.call(C.Create("r", "ROUTER"))
    engine.call(C.Bind("r", "inproc://r-repeat"))
    engine.call(C.RepeatStart("r", ("tick {seq}",), interval_ms=1, peer=b"w1"))
    view = engine.view("r")
    wait_until(engine, lambda: view.repeaters and view.repeaters[0].sent >= 20,
               what="20 ticks with no peer")
    errors = entries(view, ERROR)
    assert len(errors) == 1 and view.stats.errors == 1
    rid = view.repeaters[0].id
    assert errors[0][4] == (f"repeat-send #{rid}: no connected peer has the identity 'w1' "
                            "(router_mandatory is on); dropping its messages until that peer "
                            "connects")
    # the peer connects: messages flow, and the log says how many were dropped before
    engine.call(C.Create("w", "DEALER", options=(("routing_id", "w1"),)))
    engine.call(C.Connect("w", "inproc://r-repeat"))
    wait_until(engine, lambda: engine.view("w").stats.msgs_in >= 3, what="the peer to get ticks")
    notes = [e[4] for e in entries(view, INFO) if "dropped before" in e[4]]
    assert len(notes) == 1 and "the peer is connected;" in notes[0]
    assert entries(view, OUT)


def test_router_mandatory_can_be_turned_off(engine):
    engine.call(C.Create("r", "ROUTER", options=(("router_mandatory", "false"),)))
    # dropped without an error, as ZeroMQ does with it off (the engine still sees it: a hint)
    assert engine.call(C.Send("r", (b"x",), peer=b"nobody")) == "dropped"
    assert ("router_mandatory", "0") in engine.view("r").options
