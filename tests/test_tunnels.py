"""Connects through SSH tunnels, against a real sshd on loopback (tests/ssh_support.py): the
engine and ``zmqdash cat`` reach echo servers over tcp and ipc; every failure in its words; no
ssh process outlives what started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import ssh_support
from conftest import WAIT, child_env, read_line, run_cat, wait_or_dump, wait_received, wait_until

from zmqdash.engine import EngineError
from zmqdash.engine import commands as C
from zmqdash.engine.state import CONNECTED, FAILED, TUNNEL_DOWN

pytestmark = pytest.mark.skipif(not ssh_support.available(),
                                reason="sshd (openssh-server) is not installed")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with ssh_support.Sshd(tmp_path_factory.mktemp("sshd")) as sshd:
        yield ssh_support.TunnelHosts(sshd)


@pytest.fixture
def hosts(lab, monkeypatch):
    monkeypatch.setenv("ZMQDASH_SSH_COMMAND", lab.command)
    yield lab
    gone(lab)  # whatever a test started, no ssh of ours outlives it


@pytest.fixture
def engine(hosts, make_engine):
    """An engine stopped before ``hosts`` checks that no ssh is left."""
    return make_engine()


def gone(hosts, timeout: float = WAIT) -> None:
    """Wait until no ssh process of ``hosts`` is left (a process ends asynchronously)."""
    deadline = time.monotonic() + timeout
    while hosts.processes():
        assert time.monotonic() < deadline, f"ssh still running: {hosts.processes()}"
        time.sleep(0.02)


def tunnel(engine, name):
    return engine.view(name).endpoints[0]


def connected(engine, name):
    return wait_until(engine, lambda: tunnel(engine, name).state == CONNECTED,
                      what=f"{name} to connect through the tunnel")


# -- the engine ------------------------------------------------------------------------------


def test_req_reaches_an_echo_server_through_a_tunnel_over_tcp(engine, hosts, spawn_peer):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    engine.call(C.Create("req", "REQ"))
    assert engine.call(C.Connect("req", peer.endpoint, via="lab"), timeout=20) == peer.endpoint
    engine.call(C.Send("req", (b"through ssh",)))
    assert wait_received(engine, "req", 1) == [[b"Echo: through ssh"]]
    connected(engine, "req")
    assert tunnel(engine, "req").describe() == \
        f"connect {peer.endpoint} via lab: connected (1 peer)"
    assert len(hosts.processes()) == 1
    engine.call(C.Close("req"))
    gone(hosts)


def test_req_reaches_an_echo_server_through_a_tunnel_over_ipc(engine, hosts, spawn_peer,
                                                              tmp_path):
    path = tmp_path / "echo.sock"
    peer = spawn_peer("echo_rep", "bind", f"ipc://{path}")
    engine.call(C.Create("req", "REQ"))
    engine.call(C.Connect("req", peer.endpoint, via="lab"), timeout=20)
    engine.call(C.Send("req", (b"to a unix socket",)))
    assert wait_received(engine, "req", 1) == [[b"Echo: to a unix socket"]]
    assert tunnel(engine, "req").describe().startswith(f"connect ipc://{path} via lab: connected")


@pytest.mark.parametrize("host, words", [
    ("stranger", "unknown host key for stranger: connect once with ssh stranger"),
    ("changed", "the host key of changed has changed"),
    ("nokey", "permission denied by nokey (publickey)"),
    ("closed", "host unreachable: connection refused at 127.0.0.1 port"),
])
def test_each_ssh_failure_in_one_line(engine, hosts, host, words):
    engine.call(C.Create("req", "REQ"))
    with pytest.raises(EngineError) as err:
        engine.call(C.Connect("req", "tcp://127.0.0.1:5555", via=host), timeout=20)
    message = str(err.value)
    assert message.startswith(f"connect tcp://127.0.0.1:5555 via {host}: {words}"), message
    assert "\n" not in message
    ep = tunnel(engine, "req")
    assert ep.state == FAILED and ep.reason.startswith(words)
    gone(hosts)


def test_ssh_not_installed(engine, hosts, monkeypatch, tmp_path):
    monkeypatch.setenv("ZMQDASH_SSH_COMMAND", str(tmp_path / "no-ssh-here"))
    engine.call(C.Create("req", "REQ"))
    with pytest.raises(EngineError, match="ssh is not installed"):
        engine.call(C.Connect("req", "tcp://127.0.0.1:5555", via="lab"), timeout=20)


def test_nothing_listening_on_the_far_side_is_forward_refused(engine, hosts, tmp_path):
    from conftest import free_tcp_port

    engine.call(C.Create("req", "REQ"))
    port = free_tcp_port()
    engine.call(C.Connect("req", f"tcp://127.0.0.1:{port}", via="lab"), timeout=20)
    ep = wait_until(engine, lambda: tunnel(engine, "req").reason.startswith("forward refused")
                    and tunnel(engine, "req"), what="the refusal")
    assert ep.reason == f"forward refused: nothing is listening at 127.0.0.1:{port} on lab"
    missing = tmp_path / "nobody.sock"
    engine.call(C.Create("ipc", "REQ"))
    engine.call(C.Connect("ipc", f"ipc://{missing}", via="lab"), timeout=20)
    wait_until(engine, lambda: tunnel(engine, "ipc").reason.startswith(
        f"forward refused: no socket at {missing} on lab"), what="the ipc refusal")
    # the retry loop through the tunnel is folded, not a row per retry
    assert len(engine.view("req").log.since(0)) < 12


def test_ssh_killed_mid_session_is_tunnel_down_then_restarted(engine, hosts, spawn_peer):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    engine.call(C.Create("req", "REQ", options=(("req_relaxed", 1),)))
    engine.call(C.Connect("req", peer.endpoint, via="lab"), timeout=20)
    engine.call(C.Send("req", (b"one",)))
    wait_received(engine, "req", 1)
    [first] = hosts.processes()
    os.kill(first, signal.SIGKILL)
    ep = wait_until(engine, lambda: tunnel(engine, "req").state == TUNNEL_DOWN
                    and tunnel(engine, "req"), what="tunnel down")
    assert ep.describe() == (f"connect {peer.endpoint} via lab: tunnel down - ssh was killed "
                             "(signal 9); restarting in 1 s")
    connected(engine, "req")  # restarted by itself
    assert hosts.processes() and hosts.processes() != [first]
    engine.call(C.Send("req", (b"two",)))
    assert wait_received(engine, "req", 2)[-1] == [b"Echo: two"]  # the socket kept working


def test_disconnecting_and_stopping_end_ssh(hosts, make_engine, spawn_peer):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    engine = make_engine()
    engine.call(C.Create("req", "REQ"))
    engine.call(C.Connect("req", peer.endpoint, via="lab"), timeout=20)
    assert hosts.processes()
    engine.call(C.Disconnect("req", peer.endpoint))
    gone(hosts)
    engine.call(C.Connect("req", peer.endpoint, via="lab"), timeout=20)
    engine.call(C.Create("sub", "SUB"))
    engine.call(C.Connect("sub", peer.endpoint, via="lab"), timeout=20)
    assert len(hosts.processes()) == 2
    engine.stop()
    assert not hosts.processes()  # stop() waited for them


def test_stopping_ends_the_ssh_of_open_sockets_even_one_deaf_to_sigterm(hosts, monkeypatch,
                                                                        make_engine, spawn_peer):
    """Stopping closes every socket first; the tunnels those closes end are still waited for,
    and killed when SIGTERM is not enough (an ignored signal stays ignored across exec)."""
    monkeypatch.setenv("ZMQDASH_SSH_COMMAND",
                       f"sh -c 'trap \"\" TERM; exec {hosts.command} \"$@\"' ssh")
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    engine = make_engine()
    engine.call(C.Create("req", "REQ"))
    engine.call(C.Connect("req", peer.endpoint, via="lab"), timeout=20)
    assert len(hosts.processes()) == 1
    engine.stop()
    left = hosts.processes()
    for pid in left:  # deaf to SIGTERM: nothing else would end it
        os.kill(pid, signal.SIGKILL)
    assert not left


# -- zmqdash cat --ssh ---------------------------------------------------------------------------


def test_cat_through_ssh_over_tcp_and_ipc(hosts, spawn_peer, tmp_path):
    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    result = run_cat("REQ", "-c", peer.endpoint, "--ssh", "lab", "--send", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Echo: hi\n"
    assert result.stderr.decode().splitlines() == [
        f"zmqdash cat: connecting to {peer.endpoint} via lab"]
    gone(hosts)
    ipc = spawn_peer("echo_rep", "bind", f"ipc://{tmp_path / 'e.sock'}")
    result = run_cat("REQ", "-c", ipc.endpoint, "--ssh", "lab", "--send", "hi")
    assert result.returncode == 0 and result.stdout == b"Echo: hi\n", result.stderr


@pytest.mark.parametrize("host, words", [
    ("stranger", "unknown host key"), ("nokey", "permission denied"),
    ("closed", "host unreachable"),
])
def test_cat_failures_are_one_line_and_exit_1(hosts, host, words):
    result = run_cat("REQ", "-c", "tcp://127.0.0.1:5555", "--ssh", host, "--send", "hi")
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.count("\n") == 1 and err.startswith(
        f"zmqdash cat: connect tcp://127.0.0.1:5555 via {host}: {words}"), err


def test_cat_forward_refused_exits_1(hosts):
    from conftest import free_tcp_port

    port = free_tcp_port()
    result = run_cat("REQ", "-c", f"tcp://127.0.0.1:{port}", "--ssh", "lab", "--send", "hi")
    assert result.returncode == 1
    assert f"forward refused: nothing is listening at 127.0.0.1:{port} on lab" in \
        result.stderr.decode()


@pytest.mark.parametrize("how", ["ctrl-c", "kill -9"])
def test_cat_ending_ends_its_ssh(hosts, spawn_peer, how):
    peer = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zmqdash", "cat", "SUB", "-c", peer.endpoint, "--ssh", "lab"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
        env=child_env())
    try:
        read_line(proc.stdout, timeout=20)  # an update came through the tunnel
        assert hosts.processes()
        if how == "ctrl-c":
            proc.send_signal(signal.SIGINT)
            assert wait_or_dump(proc, 10) == 130
        else:  # killed outright: the kernel ends ssh (it runs in a session of its own)
            proc.kill()
            proc.wait(10)
        gone(hosts)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()
        proc.stderr.close()


# -- sessions ------------------------------------------------------------------------------------


def test_a_session_keeps_its_tunnels(engine, hosts, spawn_peer, tmp_path):
    from zmqdash.session import apply, capture, close_all, load, save

    peer = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    path = tmp_path / "remote.toml"
    path.write_text(f'version = 1\n\n[[socket]]\nname = "req"\ntype = "REQ"\n'
                    f'connect = [{{ endpoint = "{peer.endpoint}", via = "lab" }}]\n')
    assert apply(engine, load(path)) == []
    connected(engine, "req")
    engine.call(C.Send("req", (b"restored",)))
    assert wait_received(engine, "req", 1) == [[b"Echo: restored"]]
    again = capture(engine, "remote")
    assert again.sockets[0].via == {peer.endpoint: "lab"}
    save(again, path)
    assert load(path) == again
    assert close_all(engine) == []
    gone(hosts)  # closing the socket ended its ssh


def test_the_engine_never_waits_for_ssh(make_engine, tmp_path, monkeypatch):
    """An ssh that takes its time logging in holds up nothing: the engine answers other
    commands at once, and dropping the endpoint ends that ssh."""
    from tmux_support import wait_gone

    pidfile = tmp_path / "pid"
    slow = tmp_path / "slow-ssh"
    slow.write_text(f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 60\n")
    slow.chmod(0o755)
    monkeypatch.setenv("ZMQDASH_SSH_COMMAND", str(slow))
    engine = make_engine()
    engine.call(C.Create("req", "REQ"))
    pending = engine.submit(C.Connect("req", "tcp://127.0.0.1:5555", via="slow-host"))
    assert engine.call(C.Create("other", "PULL"), timeout=2) == "other"
    wait_until(engine, lambda: pidfile.exists() and pidfile.read_text().strip(),
               what="the slow ssh to start")
    pid = int(pidfile.read_text())
    ep = tunnel(engine, "req")
    assert ep.describe() == "connect tcp://127.0.0.1:5555 via slow-host: pending - starting ssh"
    engine.call(C.Disconnect("req", "tcp://127.0.0.1:5555"), timeout=2)
    pending.exception(5)  # answered either way (the login was slow, or it was dropped)
    assert wait_gone(pid, WAIT), "the slow ssh outlived its endpoint"
