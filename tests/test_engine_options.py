"""SetOption by name: each option's visible effect, true/false words, and mistakes."""

from __future__ import annotations

import uuid

import pytest
from conftest import create, events, free_tcp_port, received, wait_received, wait_until

from zmqdash.engine import EngineError
from zmqdash.engine import commands as C


def _inproc() -> str:
    return f"inproc://{uuid.uuid4().hex}"


@pytest.mark.parametrize("option, value, shown", [
    ("linger", "250", "250"),
    ("LINGER", 0, "0"),
    ("sndhwm", "5", "5"),
    ("rcvhwm", "7", "7"),
    ("hwm", "9", "9"),  # alias of sndhwm
    ("immediate", "true", "1"),
    ("immediate", "false", "0"),
    ("immediate", "on", "1"),
    ("immediate", "no", "0"),
    ("reconnect_ivl", "0x20", "32"),
    ("conflate", "yes", "1"),
    ("routing_id", "worker-1", "worker-1"),
    ("identity", "hex:00ff", "hex:00ff"),
    ("reconnect-ivl", "15", "15"),
])
def test_set_option_by_name_reports_the_value(engine, option, value, shown):
    create(engine, "s", "DEALER")
    assert engine.call(C.SetOption("s", option, value)) == shown
    key = dict(engine.view("s").options)
    canonical = {"hwm": "sndhwm", "identity": "routing_id", "reconnect-ivl": "reconnect_ivl"}
    assert key[canonical.get(option, option.lower())] == shown


def test_options_given_at_create_time(engine):
    create(engine, "s", "PUSH", ("sndhwm", "10"), ("linger", "0"), ("immediate", "1"))
    assert engine.view("s").options == (("sndhwm", "10"), ("linger", "0"), ("immediate", "1"))


def test_routing_id_is_the_first_frame_a_router_sees(engine):
    create(engine, "router", "ROUTER")
    create(engine, "dealer", "DEALER")
    engine.call(C.SetOption("dealer", "identity", "worker-7"))
    real = engine.call(C.Bind("router", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("dealer", real))
    engine.call(C.Send("dealer", (b"ready",)))
    assert wait_received(engine, "router", 1) == [[b"worker-7", b"ready"]]
    assert engine.view("router").peers_seen == (b"worker-7",)


def test_req_relaxed_and_correlate_allow_a_second_request(engine):
    create(engine, "req", "REQ", ("req_relaxed", "true"), ("req_correlate", "true"))
    create(engine, "rep", "REP")
    ep = _inproc()
    engine.call(C.Bind("rep", ep))
    engine.call(C.Connect("req", ep))
    engine.call(C.Send("req", (b"first",)))
    assert engine.view("req").awaiting_reply
    engine.call(C.Send("req", (b"second",)))  # allowed: relaxed
    assert wait_received(engine, "rep", 1) == [[b"first"]]
    engine.call(C.Send("rep", (b"reply to first",)))
    # correlate: the REP now sees the second request; the stale reply is discarded by the REQ
    assert wait_received(engine, "rep", 2)[1] == [b"second"]
    engine.call(C.Send("rep", (b"reply to second",)))
    assert wait_received(engine, "req", 1) == [[b"reply to second"]]
    assert not engine.view("req").awaiting_reply
    assert engine.view("req").stats.errors == 0


def test_router_mandatory_makes_an_unknown_peer_a_clear_error(engine):
    # on by default: a message to nobody is an error, not dropped without a word
    create(engine, "router", "ROUTER")
    engine.call(C.Bind("router", "tcp://127.0.0.1:*"))
    with pytest.raises(EngineError) as err:
        engine.call(C.Send("router", (b"x",), peer=b"nobody"))
    assert "no connected peer has the identity 'nobody'" in str(err.value)
    assert "router_mandatory" in str(err.value)
    assert engine.view("router").stats.errors == 1
    # turned off, it is dropped without an error, as asked (and said in a hint)
    engine.call(C.SetOption("router", "router_mandatory", "false"))
    assert engine.call(C.Send("router", (b"x",), peer=b"nobody")) == "dropped"
    assert engine.view("router").stats.errors == 1


def test_conflate_keeps_only_the_last_message(engine):
    port = free_tcp_port()
    create(engine, "push", "PUSH", ("conflate", "true"))
    engine.call(C.Connect("push", f"tcp://127.0.0.1:{port}"))
    for i in range(1, 6):  # no peer yet: they wait in the (conflating) pipe
        engine.call(C.Send("push", (b"m%d" % i,)))
    create(engine, "pull", "PULL")
    engine.call(C.Bind("pull", f"tcp://127.0.0.1:{port}"))
    assert wait_received(engine, "pull", 1) == [[b"m5"]]
    engine.call(C.Send("push", (b"end",)))
    assert wait_received(engine, "pull", 2) == [[b"m5"], [b"end"]]


def test_reconnect_ivl_sets_the_retry_interval(engine):
    create(engine, "push", "PUSH", ("reconnect_ivl", "37"))
    engine.call(C.Connect("push", f"tcp://127.0.0.1:{free_tcp_port()}"))
    view = engine.view("push")

    def retried():
        return [ev for ev in events(view) if ev.event == "CONNECT_RETRIED"]

    [ev] = wait_until(engine, retried, what="a CONNECT_RETRIED event")
    # libzmq waits the interval plus a random jitter below one interval
    assert 37 <= ev.value < 74 and ev.detail == f"retry in {ev.value} ms"


def test_immediate_queues_until_a_peer_is_connected(engine):
    port = free_tcp_port()
    create(engine, "lazy", "PUSH")
    create(engine, "eager", "PUSH", ("immediate", "true"))
    for name in ("lazy", "eager"):
        engine.call(C.Connect(name, f"tcp://127.0.0.1:{port}"))
    # without immediate libzmq takes the message into the pipe of the connection it is making
    assert engine.call(C.Send("lazy", (b"lazy",))) == "sent"
    # with immediate there is no pipe yet: the engine keeps it in its outbox
    assert engine.call(C.Send("eager", (b"eager",))) == "queued"
    assert engine.view("eager").pending == 1
    create(engine, "pull", "PULL")
    engine.call(C.Bind("pull", f"tcp://127.0.0.1:{port}"))
    got = wait_received(engine, "pull", 2)
    assert sorted(got) == [[b"eager"], [b"lazy"]]
    wait_until(engine, lambda: engine.view("eager").pending == 0)


def test_linger_lets_a_closed_socket_deliver(engine):
    port = free_tcp_port()
    create(engine, "push", "PUSH")
    engine.call(C.SetOption("push", "linger", "5000"))
    engine.call(C.Connect("push", f"tcp://127.0.0.1:{port}"))
    for i in range(3):
        engine.call(C.Send("push", (b"m%d" % i,)))
    engine.call(C.Close("push"))
    create(engine, "pull", "PULL")
    engine.call(C.Bind("pull", f"tcp://127.0.0.1:{port}"))
    assert wait_received(engine, "pull", 3) == [[b"m0"], [b"m1"], [b"m2"]]


def test_sndhwm_limits_what_libzmq_takes(engine):
    create(engine, "push", "PUSH", ("sndhwm", "3"), ("immediate", "false"))
    engine.call(C.Connect("push", f"tcp://127.0.0.1:{free_tcp_port()}"))
    results = [engine.call(C.Send("push", (b"%d" % i,))) for i in range(6)]
    assert results == ["sent"] * 3 + ["queued"] * 3
    assert engine.view("push").pending == 3


def test_rcvhwm_on_a_receiver_is_accepted_and_shown(engine):
    create(engine, "pull", "PULL", ("rcvhwm", "2"))
    assert engine.view("pull").options == (("rcvhwm", "2"),)


# -- mistakes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("option, hint", [
    ("lingr", "did you mean linger?"),
    ("sndhvm", "did you mean sndhwm?"),
    ("router_mandatroy", "did you mean router_mandatory?"),
    ("xyzzy", ""),
])
def test_unknown_option_suggests_the_close_name(engine, option, hint):
    create(engine, "s", "ROUTER")
    with pytest.raises(EngineError) as err:
        engine.call(C.SetOption("s", option, "1"))
    text = str(err.value)
    assert f"unknown socket option '{option}'" in text
    assert (hint in text) if hint else ("did you mean" not in text)


@pytest.mark.parametrize("option, value, problem", [
    ("linger", "abc", "option linger takes a whole number (or true/false), not 'abc'"),
    ("req_relaxed", "maybe", "option req_relaxed takes a whole number (or true/false)"),
    ("sndhwm", "-5", "option sndhwm: -5 is not accepted for a REQ socket"),
    ("routing_id", "hex:zz", "option routing_id: hex: invalid character"),
    ("fd", "3", "option fd is read-only"),
])
def test_bad_option_values_are_clear_errors(engine, option, value, problem):
    create(engine, "s", "REQ")
    with pytest.raises(EngineError) as err:
        engine.call(C.SetOption("s", option, value))
    assert problem in str(err.value)
    assert engine.view("s").options == ()
    assert engine.view("s").stats.errors == 1


def test_a_bad_option_at_create_time_makes_no_socket(engine):
    with pytest.raises(EngineError, match="unknown socket option 'lingr'"):
        create(engine, "s", "PUSH", ("sndhwm", "5"), ("lingr", "0"))
    assert "s" not in engine.sockets()
    create(engine, "s", "PUSH")  # the name is free
    assert received(engine.view("s")) == []


def test_conflate_with_a_multipart_message_is_refused_or_intact(engine):
    create(engine, "push", "PUSH", ("conflate", "1"))
    create(engine, "pull", "PULL")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("push", real))
    wait_until(engine, lambda: engine.view("push").endpoints[0].state == "connected")
    try:
        engine.call(C.Send("push", (b"a", b"b")))
    except EngineError as exc:
        assert "conflate" in str(exc)
        return
    assert wait_received(engine, "pull", 1) == [[b"a", b"b"]]


def test_conflate_repeat_send_of_several_frames_is_refused(engine):
    create(engine, "push", "PUSH", ("conflate", "1"))
    create(engine, "pull", "PULL")
    real = engine.call(C.Bind("pull", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("push", real))
    push = engine.view("push")
    wait_until(engine, lambda: push.endpoints[0].state == "connected")
    try:
        engine.call(C.RepeatStart("push", ("a{seq}", "b{seq}"), interval_ms=1, count=3))
    except EngineError as exc:
        assert "conflate" in str(exc)
        return
    # accepted: then the repeater must stop on the first send with an error saying why
    wait_until(engine, lambda: push.repeaters == ())
    assert push.stats.errors >= 1
    assert any("conflate" in str(e[4]) for e in push.log.since(0) if e[2] == "error")
    assert engine.view("pull").stats.msgs_in == 0


SECRET = "hunter2-s3cret"


@pytest.mark.parametrize("option, value", [
    ("curve_secretkey", SECRET),  # too short for a key
    ("curve_secretkey", "hex:zz" + SECRET),  # not hex
    ("curve_secretkey", "b64:!" + SECRET),
    ("plain_password", "@" + SECRET),  # never a file
    ("socks_password", "hex:0" + SECRET),
    ("wss_key_pem", "hex:" + SECRET),
])
def test_a_secret_option_never_echoes_its_value(engine, option, value):
    create(engine, "s", "PUB")
    with pytest.raises(EngineError) as err:
        engine.call(C.SetOption("s", option, value))
    text = str(err.value)
    assert option in text and "not shown" in text, text
    assert SECRET not in text and "hunter" not in text
    assert all(SECRET not in str(e[4]) for e in engine.view("s").log.since(0)), "in the log"


def test_a_secret_option_without_a_value_is_not_echoed():
    from zmqdash.engine import options

    for text in (f"curve_secretkey {SECRET}", f"curve-secretkey:{SECRET}",
                 f"PLAIN_PASSWORD{SECRET}"):
        with pytest.raises(EngineError) as err:
            options.assignment(text)
        assert SECRET not in str(err.value) and "name=value" in str(err.value)


def test_a_curve_key_of_the_wrong_size_says_what_a_key_is(engine):
    create(engine, "s", "PUB")
    with pytest.raises(EngineError, match="32 bytes .* 40 characters"):
        engine.call(C.SetOption("s", "curve_secretkey", "abc"))
