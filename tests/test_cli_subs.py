"""``zmqdash cat XPUB --subs`` and ``zmqdash run``: the subscription table's changes as lines,
against real SUB processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from conftest import (
    cat_bound_endpoint,
    child_env,
    free_tcp_port,
    read_line,
    run_cat,
    wait_or_dump,
)


def _subscriber(spawn_peer, endpoint: str, *prefixes: str):
    peer = spawn_peer("subscriber", "connect", endpoint, *prefixes, stdin=True)
    at = peer.read_line()
    assert at.startswith("at "), at
    peer.label = at[3:]
    return peer


def test_cat_subs_jsonl_a_record_per_change(start_cat, spawn_peer):
    cat = start_cat("XPUB", "-b", "tcp://127.0.0.1:*", "--subs", "-f", "jsonl", "--no-stdin")
    ep = cat_bound_endpoint(cat)
    one = _subscriber(spawn_peer, ep, "hex:ff00")
    rec = json.loads(read_line(cat.stdout))
    assert (rec["event"], rec["prefix"], rec["peer"], rec["holders"]) == (
        "subscribe", {"b64": "/wA="}, one.label, 1)
    assert rec["kind"] == "event" and rec["socket"] == "cat" and rec["type"] == "XPUB"
    two = _subscriber(spawn_peer, ep, "hex:ff00")
    rec = json.loads(read_line(cat.stdout))
    assert (rec["event"], rec["peer"], rec["holders"]) == ("subscribe", two.label, 2)
    assert two.command("sub news") == "ok"
    rec = json.loads(read_line(cat.stdout))
    assert (rec["event"], rec["prefix"], rec["holders"]) == ("subscribe", "news", 1)
    assert two.command("unsub news") == "ok"
    rec = json.loads(read_line(cat.stdout))
    assert (rec["event"], rec["prefix"], rec["peer"], rec["holders"], rec["gone"]) == (
        "unsubscribe", "news", two.label, 0, False)
    one.proc.send_signal(signal.SIGKILL)
    rec = json.loads(read_line(cat.stdout))
    assert (rec["event"], rec["peer"], rec["holders"], rec["gone"]) == (
        "unsubscribe", one.label, 1, True)
    cat.send_signal(signal.SIGINT)
    assert wait_or_dump(cat, 10) == 130
    assert cat.stdout.read() == b""  # nothing but the changes: no raw \x01 messages


def test_cat_subs_text_lines_are_terminal_safe_and_count(spawn_peer, start_cat):
    cat = start_cat("XPUB", "-b", "tcp://127.0.0.1:*", "--subs", "-n", "3", "--no-stdin")
    ep = cat_bound_endpoint(cat)
    peer = _subscriber(spawn_peer, ep)
    for command in ("sub hex:1b5d303b50574e4507", "sub *", "sub hex:1b5d303b50574e4507"):
        assert peer.command(command) == "ok"
    assert wait_or_dump(cat, 10) == 0
    out = cat.stdout.read().decode()
    assert out.splitlines() == [
        f"subscribe hex:1b5d303b50574e4507 from {peer.label} (1 holder)",
        f"subscribe * from {peer.label} (1 holder)",
        f"subscribe hex:1b5d303b50574e4507 from {peer.label} (1 holder, again)",
    ]


def test_subs_is_for_xpub_only():
    result = run_cat("SUB", "-c", "tcp://127.0.0.1:5999", "--subs")
    assert result.returncode == 2
    assert result.stderr.decode() == "zmqdash cat: --subs is for XPUB sockets, not SUB\n"


def test_run_emits_the_changes_as_events(tmp_path, spawn_peer):
    free_port = free_tcp_port()
    path = tmp_path / "xpub.toml"
    path.write_text(f'version = 1\n[[socket]]\nname = "hub"\ntype = "XPUB"\n'
                    f'bind = ["tcp://127.0.0.1:{free_port}"]\n')
    run = subprocess.Popen([sys.executable, "-m", "zmqdash", "run", str(path), "--jsonl"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                           env=child_env())
    try:
        while json.loads(read_line(run.stdout)).get("event") != "LISTENING":
            pass
        peer = _subscriber(spawn_peer, f"tcp://127.0.0.1:{free_port}", "weather")
        while True:
            rec = json.loads(read_line(run.stdout))
            if rec.get("prefix") is not None:
                break
        assert (rec["socket"], rec["event"], rec["prefix"], rec["peer"], rec["holders"]) == (
            "hub", "subscribe", "weather", peer.label, 1)
    finally:
        run.send_signal(signal.SIGINT)
        wait_or_dump(run, 10)
        run.stdout.close()
        run.stderr.close()
