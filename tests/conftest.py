"""Shared test helpers: engines that always stop, waiting on the engine without sleeping, peer
processes that are always killed, and ``zmqdash cat`` as a subprocess."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from zmqdash.engine import EVENT, IN, OUT, Engine
from zmqdash.engine import commands as C

# A test run started in the background by a shell without job control ignores SIGINT, and
# every process it starts would inherit that: the Ctrl+C tests need their children to see it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

#: generous upper bound for anything the tests wait on (a loaded CI machine is slow)
WAIT = 10.0

PEERS_DIR = Path(__file__).parent / "peers"
REPO = Path(__file__).parent.parent


# -- waiting on the engine ------------------------------------------------------------------------


def wait_until(engine: Engine, predicate: Callable[[], object], timeout: float = WAIT,
               what: str = "") -> object:
    """Block until ``predicate()`` is true, re-checking whenever the engine reports a change.

    The generation is read *before* the predicate, so a change between the two is never missed.
    Returns the predicate's (true) value; fails the test after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        gen = engine.generation
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")
        if not engine.running:
            raise AssertionError(f"the engine stopped while waiting for {what or predicate}")
        engine.wait_for_change(gen, remaining)


def entries(view, kind: str | None = None) -> list[tuple]:
    """The log entries still held, optionally only one kind."""
    return [e for e in view.log.since(0) if kind is None or e[2] == kind]


def received(view) -> list[list[bytes]]:
    """The frames of every received message still in the log, oldest first."""
    return [list(e[3]) for e in entries(view, IN)]


def sent(view) -> list[list[bytes]]:
    return [list(e[3]) for e in entries(view, OUT)]


def events(view) -> list:
    """The :class:`EventInfo` of every monitor event still in the log."""
    return [e[4] for e in entries(view, EVENT)]


def wait_received(engine: Engine, name: str, n: int, timeout: float = WAIT) -> list[list[bytes]]:
    """Wait until socket ``name`` has received ``n`` messages in total; return those held."""
    view = engine.view(name)
    wait_until(engine, lambda: view.stats.msgs_in >= n, timeout,
               f"{name} to receive {n} messages (has {view.stats.msgs_in})")
    return received(view)


def free_tcp_port() -> int:
    """A port nothing listens on right now (the OS picked it, then it was released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ipc_dir():
    """A fresh folder with a short path, for ipc endpoints: an ipc path holds at most 107
    bytes, and ``tmp_path`` is longer under pytest-xdist (a folder per worker)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="zd-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- engines ------------------------------------------------------------------------------------


def stop_engine(engine: Engine, timeout: float = 5.0) -> None:
    thread = engine.thread  # stop() forgets it
    engine.stop(timeout=timeout)
    assert thread is None or not thread.is_alive(), "the engine thread outlived stop()"


@pytest.fixture
def make_engine():
    """Factory: ``make_engine(**kwargs)`` starts an Engine; every one is stopped at teardown."""
    made: list[Engine] = []

    def make(**kwargs) -> Engine:
        engine = Engine(**kwargs).start()
        made.append(engine)
        return engine

    yield make
    for engine in made:
        stop_engine(engine)


@pytest.fixture
def engine(make_engine) -> Engine:
    """A running Engine with default settings, stopped (and checked dead) at teardown."""
    return make_engine()


class Endpoints:
    """Fresh endpoints for one transport: ``bind_ep()`` to bind, then connect to the result."""

    def __init__(self, transport: str, tmp_path: Path) -> None:
        self.transport = transport
        self.tmp_path = tmp_path
        self.n = 0

    def bind_ep(self) -> str:
        self.n += 1
        if self.transport == "tcp":
            return "tcp://127.0.0.1:*"
        if self.transport == "ipc":
            path = self.tmp_path / f"s{self.n}.sock"
            assert len(str(path)) < 100, "tmp_path too long for an ipc path"
            return f"ipc://{path}"
        return f"inproc://{uuid.uuid4().hex}"


def create(engine: Engine, name: str, type_: str, *options) -> str:
    return engine.call(C.Create(name, type_, options=tuple(options)))


def link(engine: Engine, binder: str, connecter: str, eps: Endpoints) -> str:
    """Bind ``binder`` to a fresh endpoint and connect ``connecter`` to the real one."""
    real = engine.call(C.Bind(binder, eps.bind_ep()))
    engine.call(C.Connect(connecter, real))
    return real


# -- processes ----------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONFAULTHANDLER"] = "1"  # a hung child dumps its threads' stacks on SIGABRT
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NO_COLOR", None)
    return env


def read_line(stream, timeout: float = WAIT) -> str:
    """One line from a child's unbuffered pipe (``bufsize=0``: nothing is read ahead, so the
    selector sees every byte not read yet), failing the test if none comes within ``timeout``."""
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            raise AssertionError(f"no line from the child within {timeout:g} s")
    finally:
        sel.close()
    line = stream.readline()
    if not line:
        raise AssertionError("the child closed its output without a line")
    return line.decode("utf-8", errors="replace")


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a zombie we cannot reap
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


class Peer:
    """A peer program from tests/peers running as its own process."""

    def __init__(self, proc: subprocess.Popen, endpoint: str | None) -> None:
        self.proc = proc
        self.endpoint = endpoint

    def read_line(self, timeout: float = WAIT) -> str:
        return read_line(self.proc.stdout, timeout).rstrip("\n")

    def command(self, line: str, timeout: float = WAIT) -> str:
        """Write one command line to the peer's stdin; return its answer line."""
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self.read_line(timeout)


def read_lines(peers: list[Peer], total: int = 0, timeout: float = WAIT, *,
               each: int = 0) -> dict[Peer, list[str]]:
    """Lines from several peers, as they come, until ``total`` arrived from all of them
    together and at least ``each`` from every one; ``{peer: [lines]}``."""
    got: dict[Peer, list[str]] = {p: [] for p in peers}
    sel = selectors.DefaultSelector()
    for p in peers:
        sel.register(p.proc.stdout, selectors.EVENT_READ, p)
    deadline = time.monotonic() + timeout
    try:
        while sum(len(v) for v in got.values()) < total or \
                any(len(v) < each for v in got.values()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out: {got}")
            for key, _ in sel.select(left):
                got[key.data].append(key.data.read_line())
    finally:
        sel.close()
    return got


@pytest.fixture
def spawn_peer():
    """Factory: ``spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")`` runs
    tests/peers/echo_rep.py with those arguments. A peer that binds prints its real endpoint as
    its first line, which becomes ``peer.endpoint``. ``stdin=True`` gives it a pipe for
    commands (``peer.command(line)``). Every peer is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def spawn(script: str, mode: str, endpoint: str, *args: str, stdin: bool = False) -> Peer:
        proc = subprocess.Popen(
            [sys.executable, str(PEERS_DIR / f"{script}.py"), mode, endpoint, *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
            bufsize=0, env=child_env(),
        )
        procs.append(proc)
        real = read_line(proc.stdout).strip() if mode == "bind" else None
        return Peer(proc, real)

    yield spawn
    for proc in procs:
        kill(proc)


CAT = [sys.executable, "-m", "zmqdash", "cat"]


def run_cat(*args: str, input: bytes | None = b"", timeout: float = 20.0,
            ) -> subprocess.CompletedProcess:
    """``zmqdash cat ARGS`` to completion; stdout and stderr as text, stdin from ``input``."""
    return subprocess.run(
        [*CAT, *args], input=input, capture_output=True, timeout=timeout, env=child_env(),
    )


@pytest.fixture
def start_cat():
    """Factory: ``start_cat(*args)`` runs ``zmqdash cat ARGS`` in the background (pipes for
    stdin, stdout and stderr, bytes); killed at teardown if it is still running."""
    procs: list[subprocess.Popen] = []

    def start(*args: str, stdin=subprocess.PIPE) -> subprocess.Popen:
        proc = subprocess.Popen(
            [*CAT, *args], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            bufsize=0, env=child_env(),
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        kill(proc)


def wait_or_dump(proc: subprocess.Popen, timeout: float) -> int:
    """``proc.wait(timeout)``; if it is still running then, fail with every thread's stack
    (the child has faulthandler on: SIGABRT makes it print them on stderr)."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        proc.wait(timeout=5)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise AssertionError(f"still running after {timeout:g} s; its stacks:\n{err}") from None


def cat_bound_endpoint(proc: subprocess.Popen) -> str:
    """The real endpoint from cat's ``zmqdash cat: bound tcp://...`` line on stderr."""
    line = read_line(proc.stderr).strip()
    prefix = "zmqdash cat: bound "
    assert line.startswith(prefix), f"unexpected first stderr line: {line!r}"
    return line[len(prefix):]
