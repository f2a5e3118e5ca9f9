"""Multicast for real: pgm, epgm and norm between processes, ``zmqdash cat`` on both ends, the
engine and the dashboard, each test inside a network namespace of its own (netns_support), so
nothing reaches the host's network.

They need pyzmq built against a libzmq with OpenPGM and NORM (README: Multicast) and root;
elsewhere they skip saying so. CI runs them in its second environment, .venv-mcast.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import CAT, PEERS_DIR, REPO, WAIT, child_env, create, kill, read_line, wait_or_dump
from conftest import wait_until as engine_wait
from netns_support import GROUP, Netns, require
from tmux_support import Tmux, dashboard_command, dashboard_env

from zmqdash.engine import INFO, capabilities, recvpath
from zmqdash.engine import commands as C

EP = {
    "epgm": f"epgm://127.0.0.1;{GROUP}:5555",
    "pgm": f"pgm://127.0.0.1;{GROUP}:5556",
    "norm": f"norm://127.0.0.1;{GROUP}:5557",
}


@pytest.fixture
def netns():
    ns = Netns()
    yield ns
    ns.close()


def env(peer: bool = False) -> dict[str, str]:
    """The environment for a child. OpenPGM prints warnings on standard *output* (two for a
    loopback interface alone): pyzmq peers are told to keep quiet, zmqdash must do it itself,
    so its children never inherit the setting (the engine sets it in this process too)."""
    result = child_env()
    result.pop("PGM_MIN_LOG_LEVEL", None)
    if peer:
        result["PGM_MIN_LOG_LEVEL"] = "ERROR"
    return result


@pytest.fixture
def run_in(netns):
    """Factory: ``run_in(argv)`` starts ``argv`` inside the test's namespace (stdout and stderr
    piped, unbuffered); every process is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def start(argv: list[str], stdin=subprocess.DEVNULL) -> subprocess.Popen:
        is_peer = str(PEERS_DIR) in " ".join(argv)
        proc = subprocess.Popen(netns.command(argv), stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, bufsize=0, env=env(peer=is_peer))
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        kill(proc)


def peer(script: str, *args: str) -> list[str]:
    return [sys.executable, str(PEERS_DIR / f"{script}.py"), *args]


def updates_in_order(lines: list[str]) -> None:
    """The guide's publisher sends 1-update N, 2-update N, 1-update N+1 ...: what a reliable
    multicast delivers is that sequence, from wherever the subscriber came in, with no gap."""
    order = []
    for line in lines:
        topic, n = line.split("-update ")
        order.append(2 * int(n) + int(topic) - 1)
    assert order == list(range(order[0], order[0] + len(order))), lines


@pytest.mark.parametrize("transport", ["epgm", "pgm", "norm"])
def test_pub_and_sub_processes(transport, netns, run_in):
    require(transport)
    sub = run_in(peer("sub_printer", "connect", EP[transport], ""))
    netns.wait_members(1)  # the subscriber has joined the group: what is sent now arrives
    run_in(peer("publisher", "connect", EP[transport]))
    lines = [read_line(sub.stdout).strip() for _ in range(10)]
    updates_in_order(lines)


def test_cat_sub_receives_from_a_pyzmq_publisher(netns, run_in):
    require("epgm")
    cat = run_in([*CAT, "SUB", "-c", EP["epgm"], "--count", "6"])
    netns.wait_members(1)
    run_in(peer("publisher", "connect", EP["epgm"]))
    assert wait_or_dump(cat, 20) == 0
    out = cat.stdout.read().decode()
    updates_in_order(out.splitlines())
    err = cat.stderr.read().decode()
    assert err.strip() == f"zmqdash cat: connecting to {EP['epgm']}", err  # no OpenPGM chatter


def test_cat_pub_waits_until_the_rate_has_let_everything_out(netns, run_in):
    """40 KB at the default 100 kbit/s take about 3 s to leave; closing after the 2 s linger
    would drop the rest unseen, so cat waits, and says why."""
    require("epgm")
    sub = run_in(peer("sub_printer", "connect", EP["epgm"], ""))
    netns.wait_members(1)
    lines = "".join(f"{i:04d} {'x' * 995}\n" for i in range(40)).encode()
    done = subprocess.run(netns.command([*CAT, "PUB", "-c", EP["epgm"]]), input=lines,
                          capture_output=True, timeout=30, env=env())
    err = done.stderr.decode()
    assert done.returncode == 0, err
    got = [read_line(sub.stdout, timeout=3)[:4] for _ in range(40)]  # all there, when cat ends
    assert got == [f"{i:04d}" for i in range(40)]
    assert "waiting about 3 s for the messages to leave at the multicast rate" in err, err


def test_cat_pub_reaches_a_pyzmq_subscriber_at_a_higher_rate(netns, run_in):
    require("epgm")
    sub = run_in(peer("sub_printer", "connect", EP["epgm"], ""))
    netns.wait_members(1)
    done = subprocess.run(
        netns.command([*CAT, "PUB", "-c", EP["epgm"], "-o", "rate=10000", "--send", "one",
                       "--send", "two"]),
        input=b"three\n", capture_output=True, timeout=20, env=env())
    assert done.returncode == 0 and "waiting" not in done.stderr.decode(), done.stderr
    assert [read_line(sub.stdout).strip() for _ in range(3)] == ["one", "two", "three"]


def test_the_engine_over_epgm_with_the_compiled_helper_on_the_system_libzmq(netns,
                                                                             make_engine):
    require("epgm")
    assert capabilities.libzmq_origin() == "system", capabilities.libzmq_path()
    assert recvpath.COMPILED, f"the compiled helper is not in use: {recvpath.LOAD_ERROR}"
    assert recvpath.LIBZMQ == capabilities.libzmq_path()  # the library pyzmq itself calls
    with netns.entered():  # the engine's thread, and libzmq's, start inside
        engine = make_engine()
        create(engine, "sub", "SUB")
        engine.call(C.Subscribe("sub", b""))
        engine.call(C.Connect("sub", EP["epgm"]))
        create(engine, "pub", "PUB")
        engine.call(C.Connect("pub", EP["epgm"]))
    netns.wait_members(2)
    for i in range(20):
        engine.call(C.Send("pub", (b"m%d" % i, b"second frame")))
    view = engine.view("sub")
    engine_wait(engine, lambda: view.stats.msgs_in >= 20, what="20 messages over epgm")
    got = [e[3] for e in view.log.since(0) if e[2] == "in"]
    assert got == [(b"m%d" % i, b"second frame") for i in range(20)]  # whole, in order
    [ep] = view.endpoints
    assert (ep.state, ep.detail) == ("attached", "rate 100 kbit/s (default) · recovery_ivl 10 s")


def test_a_sender_over_its_rate_gets_the_hint_and_the_panel_its_queue(netns, make_engine):
    require("epgm")
    with netns.entered():
        engine = make_engine()
        create(engine, "slow", "PUB")
        engine.call(C.Connect("slow", EP["epgm"]))
        create(engine, "fast", "PUB", ("rate", "10000"))
        engine.call(C.Connect("fast", f"epgm://127.0.0.1;{GROUP}:5558"))
    for name in ("slow", "fast"):
        for _ in range(30):  # 30 KB: 2.4 s at 100 kbit/s, 0.02 s at 10,000
            engine.call(C.Send(name, (b"x" * 1000,)))
    slow, fast = engine.view("slow"), engine.view("fast")
    notes = [e[4] for e in slow.log.since(0) if e[2] == INFO]
    assert len(notes) == 1 and notes[0].startswith(
        "sending faster than epgm's rate of 100 kbit/s (the default): about 1 s of messages "
        "wait in libzmq"), notes
    assert slow.paced_until - time.monotonic() > 1.0
    assert not [e for e in fast.log.since(0) if e[2] == INFO]
    assert fast.endpoints[0].detail == "rate 10,000 kbit/s · recovery_ivl 10 s"
    engine.call(C.SetOption("slow", "rate", "1000"))  # too late for the endpoint it has
    assert "applies to multicast endpoints bound or connected from now on" in [
        e[4] for e in slow.log.since(0) if e[2] == INFO][-1]
    assert slow.endpoints[0].detail.startswith("rate 100 kbit/s (default)")


_JOIN_CHECKS = textwrap.dedent("""
    import sys
    from zmqdash.engine import Engine, EngineError, commands as C
    engine = Engine().start()
    engine.call(C.Create("pub", "PUB"))
    engine.call(C.Create("big", "PUB", options=(("multicast_maxtpdu", "70000"),)))
    for name, endpoint in [(a.split("=", 1)[0], a.split("=", 1)[1]) for a in sys.argv[1:]]:
        try:
            engine.call(C.Connect(name, endpoint))
            print("joined", endpoint, flush=True)
        except EngineError as exc:
            print("refused", exc, flush=True)
    engine.stop()
    print("still here", flush=True)
""")


def test_what_would_end_the_process_in_libzmq_is_refused_first(netns):
    """Each of these made libzmq 4.3.4 abort the whole process from its I/O thread."""
    require("epgm", "norm")
    cases = {
        f"epgm://{GROUP}:5555": "give the interface's address before the group",
        f"pub=norm://{GROUP}:5555": "give the interface's address before the group",
        f"epgm://192.0.2.77;{GROUP}:5555": "192.0.2.77 is not an address of this machine",
        f"norm://127.0.0.2;{GROUP}:5555": "127.0.0.2 is neither an interface of this machine",
        f"norm://nosuch0;{GROUP}:5555": "nosuch0 is neither an interface of this machine",
        f"big=epgm://127.0.0.1;{GROUP}:5555": "multicast_maxtpdu is 70000; OpenPGM takes at "
                                              "most 65535",
    }
    args = [c if c.startswith(("pub=", "big=")) else f"pub={c}" for c in cases]
    done = subprocess.run(netns.command([sys.executable, "-c", _JOIN_CHECKS, *args]),
                          capture_output=True, text=True, timeout=30, env=env(), cwd=REPO)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "still here"
    for line, problem in zip(lines, cases.values(), strict=False):
        assert line.startswith("refused") and problem in line, (line, problem)
    assert len(lines) == len(cases) + 1


def test_pgm_without_raw_sockets_is_refused_not_fatal(netns):
    require("pgm")
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    argv = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
            sys.executable, "-c", _JOIN_CHECKS, f"pub={EP['pgm']}", f"pub={EP['epgm']}"]
    done = subprocess.run(netns.command(argv), capture_output=True, text=True, timeout=30,
                          env=env(), cwd=REPO)
    assert done.returncode == 0, done.stderr
    refused, joined, end = done.stdout.splitlines()
    assert refused.startswith("refused") and "pgm:// needs raw sockets" in refused
    assert joined == f"joined {EP['epgm']}"  # epgm needs no privilege
    assert end == "still here"


def test_the_dashboard_in_tmux_receives_over_epgm(netns, run_in, tmp_path):
    require("epgm")
    session = tmp_path / "mcast.toml"
    session.write_text(textwrap.dedent(f"""\
        version = 1

        [[socket]]
        name = "feed"
        type = "SUB"
        connect = ["{EP['epgm']}"]
        subscribe = [""]

        [[socket]]
        name = "burst"
        type = "PUB"
        connect = ["epgm://127.0.0.1;239.192.1.2:5560"]

        [[socket.repeat]]
        frames = ["{'y' * 8000}"]
        interval_ms = 10
        count = 20
        """))
    tmux = Tmux(120, 40, wrap=netns.command)  # the tmux server, and the dashboard, inside
    ready, written = tmp_path / "ready", tmp_path / "terminal.out"
    launch = " ".join(shlex.quote(a) for a in [*dashboard_command(), "open", str(session)])
    try:
        # everything the dashboard writes is kept (pipe-pane), from before it starts
        tmux.start(["sh", "-c", f"while [ ! -e {ready} ]; do sleep 0.01; done; exec {launch}"],
                   dashboard_env(tmp_path / "home", PGM_MIN_LOG_LEVEL=""))  # as if unset
        tmux._tmux("pipe-pane", "-t", tmux.target, "-o", f"cat >> {shlex.quote(str(written))}")
        ready.touch()
        tmux.wait_for_text("mcast", timeout=20)  # the session is open
        tmux.keys("2")  # the Publish/Subscribe tab
        tmux.wait_for_text("feed · SUB")
        # the burst: 160 KB at 100 kbit/s queue for about 13 s; the PUB's panel says so
        screen = tmux.wait(lambda s: "s queued · rate 100 kbit/s (default)" in s
                           and "sending faster than epgm" in s, timeout=WAIT,
                           what="the queue and the hint on the PUB's panel")
        assert f"connect {EP['epgm']}: attached" in screen
        assert "rate 100 kbit/s (default) · recovery_ivl 10 s" in screen  # the SUB's
        netns.wait_members(1)
        run_in(peer("publisher", "connect", EP["epgm"]))
        screen = tmux.wait(lambda s: "1-update" in s and "2-update" in s, timeout=WAIT,
                           what="updates over epgm in the SUB's log")
        # OpenPGM's warnings ("Warn: Interface lo reports as a loopback device.") would go
        # to the terminal between frames: nothing but the dashboard's own output got there
        assert b"Warn" not in written.read_bytes()
    finally:
        tmux.kill()
