"""``zmqdash proxy`` as a subprocess between peer programs written like the guide's: an echo
server behind a queue, a publisher behind a forwarder with two subscribers, a task manager
behind a streamer with two workers; its tap, counters, exit codes and bad input."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import (
    WAIT,
    child_env,
    free_tcp_port,
    kill,
    read_line,
    read_lines,
    wait_or_dump,
)

PROXY = [sys.executable, "-m", "zmqdash", "proxy"]


@pytest.fixture
def start_proxy():
    """Factory: ``start_proxy(*args)`` runs ``zmqdash proxy ARGS`` (pipes, bytes); killed at
    teardown if still running."""
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        proc = subprocess.Popen([*PROXY, *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                                env=child_env())
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        kill(proc)


def run_proxy(*args: str, timeout: float = 20.0) -> subprocess.CompletedProcess:
    return subprocess.run([*PROXY, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=child_env())


def started(proc) -> dict[str, str]:
    """Read the start-up lines: {"frontend": real endpoint, "backend": real endpoint}."""
    found = {}
    while True:
        line = read_line(proc.stderr).strip()
        assert line.startswith("zmqdash proxy: "), line
        words = line.split()
        if words[-1] == "stops)":  # "... running (Ctrl+C stops)"
            return found
        found[words[2]] = words[-1]


def lines(proc, n):
    return [read_line(proc.stdout).rstrip("\n") for _ in range(n)]


def interrupt(proc, timeout=WAIT) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    code = wait_or_dump(proc, timeout)
    return code, proc.stderr.read().decode()


# -- the three kinds with real peers -----------------------------------------------------------


def test_the_readme_queue_between_a_client_and_an_echo_server(start_proxy, spawn_peer):
    front, back = free_tcp_port(), free_tcp_port()
    spawn_peer("echo_rep", "bind", f"tcp://127.0.0.1:{back}")
    proc = start_proxy("queue", f"@tcp://127.0.0.1:{front}", f">tcp://127.0.0.1:{back}",
                       "--tap", "--stats")
    assert started(proc) == {"frontend": f"tcp://127.0.0.1:{front}",
                             "backend": f"tcp://127.0.0.1:{back}"}
    client = spawn_peer("req_client", "connect", f"tcp://127.0.0.1:{front}", "hello", "again")
    assert [client.read_line(), client.read_line()] == ["Echo: hello", "Echo: again"]
    tapped = lines(proc, 12)  # 4 messages of 3 frames: identity, empty delimiter, body
    ident = tapped[0].removeprefix("f>b [1/3] ")
    assert tapped[:6] == [f"f>b [1/3] {ident}", "f>b [2/3] ∅", "f>b [3/3] hello",
                          f"b>f [1/3] {ident}", "b>f [2/3] ∅", "b>f [3/3] Echo: hello"]
    assert tapped[8:] == ["f>b [3/3] again", f"b>f [1/3] {ident}", "b>f [2/3] ∅",
                          "b>f [3/3] Echo: again"]
    code, err = interrupt(proc)
    assert code == 130
    last = err.strip().splitlines()[-1]
    assert "frontend->backend 2 messages (" in last and "backend->frontend 2 (" in last
    assert last.endswith("0 refused, 0 errors")


def test_a_forwarder_with_two_subscribers_in_json_lines(start_proxy, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    proc = start_proxy("forwarder", ">" + publisher.endpoint, "tcp://127.0.0.1:*", "--tap",
                       "-f", "jsonl")
    backend = started(proc)["backend"]
    one = spawn_peer("sub_printer", "connect", backend, "1")
    two = spawn_peer("sub_printer", "connect", backend, "2")
    assert one.read_line().startswith("1-update")
    assert two.read_line().startswith("2-update")
    records = []  # the second subscription crosses when its subscriber is up, maybe later
    while len([r for r in records if r["kind"] == "b>f"]) < 2 or records[-1]["kind"] != "f>b":
        records.append(json.loads(read_line(proc.stdout)))
        assert len(records) < 100_000
    ups = [r for r in records if r["kind"] == "b>f"]
    downs = [r for r in records if r["kind"] == "f>b"]
    assert sorted(r["frames"] for r in ups) == [["\u00011"], ["\u00012"]]
    assert all(r["direction"] == "backend->frontend" for r in ups)
    assert downs and all(r["frames"][0][:2] in ("1-", "2-") for r in downs)
    first = downs[0]
    assert (first["device"], first["type"], first["direction"]) == (
        "proxy", "forwarder", "frontend->backend")
    assert first["size"] == len(first["frames"][0]) and "socket" not in first
    code, _ = interrupt(proc)
    assert code == 130


def test_a_streamer_between_a_task_manager_and_two_workers(start_proxy, spawn_peer):
    proc = start_proxy("streamer", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*", "--count",
                       "100", "--stats")
    eps = started(proc)
    workers = [spawn_peer("pull_printer", "connect", eps["backend"], "1000") for _ in range(2)]
    spawn_peer("task_push", "connect", eps["frontend"], "100")
    got = read_lines(workers, 100)
    assert sum(len(v) for v in got.values()) == 100
    assert wait_or_dump(proc, WAIT) == 0
    err = proc.stderr.read().decode()
    assert "frontend->backend 100 messages (" in err
    assert "backend->frontend" not in err  # a streamer goes one way


def test_record_keeps_what_crosses_with_its_direction(start_proxy, spawn_peer, tmp_path):
    path = tmp_path / "tasks.jsonl"
    proc = start_proxy("streamer", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*", "--count",
                       "50", "--record", str(path))
    eps = started(proc)
    worker = spawn_peer("pull_printer", "connect", eps["backend"], "50")
    spawn_peer("task_push", "connect", eps["frontend"], "50")
    assert len(read_lines([worker], 50)[worker]) == 50
    assert wait_or_dump(proc, WAIT) == 0
    assert proc.stdout.read() == b""  # no --tap: nothing printed, though the tap is on
    records = [json.loads(line) for line in path.read_text().splitlines()]
    crossed = [r for r in records if r["kind"] == "f>b"]
    assert [r["frames"] for r in crossed] == [[f"task {i} {(i * 37) % 100 + 1}"]
                                               for i in range(1, 51)]
    assert {(r["device"], r["type"], r["direction"]) for r in crossed} == {
        ("proxy", "streamer", "frontend->backend")}
    # from the first entry: what starting the device logged is in the file too
    assert any(r["kind"] == "info" and r["text"].startswith("running: streamer")
               for r in records[:records.index(crossed[0])])


def test_a_recording_that_cannot_be_written_is_one_line(tmp_path):
    out = run_proxy("streamer", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*", "--record",
                    str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last == (f"zmqdash proxy: cannot record to {tmp_path}/no/such/dir.jsonl: No such "
                    "file or directory")


def test_stats_every_n_seconds(start_proxy, spawn_peer):
    proc = start_proxy("--stats", "0.2", "streamer", "@tcp://127.0.0.1:*",
                       "@tcp://127.0.0.1:*")
    started(proc)
    periodic = [read_line(proc.stderr) for _ in range(2)]
    assert all("after " in line and "frontend->backend 0 messages" in line
               for line in periodic), periodic
    code, err = interrupt(proc)
    assert code == 130 and " in " in err.strip().splitlines()[-1]


def test_a_bare_stats_before_the_kind_is_not_taken_for_a_number(start_proxy):
    proc = start_proxy("--stats", "queue", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*",
                       "--timeout", "0.3")
    started(proc)
    assert wait_or_dump(proc, WAIT) == 0
    assert "frontend->backend 0 messages" in proc.stderr.read().decode()


@pytest.mark.timeout(60)
def test_ctrl_c_in_a_flood_stops_at_once(start_proxy, spawn_peer):
    proc = start_proxy("streamer", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*", "--tap",
                       "-f", "none", "--stats", "0.2")
    eps = started(proc)
    spawn_peer("flood", "pull", "connect", eps["backend"], "1000000")
    spawn_peer("flood", "push", "connect", eps["frontend"], "1000000")
    while True:  # until the periodic counters show the flood going
        line = read_line(proc.stderr)
        count = int(line.split("frontend->backend ")[1].split()[0].replace(",", ""))
        if count > 20_000:
            break
    t0 = time.monotonic()
    code, err = interrupt(proc, timeout=10)
    assert code == 130 and time.monotonic() - t0 < 10
    final = int(err.strip().splitlines()[-1].split("frontend->backend ")[1].split()[0]
                .replace(",", ""))
    assert count <= final < 1_000_000


def test_sigterm_stops_it_with_143_and_the_counters(start_proxy):
    proc = start_proxy("queue", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*", "--stats")
    started(proc)
    proc.send_signal(signal.SIGTERM)
    assert wait_or_dump(proc, WAIT) == 143
    last = proc.stderr.read().decode().strip().splitlines()[-1]
    assert "frontend->backend 0 messages" in last and "backend->frontend 0" in last


# -- bad input: one clear line each ---------------------------------------------------------------


@pytest.mark.parametrize("args, code, message", [
    (["queu", "@tcp://127.0.0.1:5991", "@tcp://127.0.0.1:5992"], 2,
     "unknown device kind 'queu' (streamer, forwarder or queue); did you mean queue?"),
    (["queue", "@tcp://127.0.0.1:5991", ">tcp://127.0.0.1:5991"], 2,
     "the frontend and the backend both name tcp://127.0.0.1:5991: a device needs a different "
     "endpoint on each side"),
    (["queue", "@tcp://127.0.0.1:5991", ""], 2,
     "the backend has no endpoint (give @endpoint to bind or >endpoint to connect)"),
    (["queue", "@tcp://127.0.0.1:5991,", "@tcp://127.0.0.1:5992"], 2,
     "frontend: an empty endpoint in '@tcp://127.0.0.1:5991,'"),
    (["queue", "tcp://127.0.0.1", "@tcp://127.0.0.1:5992"], 2,
     "frontend: bind tcp://127.0.0.1: tcp needs a port"),
    (["queue", "@a", "@b"], 2, "frontend: bind a: not an endpoint"),
    (["queue", "@inproc://a", "@inproc://b", "--backend-option", "sndhmw=1"], 2,
     "unknown socket option 'sndhmw'; did you mean sndhwm?"),
    (["queue", "@inproc://a", "@inproc://b", "--stats", "-1"], 2,
     "argument --stats: must be a number of seconds above 0"),
    (["queue", "@inproc://a"], 2, "the following arguments are required: BACKEND"),
])
def test_bad_input_is_one_line(args, code, message):
    out = run_proxy(*args)
    assert out.returncode == code, out.stderr
    lines_ = out.stderr.strip().splitlines()
    assert len(lines_) == 1 and message in lines_[0], out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_an_endpoint_in_use_is_a_runtime_error(spawn_peer):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    out = run_proxy("queue", "@tcp://127.0.0.1:*", "@" + peer.endpoint)
    assert out.returncode == 1
    assert out.stderr.strip() == (f"zmqdash proxy: backend: bind {peer.endpoint}: address "
                                  "already in use")
