"""The engine: one thread that owns every ZeroMQ socket.

Consumers (the dashboard, ``zmqdash cat``, ``zmqdash run``) never touch a socket. They call
:meth:`Engine.submit` with a command from :mod:`.commands`; the command goes on a queue and a byte
written to a pipe wakes the poller at once. The poller thread receives into each socket's
:class:`~.ring.Ring` and counters, and consumers read those whenever they like.
"""

from __future__ import annotations

import errno
import heapq
import os
import queue
import socket as pysocket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

import zmq
from zmq.utils.monitor import parse_monitor_message

from . import commands as C
from . import (
    endpoints,
    hints,
    limits,
    monitor,
    multicast,
    options,
    recvpath,
    subscriptions,
    templates,
)
from . import state as S
from .errors import EngineError, PeerUnreachable
from .flow import Flow
from .rates import RateKeeper
from .record import Recorder
from .replay import Replayer
from .ring import (
    DEFAULT_BYTE_BUDGET,
    DEFAULT_CAPACITY,
    ERROR,
    EVENT,
    FRAMES,
    INFO,
    OUT,
    SEQ,
    EventInfo,
    Ring,
)
from .security import Security
from .tunnels import Tunnels

#: most messages taken from one socket before the poller looks at the others again
DRAIN_BATCH = 2048
#: messages that may wait for a peer in one socket's outbox
OUTBOX_LIMIT = 10_000
#: ROUTER identities remembered per socket
PEERS_KEPT = 256
#: the longest a socket's linger may hold up shutdown, in ms
SHUTDOWN_LINGER_CAP = 1000
#: open files the engine asks for (three per socket with its monitor, and its connections)
OPEN_FILES_WANTED = 65536
#: the longest the poller sleeps without looking at its timers again, in ms
POLL_CAP_MS = 60_000
#: the longest linger a Close honours (linger -1 would make the context wait for ever), in ms
CLOSE_LINGER_CAP = 2000

#: the timer uid (no socket's) of the once-a-second count of traffic (rates.py)
RATES_TIMER = -1

_STOP = object()
#: returned by a handler whose Future is resolved later (a connect waiting for a DNS lookup)
_LATER = object()


class _Sock:
    """Engine-side record of one socket (touched only by the poller thread)."""

    def __init__(self, uid: int, name: str, type_name: str, sock, mon, view: S.SocketView):
        self.uid = uid
        self.name = name
        self.type = type_name
        self.sock = sock
        self.monitor = mon
        self.view = view
        self.outbox: deque[list[bytes]] = deque()
        self.poll_flags = 0
        self.fold: dict[str, tuple] = {}  # endpoint -> the log entry a retry loop folds into
        self.repeaters: dict[int, _Repeater] = {}
        self.repeats_started = 0
        self.reply: list | None = None  # compiled auto-reply frames
        self.replies = 0
        self.pending_request: list[bytes] | None = None  # REP: a request not answered yet
        self.peer_order: deque[bytes] = deque()
        self.linger = 0
        self.relaxed = False
        self.conflate = False
        self.bind_failed: int | None = None  # errno of the monitor's last BIND_FAILED
        #: ROUTER: router_mandatory as the owner set it (libzmq's stays on: see _set_option)
        self.mandatory = True
        self.can_recv = type_name not in options.SEND_ONLY
        self.flow: Flow | None = None  # back-pressure toward a consumer reading every entry
        #: XPUB: who subscribes to what (see subscriptions.py)
        self.subs = subscriptions.Tracker() if type_name == "XPUB" else None
        self.pace: multicast.Pace | None = None  # a multicast sender's estimated queue
        #: the record.Recording taking this socket's entries, and its line writer
        self.recording = None
        self.record_lines = None
        #: receiving held back while the recording's disk catches up
        self.recv_paused = False
        #: what the hints need beyond the view (see hints.py)
        self.watch = hints.Watch(time.monotonic())


class _Repeater:
    def __init__(self, rid: int, cmd: C.RepeatStart, makers: list, due: float):
        self.id = rid
        self.cmd = cmd
        self.makers = makers
        self.sent = 0
        self.due = due
        self.dropped = 0  # messages in a row for a ROUTER peer that is not connected

    def state(self) -> S.RepeaterState:
        c = self.cmd
        return S.RepeaterState(self.id, c.frames, c.interval_ms, c.count, self.sent, c.peer)


class Engine:
    """Owns a ZeroMQ context and the one thread that uses its sockets."""

    #: a handler's result meaning "the Future is resolved later" (for modules that plug in)
    LATER = _LATER

    def __init__(
        self,
        ring_capacity: int = DEFAULT_CAPACITY,
        byte_budget: int = DEFAULT_BYTE_BUDGET,
        on_change: Callable[[frozenset[str]], None] | None = None,
        default_linger: int = 0,
        nice: int = 0,
        flow_window: int | None = None,
        hint_timing: hints.Timing | None = None,
    ) -> None:
        self.ring_capacity = ring_capacity
        #: added to the engine thread's CPU niceness (Linux; elsewhere ignored). A screen that
        #: shares the machine with a flood passes a positive value, so the flood waits in
        #: ZeroMQ's queues rather than the key presses waiting for a CPU.
        self.nice = nice
        self.byte_budget = byte_budget
        self.on_change = on_change
        self.default_linger = default_linger
        #: when set, every socket made takes no more than its consumer reads (see .flow)
        self.flow_window = flow_window
        self._held: set = set()  # sockets not received from until their consumer reads on
        #: when the hints about sockets (hints.py) are worked out and how long situations last
        self.hint_timing = hint_timing or hints.Timing()
        self._hints_due = False  # the hints' timer is on the heap
        self._counters: dict[str, tuple] = {}  # {seq} templates seen -> hints.counter_pattern
        self.context: zmq.Context | None = None
        #: engine-wide messages (errors about sockets that do not exist, shutdown notes)
        self.log = Ring(1000)
        self.generation = 0
        self._cond = threading.Condition()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._views: dict[str, S.SocketView] = {}
        self._by_name: dict[str, _Sock] = {}
        self._by_uid: dict[int, _Sock] = {}
        self._by_zsock: dict = {}
        self._by_monitor: dict = {}
        self._timers: list = []
        self._next_uid = 1
        self._changed: set[str] = set()
        self._thread: threading.Thread | None = None
        self._running = False
        self._wake_r = self._wake_w = -1
        self._current: Future | None = None
        self._lock = threading.Lock()  # guards _running against the wake pipe being closed
        self._lookups: set[Future] = set()  # Connects waiting on a host name lookup
        self._stop_linger: int | None = None
        #: sockets of the engine's own parts (the ZAP authenticator) and who reads them
        self._pollables: dict = {}
        # parts that plug in: each registers the commands it handles
        self._security = Security(self)
        self._tunnels = Tunnels(self)
        from .devices.table import DeviceTable  # it builds on this module's socket plumbing

        self._devices = DeviceTable(self)
        self._recorder = Recorder(self)
        self._replayer = Replayer(self)
        self._rates = RateKeeper(self)
        self._handlers: dict = {**self._security.handlers(), **self._tunnels.handlers(),
                                **self._devices.handlers(), **self._recorder.handlers(),
                                **self._replayer.handlers()}

    # -- any thread ----------------------------------------------------------------------------

    def start(self) -> Engine:
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

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._running

    def submit(self, cmd) -> Future:
        """Queue ``cmd`` for the poller thread; the Future resolves when it has been carried out."""
        fut: Future = Future()
        if not self._post(cmd, fut):
            fut.set_exception(EngineError("the engine is not running"))
        return fut

    def _post(self, cmd, fut: Future | None) -> bool:
        """Queue and wake, unless the engine has stopped (its pipe may be closed by then)."""
        with self._lock:
            if not self._running:
                return False
            self._queue.put((cmd, fut))
            self._wake()
            return True

    def call(self, cmd, timeout: float | None = 5.0):
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

    def devices(self) -> dict:
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

    def add_pollable(self, sock, on_ready: Callable[[], None]) -> None:
        """Poller thread only: poll ``sock`` for input and call ``on_ready()`` when it has some."""
        self._pollables[sock] = on_ready
        self._poller.register(sock, zmq.POLLIN)

    def remove_pollable(self, sock) -> None:
        if self._pollables.pop(sock, None) is not None:
            self._poller.unregister(sock)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"\0")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (a wake is already pending) or closed (stopping)

    # -- the poller thread ----------------------------------------------------------------------

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
                ready = poller.poll(timeout)
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
                            self._drain(s)
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

    def _io_failed(self, s: _Sock | None, target, exc: Exception) -> None:
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
                if not getattr(exc, "logged", False):  # a device logs its own errors
                    self._note_error(_blamed(cmd), str(exc))
                if fut is not None:
                    fut.set_exception(exc)
            except Exception as exc:  # never let one command take the engine down
                text = f"{type(cmd).__name__} failed: {exc!r}"
                self._note_error(_blamed(cmd), text)
                if fut is not None:
                    fut.set_exception(EngineError(text))
            else:
                if fut is not None and result is not _LATER:
                    fut.set_result(result)

    def _note_error(self, name: str | None, text: str) -> None:
        s = self._by_name.get(name) if isinstance(name, str) else None
        if s is None:
            self.log.append(time.time(), ERROR, meta=text)
            self._changed.add("")
            return
        self._error(s, text)

    def _error(self, s: _Sock, text: str) -> None:
        s.view.log.append(time.time(), ERROR, meta=text)
        s.view.stats.errors += 1
        self._changed.add(s.name)

    def _info(self, s: _Sock, text: str) -> None:
        s.view.log.append(time.time(), INFO, meta=text)

    def _dispatch(self, cmd):
        handler = self._handlers.get(type(cmd)) or \
            getattr(self, "_do_" + type(cmd).__name__.lower(), None)
        if handler is None:
            raise EngineError(f"unknown command {type(cmd).__name__}")
        return handler(cmd)

    def _get(self, name: str) -> _Sock:
        s = self._by_name.get(name)
        if s is None:
            raise EngineError(f"no socket named '{name}'")
        return s

    # -- socket life ---------------------------------------------------------------------------

    def _check_name(self, name) -> str:
        if not isinstance(name, str) or not name.strip():
            raise EngineError("a socket needs a name")
        name = name.strip()
        from ..codec import describe_char, first_unsafe

        bad = first_unsafe(name)  # it would show escaped: two names could look alike
        if bad is not None:
            raise EngineError("a socket name cannot contain control or invisible characters "
                              f"({describe_char(bad)})")
        if name in self._by_name:
            raise EngineError(f"there is already a socket named '{name}'")
        return name

    def _do_create(self, cmd: C.Create) -> str:
        name = self._check_name(cmd.name)
        type_name = str(cmd.type).strip().upper()
        view = S.SocketView(name=name, type=type_name, log=Ring(self.ring_capacity,
                                                                self.byte_budget))
        s = self._open(name, cmd.type, cmd.options, view)
        if self.flow_window:
            s.flow = view.flow = Flow(self.flow_window)
        self._by_name[name] = s
        self._by_zsock[s.sock] = s
        self._update_poll(s)
        self._views = {**self._views, name: view}
        self._changed.add(name)
        return name

    def _open(self, name: str, type_: str, opts, view: S.SocketView) -> _Sock:
        """A new socket with its options set and its monitor polled, known by its uid (a
        device's sides are made here too, and polled by the device)."""
        zmq_type = options.socket_type(type_)
        type_name = str(type_).strip().upper()
        try:
            sock = self.context.socket(zmq_type)
        except zmq.ZMQError as exc:
            raise EngineError(self._cannot_create(exc)) from None
        sock.linger = self.default_linger
        uid = self._next_uid
        self._next_uid += 1
        s = _Sock(uid, name, type_name, sock, None, view)
        s.linger = self.default_linger
        if s.subs is not None:  # every subscribe and unsubscribe, for the table
            sock.setsockopt(zmq.XPUB_VERBOSER, 1)
            view.subscribers = s.subs.table
        try:
            if type_name == "ROUTER":  # a message to an identity no peer has is an error, not
                sock.router_mandatory = 1  # silently dropped (the options may turn it off)
            for opt_name, value in opts:
                self._set_option(s, opt_name, value)
            s.monitor = sock.get_monitor_socket()
        except (EngineError, zmq.ZMQError) as exc:
            sock.close(0)
            if isinstance(exc, zmq.ZMQError):
                raise EngineError(self._cannot_create(exc)) from None
            raise
        self._by_uid[uid] = s
        self._by_monitor[s.monitor] = s
        self._poller.register(s.monitor, zmq.POLLIN)
        self._start_hints()
        return s

    def _cannot_create(self, exc: zmq.ZMQError) -> str:
        """Why a socket (or its monitor) could not be made, at the real limit that was hit."""
        if exc.errno != errno.EMFILE:
            return f"cannot make the socket: {_reason(exc, bind=False)}"
        made = len(self._by_uid)
        if self.context.max_sockets <= 3 * (made + 1):  # the socket, its monitor and its reader
            return (f"cannot make another socket: {made} sockets use ZeroMQ's limit of "
                    f"{self.context.max_sockets} (three each, with their monitors)")
        soft = _open_files_limit()
        return (f"cannot make another socket: the process may open {soft} files and {made} "
                "sockets with their connections use them all (three each; raise it with "
                "ulimit -n)")

    def _do_close(self, cmd: C.Close) -> None:
        s = self._get(cmd.name)
        linger = s.linger
        self._close(s, CLOSE_LINGER_CAP if linger < 0 else min(linger, CLOSE_LINGER_CAP))
        del self._by_name[s.name]
        del self._by_uid[s.uid]
        self._views = {k: v for k, v in self._views.items() if k != s.name}
        self._changed.add(s.name)

    def _close(self, s: _Sock, linger: int) -> None:
        # unregister before closing: a closed socket left in a Poller is polled as fd 0
        if s.poll_flags:
            self._poller.unregister(s.sock)
            s.poll_flags = 0
        self._by_zsock.pop(s.sock, None)
        self._tunnels.close_socket(s)
        self._security.forget(s)
        self._recorder.close_socket(s)
        self._replayer.close_socket(s)
        if s.monitor is not None:
            if self._by_monitor.pop(s.monitor, None) is not None:  # not if _io_failed did
                self._poller.unregister(s.monitor)
            try:
                s.sock.disable_monitor()
            except zmq.ZMQError:
                pass
            s.monitor.close(0)
            s.monitor = None
        s.sock.close(linger)
        if s.subs is not None:
            s.subs.clear()
            s.view.subscribers = s.subs.table
        s.repeaters.clear()
        s.view.closed = True
        s.view.repeaters = ()

    def _do_rename(self, cmd: C.Rename) -> str:
        s = self._get(cmd.name)
        new = self._check_name(cmd.new_name)
        del self._by_name[s.name]
        self._by_name[new] = s
        old = s.name
        s.name = new
        s.view.name = new
        self._views = {(new if k == old else k): v for k, v in self._views.items()}
        self._recorder.renamed(s)
        self._info(s, f"renamed from '{old}'")
        self._changed.update((old, new))
        return new

    def _do_clearlog(self, cmd: C.ClearLog) -> None:
        s = self._get(cmd.name)
        s.view.log.clear()
        s.fold.clear()

    def _update_poll(self, s: _Sock) -> None:
        receiving = s.can_recv and (s.flow is None or not s.flow.held) and not s.recv_paused
        flags = (zmq.POLLIN if receiving else 0) | (zmq.POLLOUT if s.outbox else 0)
        if flags == s.poll_flags:
            return
        if flags:
            self._poller.register(s.sock, flags)
        else:
            self._poller.unregister(s.sock)
        s.poll_flags = flags

    # -- endpoints -----------------------------------------------------------------------------

    def _do_bind(self, cmd: C.Bind) -> str:
        return self._bind(self._get(cmd.name), cmd.endpoint)

    def _bind(self, s: _Sock, endpoint: str) -> str:
        ep = endpoints.parse(endpoint, bind=True, socket_type=s.type)
        self._check_new_endpoint(s, ep)
        if ep.multicast:
            return self._join(s, ep, S.BIND)
        try:
            s.bind_failed = None
            s.sock.bind(ep.text)
        except zmq.ZMQError as exc:
            if exc.errno == errno.EAGAIN and s.monitor is not None:
                # libzmq tells the monitor why (BIND_FAILED) before it returns, and sending
                # that event overwrites the errno the caller sees: read the event's
                self._monitor_events(s)
                if s.bind_failed:
                    exc = zmq.ZMQError(s.bind_failed)
            reason = _reason(exc, bind=True, ep=ep, sock=s.sock)
            self._set_endpoint(s, S.EndpointState(ep.text, S.BIND, S.FAILED, reason=reason))
            raise EngineError(f"bind {ep.text}: {reason}") from None
        real = s.sock.get(zmq.LAST_ENDPOINT).decode(errors="replace")
        self._set_endpoint(s, S.EndpointState(ep.text, S.BIND, S.LISTENING, resolved=real))
        if real != ep.text:
            self._info(s, f"bound {ep.text} as {real}")
        return real

    def _do_connect(self, cmd: C.Connect) -> str:
        return self._connect(self._get(cmd.name), cmd.endpoint, self._current, cmd.via)

    def _connect(self, s: _Sock, endpoint: str, fut: Future | None, via=None):
        """Connect now, or once a host name is looked up (then ``_LATER``: ``fut``, if any, is
        answered when the connect is made)."""
        ep = endpoints.parse(endpoint, bind=False, socket_type=s.type)
        self._check_new_endpoint(s, ep)
        if via is not None:  # through SSH: the far side looks the host name up
            return self._tunnels.connect(s, ep.text, via)
        if ep.multicast:
            return self._join(s, ep, S.CONNECT)
        if ep.transport == "tcp" and ep.host.startswith("[") and \
                not s.sock.getsockopt(zmq.IPV6):
            # libzmq would retry for ever, never saying why
            reason = _reason(zmq.ZMQError(errno.ENODEV), False, ep, s.sock)
            raise EngineError(f"connect {ep.text}: {reason}")
        if ep.needs_dns:
            self._set_endpoint(s, S.EndpointState(ep.text, S.CONNECT, S.PENDING,
                                                  reason="looking up host"))
            if fut is not None:
                self._lookups.add(fut)
            args = (s.uid, ep, fut)
            threading.Thread(target=self._resolve, args=args, daemon=True).start()
            return _LATER
        return self._connect_now(s, ep.text)

    def _resolve(self, uid: int, ep: endpoints.Endpoint, fut: Future | None) -> None:
        """Look a host name up off the poller thread, then hand the connect back to it."""
        host = ep.host.strip("[]")
        try:
            pysocket.getaddrinfo(host, int(ep.port), type=pysocket.SOCK_STREAM)
            error = ""
        except (OSError, UnicodeError) as exc:
            error = getattr(exc, "strerror", None) or str(exc)
        if not self._post(_Resolved(uid, ep.text, error, fut), None) and fut is not None:
            _fail(fut, EngineError(f"connect {ep.text}: the engine stopped during the lookup"))

    def _do__resolved(self, cmd: _Resolved) -> None:
        """The lookup for a connect finished: connect now, and answer the Connect's Future."""
        fut = cmd.future
        self._lookups.discard(fut)
        s = self._by_uid.get(cmd.uid)
        try:
            if s is None or not any(e.endpoint == cmd.endpoint for e in s.view.endpoints):
                raise EngineError(f"connect {cmd.endpoint}: the socket went away during lookup")
            if cmd.error:
                reason = f"cannot resolve host: {cmd.error}"
                self._set_endpoint(s, S.EndpointState(cmd.endpoint, S.CONNECT, S.FAILED,
                                                      reason=reason))
                raise EngineError(f"connect {cmd.endpoint}: {reason}")
            result = self._connect_now(s, cmd.endpoint)
        except EngineError as exc:
            if s is not None:
                self._error(s, str(exc))
            if fut is not None:
                fut.set_exception(exc)
            return
        if fut is not None:
            fut.set_result(result)

    def _connect_now(self, s: _Sock, text: str) -> str:
        try:
            s.sock.connect(text)
        except zmq.ZMQError as exc:
            reason = _reason(exc, bind=False)
            self._set_endpoint(s, S.EndpointState(text, S.CONNECT, S.FAILED, reason=reason))
            raise EngineError(f"connect {text}: {reason}") from None
        inproc = text.startswith("inproc://")
        self._set_endpoint(s, S.EndpointState(text, S.CONNECT, S.ATTACHED if inproc
                                              else S.PENDING, resolved=text))
        return text

    def _join(self, s: _Sock, ep: endpoints.Endpoint, role: str) -> str:
        """Bind or connect a multicast endpoint (the two are the same to PGM and NORM: the
        socket joins the group). This machine is checked first, since libzmq ends the process
        on what it finds wrong later; no monitor events follow, so the state is "attached"."""
        verb = "bind" if role == S.BIND else "connect"
        sock = s.sock
        multicast.check_host(ep.text, ep.transport, ep.group, verb,
                             sock.get(zmq.MULTICAST_MAXTPDU))
        rate, recovery_ivl = sock.get(zmq.RATE), sock.get(zmq.RECOVERY_IVL)
        try:
            (sock.bind if role == S.BIND else sock.connect)(ep.text)
        except zmq.ZMQError as exc:
            reason = _reason(exc, bind=role == S.BIND)
            self._set_endpoint(s, S.EndpointState(ep.text, role, S.FAILED, reason=reason))
            raise EngineError(f"{verb} {ep.text}: {reason}") from None
        detail = multicast.describe(ep.transport, rate, recovery_ivl)
        self._set_endpoint(s, S.EndpointState(ep.text, role, S.ATTACHED, resolved=ep.text,
                                              detail=detail))
        if s.type in multicast.SENDERS and ep.transport != "norm":
            s.pace = (multicast.Pace(ep.transport, rate) if s.pace is None
                      else s.pace.slower(ep.transport, rate))
        return ep.text

    def _check_new_endpoint(self, s: _Sock, ep: endpoints.Endpoint) -> None:
        if ep.wildcard:
            return  # each wildcard bind gets a port of its own
        for e in s.view.endpoints:
            if e.endpoint == ep.text and e.state != S.FAILED:
                raise EngineError(f"{s.name} already has {e.role} {ep.text}")

    def _set_endpoint(self, s: _Sock, new: S.EndpointState) -> None:
        """Add an endpoint, or replace it where it stands (the user's order is kept)."""
        eps = s.view.endpoints
        for i, e in enumerate(eps):
            # wildcard binds share their text: the real endpoint tells them apart
            if e.endpoint == new.endpoint and (not e.resolved or not new.resolved
                                               or e.resolved == new.resolved):
                s.view.endpoints = eps[:i] + (new,) + eps[i + 1:]
                break
        else:
            s.view.endpoints = eps + (new,)
        self._changed.add(s.name)

    def _drop_endpoint(self, s: _Sock, text: str, role: str) -> S.EndpointState:
        for e in s.view.endpoints:
            if text in (e.endpoint, e.resolved) and e.role == role:
                s.view.endpoints = tuple(x for x in s.view.endpoints if x is not e)
                s.fold.pop(e.endpoint, None)
                self._changed.add(s.name)
                return e
        have = ", ".join(e.endpoint for e in s.view.endpoints if e.role == role) or "none"
        verb = "bound to" if role == S.BIND else "connected to"
        raise EngineError(f"{s.name} is not {verb} {text} ({verb}: {have})")

    def _do_unbind(self, cmd: C.Unbind) -> None:
        s = self._get(cmd.name)
        e = self._drop_endpoint(s, cmd.endpoint.strip(), S.BIND)
        if e.state != S.FAILED:
            try:
                s.sock.unbind(e.resolved or e.endpoint)
            except zmq.ZMQError as exc:
                raise EngineError(f"unbind {e.endpoint}: {_reason(exc, True)}") from None
        self._info(s, f"unbound {e.resolved or e.endpoint}")

    def _do_disconnect(self, cmd: C.Disconnect) -> None:
        s = self._get(cmd.name)
        e = self._drop_endpoint(s, cmd.endpoint.strip(), S.CONNECT)
        if e.via:
            self._tunnels.drop(s, e.endpoint)  # ends its ssh
        if e.state != S.FAILED and e.resolved:
            try:
                s.sock.disconnect(e.resolved)
            except zmq.ZMQError as exc:
                raise EngineError(f"disconnect {e.endpoint}: {_reason(exc, False)}") from None
        self._info(s, f"disconnected {e.endpoint}")

    # -- options and subscriptions ---------------------------------------------------------------

    def _do_setoption(self, cmd: C.SetOption) -> str:
        s = self._get(cmd.name)
        return self._set_option(s, cmd.option, cmd.value)

    def _set_option(self, s: _Sock, name, value) -> str:
        opt = options.option(name)
        if opt in (zmq.SUBSCRIBE, zmq.UNSUBSCRIBE):
            prefix = options.option_value(opt, value)
            self._subscribe(s, prefix, opt == zmq.SUBSCRIBE)
            return options.describe_value(prefix)
        val = options.option_value(opt, value)
        try:
            if s.subs is not None and opt in (zmq.XPUB_VERBOSE, zmq.XPUB_VERBOSER):
                s.subs.set_mode(opt, int(val))  # the socket itself stays verboser
            elif s.type == "ROUTER" and opt == zmq.ROUTER_MANDATORY:
                # libzmq's stays on, so a message no peer can take is seen (and counted for
                # the hints); off, it is then dropped here as libzmq would drop it
                s.mandatory = bool(val)
            else:
                s.sock.setsockopt(opt, val)
        except zmq.ZMQError as exc:
            if exc.errno == errno.EINVAL:
                raise options.OptionError(options.rejected(opt, val, s.type)) from None
            shown = options.value_for_message(opt, val)
            raise EngineError(f"option {opt.name.lower()}={shown}: {exc.strerror}") from None
        if opt in (zmq.RATE, zmq.RECOVERY_IVL) and any(
                e.detail for e in s.view.endpoints):  # multicast endpoints keep what they had
            self._info(s, f"{opt.name.lower()}={val} applies to multicast endpoints bound or "
                          "connected from now on, not to those already joined")
        if opt == zmq.LINGER:
            s.linger = int(val)
        elif opt == zmq.REQ_RELAXED:
            s.relaxed = bool(val)
        elif opt == zmq.CONFLATE:
            s.conflate = bool(val)
        key = opt.name.lower()
        shown = options.describe_value(val)
        s.view.options = tuple(o for o in s.view.options if o[0] != key) + ((key, shown),)
        self._changed.add(s.name)
        return shown

    def _do_subscribe(self, cmd: C.Subscribe) -> None:
        self._subscribe(self._get(cmd.name), bytes(cmd.prefix), True)

    def _do_unsubscribe(self, cmd: C.Unsubscribe) -> None:
        self._subscribe(self._get(cmd.name), bytes(cmd.prefix), False)

    def _subscribe(self, s: _Sock, prefix: bytes, on: bool) -> None:
        from ..codec import bytes_to_prefix

        shown = bytes_to_prefix(prefix) if prefix else '"" (everything)'
        subs = s.view.subscriptions
        if s.type not in ("SUB", "XSUB"):
            raise EngineError(f"only SUB and XSUB sockets take subscriptions, not {s.type}")
        if on and prefix in subs:
            raise EngineError(f"{s.name} is already subscribed to {shown}")
        if not on and prefix not in subs:
            raise EngineError(f"{s.name} is not subscribed to {shown}")
        if s.type == "SUB":
            s.sock.setsockopt(zmq.SUBSCRIBE if on else zmq.UNSUBSCRIBE, prefix)
        else:  # XSUB: a subscription is a message upstream
            self._send(s, [(b"\x01" if on else b"\x00") + prefix], log=False)
        s.view.subscriptions = subs + (prefix,) if on else tuple(p for p in subs if p != prefix)
        self._info(s, f"{'subscribed' if on else 'unsubscribed'} {shown}")
        self._changed.add(s.name)

    # -- sending -------------------------------------------------------------------------------

    def _do_send(self, cmd: C.Send) -> str:
        s = self._get(cmd.name)
        frames = [bytes(f) for f in cmd.frames]
        if cmd.newest_peer:
            cmd = replace(cmd, peer=self._newest_peer(s))
        if cmd.peer is not None:
            if s.type != "ROUTER":
                raise EngineError("a peer identity only applies to ROUTER sockets")
            frames.insert(0, bytes(cmd.peer))
        return self._send_checked(s, frames)

    def _do_sendmany(self, cmd: C.SendMany) -> tuple[int, str]:
        s = self._get(cmd.name)
        for i, frames in enumerate(cmd.messages):
            if len(s.outbox) >= OUTBOX_LIMIT:
                return i, ""
            try:
                self._send_checked(s, [bytes(f) for f in frames])
            except PeerUnreachable as exc:
                self._error(s, str(exc))
            except EngineError as exc:
                self._error(s, str(exc))
                return i, str(exc)
        return len(cmd.messages), ""

    def _newest_peer(self, s: _Sock) -> bytes:
        if s.type != "ROUTER":
            raise EngineError("only a ROUTER sends to a peer by its identity")
        if not s.peer_order:
            raise EngineError("no peer has talked to this ROUTER yet: wait for one, or choose "
                              "'first frame is the identity'")
        return s.peer_order[-1]

    def _send_checked(self, s: _Sock, frames: list[bytes]) -> str:
        if s.type in options.RECEIVE_ONLY:
            raise EngineError(f"a {s.type} socket cannot send")
        if not frames:
            raise EngineError("nothing to send (a message needs at least one frame)")
        if s.type == "REQ" and not s.relaxed and (s.view.awaiting_reply or s.outbox):
            raise EngineError(
                "waiting for a reply; a REQ socket sends one request at a time "
                "(enable req_relaxed to send again)"
            )
        if s.type == "REP" and s.pending_request is None:
            raise EngineError("a REP socket can only reply after it has received a request")
        if s.type == "ROUTER" and len(frames) < 2:
            raise EngineError(
                "a ROUTER message starts with the peer's identity: choose a peer "
                "(or give the identity as the first frame)"
            )
        return self._send(s, frames)

    def _send(self, s: _Sock, frames: list[bytes], log: bool = True) -> str:
        if s.conflate and len(frames) > 1:  # libzmq would keep only the last frame
            raise EngineError("with conflate on, a socket keeps only single-frame messages; "
                              "send one frame, or turn conflate off")
        if s.outbox:
            if len(s.outbox) >= OUTBOX_LIMIT:
                raise EngineError(
                    f"outbox full: {len(s.outbox)} messages are waiting for a peer to take them"
                )
            s.outbox.append(frames)
            s.view.pending = len(s.outbox)
            return "queued"
        try:
            _put(s.sock, frames)
        except zmq.Again:
            s.outbox.append(frames)
            s.view.pending = 1
            self._update_poll(s)
            self._info(s, "no peer is ready to take messages yet; queued until one is")
            self._mark_sent(s, frames, log=False)
            return "queued"
        except zmq.ZMQError as exc:
            if exc.errno == errno.EHOSTUNREACH:
                if s.watch.unroutable(frames[0], s.mandatory, time.monotonic()) == 1 and \
                        not s.mandatory:  # asked to drop these silently, as ZeroMQ does
                    self._info(s, f"dropped: {_send_reason(s, exc, frames)}")
                if not s.mandatory:
                    return "dropped"
                raise PeerUnreachable(_send_reason(s, exc, frames)) from None
            raise EngineError(_send_reason(s, exc, frames)) from None
        self._mark_sent(s, frames, log)
        return "sent"

    def _mark_sent(self, s: _Sock, frames: list[bytes], log: bool) -> None:
        """State changes that happen when a message is accepted (sent or queued)."""
        if s.type == "REQ":
            s.view.awaiting_reply = True
        elif s.type == "REP":
            s.pending_request = None
            s.view.reply_due = False
        if log:
            size = sum(len(f) for f in frames)
            s.view.log.append(time.time(), OUT, frames, None, size)
            stats = s.view.stats
            stats.msgs_out += 1
            stats.bytes_out += size
            if s.pace is not None:
                hint = s.pace.sent(size, time.monotonic())
                s.view.paced_until = s.pace.until
                if hint:
                    self._info(s, hint)

    def _flush(self, s: _Sock) -> None:
        sock = s.sock
        while s.outbox:
            frames = s.outbox[0]
            try:
                _put(sock, frames)
            except zmq.Again:
                break
            except zmq.ZMQError as exc:
                s.outbox.popleft()
                self._error(s, _send_reason(s, exc, frames))
                continue
            s.outbox.popleft()
            size = sum(len(f) for f in frames)
            s.view.log.append(time.time(), OUT, frames, None, size)
            s.view.stats.msgs_out += 1
            s.view.stats.bytes_out += size
        s.view.pending = len(s.outbox)
        self._update_poll(s)

    # -- receiving -----------------------------------------------------------------------------

    def _drain(self, s: _Sock) -> None:
        # The hot path is recvpath.receive (compiled, or a tight Python loop); bookkeeping here
        # happens once per batch.
        receive = recvpath.receive
        ring = s.view.log
        hook = self._hooks.get(s.type)
        ts = time.time()
        budget = ring.byte_budget  # stop a batch early rather than hold more than the budget
        batch = DRAIN_BATCH
        if s.flow is not None:
            batch, room = s.flow.room(ring, s.view.stats, DRAIN_BATCH)
            budget = min(budget, room)
            if batch <= 0 or budget <= 0:
                self._hold(s)
                return
        recording = s.recording
        if recording is not None:
            if s.recv_paused:
                return
            # every entry still in its slot afterwards, and no more than the buffer has room for
            batch = min(batch, ring.capacity, recording.room())
        if s.subs is not None:
            n, nbytes, err = subscriptions.receive(self, s, ts, s.subs)
            self._subscribers_changed(s)
        elif hook is None:
            start = ring.total
            n, nbytes, err = receive(s.sock, ring, ts, batch, budget)
            if recording is not None and n:
                self._recorder.received(s, ring, start, nbytes)
        else:
            # one message at a time: the hook sees each one in order, may log a reply, may stop
            n = nbytes = err = 0
            while n < batch and nbytes < budget:
                got, size, err = receive(s.sock, ring, ts, 1, budget)
                if not got:
                    break
                n += 1
                nbytes += size
                if recording is not None:  # before the hook's reply, as it happened
                    self._recorder.received(s, ring, ring.total - 1, size)
                if hook(self, s, ring.get(ring.total - 1)[FRAMES]):
                    break
                if s.recv_paused:
                    break
        if err and err != zmq.EFSM:  # EFSM: a REQ/REP not in a state to receive; wait
            self._error(s, f"receive: {zmq.strerror(err)}")
        ring._trim()
        stats = s.view.stats
        stats.msgs_in += n
        stats.bytes_in += nbytes

    def _hold(self, s: _Sock) -> None:
        """Stop receiving from ``s`` until its consumer has read on (see .flow)."""
        s.flow.held = True
        self._held.add(s)
        self._update_poll(s)
        self._check_held()  # the consumer may have read on just before ``held`` was set

    def _check_held(self) -> None:
        for s in list(self._held):
            batch, room = s.flow.room(s.view.log, s.view.stats, DRAIN_BATCH)
            if (batch > 0 and room > 0) or s.view.closed:
                self._held.discard(s)
                s.flow.held = False
                if not s.view.closed:
                    self._update_poll(s)

    def _do_backpressure(self, cmd: C.Backpressure) -> None:
        s = self._get(cmd.name)
        if cmd.window is None:
            s.flow = s.view.flow = None
            self._held.discard(s)
        else:
            limits.check_int(cmd.window, 1, s.view.log.capacity - 1, "the window")
            if cmd.limit is not None:
                limits.count(cmd.limit, "the limit")
            if s.flow is None:
                s.flow = s.view.flow = Flow(cmd.window, cmd.limit)
            else:
                s.flow.window, s.flow.limit = cmd.window, cmd.limit
        self._update_poll(s)

    # (per-message state such as awaiting_reply is read by consumers when they look; only
    # structural changes go through on_change, so a fast request loop does not flood them)

    def _on_req(self, s: _Sock, frames: list[bytes]) -> bool:
        s.view.awaiting_reply = False
        return False

    def _on_rep(self, s: _Sock, frames: list[bytes]) -> bool:
        s.pending_request = frames
        s.view.reply_due = True
        if s.reply is None:
            return True  # a REP must answer before it can receive again
        self._auto_reply(s, [], frames)
        return False

    def _on_router(self, s: _Sock, frames: list[bytes]) -> bool:
        ident = frames[0]
        if ident not in s.peer_order:
            s.peer_order.append(ident)
            if len(s.peer_order) > PEERS_KEPT:
                s.peer_order.popleft()
            s.view.peers_seen = tuple(s.peer_order)
            self._changed.add(s.name)
        if s.reply is not None and len(frames) > 1:
            # keep the envelope: identity, and the empty delimiter a REQ/DEALER-REQ put there
            cut = frames.index(b"", 1) + 1 if b"" in frames[1:] else 1
            self._auto_reply(s, frames[:cut], frames[cut:])
        return False

    _hooks = {"REQ": _on_req, "REP": _on_rep, "ROUTER": _on_router}

    def _auto_reply(self, s: _Sock, envelope: list[bytes], body: list[bytes]) -> None:
        s.replies += 1
        if s.reply:
            text = body[-1].decode("utf-8", errors="replace") if body else ""
            out = [make(s.replies, text) for make in s.reply]
        else:
            out = list(body) or [b""]
        try:
            self._send(s, [*envelope, *out])
        except EngineError as exc:
            self._error(s, f"auto-reply: {exc}")

    def _do_autoreply(self, cmd: C.AutoReply) -> None:
        s = self._get(cmd.name)
        if s.type not in ("REP", "ROUTER"):
            raise EngineError(f"auto-reply is for REP and ROUTER sockets, not {s.type}")
        if cmd.template is None:
            s.reply = None
            s.view.auto_reply = None
            self._info(s, "auto-reply off")
        else:
            s.reply = _compile(cmd.template)
            s.view.auto_reply = tuple(cmd.template)
            self._info(s, "auto-reply on: " + (" | ".join(cmd.template) or "echo"))
            if s.type == "REP" and s.pending_request is not None:
                self._auto_reply(s, [], s.pending_request)
        self._changed.add(s.name)

    # -- monitor -------------------------------------------------------------------------------

    def _monitor_events(self, s: _Sock) -> None:
        mon = s.monitor
        ring = s.view.log
        while mon is not None:
            try:
                msg = mon.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            try:
                evt = parse_monitor_message(msg)
            except Exception:  # pragma: no cover - malformed monitor frame
                continue
            code = int(evt["event"])
            value = int(evt["value"])
            name = monitor.event_name(code)
            if name == "MONITOR_STOPPED":
                continue
            if name == "BIND_FAILED":
                s.bind_failed = value
            where = evt["endpoint"].decode(errors="replace")
            s.watch.event(s, name, value, where, time.monotonic())
            if s.subs is not None:
                self._subscriber_event(s, name, value, where)
            security = s.view.security
            before = None
            for ep in s.view.endpoints:
                if monitor.matches(ep, where):
                    before = ep
                    new = monitor.transition(ep, name, value, security)
                    if new != ep:
                        self._set_endpoint(s, new)
                    break
            now = time.time()
            folded = s.fold.get(where)
            if folded is not None and ring.get(folded[SEQ]) is folded:
                info = folded[4]
                if name in monitor.RETRY_CYCLE and info.event in monitor.RETRY_CYCLE:
                    if name == "CONNECT_RETRIED":
                        if info.event == name:
                            info.count += 1
                        info.event = name
                        info.value = value
                        info.detail = monitor.detail(name, value)
                    info.last_ts = now
                    ring.touch()
                    continue
                same = name == info.event and (value == info.value or name not in (
                    "HANDSHAKE_FAILED_PROTOCOL", "HANDSHAKE_FAILED_AUTH"))
                if monitor.in_loop(before) and (same or name in monitor.LOOP_EVENTS):
                    # a connection failing the same way again: one entry, counted
                    if same:
                        info.count += 1
                    info.last_ts = now
                    ring.touch()
                    continue
            shown = f"{before.endpoint} via {before.via}" if before is not None and before.via \
                else where
            info = EventInfo(name, shown, value, monitor.detail(name, value, security),
                             last_ts=now)
            entry = ring.append(now, EVENT, (), info, 0)
            if name in monitor.RETRY_CYCLE or name.startswith("HANDSHAKE_FAILED") or \
                    monitor.in_loop(before):
                s.fold[where] = entry
            else:
                s.fold.pop(where, None)
            self._changed.add(s.name)

    def _subscriber_event(self, s: _Sock, name: str, fd: int, where: str) -> None:
        """An XPUB's peer came or went (the monitor's value is its descriptor)."""
        if name in ("ACCEPTED", "CONNECTED"):
            s.subs.peer_came(fd, where)
        elif name == "DISCONNECTED":
            now = time.time()
            for change in s.subs.peer_went(fd):
                change.last_ts = now
                s.view.log.append(now, EVENT, (), change, 0)
        self._subscribers_changed(s)

    def _subscribers_changed(self, s: _Sock) -> None:
        if s.subs.changed:
            s.subs.changed = False
            s.view.subscribers = s.subs.table
            self._changed.add(s.name)

    # -- repeat-send -----------------------------------------------------------------------------

    def _do_repeatstart(self, cmd: C.RepeatStart) -> int:
        s = self._get(cmd.name)
        if s.type in options.RECEIVE_ONLY:
            raise EngineError(f"a {s.type} socket cannot send")
        limits.interval_ms(cmd.interval_ms)
        if cmd.count is not None:
            limits.count(cmd.count)
        if not cmd.frames:
            raise EngineError("a repeat-send needs a message template")
        if cmd.newest_peer:
            cmd = replace(cmd, peer=self._newest_peer(s), newest_peer=False)
        if s.type == "ROUTER" and cmd.peer is None and len(cmd.frames) < 2:
            raise EngineError("a ROUTER repeat-send needs a peer identity")
        makers = _compile(cmd.frames)
        s.repeats_started += 1  # numbered per socket, from 1
        rid = s.repeats_started
        rep = _Repeater(rid, cmd, makers, time.monotonic())
        s.repeaters[rid] = rep
        heapq.heappush(self._timers, (rep.due, rid, s.uid))
        self._repeaters_changed(s)
        return rid

    def _do_repeatstop(self, cmd: C.RepeatStop) -> int:
        s = self._get(cmd.name)
        if cmd.repeater is None:
            stopped = len(s.repeaters)
            s.repeaters.clear()
        elif s.repeaters.pop(cmd.repeater, None) is None:
            raise EngineError(f"{s.name} has no repeat-send #{cmd.repeater}")
        else:
            stopped = 1
        self._repeaters_changed(s)
        return stopped

    def _repeaters_changed(self, s: _Sock, structural: bool = True) -> None:
        s.view.repeaters = tuple(r.state() for r in s.repeaters.values())
        if structural:
            self._changed.add(s.name)

    def _run_timers(self) -> None:
        now = time.monotonic()
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, rid, uid = heapq.heappop(timers)
            if uid == 0:
                self._hint_tick(now)
                continue
            if uid == RATES_TIMER:
                heapq.heappush(timers, (self._rates.tick(now), 0, RATES_TIMER))
                continue
            s = self._by_uid.get(uid)
            rep = s.repeaters.get(rid) if s is not None else None
            if rep is None:
                due = self._replayer.tick(s, rid, now) if s is not None else None
                if due is not None:
                    heapq.heappush(timers, (due, rid, uid))
                continue
            try:
                self._tick(s, rep)
            except Exception as exc:  # a repeater's bug stops that repeater, not the engine
                s.repeaters.pop(rid, None)
                self._error(s, f"repeat-send #{rid} stopped: {exc!r}")
                self._repeaters_changed(s)
            if rid not in s.repeaters:
                continue
            interval = rep.cmd.interval_ms / 1000
            rep.due += interval
            if rep.due < now:  # fell behind (a busy machine): do not burst to catch up
                rep.due = now + interval
            heapq.heappush(timers, (rep.due, rid, uid))

    def _tick(self, s: _Sock, rep: _Repeater) -> None:
        if s.type == "REQ" and not s.relaxed and (s.view.awaiting_reply or s.outbox):
            return  # a REQ waits for its reply before the next request
        if len(s.outbox) >= OUTBOX_LIMIT:
            return
        seq = rep.sent + 1
        frames = [make(seq) for make in rep.makers]
        if rep.cmd.peer is not None:
            frames.insert(0, rep.cmd.peer)
        try:
            self._send(s, frames)
        except PeerUnreachable as exc:  # the peer may connect later: say it once, keep going
            if not rep.dropped:
                self._error(s, f"repeat-send #{rep.id}: {exc}; dropping its messages until "
                               "that peer connects")
            rep.dropped += 1
        except EngineError as exc:
            s.repeaters.pop(rep.id, None)
            self._error(s, f"repeat-send #{rep.id} stopped: {exc}")
            self._repeaters_changed(s)
            return
        else:
            if rep.dropped:
                self._info(s, f"repeat-send #{rep.id}: the peer is connected; {rep.dropped} "
                              f"message{'s' if rep.dropped != 1 else ''} dropped before")
                rep.dropped = 0
        rep.sent = seq
        finished = rep.cmd.count is not None and seq >= rep.cmd.count
        if finished:
            s.repeaters.pop(rep.id, None)
            self._info(s, f"repeat-send #{rep.id} finished after {seq} messages")
        # a new sent count is not a structural change: consumers read it when they look
        self._repeaters_changed(s, structural=finished)

    # -- hints ---------------------------------------------------------------------------------

    def _start_hints(self) -> None:
        if not self._hints_due:
            self._hints_due = True
            heapq.heappush(self._timers,
                           (time.monotonic() + self.hint_timing.interval, 0, 0))

    def _hint_tick(self, now: float) -> None:
        """Work out every socket's hints (hints.py) from what is known now; runs on a slow
        timer while there are sockets, never per message."""
        socks = list(self._by_uid.values())
        for s in socks:
            for rep in s.repeaters.values():
                for frame in rep.cmd.frames:
                    if frame not in self._counters:
                        found = hints.counter_pattern(frame)
                        if found is not None:
                            self._counters[frame] = found
        for s in socks:
            if self._counters and s.can_recv:
                hints.watch_counters(s.watch, self._counters)
            found = hints.evaluate(s, s.watch, socks, self.hint_timing, now)
            if found != s.watch.hints:
                s.watch.hints = found
                s.view.hints = found
                self._changed.add(s.name)
        self._hints_due = False
        if socks:
            self._start_hints()

    def _do_checkhints(self, cmd: C.CheckHints) -> tuple:
        s = self._get(cmd.name)
        socks = list(self._by_uid.values())
        found = hints.evaluate(s, s.watch, socks, self.hint_timing, time.monotonic())
        if s.watch.lookups:  # who holds a port: asked for now, so worth a short wait
            hints.wait_lookups(s.watch, 1.0)
            found = hints.evaluate(s, s.watch, socks, self.hint_timing, time.monotonic())
        s.watch.hints = s.view.hints = found
        return found

    def _do_watchcounter(self, cmd: C.WatchCounter) -> None:
        s = self._get(cmd.name)
        old = s.watch.marked
        if old is not None:
            s.watch.counters.pop(old, None)
        s.watch.marked = None
        if cmd.pattern:
            found = hints.marked_pattern(cmd.pattern)
            if found is None:
                raise EngineError("a counter to watch is marked with {seq}, e.g. 'tick {seq}'")
            s.watch.marked = cmd.pattern
            s.watch.counters.pop(cmd.pattern, None)
            hints.watch_counters(s.watch, {cmd.pattern: found})

    # -- shutdown --------------------------------------------------------------------------------

    def _shutdown(self) -> None:
        with self._lock:
            self._running = False
        for fut in list(self._lookups):
            _fail(fut, EngineError("the engine stopped before the host name lookup finished"))
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
        self.context.term()
        os.close(self._wake_r)
        os.close(self._wake_w)
        with self._cond:
            self.generation += 1
            self._cond.notify_all()


class _Resolved:
    """Internal: a host name lookup for a connect has finished."""

    def __init__(self, uid: int, endpoint: str, error: str, future: Future | None) -> None:
        self.uid = uid
        self.endpoint = endpoint
        self.error = error
        self.future = future


def _put(sock, frames: list[bytes]) -> None:
    """Send without blocking (raises ``zmq.Again``); one frame goes by ``send``, several times
    cheaper in pyzmq than ``send_multipart``."""
    if len(frames) == 1:
        sock.send(frames[0], zmq.NOBLOCK)
    else:
        sock.send_multipart(frames, zmq.NOBLOCK)


def _open_files_limit() -> int | str:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return "a limited number of"
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


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


def _blamed(cmd) -> str | None:
    """The socket whose log an error of ``cmd`` belongs in (None: the engine's own log)."""
    if isinstance(cmd, C.Create):
        return None  # e.g. a duplicate name is not the existing socket's fault
    return getattr(cmd, "name", None)


def _fail(fut: Future, exc: Exception) -> None:
    """Fail a Future unless it is already done (or cancelled)."""
    if fut.done():
        return
    if fut.running() or fut.set_running_or_notify_cancel():
        try:
            fut.set_exception(exc)
        except Exception:  # resolved meanwhile by another thread
            pass


def _compile(frames) -> list:
    from ..codec import CodecError

    try:
        return [templates.compile_frame(f) for f in frames]
    except CodecError as exc:
        raise EngineError(str(exc)) from None


_ERRNO_TEXT = {
    errno.EADDRINUSE: "address already in use",
    errno.ENODEV: "no such network interface or local address on this machine",
    errno.EADDRNOTAVAIL: "address not available on this machine",
    errno.EACCES: "permission denied",
    errno.EINVAL: "invalid endpoint",
    errno.EPROTONOSUPPORT: "transport not supported by this libzmq",
    errno.ENAMETOOLONG: "ipc path is longer than the 107 bytes the OS allows",
    zmq.ENOCOMPATPROTO: "this transport does not work with this socket type",
}


def _reason(exc: zmq.ZMQError, bind: bool, ep: endpoints.Endpoint | None = None,
            sock=None) -> str:
    if exc.errno == errno.ENODEV and ep is not None and ep.host.startswith("[") and \
            sock is not None and not sock.getsockopt(zmq.IPV6):
        return "an IPv6 address, and IPv6 is off for this socket (set the option ipv6=1)"
    text = _ERRNO_TEXT.get(exc.errno)
    if text is None:
        # libzmq's own words for the errno: pyzmq's strerror may add the endpoint and advice
        text = zmq.strerror(exc.errno).rstrip(".") if exc.errno else str(exc.strerror)
        text = text[:1].lower() + text[1:]
    return text


def _send_reason(s: _Sock, exc: zmq.ZMQError, frames: list[bytes]) -> str:
    if exc.errno == zmq.EFSM:
        if s.type == "REQ":
            return "waiting for a reply; enable req_relaxed to send again"
        if s.type == "REP":
            return "a REP socket can only reply after it has received a request"
        return "the socket is not in a state to send"
    if exc.errno == errno.EHOSTUNREACH:
        from ..codec import escape_text

        ident = escape_text(frames[0].decode("utf-8", errors="backslashreplace"))
        mandatory = "on" if s.mandatory else "off"
        return f"no connected peer has the identity '{ident}' (router_mandatory is {mandatory})"
    if exc.errno == errno.ENOTSUP:
        return f"a {s.type} socket cannot send"
    return f"send: {exc.strerror}"

