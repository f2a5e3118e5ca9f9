"""The engine thread survives anything one command, one repeater or one socket does: the failure
goes to that command's Future or that socket's log, and the next command is served. And it makes
as many sockets as the system allows, saying which limit stopped it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest
from conftest import child_env, entries, wait_until

from zmqdash.engine import ERROR, EngineError
from zmqdash.engine import commands as C


def test_a_command_handler_that_raises_fails_only_its_future(engine):
    engine.call(C.Create("a", "PUSH"))

    @dataclass(frozen=True)
    class Broken:  # a command whose handler has a bug, about socket "a"
        name: str

    def broken(cmd):
        raise RuntimeError("handler bug")

    engine.on_engine_thread(lambda: engine.register({Broken: broken}))
    with pytest.raises(EngineError, match="Broken failed: RuntimeError\\('handler bug'\\)"):
        engine.call(Broken("a"))
    assert engine.running
    # the next command is served, and the failure is in the socket's log
    assert engine.call(C.Bind("a", "inproc://after-a-bug")) == "inproc://after-a-bug"
    assert any("handler bug" in e[4] for e in entries(engine.view("a"), ERROR))


def test_a_repeater_that_raises_stops_alone(engine, monkeypatch):
    engine.call(C.Create("p", "PUSH"))
    engine.call(C.Create("q", "PUSH"))
    tick = engine.send_repeat

    def tick_or_fail(s, rep):
        if s.name == "p":
            raise OverflowError("a bad number")
        return tick(s, rep)

    monkeypatch.setattr(engine, "send_repeat", tick_or_fail)
    engine.call(C.RepeatStart("p", ("x",), interval_ms=1))
    engine.call(C.RepeatStart("q", ("y",), interval_ms=1, count=3))
    view_p, view_q = engine.view("p"), engine.view("q")
    wait_until(engine, lambda: not view_p.repeaters, what="p's repeater to stop")
    assert "repeat-send #" in entries(view_p, ERROR)[-1][4]
    assert "OverflowError('a bad number')" in entries(view_p, ERROR)[-1][4]
    wait_until(engine, lambda: view_q.pending == 3 or view_q.stats.msgs_out == 3
               or not view_q.repeaters, what="q's repeater to go on")
    assert engine.running
    assert engine.call(C.Create("r", "PULL")) == "r"


def test_a_socket_whose_receive_fails_is_set_aside_and_the_rest_go_on(engine, monkeypatch):
    for name in ("bad", "good"):
        engine.call(C.Create(name, "PULL"))
        engine.call(C.Bind(name, f"inproc://{name}"))
        engine.call(C.Create(f"to-{name}", "PUSH"))
        engine.call(C.Connect(f"to-{name}", f"inproc://{name}"))
    drain = engine.drain

    def drain_or_fail(s):
        if s.name == "bad":
            raise MemoryError("no room")
        return drain(s)

    monkeypatch.setattr(engine, "drain", drain_or_fail)
    engine.call(C.Send("to-bad", (b"x",)))
    bad = engine.view("bad")
    wait_until(engine, lambda: entries(bad, ERROR), what="bad's error")
    assert "stopped handling this socket after an internal error (MemoryError('no room'))" in \
        entries(bad, ERROR)[0][4]
    engine.call(C.Send("to-good", (b"y",)))
    good = engine.view("good")
    wait_until(engine, lambda: good.stats.msgs_in == 1, what="good to receive")
    engine.call(C.Close("bad"))  # a set-aside socket still closes cleanly
    assert engine.running and "bad" not in engine.sockets()


def test_more_than_341_sockets(engine):
    for i in range(400):
        engine.call(C.Create(f"s{i}", "PAIR"))
    engine.call(C.Bind("s0", "inproc://many"))
    engine.call(C.Connect("s399", "inproc://many"))
    engine.call(C.Send("s399", (b"hello",)))
    view = engine.view("s0")
    wait_until(engine, lambda: view.stats.msgs_in == 1, what="s0 to receive")
    assert len(engine.sockets()) == 400


def test_at_the_real_limit_the_message_names_it():
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))
        from zmqdash.engine import Engine, EngineError, commands as C
        engine = Engine().start()
        made = 0
        try:
            for i in range(1000):
                engine.call(C.Create(f"s{i}", "PULL"))
                made += 1
        except EngineError as exc:
            print(made)
            print(exc)
        engine.call(C.Close("s0"))
        engine.call(C.Create("again", "PULL"))  # room again after a close
        print(engine.running)
        engine.stop()
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                          env=child_env())
    assert done.returncode == 0, done.stderr
    made, message, running = done.stdout.decode().splitlines()
    assert 30 < int(made) < 70
    assert message == (f"cannot make another socket: the process may open 200 files and {made} "
                       "sockets with their connections use them all (three each; raise it with "
                       "ulimit -n)")
    assert running == "True"
