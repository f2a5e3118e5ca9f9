"""Hints on stderr from ``zmqdash cat`` and ``zmqdash run``: each once, when it becomes true."""

from __future__ import annotations

import subprocess
import sys

from conftest import child_env, free_tcp_port, run_cat


def _hints(stderr: bytes, prefix: str) -> list[str]:
    return [line for line in stderr.decode().splitlines() if line.startswith(prefix)]


def test_cat_says_each_hint_once_on_stderr():
    ep = f"tcp://127.0.0.1:{free_tcp_port()}"
    result = run_cat("PUSH", "-c", ep, "--send", "lost?", "--no-stdin", "-t", "2")
    assert result.returncode == 1
    said = _hints(result.stderr, "zmqdash cat: hint: ")
    retry = [h for h in said if f"nothing is listening at {ep}" in h]
    waiting = [h for h in said if "1 message waiting to leave: no peer is connected" in h]
    assert len(retry) == 1 and len(waiting) == 1, result.stderr.decode()
    assert result.stdout == b""


def test_cat_names_the_process_that_holds_the_port(spawn_peer):
    holder = spawn_peer("pull_printer", "bind", "tcp://127.0.0.1:*", "1")
    result = run_cat("PULL", "-b", holder.endpoint)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert lines[0] == f"zmqdash cat: bind {holder.endpoint}: address already in use"
    assert lines[1].startswith(f"zmqdash cat: hint: bind {holder.endpoint} failed: the address "
                               f"is already in use by python")
    assert f"(pid {holder.proc.pid}: python pull_printer.py bind" in lines[1]


def test_run_says_each_sockets_hint_once(tmp_path, spawn_peer):
    pub = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    path = tmp_path / "feed.toml"
    path.write_text(f'version = 1\n[[socket]]\nname = "feed"\ntype = "SUB"\n'
                    f'connect = ["{pub.endpoint}"]\n')
    result = subprocess.run([sys.executable, "-m", "zmqdash", "run", str(path), "--timeout",
                             "1.5"], capture_output=True, timeout=30, env=child_env())
    assert result.returncode == 0, result.stderr
    assert _hints(result.stderr, "zmqdash run: ") == [
        "zmqdash run: feed: hint: subscribed to nothing, so nothing arrives: subscribe to * "
        "(everything) or a prefix"]
