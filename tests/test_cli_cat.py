"""``zmqdash cat`` as a separate process against ordinary pyzmq peer programs (tests/peers)."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
import zmq
from conftest import (
    cat_bound_endpoint,
    free_tcp_port,
    read_line,
    run_cat,
    wait_or_dump,
    wait_until,
)

from zmqdash.cli import cat as cat_module
from zmqdash.cli.main import run as zmqdash_main


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines()


def one_line(data: bytes) -> str:
    """stderr that must be exactly one line; returns it."""
    text = data.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, f"not one line: {text!r}"
    return text.rstrip("\n")


def finish(proc: subprocess.Popen, timeout: float = 20) -> tuple[int, bytes, bytes]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


# -- cat connects to a peer ---------------------------------------------------------------------


def test_req_gets_the_echo_servers_replies(spawn_peer):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    # no --count: the run ends when stdin is done and the last reply has been printed
    result = run_cat("REQ", "-c", peer.endpoint, "--send", "hello", input=b"one\ntwo\n")
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == ["Echo: hello", "Echo: one", "Echo: two"]
    assert lines(result.stderr) == [f"zmqdash cat: connecting to {peer.endpoint}"]


def test_sub_with_a_prefix_gets_only_matching_updates(spawn_peer):
    peer = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    result = run_cat("SUB", "-c", peer.endpoint, "-s", "1", "--count", "20")
    assert result.returncode == 0, result.stderr
    got = lines(result.stdout)
    assert len(got) == 20
    assert all(line.startswith("1-update ") for line in got), got
    numbers = [int(line.split()[-1]) for line in got]
    assert numbers == list(range(numbers[0], numbers[0] + 20))  # none lost in between


def test_sub_with_two_prefixes_in_jsonl(spawn_peer):
    peer = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    result = run_cat("SUB", "-c", peer.endpoint, "-s", "2", "-s", "1", "--count", "10",
                     "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in lines(result.stdout)]
    assert len(records) == 10
    prefixes = {r["frames"][0][:2] for r in records}
    assert prefixes == {"1-", "2-"}
    assert all(r["kind"] == "in" and r["type"] == "SUB" for r in records)


def test_a_repeated_prefix_is_one_subscription(spawn_peer):
    # it used to exit 1 with "cat is already subscribed to a"
    peer = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    result = run_cat("SUB", "-c", peer.endpoint, "-s", "1", "-s", "1", "-s", "hex:31",
                     "--count", "3")
    assert result.returncode == 0, result.stderr
    assert b"already subscribed" not in result.stderr
    assert len(lines(result.stdout)) == 3


def test_pull_gets_every_task_from_the_task_ventilator(spawn_peer):
    tasks = 300
    peer = spawn_peer("task_push", "bind", "tcp://127.0.0.1:*", str(tasks))
    # no --count: every task must come, then nothing more for a second
    result = run_cat("PULL", "-c", peer.endpoint, "--timeout", "1")
    assert result.returncode == 0, result.stderr
    got = lines(result.stdout)
    assert len(got) == tasks
    assert [int(line.split()[1]) for line in got] == list(range(1, tasks + 1))
    assert peer.proc.wait(timeout=10) == 0  # the ventilator saw every task leave


def test_pair_talks_both_ways(spawn_peer):
    peer = spawn_peer("pair_peer", "bind", "tcp://127.0.0.1:*")
    result = run_cat("PAIR", "-c", peer.endpoint, "--send", "ping", "--count", "2")
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == ["hello from peer", "peer got: ping"]


def test_push_sends_stdin_lines_and_split_frames(spawn_peer):
    peer = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "4")
    result = run_cat("PUSH", "-c", peer.endpoint, "--split", "|", "--send", "a|b|",
                     "--send", r"x\|y", input="l1|l2\n\u00e9\n".encode())
    assert result.returncode == 0, result.stderr
    got = [[bytes.fromhex(f) for f in json.loads(peer.read_line())] for _ in range(4)]
    assert got == [[b"a", b"b", b""], [b"x|y"], [b"l1", b"l2"], ["\u00e9".encode()]]


def test_push_stdin_is_literal_unless_asked(spawn_peer):
    peer = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "2")
    result = run_cat("PUSH", "-c", peer.endpoint, "--send", "hex:00ff", input=b"hex:00ff\n")
    assert result.returncode == 0, result.stderr
    got = [json.loads(peer.read_line()) for _ in range(2)]
    assert got == [["00ff"], [b"hex:00ff".hex()]]


# -- cat is the bound side ----------------------------------------------------------------------


@pytest.mark.parametrize("reply, expected", [
    (None, ["hello", "world"]),
    ("Echo: {body}", ["Echo: hello", "Echo: world"]),
])
def test_rep_bound_answers_a_req_client(start_cat, spawn_peer, reply, expected):
    args = ["REP", "-b", "tcp://127.0.0.1:*", "--count", "2"]
    if reply is not None:
        args += ["--reply", reply]
    proc = start_cat(*args)
    ep = cat_bound_endpoint(proc)
    assert ep.startswith("tcp://127.0.0.1:") and not ep.endswith(":*")
    client = spawn_peer("req_client", "connect", ep, "hello", "world")
    assert [client.read_line(), client.read_line()] == expected
    assert client.proc.wait(timeout=10) == 0
    code, out, err = finish(proc)
    assert code == 0, err
    assert lines(out) == ["hello", "world"]  # cat prints the requests


def test_pull_bound_gets_a_pushers_messages(start_cat, spawn_peer):
    proc = start_cat("PULL", "-b", "tcp://127.0.0.1:*", "--count", "3", "--stats")
    ep = cat_bound_endpoint(proc)
    spawn_peer("push_sender", "connect", ep, "one", "two", "three")
    code, out, err = finish(proc)
    assert code == 0, err
    assert lines(out) == ["one", "two", "three"]
    [summary] = lines(err)
    assert summary.startswith("zmqdash cat: received 3 messages (")
    assert "sent 0" in summary and "0 errors" in summary


def test_pair_bound_talks_both_ways(start_cat, spawn_peer):
    proc = start_cat("PAIR", "-b", "tcp://127.0.0.1:*", "--send", "ping", "--count", "2")
    ep = cat_bound_endpoint(proc)
    peer = spawn_peer("pair_peer", "connect", ep)
    code, out, err = finish(proc)
    assert code == 0, err
    assert sorted(lines(out)) == ["hello from peer", "peer got: ping"]
    assert peer.proc.poll() is None  # still running, waiting for more


# -- output formats -----------------------------------------------------------------------------


def _pull_from(start_cat, spawn_peer, messages: list[str], *cat_args: str):
    proc = start_cat("PULL", "-b", "tcp://127.0.0.1:*", "--count", str(len(messages)),
                     *cat_args)
    spawn_peer("push_sender", "connect", cat_bound_endpoint(proc), *messages)
    code, out, err = finish(proc)
    assert code == 0, err
    return out


def test_jsonl_output_parses_and_encodes_binary_frames(start_cat, spawn_peer):
    out = _pull_from(start_cat, spawn_peer, ["text|hex:00ff|", "plain \u00e9"], "-f", "jsonl")
    first, second = (json.loads(line) for line in lines(out))
    assert first["frames"] == ["text", {"b64": "AP8="}, ""]
    assert first["size"] == 4 + 2 + 0
    assert second["frames"] == ["plain \u00e9"]
    for record in (first, second):
        assert (record["socket"], record["type"], record["kind"]) == ("cat", "PULL", "in")
        assert isinstance(record["seq"], int) and isinstance(record["ts"], float)
    assert out.isascii()


def test_hex_output_and_multipart_text(start_cat, spawn_peer):
    out = _pull_from(start_cat, spawn_peer, ["AB|hex:00ff", "Z"], "-f", "hex")
    assert lines(out) == ["[1/2] 41 42", "[2/2] 00 ff", "5a"]
    out = _pull_from(start_cat, spawn_peer, ["a|b|"])
    assert lines(out)[:2] == ["[1/3] a", "[2/3] b"] and len(lines(out)) == 3


def test_escape_sequences_are_printed_escaped(start_cat, spawn_peer):
    nasty = [r"\x1b[31mred\x1b[0m\x07", r"\x1b]0;pwned\x07 title", r"\x1b[2J\x9b1m"]
    out = _pull_from(start_cat, spawn_peer, nasty)
    assert b"\x1b" not in out and b"\x07" not in out and b"\x9b" not in out
    got = lines(out)
    assert len(got) == 3
    assert got[0] == r"\x1b[31mred\x1b[0m\x07"
    assert "pwned" in got[1]


def test_format_none_prints_nothing_but_counts(start_cat, spawn_peer):
    proc = start_cat("PULL", "-b", "tcp://127.0.0.1:*", "--count", "2", "-f", "none", "--stats")
    spawn_peer("push_sender", "connect", cat_bound_endpoint(proc), "a", "b")
    code, out, err = finish(proc)
    assert (code, out) == (0, b"")
    assert "received 2 messages" in err.decode()


# -- ending -------------------------------------------------------------------------------------


def test_timeout_ends_a_quiet_run_with_success():
    result = run_cat("PULL", "-b", "tcp://127.0.0.1:*", "--timeout", "0.3")
    assert result.returncode == 0
    assert result.stdout == b""
    assert lines(result.stderr)[0].startswith("zmqdash cat: bound tcp://127.0.0.1:")


def test_req_with_no_reply_times_out_with_failure():
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    result = run_cat("REQ", "-c", ep, "--send", "anyone?", "--timeout", "0.3")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "no reply within 0.3 s" in result.stderr.decode()


def test_push_with_nobody_to_take_it_times_out_with_failure():
    result = run_cat("PUSH", "-b", "tcp://127.0.0.1:*", "--send", "a", "--send", "b",
                     "--no-stdin", "--timeout", "0.3")
    assert result.returncode == 1
    assert "2 messages not delivered: no peer took them within 0.3 s" in result.stderr.decode()


@pytest.mark.parametrize("args, problem", [
    (["PULL"], "give at least one --bind or --connect endpoint"),
    (["FOO", "-c", "tcp://127.0.0.1:5555"], "unknown socket type 'FOO'"),
    (["PULL", "-c", "tcp://127.0.0.1:5555", "-o", "linger"], "option 'linger': write name=value"),
    (["PULL", "-c", "tcp://127.0.0.1:5555", "-o", "=1"], "write name=value"),
    (["PUSH", "-c", "tcp://127.0.0.1:5555", "-s", "x"], "--subscribe is for SUB and XSUB"),
    (["PUSH", "-c", "tcp://127.0.0.1:5555", "--reply", "x"], "--reply is for REP and ROUTER"),
    (["PULL", "-c", "tcp://127.0.0.1:5555", "--send", "x"], "does not send messages"),
    (["PUSH", "-c", "tcp://127.0.0.1:5555", "--send", "hex:zz"], "--send 'hex:zz'"),
])
def test_usage_errors_exit_2_with_one_line(args, problem):
    result = run_cat(*args)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("zmqdash cat: ") and problem in line
    assert result.stdout == b""


@pytest.mark.parametrize("args, problem", [
    (["-o", "lingr=5", "-c", "tcp://127.0.0.1:5555"], "did you mean linger?"),
    (["-o", "linger=abc", "-c", "tcp://127.0.0.1:5555"], "takes a whole number"),
    (["-c", "127.0.0.1:5555"], "not an endpoint"),
])
def test_bad_option_or_endpoint_is_a_usage_error(args, problem):
    result = run_cat("PULL", *args)
    assert problem in one_line(result.stderr)
    assert result.returncode == 2


@pytest.mark.parametrize("args", [["--count", "0"], ["--format", "bogus"], ["--timeout", "-1"]])
def test_argparse_errors_are_one_line(args):
    result = run_cat("PULL", "-c", "tcp://127.0.0.1:5555", *args)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith("zmqdash cat")


def test_port_in_use_exits_1_naming_the_problem():
    ctx = zmq.Context()
    holder = ctx.socket(zmq.PULL)
    holder.linger = 0
    try:
        holder.bind("tcp://127.0.0.1:*")
        ep = holder.last_endpoint.decode()
        result = run_cat("PULL", "-b", ep)
    finally:
        holder.close(0)
        ctx.term()
    assert result.returncode == 1
    error, *hints = lines(result.stderr)
    assert error == f"zmqdash cat: bind {ep}: address already in use"
    # then, once, who holds it (here: the test's own process)
    assert len(hints) == 1
    assert hints[0].startswith(f"zmqdash cat: hint: bind {ep} failed: the address is already "
                               f"in use by ")
    assert f"(pid {os.getpid()}: " in hints[0]


def test_ctrl_c_ends_a_waiting_receiver(start_cat):
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    proc = start_cat("SUB", "-c", ep)
    assert read_line(proc.stderr).startswith(f"zmqdash cat: connecting to {ep}")
    proc.send_signal(signal.SIGINT)
    assert wait_or_dump(proc, 5) == 130
    assert b"Traceback" not in proc.stderr.read()


def test_ctrl_c_ends_a_sender_whose_stdin_is_finished(start_cat):
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    proc = start_cat("PAIR", "-c", ep, stdin=subprocess.DEVNULL)
    assert read_line(proc.stderr).startswith("zmqdash cat: connecting to")
    proc.send_signal(signal.SIGINT)
    assert wait_or_dump(proc, 5) == 130
    assert b"Traceback" not in proc.stderr.read()


@pytest.mark.parametrize("ending", ["ctrl-c", "timeout"])
def test_ending_while_stdin_is_still_open(start_cat, spawn_peer, ending):
    # a sender reads its input to the end, so only Ctrl+C ends a PUSH whose stdin stays open;
    # a two-way socket ends after --timeout with nothing in or out, saying stdin was not done
    if ending == "ctrl-c":
        peer = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "1")
        proc = start_cat("PUSH", "-c", peer.endpoint)
        proc.stdin.write(b"first\n")  # stdin is a pipe left open, like a terminal nobody uses
        # the line went out, so the sender thread is back waiting on stdin
        assert json.loads(peer.read_line()) == [b"first".hex()]
        proc.send_signal(signal.SIGINT)
    else:
        peer = spawn_peer("pair_peer", "bind", "tcp://127.0.0.1:*")
        proc = start_cat("PAIR", "-c", peer.endpoint, "--timeout", "0.5")
        proc.stdin.write(b"first\n")
        assert read_line(proc.stdout) == "hello from peer\n"
        assert read_line(proc.stdout) == "peer got: first\n"
    code = proc.wait(timeout=10)
    err = proc.stderr.read()
    assert b"Fatal Python error" not in err
    if ending == "ctrl-c":
        assert code == 130
    else:
        assert code == 1
        assert err.decode().splitlines()[-1] == (
            "zmqdash cat: nothing in or out for 0.5 s: stopped before the end of standard input")


def test_req_reply_arriving_during_the_exit_check_is_printed(spawn_peer, monkeypatch, capsys):
    # force the interleaving: a slow server, and the exit check runs only once the reply is in
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*", "0.3")
    original = cat_module._Session.finished_sending

    def late_check(self, view):
        wait_until(self.engine, lambda: not view.awaiting_reply, what="the reply")
        return original(self, view)

    monkeypatch.setattr(cat_module._Session, "finished_sending", late_check)
    code = zmqdash_main(["cat", "REQ", "-c", peer.endpoint, "--send", "hello", "--no-stdin"])
    assert code == 0
    assert capsys.readouterr().out == "Echo: hello\n"
