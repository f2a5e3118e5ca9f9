"""Connects through SSH: one ``ssh -L`` process per tunneled endpoint, owned by the engine.

The engine's thread never waits on ssh. Each tunnel has a watcher thread that starts ssh (in a
session and process group of its own, stdin from /dev/null, and on Linux told to die with us),
reads its stderr, sees when the forward is ready, and reports to the engine as commands on its
queue; the engine then connects the socket to the tunnel's local end
(``tcp://127.0.0.1:PORT``) and sets the endpoint's state. A tunnel that dies after it was up is
restarted with back-off (1, 2, 4 ... 30 s) while the endpoint says ``tunnel down``; one that
never came up is a failure, in words taken from ssh's stderr. Closing the socket, the endpoint
or the engine ends the ssh process.
"""

from __future__ import annotations

import os
import select
import signal
import socket as pysocket
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import ssh
from . import state as S
from .errors import EngineError

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers
    from .socket_record import SocketRecord

#: back-off between restarts of a tunnel that died, in seconds
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
#: a tunnel up this long has recovered: the next restart waits BACKOFF_FIRST again
BACKOFF_RESET = 30.0
#: a Connect's Future resolves by then even if ssh is still logging in (the tunnel goes on)
ANSWER_WITHIN = 8.0
#: how long a stopping engine waits for its ssh processes before killing them
STOP_WAIT = 2.0
#: stderr lines kept to explain how ssh ended
KEPT_LINES = 40
#: tries with another local port when the one picked was taken meanwhile
PORT_TRIES = 3


class TunnelEvent:
    """Internal: what a tunnel's watcher thread tells the engine (``kind``: up, refused, slow,
    down, failed)."""

    def __init__(self, tunnel: Tunnel, kind: str, text: str = "", port: int = 0) -> None:
        self.tunnel = tunnel
        self.name = None  # not a user's command: errors go to the socket found by uid
        self.kind = kind
        self.text = text
        self.port = port


def _free_port() -> int:
    with pysocket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool | None:
    """Whether something listens on 127.0.0.1:port (Linux: /proc/net/tcp); None: cannot tell."""
    want = f"0100007F:{port:04X}"
    try:
        with open("/proc/net/tcp") as f:
            next(f, None)
            for line in f:
                fields = line.split()
                if len(fields) > 3 and fields[1] == want and fields[3] == "0A":
                    return True
    except OSError:
        return None
    return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    return None


if sys.platform.startswith("linux"):
    try:
        import ctypes

        _prctl = ctypes.CDLL(None, use_errno=True).prctl
        _PR_SET_PDEATHSIG = 1

        def _die_with_parent() -> None:  # noqa: F811 - the Linux version
            # ssh runs in a session of its own (no Ctrl+C or hang-up from our terminal), so if
            # zmqdash is killed outright the kernel must end it: SIGTERM when we go
            _prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        pass


class Tunnel:
    """One ssh process (restarted while wanted) and the thread that watches it."""

    def __init__(self, engine: Engine, uid: int, endpoint: str, host: str, dest: str,
                 shown: str) -> None:
        self.engine = engine
        self.uid = uid
        self.endpoint = endpoint
        self.host = host
        self.dest = dest
        self.shown = shown
        self.port = 0
        self.future: Future[Any] | None = None
        self.local = ""  # the socket is connected to this (engine thread only)
        self.ever_up = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"zmqdash-ssh-{host}")

    # -- any thread ------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask ssh to end (never waits)."""
        self._stop.set()
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._stop.set()
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        with self._lock:
            proc = self._proc
            if proc is None or proc.returncode is not None:
                return
            try:
                os.killpg(proc.pid, sig)  # its own group: ssh and anything it started
            except (ProcessLookupError, PermissionError):
                pass

    @property
    def alive(self) -> bool:
        """Its thread still runs (and so its ssh may)."""
        return self._thread.is_alive()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    # -- the watcher thread ------------------------------------------------------------------

    def _tell(self, kind: str, text: str = "", port: int = 0) -> bool:
        if not self.engine._post(TunnelEvent(self, kind, text, port), None):
            self._stop.set()  # the engine is gone: nobody to tunnel for
            return False
        return True

    def _run(self) -> None:
        delay = BACKOFF_FIRST
        port_tries = 0
        while not self._stop.is_set():
            port = self.port or _free_port()
            try:
                argv = ssh.command(self.host, port, self.dest)
            except EngineError as exc:
                self._tell("failed", str(exc))
                return
            outcome = self._once(argv, port)
            if outcome is None or self._stop.is_set():
                return
            lines, returncode, up_for = outcome
            if up_for is None and ssh.local_port_taken(lines) and port_tries < PORT_TRIES:
                port_tries += 1
                self.port = 0  # someone took the port between our pick and ssh's listen
                continue
            text = ssh.explain(lines, returncode, self.host)
            if not self.ever_up:
                self._tell("failed", text)
                return
            if up_for is not None and up_for >= BACKOFF_RESET:
                delay = BACKOFF_FIRST
            if not self._tell("down", f"{text}; restarting in {delay:g} s"):
                return
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, BACKOFF_MAX)

    def _once(self, argv: list[str],
              port: int) -> tuple[list[str], int, float | None] | None:
        """Run ssh until it ends: (stderr lines, return code, seconds it was up or None).
        None when it could not start (reported)."""
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        except FileNotFoundError:
            self._tell("failed", f"ssh is not installed: no '{argv[0]}' command found "
                                 f"(install OpenSSH's client, or set {ssh.SSH_COMMAND_ENV})")
            return None
        except OSError as exc:
            self._tell("failed", f"cannot run {argv[0]}: {exc.strerror}")
            return None
        with self._lock:
            self._proc = proc
        if self._stop.is_set():
            self._signal(signal.SIGTERM)
        lines: deque[str] = deque(maxlen=KEPT_LINES)
        started = time.monotonic()
        up_at: float | None = None
        authenticated = False
        told_slow = False
        last_problem = ""
        assert proc.stderr is not None  # started with stderr=PIPE
        fd = proc.stderr.fileno()
        pending = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 0.05 if up_at is None else 1.0)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
                *done, pending = pending.split(b"\n")
                for raw in done:
                    line = raw.decode("utf-8", errors="replace").rstrip("\r")
                    lines.append(line)
                    if line.startswith(ssh.AUTHENTICATED):
                        authenticated = True
                    problem = ssh.channel_problem(line, self.host, self.shown)
                    if problem and problem != last_problem and up_at is not None:
                        last_problem = problem
                        self._tell("refused", problem)
            if up_at is None:
                listening = _listening(port)
                alive_for = time.monotonic() - started
                if listening or (listening is None and authenticated) or \
                        (listening is None and alive_for > 5 and proc.poll() is None):
                    up_at = time.monotonic()
                    self.port = port
                    self.ever_up = True
                    self._tell("up", port=port)
                elif not told_slow and alive_for > ANSWER_WITHIN:
                    told_slow = True
                    self._tell("slow")
            elif last_problem and not ready:
                last_problem = ""  # quiet for a while: a later refusal is news again
        if pending:
            lines.append(pending.decode("utf-8", errors="replace"))
        returncode = proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
        with self._lock:
            pass  # returncode is set: stop() no longer signals this process
        up_for = None if up_at is None else time.monotonic() - up_at
        return list(lines), returncode, up_for


class Tunnels:
    """The engine's side: starts tunnels for Connects ``via`` a host, handles their events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tunnels: dict[tuple[int, str], Tunnel] = {}
        #: tunnels stopped by a disconnect or a close whose ssh may not have ended yet
        self._ending: list[Tunnel] = []

    def handlers(self) -> Handlers:
        return {TunnelEvent: self._event}

    def connect(self, s: SocketRecord, endpoint: str, via: str) -> object:
        """Start a tunnel for ``endpoint``; the Connect's Future resolves when it is up."""
        engine = self.engine
        host = ssh.check_host(via)
        dest, shown = ssh.destination(endpoint)
        ssh.base_command()  # a bad ZMQDASH_SSH_COMMAND is an error now, not in the thread
        key = (s.uid, endpoint)
        tunnel = Tunnel(engine, s.uid, endpoint, host, dest, shown)
        tunnel.future = engine._current
        self.tunnels[key] = tunnel
        engine._set_endpoint(s, S.EndpointState(endpoint, S.CONNECT, S.PENDING,
                                                reason="starting ssh", via=host))
        engine._info(s, f"starting ssh to {host} for {endpoint}")
        tunnel.start()
        return engine.LATER

    def drop(self, s: SocketRecord, endpoint: str) -> None:
        tunnel = self.tunnels.pop((s.uid, endpoint), None)
        if tunnel is not None:
            self._end(tunnel, "the endpoint was disconnected")

    def close_socket(self, s: SocketRecord) -> None:
        for key in [k for k in self.tunnels if k[0] == s.uid]:
            self._end(self.tunnels.pop(key), "the socket was closed")

    def _end(self, tunnel: Tunnel, why: str) -> None:
        tunnel.stop()
        self._answer(tunnel, error=why)
        # kept until its ssh has ended: the engine stopping closes every socket first, and
        # shutdown() must still wait for their ssh
        self._ending = [t for t in self._ending if t.alive] + [tunnel]

    def pids(self) -> list[int]:
        """The ssh processes running now (for tests and diagnostics)."""
        return [pid for t in self.tunnels.values() if (pid := t.pid) is not None]

    def shutdown(self) -> None:
        """Stop every tunnel; wait a little for ssh to go, then kill what is left."""
        tunnels = list(self.tunnels.values())
        self.tunnels.clear()
        for tunnel in tunnels:
            tunnel.stop()
            self._answer(tunnel, error="the engine stopped")
        tunnels += self._ending
        self._ending = []
        deadline = time.monotonic() + STOP_WAIT
        for tunnel in tunnels:
            if not tunnel.join(max(0.0, deadline - time.monotonic())):
                tunnel.kill()
                tunnel.join(0.5)

    # -- engine thread ---------------------------------------------------------------------------

    def _answer(self, tunnel: Tunnel, result: str | None = None, error: str | None = None) -> None:
        fut, tunnel.future = tunnel.future, None
        if fut is None or fut.done():
            return
        if error is not None:
            fut.set_exception(EngineError(error))
        else:
            fut.set_result(result)

    def _event(self, event: TunnelEvent) -> None:
        tunnel = event.tunnel
        if self.tunnels.get((tunnel.uid, tunnel.endpoint)) is not tunnel:
            return  # a tunnel stopped since: its news is old
        engine = self.engine
        s = engine._by_uid.get(tunnel.uid)
        ep = next((e for e in s.view.endpoints if e.endpoint == tunnel.endpoint
                   and e.role == S.CONNECT), None) if s is not None else None
        if ep is None or s is None:
            tunnel.stop()
            self.tunnels.pop((tunnel.uid, tunnel.endpoint), None)
            return
        where = f"connect {tunnel.endpoint} via {tunnel.host}"
        kind = event.kind
        if kind == "up":
            local = f"tcp://127.0.0.1:{event.port}"
            if tunnel.local != local:
                self._attach(s, tunnel, local)
            engine._set_endpoint(s, replace(ep, state=S.PENDING, resolved=local, peers=0,
                                            reason=f"tunnel up ({local} to {tunnel.shown} on "
                                                   f"{tunnel.host}), connecting"))
            engine._info(s, f"tunnel to {tunnel.host} up: 127.0.0.1:{event.port} forwards to "
                            f"{tunnel.shown} there")
            self._answer(tunnel, result=tunnel.endpoint)
        elif kind == "slow":
            self._answer(tunnel, result=tunnel.endpoint)
        elif kind == "refused":
            if ep.state != S.CONNECTED:
                engine._set_endpoint(s, replace(ep, state=S.RETRYING, peers=0, reason=event.text))
            engine._error(s, f"{where}: {event.text}")
        elif kind == "down":
            engine._set_endpoint(s, replace(ep, state=S.TUNNEL_DOWN, peers=0, reason=event.text))
            engine._error(s, f"{where}: tunnel down: {event.text}")
        elif kind == "failed":
            self.tunnels.pop((tunnel.uid, tunnel.endpoint), None)
            if tunnel.local:
                self._detach(s, tunnel)
            engine._set_endpoint(s, replace(ep, state=S.FAILED, peers=0, reason=event.text,
                                            resolved=""))
            engine._error(s, f"{where}: {event.text}")
            self._answer(tunnel, error=f"{where}: {event.text}")

    def _attach(self, s: SocketRecord, tunnel: Tunnel, local: str) -> None:
        import zmq

        if tunnel.local:
            self._detach(s, tunnel)
        try:
            s.sock.connect(local)
        except zmq.ZMQError as exc:
            self.engine._error(s, f"connect {local} (the tunnel's local end): {exc.strerror}")
            return
        tunnel.local = local

    def _detach(self, s: SocketRecord, tunnel: Tunnel) -> None:
        import zmq

        try:
            s.sock.disconnect(tunnel.local)
        except zmq.ZMQError:
            pass
        tunnel.local = ""


def broken(ep: S.EndpointState) -> bool:
    """A tunneled endpoint that cannot work as it stands (ssh failed, or the far end refuses)."""
    return bool(ep.via) and (ep.state == S.FAILED or ep.reason.startswith(ssh.REFUSED))

