"""Recording from the command line (``cat --record``, ``run --record``) and ``zmqdash replay``,
against separate peer processes.

The flood test is the issue's figure: a producer process sends 100,000 two-frame binary
messages a second for 5 s to ``zmqdash cat PULL --record``; the file holds exactly what cat
counted it received; then ``zmqdash replay`` sends the file into a PULL in another process,
which checks every message byte for byte and in order, and the pace is checked by counting
messages in windows (the replay may lag its recording, never run ahead of it).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest
from conftest import (
    PEERS_DIR,
    WAIT,
    cat_bound_endpoint,
    child_env,
    kill,
    read_line,
    run_cat,
    wait_or_dump,
)

from zmqdash.codec import entry_to_json_line

REPLAY = [sys.executable, "-m", "zmqdash", "replay"]


def run_replay(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*REPLAY, *args], capture_output=True, timeout=timeout,
                          env=child_env(), stdin=subprocess.DEVNULL)


def frame_bytes(value) -> bytes:
    return base64.b64decode(value["b64"]) if isinstance(value, dict) else value.encode()


def write_recording(path, messages, kind="in", type_="PULL") -> None:
    with open(path, "w", encoding="ascii") as out:
        for seq, (ts, frames) in enumerate(messages):
            entry = (seq, ts, kind, tuple(frames), None, sum(len(f) for f in frames))
            out.write(entry_to_json_line(entry, "src", type_) + "\n")


@pytest.mark.timeout(240)
def test_a_flood_of_100k_msg_s_for_5_s_is_recorded_whole_and_replays_byte_for_byte(
        tmp_path, start_cat, spawn_peer) -> None:
    sys.path.insert(0, str(PEERS_DIR))  # the producer's own payloads, to compare with
    from paced_push import body

    total, rate = 500_000, 100_000
    path = tmp_path / "flood.jsonl"
    cat = start_cat("PULL", "-b", "tcp://127.0.0.1:*", "--record", str(path), "-f", "none",
                    "--timeout", "3", "--stats", stdin=subprocess.DEVNULL)
    endpoint = cat_bound_endpoint(cat)
    producer = spawn_peer("paced_push", "connect", endpoint, str(total), str(rate))
    assert producer.read_line(timeout=120) == f"sent {total}"
    assert wait_or_dump(cat, 120) == 0
    err = cat.stderr.read().decode()
    counted = int(re.search(r"received (\d+) messages", err).group(1))
    assert counted == total, err
    # the file: every message cat received, in order (byte for byte: the checker below sees
    # every message the file holds; here one in a thousand is read back directly)
    times = []
    with open(path, encoding="ascii") as lines:
        for line in lines:
            if '"kind": "in"' not in line:
                continue
            n = len(times)
            times.append(float(line.split('"ts": ', 1)[1].split(",", 1)[0]))
            if n % 1000 == 0:
                frames = [frame_bytes(f) for f in json.loads(line)["frames"]]
                assert frames == [n.to_bytes(8, "big"), body(n)], f"message {n}"
    assert len(times) == counted == total
    # replayed into a PULL in another process, at the recorded pace
    checker = spawn_peer("pull_checker", "bind", "tcp://127.0.0.1:*", str(total))
    done = run_replay(str(path), "PUSH", "-c", checker.endpoint, "--stats", timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"replayed {total:,} messages" in done.stderr.decode()
    result = json.loads(checker.read_line(timeout=120))
    assert result["received"] == result["right"] == total
    arrived = result["times"]
    recorded = [t - times[0] for t in times]
    # counting in windows: by any moment the replay has sent no more than the recording had
    # received by then (plus a batch of slack), and it spans the recording's seconds
    for window in (0.5, 1.0, 2.0, 3.0, 4.0):
        got = sum(1 for t in arrived if t < window)
        allowed = sum(1 for t in recorded if t < window + 0.05) + 5000
        assert got <= allowed, (window, got, allowed)
    assert sum(1 for t in arrived if t < 1.0) < total / 2


def test_cat_record_holds_what_it_printed(tmp_path, spawn_peer) -> None:
    path = tmp_path / "rec.jsonl"
    pusher = spawn_peer("push_sender", "bind", "tcp://127.0.0.1:*", "one", "two|hex:00ff", "")
    done = run_cat("PULL", "-c", pusher.endpoint, "--count", "3", "-f", "jsonl", "--record",
                   str(path), "--stats")
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.decode().splitlines()]
    recorded = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r for r in recorded if r["kind"] == "in"] == printed  # the same records
    assert any(r["kind"] == "event" for r in recorded)
    assert re.search(r"recording: \d+ entries written to " + re.escape(str(path)),
                     done.stderr.decode())


def test_cat_record_to_a_file_it_cannot_write(tmp_path) -> None:
    done = run_cat("PULL", "-b", "tcp://127.0.0.1:*", "--record",
                   str(tmp_path / "no" / "such" / "dir.jsonl"), "--timeout", "1")
    assert done.returncode == 1
    assert "cannot record to" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


def test_run_record_takes_every_socket_from_its_first_entry(tmp_path) -> None:
    session = tmp_path / "s.toml"
    session.write_text('''version = 1
[[socket]]
name = "server"
type = "REP"
bind = ["inproc://rr"]
reply = ["re: {body}"]

[[socket]]
name = "client"
type = "REQ"
connect = ["inproc://rr"]

[[socket.repeat]]
frames = ["q{seq}"]
interval_ms = 5
count = 4
''')
    path = tmp_path / "run.jsonl"
    done = subprocess.run([sys.executable, "-m", "zmqdash", "run", str(session), "--count", "8",
                           "--timeout", "10", "--jsonl", "--record", str(path)],
                          capture_output=True, timeout=60, env=child_env())
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in path.read_text().splitlines()]
    traffic = [(r["socket"], r["kind"], r["frames"][0]) for r in records
               if r["kind"] in ("in", "out")]
    for i in range(1, 5):
        assert ("client", "out", f"q{i}") in traffic and ("server", "in", f"q{i}") in traffic
        assert ("client", "in", f"re: q{i}") in traffic
    assert any(r.get("text", "").startswith("bound") or r["kind"] == "info" for r in records)


def test_replay_speed_filter_loop_and_count(tmp_path, spawn_peer) -> None:
    path = tmp_path / "ticks.jsonl"
    write_recording(path, [(100.0 + i, [f"{'A' if i % 2 else 'B'} {i}".encode()])
                           for i in range(6)])
    checker = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "7")
    done = run_replay(str(path), "PUSH", "-c", checker.endpoint, "--speed", "max", "--filter",
                      "a", "--loop", "--count", "7", "--stats")
    assert done.returncode == 0, done.stderr
    got = [bytes.fromhex(json.loads(checker.read_line())[0]).decode() for _ in range(7)]
    assert got == ["A 1", "A 3", "A 5"] * 2 + ["A 1"]
    err = done.stderr.decode()
    assert "replayed 7 messages" in err and "as fast as possible" in err and "passes" in err


def test_replay_into_a_router_goes_to_the_peer_named(tmp_path) -> None:
    path = tmp_path / "jobs.jsonl"
    write_recording(path, [(1.0, [b"old", b"", b"job 1"]), (1.5, [b"old", b"", b"job 2"])],
                    type_="ROUTER")
    server = subprocess.Popen([*REPLAY, str(path), "ROUTER", "-b", "tcp://127.0.0.1:*",
                               "--peer", "w1", "--wait-peer", "--speed", "4"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                              env=child_env(), stdin=subprocess.DEVNULL)
    try:
        line = read_line(server.stderr).strip()
        endpoint = line.removeprefix("zmqdash replay: bound ")
        dealer = run_cat("DEALER", "-c", endpoint, "-o", "identity=w1", "--count", "2",
                         "-f", "jsonl", "--timeout", "10", input=None)
        assert dealer.returncode == 0, dealer.stderr
        frames = [json.loads(line)["frames"] for line in dealer.stdout.decode().splitlines()]
        assert frames == [["", "job 1"], ["", "job 2"]]
        assert wait_or_dump(server, WAIT) == 0
    finally:
        kill(server)


@pytest.mark.parametrize("args, message", [
    (["missing.jsonl", "PUSH", "-c", "tcp://127.0.0.1:5555"], "no such file"),
    (["{file}", "PULL", "-c", "tcp://127.0.0.1:5555"], "cannot send"),
    (["{file}", "SUB", "-c", "tcp://127.0.0.1:5555"], "cannot send"),
    (["{file}", "PUSH"], "at least one --bind or --connect"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1"], "port"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "--speed", "0"], "--speed"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "--speed", "fast"], "--speed"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "--speed", "nan"], "--speed"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "--peer", "x"], "--peer is for ROUTER"),
    (["{file}", "ROUTER", "-b", "tcp://127.0.0.1:*", "--peer", "hex:0"], "--peer"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "--filter", "/(/"], "--filter"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "-o", "nosuch=1"], "unknown socket"),
    (["{file}", "PUSH", "-c", "tcp://127.0.0.1:5555", "--count", "0"], "--count"),
    (["{file}", "FOO", "-c", "tcp://127.0.0.1:5555"], "unknown socket type"),
    (["{dir}", "PUSH", "-c", "tcp://127.0.0.1:5555"], "not a file"),
])
def test_replay_usage_errors_are_one_line_and_exit_2(tmp_path, args, message) -> None:
    path = tmp_path / "r.jsonl"
    write_recording(path, [(1.0, [b"x"])])
    args = [a.format(file=path, dir=tmp_path) for a in args]
    done = run_replay(*args)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_replay_of_a_damaged_file_sends_what_it_can_and_says_so(tmp_path, spawn_peer) -> None:
    path = tmp_path / "bad.jsonl"
    good = entry_to_json_line((0, 1.0, "in", (b"ok\x1b[2J",), None, 6), "s", "PULL")
    path.write_text("\n".join(["\x1b]0;title\x07 not json", good, '{"kind": "in"}', good]))
    checker = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "2")
    done = run_replay(str(path), "PUSH", "-c", checker.endpoint, "--speed", "max")
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "2 bad lines skipped (line 1: not JSON)" in err and "\x1b" not in err
    assert [json.loads(checker.read_line()) for _ in range(2)] == [["6f6b1b5b324a"]] * 2


def test_replay_with_no_peer_gives_up_after_timeout(tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    write_recording(path, [(1.0, [b"x"]), (1.0, [b"y"])])
    done = run_replay(str(path), "PUSH", "-c", "tcp://127.0.0.1:9", "--timeout", "0.5")
    assert done.returncode == 1
    assert "no message could be sent for 0.5 s" in done.stderr.decode()
