"""``zmqdash cat`` never loses a message without saying so: a sender reads its input to the
end, a receiver prints every message it took (a slow reader holds the rest back in ZeroMQ),
and whatever could not be delivered is counted, said, and makes the exit status 1."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import zmq
from conftest import (
    cat_bound_endpoint,
    child_env,
    free_tcp_port,
    read_line,
    run_cat,
    wait_or_dump,
)

from zmqdash.engine.flow import DEFAULT_WINDOW as FLOW_WINDOW


def err_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines()


# -- senders ------------------------------------------------------------------------------------


def test_a_slow_stdin_is_read_to_the_end_whatever_the_timeout(start_cat, spawn_peer):
    peer = spawn_peer("pull_counter", "bind", "tcp://127.0.0.1:*", "3")
    proc = start_cat("PUSH", "-c", peer.endpoint, "-t", "0.3")
    proc.stdin.write(b"1\n")
    time.sleep(1.0)  # a slow producer: quiet for three times the timeout
    assert proc.poll() is None, "cat gave up on its input"
    proc.stdin.write(b"2\n")
    time.sleep(1.0)
    proc.stdin.write(b"3\n")
    proc.stdin.close()
    assert peer.read_line() == "ok 3"
    assert wait_or_dump(proc, 10) == 0


def test_a_long_input_is_all_sent_before_the_timeout_counts(spawn_peer):
    peer = spawn_peer("pull_counter", "bind", "tcp://127.0.0.1:*", "60000")
    lines = b"".join(b"%d\n" % i for i in range(1, 60001))
    done = run_cat("PUSH", "-c", peer.endpoint, "-t", "0.2", "--stats", input=lines, timeout=60)
    assert peer.read_line(timeout=30) == "ok 60000"
    assert done.returncode == 0, done.stderr
    assert "sent 60000 " in err_lines(done.stderr)[-1]


def test_with_no_peer_a_full_outbox_waits_then_says_what_was_not_sent():
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    lines = b"".join(b"%d\n" % i for i in range(25000))
    done = run_cat("PUSH", "-c", ep, "-t", "0.5", input=lines, timeout=30)
    assert done.returncode == 1
    assert err_lines(done.stderr)[-1] == (
        "zmqdash cat: 10000 messages not delivered: no peer took them within 0.5 s; the rest "
        "of standard input was not read")


def test_wait_peer_with_no_peer_sends_nothing_and_says_so():
    done = run_cat("PUB", "-b", "tcp://127.0.0.1:*", "--wait-peer", "--send", "important",
                   "-t", "0.5", "--no-stdin")
    assert done.returncode == 1
    assert err_lines(done.stderr)[-1] == (
        "zmqdash cat: not sent: 1 --send message: no peer connected within 0.5 s")
    done = run_cat("PUSH", "-b", "tcp://127.0.0.1:*", "--wait-peer", "-t", "0.5", input=b"x\n")
    assert done.returncode == 1
    assert err_lines(done.stderr)[-1] == (
        "zmqdash cat: standard input was not read: no peer connected within 0.5 s")


def test_a_pub_with_no_subscriber_says_so():
    done = run_cat("PUB", "-b", "tcp://127.0.0.1:*", input=b"1 lost?\n")
    assert done.returncode == 1
    assert err_lines(done.stderr)[-1] == (
        "zmqdash cat: sent 1 with no subscriber connected; see --wait-peer")


def test_a_pub_with_a_subscriber_does_not_warn(start_cat):
    proc = start_cat("PUB", "-b", "tcp://127.0.0.1:*", "--wait-peer")
    ep = cat_bound_endpoint(proc)
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.subscribe(b"")
    sub.connect(ep)
    try:
        proc.stdin.write(b"heard\n")
        proc.stdin.close()
        assert wait_or_dump(proc, 10) == 0
        assert b"no subscriber" not in proc.stderr.read()
    finally:
        sub.close(0)
        ctx.term()


def test_a_router_message_for_an_unknown_peer_is_one_error():
    done = run_cat("ROUTER", "-b", "tcp://127.0.0.1:*", "--split", "|", "--send", "ghost|hi",
                   "--no-stdin", "-t", "0.5")
    assert done.returncode == 1
    errors = [line for line in err_lines(done.stderr) if "ghost" in line and "hint" not in line]
    assert errors == ["zmqdash cat: no connected peer has the identity 'ghost' "
                      "(router_mandatory is on)"]  # once (a hint may explain it, once)


def test_req_waiting_for_stdin_is_not_waiting_for_a_reply(start_cat, spawn_peer):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    proc = start_cat("REQ", "-c", peer.endpoint, "-t", "0.3")
    proc.stdin.write(b"one\n")
    assert read_line(proc.stdout) == "Echo: one\n"
    time.sleep(1.0)  # the next request comes later than the timeout
    proc.stdin.write(b"two\n")
    proc.stdin.close()
    assert read_line(proc.stdout) == "Echo: two\n"
    assert wait_or_dump(proc, 10) == 0


# -- receivers ----------------------------------------------------------------------------------


def _slow_reader(stream, into: list[bytes]) -> None:
    """Read like a slow disk: small pieces, with a pause before each."""
    while True:
        time.sleep(0.002)
        chunk = stream.read(8192)
        if not chunk:
            return
        into.append(chunk)


def test_a_slow_reader_gets_every_message_taken(start_cat, spawn_peer):
    n = 150_000
    proc = start_cat("PULL", "-b", "tcp://127.0.0.1:*", "--count", str(n), "--stats")
    ep = cat_bound_endpoint(proc)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_slow_reader, args=(proc.stdout, chunks), daemon=True)
    reader.start()
    spawn_peer("task_push", "connect", ep, str(n))  # blocks in send while cat holds back
    assert wait_or_dump(proc, 60) == 0
    reader.join(30)
    lines = b"".join(chunks).decode().splitlines()
    assert len(lines) == n
    assert [int(line.split()[1]) for line in lines] == list(range(1, n + 1))
    err = proc.stderr.read().decode()
    assert "not printed" not in err and "fell out" not in err
    assert f"received {n} messages" in err


def test_count_takes_no_more_than_it_prints(start_cat, spawn_peer):
    proc = start_cat("PULL", "-b", "tcp://127.0.0.1:*", "--count", "10", "--stats")
    ep = cat_bound_endpoint(proc)
    spawn_peer("task_push", "connect", ep, "5000")
    assert wait_or_dump(proc, 30) == 0
    out = proc.stdout.read().decode().splitlines()
    assert out == [line for line in out if line.startswith("task ")] and len(out) == 10
    assert "received 10 messages" in proc.stderr.read().decode()


def test_run_with_a_slow_reader_prints_every_entry(tmp_path, spawn_peer):
    n = 60_000
    port = free_tcp_port()
    session = tmp_path / "sink.toml"
    session.write_text(f'version = 1\n[[socket]]\nname = "sink"\ntype = "PULL"\n'
                       f'bind = ["tcp://127.0.0.1:{port}"]\nformat = "text"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "zmqdash", "run", str(session), "--count", str(n)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=child_env())
    try:
        chunks: list[bytes] = []
        reader = threading.Thread(target=_slow_reader, args=(proc.stdout, chunks), daemon=True)
        reader.start()
        spawn_peer("task_push", "connect", f"tcp://127.0.0.1:{port}", str(n))
        assert wait_or_dump(proc, 60) == 0
        reader.join(30)
        got = [line for line in b"".join(chunks).decode().splitlines() if "  sink  in " in line]
        assert len(got) == n
        assert "fell out" not in proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_what_came_in_is_printed_even_when_the_peer_leaves_before_it_is_read(start_cat):
    # a ROUTER peer answers a connecting DEALER with more messages than cat takes while its
    # standard output is not read (the back-pressure window), then closes: the rest wait in
    # the DEALER's queue, unread, when the peer goes, and must still be printed
    # lines of 100 bytes: standard output's pipe (64 KiB) holds a few hundred of them
    n = FLOW_WINDOW + 655 + 800
    ctx = zmq.Context()
    server = ctx.socket(zmq.ROUTER)
    server.router_mandatory = True  # at the high-water mark, wait rather than drop
    try:
        port = server.bind_to_random_port("tcp://127.0.0.1")
        cat = start_cat("DEALER", "-c", f"tcp://127.0.0.1:{port}", "--send", "hello",
                        "--no-stdin", "--count", str(n), "--timeout", "5",
                        stdin=subprocess.DEVNULL)
        assert server.poll(20_000), cat.stderr.read1().decode()
        peer, hello = server.recv_multipart()
        assert hello == b"hello"
        for i in range(n):
            server.send_multipart([peer, b"%099d" % i])
    finally:
        server.close(linger=10_000)  # every message is in cat's queues before it closes
        ctx.term()
    out, err = cat.communicate(timeout=30)
    got = out.decode().split()
    assert len(got) == n and got == [f"{i:099d}" for i in range(n)], err.decode()[-500:]
    assert cat.returncode == 0, err.decode()


def test_a_two_way_socket_whose_peer_never_came_says_what_was_not_delivered():
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    done = run_cat("DEALER", "-c", ep, "--send", "a", "--send", "b", "--no-stdin",
                   "-t", "0.3")
    assert done.returncode == 1
    assert err_lines(done.stderr)[-1] == (
        "zmqdash cat: 2 messages not delivered: no peer connected to take them")


def test_a_two_way_socket_sends_what_it_queued_before_its_peer_came(start_cat):
    # without immediate a connecting DEALER queues for a peer that comes later: nothing said
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    cat = start_cat("DEALER", "-c", ep, "--send", "early", "--no-stdin", "--count", "1",
                    "--timeout", "10", stdin=subprocess.DEVNULL)
    ctx = zmq.Context()
    server = ctx.socket(zmq.ROUTER)
    try:
        server.bind(ep)
        assert server.poll(20_000)
        peer, body = server.recv_multipart()
        assert body == b"early"
        server.send_multipart([peer, b"thanks"])
        out, err = cat.communicate(timeout=30)
    finally:
        server.close(linger=0)
        ctx.term()
    assert out == b"thanks\n", err.decode()
    assert cat.returncode == 0, err.decode()
