"""The engine's thread: its command queue and the pipe that wakes it, the poll loop, what it
publishes to consumers after each round, and its shutdown.

Any thread may call the public methods here; everything else runs on the poller thread. A
command is carried out by the handler registered for its type (see :func:`commands` in each of
the engine's modules, and :meth:`Loop.register`).
"""

from __future__ import annotations

import errno
import heapq
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import zmq

from . import commands as C
from . import multicast
from . import state as S
from .errors import EngineError
from .parts import EngineParts
from .ring import ERROR, INFO

if TYPE_CHECKING:
    from typing_extensions import Self

    from .core import Engine
    from .devices.state import DeviceView
    from .protocol import AnyCommand
    from .socket_record import SocketRecord

#: the longest a socket's linger may hold up shutdown, in ms
SHUTDOWN_LINGER_CAP = 1000
#: open files the engine asks for (three per socket with its monitor, and its connections)
OPEN_FILES_WANTED = 65536
#: the longest the poller sleeps without looking at its timers again, in ms
POLL_CAP_MS = 60_000
#: the timer uid (no socket's) of the once-a-second count of traffic (rates.py)
RATES_TIMER = -1

_STOP = object()
#: returned by a handler whose Future is resolved later (a connect waiting for a DNS lookup)
LATER = object()

#: what a module of the engine gives it: the handler of each command type it carries out
Handlers = dict[type, Callable[[Any], Any]]


class OnThread:
    """Internal: run a function on the poller thread (see :meth:`Loop.on_engine_thread`)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn


class Loop(EngineParts):
    """The thread, its queue and wake pipe, the poll loop, publishing and shutdown."""

    def start(self) -> Self:
        if self._thread is not None:
            return self
        multicast.quiet_openpgm()  # before the first context: OpenPGM reads it then
        self.context = zmq.Context()
        # libzmq's default of 1023 is 341 zmqdash sockets (each has a monitor and its reader);
        # the open files limit is raised to match, as far as the system allows
        self.context.max_sockets = self.context.get(zmq.SOCKET_LIMIT)
        _raise_open_files_limit()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._running = True
        self._thread = threading.Thread(target=self._run, name="zmqdash-engine", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._running

    def submit(self, cmd: AnyCommand | OnThread) -> Future[Any]:
        """Queue ``cmd`` for the poller thread; the Future resolves when it has been carried out."""
        fut: Future[Any] = Future()
        if not self._post(cmd, fut):
            fut.set_exception(EngineError("the engine is not running"))
        return fut

    def _post(self, cmd: object, fut: Future[Any] | None) -> bool:
        """Queue and wake, unless the engine has stopped (its pipe may be closed by then)."""
        with self._lock:
            if not self._running:
                return False
            self._queue.put((cmd, fut))
            self._wake()
            return True

    def call(self, cmd: AnyCommand | OnThread, timeout: float | None = 5.0) -> Any:
        """Submit ``cmd`` and wait for its result (raises :class:`EngineError`)."""
        return self.submit(cmd).result(timeout)

    def sockets(self) -> dict[str, S.SocketView]:
        """The sockets by name, in the order they were made (a snapshot; views stay live)."""
        return self._views

    def view(self, name: str) -> S.SocketView:
        try:
            return self._views[name]
        except KeyError:
            raise EngineError(f"no socket named '{name}'") from None

    def devices(self) -> dict[str, DeviceView]:
        """The devices by name (:class:`~.devices.DeviceView`), in the order they were made."""
        return self._devices.views

    def wait_for_change(self, generation: int, timeout: float | None = None) -> int:
        """Block until something happened after ``generation`` (or timeout); return the new one."""
        with self._cond:
            self._cond.wait_for(
                lambda: self.generation != generation or not self._running, timeout
            )
            return self.generation

    def consumed(self, view: S.SocketView, seq: int, nbytes: int) -> None:
        """Any thread: the consumer of ``view`` has read every entry before ``seq``, and the
        entries it read hold ``nbytes`` bytes in all. Wakes the poller if it was holding the
        socket back for this consumer (see .flow)."""
        flow = view.flow
        if flow is None:
            return
        flow.read_seq = seq
        flow.read_bytes = nbytes
        if flow.held:
            with self._lock:
                if self._running:
                    self._wake()

    def stop(self, timeout: float = 5.0, linger: int | None = None) -> None:
        """Close every socket and the context.

        Each socket is closed with its linger, at most 1 s (``linger`` overrides it, e.g. 0 to
        drop unsent messages at once); a socket closed with :class:`~.commands.Close` just
        before may still hold the context up to 2 s.
        """
        thread = self._thread
        if thread is None:
            return
        if linger is not None:
            self._stop_linger = linger
        self._post(_STOP, None)
        thread.join(timeout)
        self._thread = None

    def add_pollable(self, sock: zmq.Socket[Any], on_ready: Callable[[], None]) -> None:
        """Poller thread only: poll ``sock`` for input and call ``on_ready()`` when it has some."""
        self._pollables[sock] = on_ready
        self._poller.register(sock, zmq.POLLIN)

    def remove_pollable(self, sock: zmq.Socket[Any]) -> None:
        if self._pollables.pop(sock, None) is not None:
            self._poller.unregister(sock)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"\0")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (a wake is already pending) or closed (stopping)

    def _run(self) -> None:
        if self.nice and sys.platform.startswith("linux"):
            try:  # on Linux a thread's id names that thread alone
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                               os.getpriority(os.PRIO_PROCESS, 0) + self.nice)
            except OSError:
                pass  # best effort: a priority is a preference, not a requirement
        self._poller = zmq.Poller()
        self._poller.register(self._wake_r, zmq.POLLIN)
        # the once-a-second count of every socket's traffic (.rates)
        heapq.heappush(self._timers, (time.monotonic() + 1.0, 0, RATES_TIMER))
        try:
            self._loop()
        finally:
            self._shutdown()

    def _loop(self) -> None:
        poller = self._poller
        wake_r = self._wake_r
        by_zsock, by_monitor, pollables = self._by_zsock, self._by_monitor, self._pollables
        while True:
            timeout = None
            if self._timers:  # capped: a timer far ahead must not overflow poll's C long
                timeout = min(max(0.0, (self._timers[0][0] - time.monotonic()) * 1000),
                              POLL_CAP_MS)
            try:
                ready = poller.poll(None if timeout is None else int(timeout))
            except zmq.ZMQError as exc:  # pragma: no cover - EINTR and friends
                if exc.errno == errno.EINTR:
                    continue
                raise
            busy = bool(ready)
            for target, flags in ready:
                if target == wake_r:
                    if self._commands():
                        return
                    continue
                s = by_zsock.get(target)
                try:
                    if s is not None:
                        if flags & zmq.POLLOUT:
                            self._flush(s)
                        if flags & zmq.POLLIN:
                            self.drain(s)
                        continue
                    s = by_monitor.get(target)
                    if s is not None:
                        self._monitor_events(s)
                        continue
                    on_ready = pollables.get(target)
                    if on_ready is not None:
                        on_ready()
                except Exception as exc:  # one socket's trouble must not stop the others
                    self._io_failed(s, target, exc)
            if self._held:  # a consumer that read on wakes the poller, which looks here
                self._check_held()
            if self._timers and self._timers[0][0] <= time.monotonic():
                self._run_timers()
                busy = True
            if busy:
                self._publish()

    def _io_failed(self, s: SocketRecord | None, target: Any, exc: Exception) -> None:
        """An unexpected error while handling one socket's traffic: say so in its log and stop
        polling it, so the other sockets go on and a failure that repeats cannot spin."""
        if s is None:  # a pollable (an authenticator, a tunnel)
            self.log.append(time.time(), ERROR, meta=f"internal error, no longer polled: {exc!r}")
            self._changed.add("")
            self.remove_pollable(target)
            return
        self._error(s, f"stopped handling this socket after an internal error ({exc!r}); "
                       "close it and make it again")
        if s.poll_flags:
            self._poller.unregister(s.sock)
            s.poll_flags = 0
        if s.monitor is not None:
            self._poller.unregister(s.monitor)
            self._by_monitor.pop(s.monitor, None)

    def _publish(self) -> None:
        with self._cond:
            self.generation += 1
            self._cond.notify_all()
        if self._changed:
            names = frozenset(self._changed)
            self._changed.clear()
            if self.on_change is not None:
                try:
                    self.on_change(names)
                except Exception as exc:  # a consumer's bug must not stop the engine
                    self.log.append(time.time(), ERROR, meta=f"on_change failed: {exc!r}")

    def _commands(self) -> bool:
        """Carry out every queued command. True when asked to stop."""
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                cmd, fut = self._queue.get_nowait()
            except queue.Empty:
                return False
            if cmd is _STOP:
                return True
            if fut is not None and not fut.set_running_or_notify_cancel():
                continue
            self._current = fut
            try:
                result = self._dispatch(cmd)
            except EngineError as exc:
                if not exc.logged:  # a device logs its own errors
                    self._note_error(_blamed(cmd), str(exc))
                if fut is not None:
                    fut.set_exception(exc)
            except Exception as exc:  # never let one command take the engine down
                text = f"{type(cmd).__name__} failed: {exc!r}"
                self._note_error(_blamed(cmd), text)
                if fut is not None:
                    fut.set_exception(EngineError(text))
            else:
                if fut is not None and result is not LATER:
                    fut.set_result(result)

    def _note_error(self, name: str | None, text: str) -> None:
        s = self._by_name.get(name) if isinstance(name, str) else None
        if s is None:
            self.log.append(time.time(), ERROR, meta=text)
            self._changed.add("")
            return
        self._error(s, text)

    def _error(self, s: SocketRecord, text: str) -> None:
        s.view.log.append(time.time(), ERROR, meta=text)
        s.view.stats.errors += 1
        self._changed.add(s.name)

    def _info(self, s: SocketRecord, text: str) -> None:
        s.view.log.append(time.time(), INFO, meta=text)

    def _dispatch(self, cmd: object) -> Any:
        handler = self._handlers.get(type(cmd))
        if handler is None:
            raise EngineError(f"unknown command {type(cmd).__name__}")
        return handler(cmd)

    def register(self, handlers: Handlers) -> None:
        """Add the handlers of a module or part: ``{command type: handler(cmd)}``. A type has
        one handler; registering it twice is a mistake in the engine, said at once."""
        for kind, handler in handlers.items():
            if kind in self._handlers:
                raise RuntimeError(f"two handlers for {kind.__name__}")
            self._handlers[kind] = handler

    # -- for tests and inspection -------------------------------------------------------------

    def on_engine_thread(self, fn: Callable[[], Any], timeout: float | None = 5.0) -> Any:
        """Run ``fn()`` on the poller thread, between two commands, and return what it returns
        (or raise what it raised, as an :class:`EngineError`). For tests and inspection: ``fn``
        may look at :meth:`record` and call the engine's own methods, as a handler does."""
        return self.call(OnThread(fn), timeout)

    @property
    def thread(self) -> threading.Thread | None:
        """The poller thread while the engine runs (None before :meth:`start` and after
        :meth:`stop`): for tests and tools that watch it (its CPU time, its priority)."""
        return self._thread

    def record(self, name: str) -> SocketRecord:
        """Poller thread only (see :meth:`on_engine_thread`): the engine's record of a socket."""
        return self._get(name)

    def _on_thread(self, cmd: OnThread) -> Any:
        return cmd.fn()

    def _get(self, name: str) -> SocketRecord:
        s = self._by_name.get(name)
        if s is None:
            raise EngineError(f"no socket named '{name}'")
        return s

    def _shutdown(self) -> None:
        with self._lock:
            self._running = False
        for lookup in list(self._lookups):
            _fail(lookup, EngineError("the engine stopped before the host name lookup finished"))
        self._lookups.clear()
        for s in list(self._by_uid.values()):
            try:
                linger = s.linger if self._stop_linger is None else self._stop_linger
                self._close(s, SHUTDOWN_LINGER_CAP if linger < 0
                            else min(linger, SHUTDOWN_LINGER_CAP))
            except zmq.ZMQError:
                pass
        self._by_uid.clear()
        self._by_name.clear()
        self._tunnels.shutdown()
        self._security.shutdown()
        self._recorder.shutdown()
        self._replayer.shutdown()
        while True:  # fail whatever was still queued
            try:
                cmd, fut = self._queue.get_nowait()
            except queue.Empty:
                break
            if fut is not None:
                _fail(fut, EngineError("the engine stopped"))
        if self.context is not None:
            self.context.term()
        os.close(self._wake_r)
        os.close(self._wake_w)
        with self._cond:
            self.generation += 1
            self._cond.notify_all()


def _raise_open_files_limit() -> None:
    """Best effort: the soft limit on open files (often 1024) up to the hard one, at most
    :data:`OPEN_FILES_WANTED`."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = OPEN_FILES_WANTED if hard == resource.RLIM_INFINITY else min(hard,
                                                                          OPEN_FILES_WANTED)
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform, or not allowed: the limit stays as it was


def _blamed(cmd: object) -> str | None:
    """The socket whose log an error of ``cmd`` belongs in (None: the engine's own log)."""
    if isinstance(cmd, C.Create):
        return None  # e.g. a duplicate name is not the existing socket's fault
    return getattr(cmd, "name", None)


def _fail(fut: Future[Any], exc: Exception) -> None:
    """Fail a Future unless it is already done (or cancelled)."""
    if fut.done():
        return
    if fut.running() or fut.set_running_or_notify_cancel():
        try:
            fut.set_exception(exc)
        except Exception:  # resolved meanwhile by another thread
            pass


def commands(engine: Engine) -> Handlers:
    return {OnThread: engine._on_thread}
