"""``zmqdash doctor``, on whichever install runs it (CI: the wheels in .venv, the system's
libzmq in .venv-mcast): what it says is checked against zmq.has and pyzmq itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import zmq
from conftest import child_env

from zmqdash.engine import capabilities, recvpath


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = child_env()
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "zmqdash", "doctor", *args],
                          capture_output=True, text=True, timeout=30, env=environ,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def report() -> dict:
    done = doctor("--json")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return json.loads(done.stdout)


def expected(name: str) -> bool:
    """What libzmq itself says, asked the way it understands."""
    key = name.lower()
    if key in ("tcp", "inproc", "null", "plain"):
        return True
    if key == "epgm":  # libzmq's zmq_has knows only "pgm"
        return zmq.has("pgm")
    if key in ("ws", "wss"):  # libzmq 4.3 answers these in capitals
        return zmq.has(key) or zmq.has(key.upper())
    return zmq.has(key)


def test_versions_and_where_libzmq_comes_from(report):
    lib = report["libzmq"]
    assert report["pyzmq"] == zmq.pyzmq_version()
    assert lib["version"] == zmq.zmq_version()
    assert os.path.exists(lib["path"])
    inside = "pyzmq.libs" in lib["path"] or os.path.dirname(zmq.__file__) in lib["path"]
    assert lib["origin"] == ("bundled" if inside else "system")


def test_every_transport_and_mechanism_agrees_with_zmq_has(report):
    assert list(report["transports"]) == ["tcp", "ipc", "inproc", "pgm", "epgm", "norm",
                                          "tipc", "ws", "wss", "vmci"]
    assert list(report["mechanisms"]) == ["NULL", "PLAIN", "CURVE", "GSSAPI"]
    for group in ("transports", "mechanisms"):
        for name, entry in report[group].items():
            assert entry["built_in"] == expected(name), name
            if entry["built_in"]:
                assert entry["fix"] == "" or not entry["usable"], name
            else:  # each missing one says how to get it
                assert entry["fix"] and not entry["usable"], name
    epgm = report["transports"]["epgm"]
    assert "zmq.has('epgm') is False even where it works" in epgm["note"]
    if not zmq.has("pgm"):
        for name in ("pgm", "epgm", "norm"):
            assert "PYZMQ_NO_BUNDLE=1" in report["transports"][name]["command"]
            assert "--no-binary pyzmq pyzmq" in report["transports"][name]["command"]


def test_the_receive_helper(report):
    helper = report["receive_helper"]
    assert helper["in_use"] == recvpath.COMPILED
    if recvpath.COMPILED:
        assert helper["libzmq"] == report["libzmq"]["path"] and helper["why_not"] == ""
    else:
        assert helper["why_not"]
    forced = json.loads(doctor("--json", ZMQDASH_PURE_PYTHON="1").stdout)["receive_helper"]
    assert forced["in_use"] is False
    assert forced["why_not"] == "ZMQDASH_PURE_PYTHON is set: the engine receives in Python"


def test_the_terminal_and_tools(report):
    term = report["terminal"]
    assert term["is_terminal"] is False and term["size"] is None  # pipes here
    assert term["TERM"] == os.environ.get("TERM", "")
    for name in ("tmux", "ssh"):
        tool = report["tools"][name]
        assert bool(tool["path"]) == bool(tool["path"] and os.path.exists(tool["path"]))
    mono = json.loads(doctor("--json", NO_COLOR="1").stdout)["terminal"]
    assert mono["colors"] == "none" and mono["NO_COLOR"] is True
    dumb = json.loads(doctor("--json", TERM="xterm-256color", COLORTERM="").stdout)["terminal"]
    assert dumb["colors"] == "256"
    tmux = json.loads(doctor("--json", TMUX="/tmp/x,1,0").stdout)["terminal"]
    assert tmux["multiplexer"] == "tmux" and "set-clipboard" in tmux["osc52"]["note"]
    screen = json.loads(doctor("--json", STY="1.pts-0").stdout)["terminal"]
    assert screen["multiplexer"] == "screen" and screen["osc52"]["likely"] is False


def test_plain_text_says_the_same(report):
    done = doctor()
    assert done.returncode == 0 and done.stderr == ""
    text = done.stdout
    assert f"pyzmq {zmq.pyzmq_version()} with libzmq {zmq.zmq_version()}" in text
    for group in ("transports", "mechanisms"):
        for name, entry in report[group].items():
            state = "yes" if entry["usable"] else ("not here" if entry["built_in"] else "no")
            assert any(line.split()[:2] == [name, *state.split()[:1]]
                       for line in text.splitlines()), (name, state)
    if not zmq.has("pgm"):  # the command, whole, on a line of its own
        command = report["transports"]["pgm"]["command"]
        assert command in [line.strip() for line in text.splitlines()]
        assert "fix: as for pgm" in text  # epgm and norm share it
    assert ("compiled, in use" in text) == recvpath.COMPILED
    assert capabilities.libzmq_origin() in ("bundled", "system")
