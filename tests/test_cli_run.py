"""``zmqdash run`` as a separate process, against real peer processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

PEERS = {
    "pub": """
        s = ctx.socket(zmq.PUB)
        port = bind(s)
        n = 0
        while True:  # until killed; the subscriber may join at any time
            n += 1
            s.send_string(f"1-Update! >> #{n}")
            s.send_string(f"2-Update! >> #{n}")
            time.sleep(0.01)
    """,
    "rep": """
        s = ctx.socket(zmq.REP)
        bind(s)
        while True:
            s.send(b"Echo: " + s.recv())
    """,
    "push": """
        s = ctx.socket(zmq.PUSH)
        bind(s)
        for payload in sys.argv[1:]:
            s.send(payload.encode("utf-8", "surrogateescape"))
        n = 0
        while True:  # blocks at the high-water mark until a puller drains it
            n += 1
            s.send_string(f"task #{n}")
    """,
}

PRELUDE = """
import sys, time, zmq
ctx = zmq.Context()
def bind(s):
    s.linger = 0
    s.bind("tcp://127.0.0.1:*")
    port = s.last_endpoint.decode().rsplit(":", 1)[1]
    print(port, flush=True)
    return port
"""


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ)
    env["ZMQDASH_HOME"] = str(tmp_path / "home")
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def peer():
    """Start a peer process; returns its port. Killed at the end of the test."""
    procs = []

    def start(kind: str, *args: str) -> int:
        code = PRELUDE + textwrap.dedent(PEERS[kind])
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                                text=True)
        procs.append(proc)
        return int(proc.stdout.readline())

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def zmqdash(env, *args, timeout=30):
    return subprocess.run([sys.executable, "-m", "zmqdash", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def session_file(tmp_path, body: str, name="topology.toml"):
    path = tmp_path / name
    path.write_text("version = 1\n" + textwrap.dedent(body))
    return path


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_jsonl_subscriber_against_a_real_publisher(tmp_path, env, peer):
    port = peer("pub")
    path = session_file(tmp_path, f"""
        [[socket]]
        name = "feed"
        type = "SUB"
        connect = ["tcp://127.0.0.1:{port}"]
        subscribe = ["1"]
    """)
    result = zmqdash(env, "run", str(path), "--jsonl", "--count", "5")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    recs = records(result.stdout)
    messages = [r for r in recs if r["kind"] == "in"]
    assert len(messages) == 5
    assert all(r["socket"] == "feed" and r["type"] == "SUB" for r in messages)
    assert all(r["frames"][0].startswith("1-Update! >> #") for r in messages)
    assert any(r["kind"] == "info" and "subscribed 1" in r["text"] for r in recs)
    assert any(r["kind"] == "event" and r["event"] == "CONNECTED" for r in recs)
    assert recs[-1]["kind"] == "in"  # it stops right at the fifth message


def test_jsonl_requests_against_a_real_echo_server(tmp_path, env, peer):
    port = peer("rep")
    path = session_file(tmp_path, f"""
        [[socket]]
        name = "client"
        type = "REQ"
        connect = ["tcp://127.0.0.1:{port}"]

        [[socket.repeat]]
        frames = ["Hello #{{seq}}"]
        interval_ms = 20
    """)
    result = zmqdash(env, "run", str(path), "--jsonl", "--count", "3")
    assert result.returncode == 0, result.stderr
    messages = [(r["kind"], r["frames"]) for r in records(result.stdout)
                if r["kind"] in ("in", "out")]
    assert messages == [
        ("out", ["Hello #1"]), ("in", ["Echo: Hello #1"]),
        ("out", ["Hello #2"]), ("in", ["Echo: Hello #2"]),
        ("out", ["Hello #3"]), ("in", ["Echo: Hello #3"]),
    ]


def test_text_lines_from_a_real_pusher(tmp_path, env, peer):
    port = peer("push")
    path = session_file(tmp_path, f"""
        [[socket]]
        name = "worker"
        type = "PULL"
        connect = ["tcp://127.0.0.1:{port}"]
    """)
    result = zmqdash(env, "run", str(path), "--count", "3")
    assert result.returncode == 0, result.stderr
    lines = [line.split(maxsplit=3) for line in result.stdout.splitlines()]
    assert [line[1:] for line in lines if line[2] == "in"] == [
        ["worker", "in", "task #1"], ["worker", "in", "task #2"], ["worker", "in", "task #3"]]
    assert all(len(line[0]) == len("12:34:56.789") for line in lines)


NASTY = ("\x1b[2J\x1b]52;c;ZXZpbA==\x07gotcha", "\udcff\udcfe")


def _pull_session(tmp_path, port):
    return session_file(tmp_path, f"""
        [[socket]]
        name = "worker"
        type = "PULL"
        connect = ["tcp://127.0.0.1:{port}"]
        format = "text"
    """, name=f"pull-{port}.toml")


def test_text_lines_are_terminal_safe(tmp_path, env, peer):
    path = _pull_session(tmp_path, peer("push", *NASTY))
    result = zmqdash(env, "run", str(path), "--count", "2")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07gotcha" in result.stdout
    assert "\\xff\\xfe" in result.stdout


def test_json_lines_are_ascii(tmp_path, env, peer):
    path = _pull_session(tmp_path, peer("push", *NASTY))
    jsonl = zmqdash(env, "run", str(path), "--count", "2", "--jsonl")
    assert jsonl.stdout.isascii() and "\x1b" not in jsonl.stdout
    frames = [r["frames"][0] for r in records(jsonl.stdout) if r["kind"] == "in"]
    assert frames == ["\x1b[2J\x1b]52;c;ZXZpbA==\x07gotcha", {"b64": "//4="}]


def test_the_builtin_demo_runs_headless(env):
    result = zmqdash(env, "run", "demo", "--jsonl", "--count", "12")
    assert result.returncode == 0, result.stderr
    received = {r["socket"] for r in records(result.stdout) if r["kind"] == "in"}
    assert {"echo-server", "subscriber", "worker", "pair-left", "pair-right", "router",
            "dealer"} <= received


def test_a_saved_session_runs_by_name(tmp_path, env, peer):
    port = peer("push")
    sessions = tmp_path / "home" / "data" / "sessions"
    sessions.mkdir(parents=True)
    session_file(sessions, f"""
        [[socket]]
        name = "worker"
        type = "PULL"
        connect = ["tcp://127.0.0.1:{port}"]
    """, name="tasks.toml")
    result = zmqdash(env, "run", "tasks", "--count", "1", "--jsonl")
    assert result.returncode == 0, result.stderr
    assert [r["frames"] for r in records(result.stdout) if r["kind"] == "in"] == [["task #1"]]


def test_a_bad_session_file_is_one_line_on_stderr(tmp_path, env):
    path = session_file(tmp_path, '[[socket]]\nname = "a"\ntype = REP\n')
    result = zmqdash(env, "run", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"zmqdash run: {path}: line 4, column 8: not valid TOML: invalid "
                             'value (text goes in quotes, e.g. type = "REP")\n')


def test_an_unknown_session_name(env):
    result = zmqdash(env, "run", "nothing-here")
    assert result.returncode == 1
    assert result.stderr.startswith("zmqdash run: no session or file named 'nothing-here'")
    assert result.stderr.count("\n") == 1


def test_a_session_that_cannot_be_set_up(tmp_path, env):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    path = session_file(tmp_path, f"""
        [[socket]]
        name = "server"
        type = "REP"
        bind = ["tcp://127.0.0.1:{port}"]
    """)
    try:
        result = zmqdash(env, "run", str(path))
    finally:
        taken.close()
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"zmqdash run: {path}: server: bind tcp://127.0.0.1:{port}: address already in use\n")


def test_timeout_with_nothing_new(tmp_path, env):
    path = session_file(tmp_path, """
        [[socket]]
        name = "idle"
        type = "PULL"
        bind = ["inproc://idle"]
    """)
    result = zmqdash(env, "run", str(path), "--timeout", "0.3")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    result = zmqdash(env, "run", str(path), "--timeout", "0.3", "--count", "2")
    assert result.returncode == 1
    assert result.stderr == ("zmqdash run: nothing new for 0.3 s; 0 of 2 messages "
                             "received\n")


@pytest.mark.parametrize("args, problem", [
    ([], "the following arguments are required: NAME|PATH"),
    (["demo", "--count", "0"], "argument --count: must be at least 1, not 0"),
    (["demo", "--count", "x"], "argument --count: must be a whole number, not 'x'"),
    (["demo", "--timeout", "-1"], "argument --timeout: must be a number of seconds above 0"),
    (["demo", "--timeout", "nan"], "argument --timeout: must be a number of seconds above 0"),
])
def test_usage_errors_exit_2(env, args, problem):
    result = zmqdash(env, "run", *args)
    assert result.returncode == 2
    assert problem in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_cleanly(env, sig):
    proc = subprocess.Popen([sys.executable, "-m", "zmqdash", "run", "demo"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline()  # running and printing
        proc.send_signal(sig)
        assert proc.wait(timeout=5) == 0
        assert proc.stderr.read() == ""
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_a_closed_pipe_ends_quietly(env):
    proc = subprocess.Popen([sys.executable, "-m", "zmqdash", "run", "demo"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline()
        proc.stdout.close()  # like `| head -1` exiting
        assert proc.wait(timeout=10) == 0
        assert proc.stderr.read() == b""
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
