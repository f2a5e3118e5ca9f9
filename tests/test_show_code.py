"""Show as code: the program written for a socket runs, and talks to a real peer, for every
socket type; the cat line does too.

Each test sets a socket up in a real engine the way a user would (options, endpoints,
subscriptions, a repeat-send, an auto-reply), reads the code for it, closes it, and runs the
program in its place as a separate process against a peer socket that stays in the engine.
"""

from __future__ import annotations

import ast
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    WAIT,
    cat_bound_endpoint,
    child_env,
    create,
    kill,
    read_line,
    received,
    wait_or_dump,
    wait_received,
    wait_until,
)

from zmqdash.engine import commands as C
from zmqdash.engine.socket_types import NAMES as SOCKET_TYPES
from zmqdash.session.as_code import socket_as_code, view_as_code
from zmqdash.session.model import RepeatSpec, SocketSpec


@pytest.fixture
def run_program(tmp_path):
    """``run_program(code, *args)`` writes the program to a file and starts it (stdout piped,
    unbuffered); every one is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def start(code, *args: str) -> subprocess.Popen:
        path = tmp_path / code.filename
        path.write_text(code.program, encoding="utf-8")
        proc = subprocess.Popen([sys.executable, str(path), *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                                env=child_env())
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        kill(proc)


def code_then_close(engine, name: str):
    """The code for socket ``name`` as it is now; then the socket goes, freeing its endpoints
    for the program."""
    code = view_as_code(engine.view(name))
    engine.call(C.Close(name))
    return code


def lines(proc: subprocess.Popen, n: int) -> list[str]:
    return [read_line(proc.stdout).rstrip("\n") for _ in range(n)]


def finished(proc: subprocess.Popen) -> str:
    """Wait for the program to exit by itself; fail with its stderr unless it exited 0."""
    code = wait_or_dump(proc, WAIT)
    err = proc.stderr.read().decode(errors="replace")
    assert code == 0, f"the program exited {code}:\n{err}"
    return err


def test_every_socket_type_has_a_test_here() -> None:
    tested = {name.removeprefix("test_").upper() for name in globals()
              if name.startswith("test_") and name.removeprefix("test_").upper() in SOCKET_TYPES}
    assert tested == set(SOCKET_TYPES)


def test_push(engine, run_program) -> None:
    create(engine, "sink", "PULL")
    real = engine.call(C.Bind("sink", "tcp://127.0.0.1:*"))
    create(engine, "vent", "PUSH", ("sndhwm", "1000"))
    engine.call(C.Connect("vent", real))
    engine.call(C.RepeatStart("vent", ("task {seq}", "hex:00ff", "a|b"), 200, count=4))
    wait_received(engine, "sink", 1)
    code = code_then_close(engine, "vent")  # its repeat-send still running
    assert "zmq.SNDHWM, 1000" in code.program
    finished(run_program(code))  # the repeat-send's count ends it: four messages
    got = wait_received(engine, "sink", 5)
    assert got[1:] == [[f"task {i}".encode(), b"\x00\xff", b"a|b"] for i in (1, 2, 3, 4)]


def listening(proc: subprocess.Popen) -> str:
    """The endpoint a program bound with a wildcard port says it got: once it says so, it is
    listening (binding in place of a socket just closed could race that socket's last
    moments, when a peer may still reach it)."""
    line = read_line(proc.stdout).strip()
    assert line.startswith("bound to tcp://127.0.0.1:"), line
    return line.removeprefix("bound to ")


def test_pull(engine, run_program) -> None:
    create(engine, "worker", "PULL")
    engine.call(C.Bind("worker", "tcp://127.0.0.1:*"))
    proc = run_program(code_then_close(engine, "worker"), "3")
    create(engine, "vent", "PUSH")
    engine.call(C.Connect("vent", listening(proc)))
    for message in ([b"one"], [b"\x1b[2J", b""], [b"three"]):
        engine.call(C.Send("vent", tuple(message)))
    assert lines(proc, 3) == ["received [b'one']", "received [b'\\x1b[2J', b'']",
                              "received [b'three']"]
    finished(proc)


def test_pub(engine, run_program) -> None:
    create(engine, "weather", "PUB")
    engine.call(C.Bind("weather", "tcp://127.0.0.1:*"))
    engine.call(C.RepeatStart("weather", ("10001 {seq}",), 10))
    code = code_then_close(engine, "weather")
    proc = run_program(code)  # no count: runs until Ctrl+C
    create(engine, "sub", "SUB")
    engine.call(C.Connect("sub", listening(proc)))
    engine.call(C.Subscribe("sub", b""))
    got = wait_received(engine, "sub", 3)
    numbers = [int(m[0].split()[1]) for m in got]
    assert numbers == sorted(numbers) and all(m[0].startswith(b"10001 ") for m in got)
    proc.send_signal(signal.SIGINT)
    finished(proc)  # Ctrl+C ends it cleanly


def test_sub(engine, run_program) -> None:
    create(engine, "pub", "PUB")
    real = engine.call(C.Bind("pub", "tcp://127.0.0.1:*"))
    create(engine, "zip", "SUB")
    engine.call(C.Connect("zip", real))
    for prefix in (b"A", b"\x00\xff"):
        engine.call(C.Subscribe("zip", prefix))
    code = code_then_close(engine, "zip")
    for template in ("A{seq}", "B{seq}", "hex:00ff01"):
        engine.call(C.RepeatStart("pub", (template,), 10))
    proc = run_program(code, "6")
    got = lines(proc, 6)
    finished(proc)
    assert all(line.startswith(("received [b'A", "received [b'\\x00\\xff\\x01']"))
               for line in got), got
    assert any("b'A" in line for line in got) and any("xff" in line for line in got)


def test_req(engine, run_program) -> None:
    create(engine, "server", "REP")
    real = engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("server", ("Echo: {body}",)))
    create(engine, "client", "REQ")
    engine.call(C.Connect("client", real))
    engine.call(C.RepeatStart("client", ("ask {seq}",), 10))
    wait_received(engine, "client", 1)
    code = code_then_close(engine, "client")
    proc = run_program(code, "3")
    assert lines(proc, 3) == [f"received [b'Echo: ask {i}']" for i in (1, 2, 3)]
    finished(proc)


def test_rep(engine, run_program) -> None:
    create(engine, "server", "REP")
    engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("server", ("Echo: {body}", "#{seq}")))
    proc = run_program(code_then_close(engine, "server"), "2")
    create(engine, "client", "REQ")
    engine.call(C.Connect("client", listening(proc)))
    engine.call(C.Send("client", (b"hi",)))
    wait_received(engine, "client", 1)
    engine.call(C.Send("client", (b"again",)))
    assert wait_received(engine, "client", 2) == [[b"Echo: hi", b"#1"], [b"Echo: again", b"#2"]]
    assert lines(proc, 2) == ["received [b'hi']", "received [b'again']"]
    finished(proc)


def test_pair(engine, run_program) -> None:
    create(engine, "left", "PAIR")
    real = engine.call(C.Bind("left", "tcp://127.0.0.1:*"))
    create(engine, "right", "PAIR")
    engine.call(C.Connect("right", real))
    engine.call(C.Send("left", (b"ping", b"\x00")))  # the last message it sent: sent again
    wait_received(engine, "right", 1)
    proc = run_program(code_then_close(engine, "left"), "1")
    engine.call(C.Disconnect("right", real))
    engine.call(C.Connect("right", listening(proc)))
    assert wait_received(engine, "right", 2)[1] == [b"ping", b"\x00"]
    engine.call(C.Send("right", (b"pong",)))
    assert lines(proc, 1) == ["received [b'pong']"]
    finished(proc)


def test_router(engine, run_program) -> None:
    create(engine, "hub", "ROUTER")
    engine.call(C.Bind("hub", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("hub", ()))  # echo, envelope kept
    engine.call(C.RepeatStart("hub", ("status?",), 20, peer=b"w1"))
    code = code_then_close(engine, "hub")
    proc = run_program(code, "1")
    create(engine, "worker", "DEALER", ("identity", "w1"))
    engine.call(C.Connect("worker", listening(proc)))
    wait_until(engine, lambda: [b"status?"] in received(engine.view("worker")),
               what="the repeat-send to the peer w1")
    engine.call(C.Send("worker", (b"", b"job")))
    wait_until(engine, lambda: [b"", b"job"] in received(engine.view("worker")),
               what="the echo of the job")
    assert lines(proc, 1) == ["received [b'w1', b'', b'job']"]
    finished(proc)


def test_dealer(engine, run_program) -> None:
    create(engine, "broker", "ROUTER")
    real = engine.call(C.Bind("broker", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("broker", ("ok {body}",)))
    create(engine, "dealer", "DEALER", ("identity", "hex:00ff"))
    engine.call(C.Connect("dealer", real))
    engine.call(C.Send("dealer", (b"", b"job 1")))
    wait_received(engine, "dealer", 1)
    code = code_then_close(engine, "dealer")
    proc = run_program(code, "1")
    assert lines(proc, 1) == ["received [b'', b'ok job 1']"]
    finished(proc)
    assert engine.view("broker").peers_seen == (b"\x00\xff",)  # the identity option came along


def test_xpub(engine, run_program) -> None:
    create(engine, "xpub", "XPUB")
    engine.call(C.Bind("xpub", "tcp://127.0.0.1:*"))
    engine.call(C.RepeatStart("xpub", ("t{seq}",), 10))
    code = code_then_close(engine, "xpub")
    proc = run_program(code, "2")
    create(engine, "sub", "SUB")
    engine.call(C.Connect("sub", listening(proc)))
    engine.call(C.Subscribe("sub", b"t"))
    assert lines(proc, 1) == ["received [b'\\x01t']"]  # the subscription, upstream
    wait_received(engine, "sub", 2)  # and what it sends reaches the subscriber
    engine.call(C.Subscribe("sub", b"u"))
    assert lines(proc, 1) == ["received [b'\\x01u']"]
    finished(proc)


def test_xsub(engine, run_program) -> None:
    create(engine, "xpub", "XPUB")
    real = engine.call(C.Bind("xpub", "tcp://127.0.0.1:*"))
    create(engine, "xsub", "XSUB")
    engine.call(C.Connect("xsub", real))
    engine.call(C.Subscribe("xsub", b"w"))
    wait_received(engine, "xpub", 1)
    code = code_then_close(engine, "xsub")
    proc = run_program(code, "2")
    # (the engine's XSUB going away unsubscribed first: \x00w)
    wait_until(engine, lambda: received(engine.view("xpub"))[1:].count([b"\x01w"]) == 1,
               what="the program's subscription")
    engine.call(C.RepeatStart("xpub", ("x{seq}",), 10, count=10))  # not subscribed: never seen
    engine.call(C.RepeatStart("xpub", ("w{seq}",), 10))
    got = lines(proc, 2)
    finished(proc)
    assert all(line.startswith("received [b'w") for line in got), got


# -- what the code looks like ----------------------------------------------------------------


ALL_KINDS = [
    SocketSpec("s", kind, bind=["tcp://127.0.0.1:*"], connect=["ipc:///tmp/x.sock"],
               subscribe=[b"", b"\x00"] if kind in ("SUB", "XSUB") else [],
               options={"linger": 0, "routing_id": "hex:00ff"},
               repeat=[] if kind in ("SUB", "PULL", "REP") else
               [RepeatSpec(["{seq}|{time}", "b64:AAE=", "@@x", "{uuid} {rand} {ms} {epoch}"],
                           5, count=2, peer=b"p" if kind == "ROUTER" else None)],
               reply=["{body}", "{seq}"] if kind in ("REP", "ROUTER") else None)
    for kind in SOCKET_TYPES
]


@pytest.mark.parametrize("spec", ALL_KINDS, ids=[s.type for s in ALL_KINDS])
def test_the_program_is_valid_python_and_the_line_valid_shell(spec, tmp_path) -> None:
    code = socket_as_code(spec)
    ast.parse(code.program)
    compile(code.program, code.filename, "exec")
    check = subprocess.run(["bash", "-n", "-c", code.command], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "zmqdash cat " + spec.type in code.command


def test_hostile_names_and_payloads_stay_literals() -> None:
    evil = "'; import os; os.system('x') #\"\"\"\u202e"
    spec = SocketSpec(evil, "PUSH", connect=["tcp://127.0.0.1:5555"],
                      repeat=[RepeatSpec([evil + "{seq}", "$(rm -rf ~)`x`"], 10)])
    code = socket_as_code(spec)
    tree = ast.parse(code.program)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert "os" not in names  # the payload is data: no name of it became code
    constants = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    assert evil in constants
    assert "\u202e" not in code.program  # the name's bidi control is shown as an escape
    assert code.filename.endswith(".py") and "/" not in code.filename
    # the shell sees the payload as one quoted word, never a substitution
    words = shlex.split(code.command.split(" | ")[0].split("printf '%s\\n' ", 1)[1])
    assert "$(rm -rf ~)`x`" in words[0]


def test_notes_say_what_the_code_cannot_do() -> None:
    spec = SocketSpec("s", "SUB", bind=["inproc://x", "tcp://127.0.0.1:*"])
    code = socket_as_code(spec, bound={"tcp://127.0.0.1:*": "tcp://127.0.0.1:40000"},
                          failed={"inproc://x"})
    text = " ".join(code.notes)
    assert "failed" in text and "inproc://x" in text
    assert "tcp://127.0.0.1:40000" in text
    assert "subscribes to nothing" in text
    assert "inproc://x" not in code.program


def test_a_rep_without_auto_reply_echoes_and_says_so() -> None:
    code = socket_as_code(SocketSpec("s", "REP", bind=["tcp://127.0.0.1:5555"]))
    assert any("no auto-reply" in note for note in code.notes)
    assert "return list(request)" in code.program


# -- the cat line ----------------------------------------------------------------------------


def cat_env() -> dict[str, str]:
    env = child_env()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def test_the_cat_line_with_a_repeat_send_feeds_cat(engine) -> None:
    create(engine, "sink", "PULL")
    real = engine.call(C.Bind("sink", "tcp://127.0.0.1:*"))
    spec = SocketSpec("vent", "PUSH", connect=[real],
                      repeat=[RepeatSpec(["job {seq}", "hex:00ff", "a|b"], 10, count=3)])
    code = socket_as_code(spec)
    done = subprocess.run(["bash", "-c", code.command], capture_output=True, timeout=30,
                          env=cat_env())
    assert done.returncode == 0, done.stderr
    assert wait_received(engine, "sink", 3) == [
        [f"job {i}".encode(), b"\x00\xff", b"a|b"] for i in (1, 2, 3)]


def test_the_cat_line_of_a_dealer_and_a_rep(engine) -> None:
    rep = socket_as_code(SocketSpec("server", "REP", bind=["tcp://127.0.0.1:*"],
                                    reply=["Echo: {body}", "#{seq}"]))
    server = subprocess.Popen(["bash", "-c", "exec " + rep.command], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                              env=cat_env())
    try:
        endpoint = cat_bound_endpoint(server)
        dealer = socket_as_code(SocketSpec("d", "DEALER", connect=[endpoint],
                                           options={"identity": "d1"}),
                                last_sent=(b"", b"hi|there"))
        done = subprocess.run(["bash", "-c", dealer.command + " --count 1 -f jsonl"],
                              capture_output=True, timeout=30, env=cat_env(),
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
        assert '"frames": ["", "Echo: hi|there", "#1"]' in done.stdout.decode()
    finally:
        kill(server)


def test_the_cat_line_of_a_sub(engine) -> None:
    create(engine, "pub", "PUB")
    real = engine.call(C.Bind("pub", "tcp://127.0.0.1:*"))
    code = socket_as_code(SocketSpec("zip", "SUB", connect=[real], subscribe=[b"A"]))
    proc = subprocess.Popen(["bash", "-c", "exec " + code.command + " --count 2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=cat_env())
    try:
        engine.call(C.RepeatStart("pub", ("A{seq}",), 10))
        engine.call(C.RepeatStart("pub", ("B{seq}",), 10))
        out, err = proc.communicate(timeout=WAIT)
        assert proc.returncode == 0, err
        assert all(line.startswith(b"A") for line in out.splitlines()), out
    finally:
        kill(proc)


# -- devices ---------------------------------------------------------------------------------


def device_code_then_close(engine, name: str):
    from zmqdash.engine.devices import commands as D
    from zmqdash.session.as_code import device_as_code

    code = device_as_code(engine.devices()[name])
    engine.call(D.DeviceClose(name))
    return code


def bound_sides(proc: subprocess.Popen) -> dict[str, str]:
    sides = {}
    for _ in range(2):
        label, _, endpoint = read_line(proc.stdout).strip().partition(" bound to ")
        sides[label] = endpoint
    return sides


def proxy_sides(proc: subprocess.Popen) -> dict[str, str]:
    """The real endpoints from ``zmqdash proxy``'s start-up lines (``frontend PULL bound
    tcp://...``), up to ``... running (Ctrl+C stops)``."""
    sides = {}
    while True:
        words = read_line(proc.stderr).split()
        if words[-1] == "stops)":
            return sides
        sides[words[2]] = words[-1]


@pytest.mark.parametrize("kind, upstream, downstream", [
    ("streamer", "PUSH", "PULL"), ("forwarder", "PUB", "SUB"), ("queue", "REQ", "REP")])
def test_each_device_kind_as_a_program_forwards_between_real_peers(
        engine, run_program, kind, upstream, downstream) -> None:
    """The pyzmq program, then the ``zmqdash proxy`` line, each run as a process between a
    peer upstream and one downstream."""
    from zmqdash.engine.devices import commands as D

    engine.call(D.DeviceCreate("dev", kind, frontend=("@tcp://127.0.0.1:*",),
                               backend=("@tcp://127.0.0.1:*",),
                               backend_options=(("sndhwm", "500"),)))
    code = device_code_then_close(engine, "dev")
    assert code.command.startswith(f"zmqdash proxy {kind} '@tcp://127.0.0.1:*' "
                                   "'@tcp://127.0.0.1:*' --backend-option sndhwm=500")
    assert "backend.setsockopt(zmq.SNDHWM, 500)" in code.program
    words = shlex.split(code.command)
    assert words[:2] == ["zmqdash", "proxy"]
    command = subprocess.Popen([sys.executable, "-m", "zmqdash", *words[1:]],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, bufsize=0, env=child_env())
    try:
        for proc, sides, status in ((run_program(code), bound_sides, 0),
                                    (command, proxy_sides, 130)):
            carry_traffic(engine, sides(proc), upstream, downstream)
            proc.send_signal(signal.SIGINT)
            assert wait_or_dump(proc, WAIT) == status, proc.stderr.read().decode()
    finally:
        kill(command)


def test_a_device_program_stops_on_ctrl_c_in_the_middle_of_a_flood(engine, run_program) -> None:
    """``zmq.proxy()`` notices Ctrl+C only when the signal lands while it waits in poll; one
    that lands while it forwards was lost and the program ran on (two floods in four). Each
    of several programs is interrupted while messages still pour through it."""
    import zmq

    from zmqdash.engine.devices import commands as D

    engine.call(D.DeviceCreate("dev", "streamer", frontend=("@tcp://127.0.0.1:*",),
                               backend=("@tcp://127.0.0.1:*",)))
    code = device_code_then_close(engine, "dev")
    ctx = zmq.Context()
    try:
        for _trial in range(4):
            proc = run_program(code)
            sides = bound_sides(proc)
            push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
            push.connect(sides["frontend"])
            pull.connect(sides["backend"])
            sent = got = 0
            signalled_at = None
            # pour, signal once 20,000 came through, pour on: bounded in rounds and in time
            # (rounds alone ran out on a quick machine before 20,000 had come through)
            deadline = time.monotonic() + WAIT
            for _ in range(100_000):
                if time.monotonic() > deadline:
                    break
                try:
                    for _burst in range(100):
                        push.send(b"x" * 64, zmq.NOBLOCK)
                        sent += 1
                except zmq.Again:
                    pass
                came = got
                try:
                    while True:
                        pull.recv(zmq.NOBLOCK)
                        got += 1
                except zmq.Again:
                    pass
                if got == came:
                    pull.poll(100)  # the program is forwarding what waits: until some comes
                if signalled_at is None and got >= 20_000:
                    proc.send_signal(signal.SIGINT)
                    signalled_at = sent
                if signalled_at is not None and (sent > signalled_at + 50_000
                                                 or proc.poll() is not None):
                    break
            assert signalled_at is not None, f"only {got} of {sent} came through"
            assert wait_or_dump(proc, WAIT) == 0, proc.stderr.read().decode()
            push.close(0)
            pull.close(0)
    finally:
        ctx.term()


def carry_traffic(engine, sides: dict[str, str], upstream: str, downstream: str) -> None:
    """A message (or a round trip) from a socket connected to the frontend to one connected to
    the backend; both closed afterwards."""
    create(engine, "up", upstream)
    engine.call(C.Connect("up", sides["frontend"]))
    create(engine, "down", downstream)
    engine.call(C.Connect("down", sides["backend"]))
    if downstream == "SUB":
        engine.call(C.Subscribe("down", b""))
        engine.call(C.RepeatStart("up", ("tick {seq}",), 20))  # a late subscriber misses some
        assert wait_received(engine, "down", 2)[0][0].startswith(b"tick ")
    elif downstream == "REP":
        engine.call(C.AutoReply("down", ("re: {body}",)))
        engine.call(C.Send("up", (b"hello",)))
        assert wait_received(engine, "up", 1) == [[b"re: hello"]]  # there and back
    else:
        engine.call(C.Send("up", (b"job", b"\x00")))
        assert wait_received(engine, "down", 1) == [[b"job", b"\x00"]]
    engine.call(C.Close("up"))
    engine.call(C.Close("down"))
