"""A socket's life on the engine thread: made (with its options and its monitor), closed,
renamed, its log cleared, and what the poller watches it for."""

from __future__ import annotations

import errno
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import zmq

from . import commands as C
from . import options
from . import state as S
from .errors import EngineError
from .flow import Flow
from .links import _reason
from .parts import EngineParts
from .ring import Ring
from .socket_record import SocketRecord

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers

#: the longest linger a Close honours (linger -1 would make the context wait for ever), in ms
CLOSE_LINGER_CAP = 2000
#: how long after a close a socket that finds no free file waits for it (libzmq's reaper
#: thread frees a closed socket's files a moment later, longer on a busy machine), in s
REAPING_WAIT = 0.5


class SocketLife(EngineParts):
    """Making, closing and renaming sockets (a part of :class:`~.core.Engine`)."""

    def _check_name(self, name: object) -> str:
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

    def _open(self, name: str, type_: str, opts: Iterable[tuple[str, Any]],
              view: S.SocketView) -> SocketRecord:
        """A new socket with its options set and its monitor polled, known by its uid (a
        device's sides are made here too, and polled by the device)."""
        sock, monitor = self._socket_and_monitor(options.socket_type(type_))
        sock.linger = self.default_linger
        uid = self._next_uid
        self._next_uid += 1
        s = SocketRecord(uid, name, str(type_).strip().upper(), sock, monitor, view)
        s.linger = self.default_linger
        if s.subs is not None:  # every subscribe and unsubscribe, for the table
            sock.setsockopt(zmq.XPUB_VERBOSER, 1)
            view.subscribers = s.subs.table
        try:
            if s.routes:  # a message to an identity no peer has is an error, not
                sock.router_mandatory = 1  # silently dropped (the options may turn it off)
            for opt_name, value in opts:
                self._set_option(s, opt_name, value)
        except (EngineError, zmq.ZMQError) as exc:
            _close_quietly(sock, monitor)
            if isinstance(exc, zmq.ZMQError):
                raise EngineError(self._cannot_create(exc)) from None
            raise
        self._by_uid[uid] = s
        self._by_monitor[monitor] = s
        self._poller.register(monitor, zmq.POLLIN)
        self._start_hints()
        return s

    def _socket_and_monitor(self, zmq_type: int) -> tuple[zmq.Socket[Any], zmq.Socket[Any]]:
        """A ZeroMQ socket and the PAIR its monitor events come on. At the open-files limit
        just after a close they are made once libzmq's reaper thread has freed the closed
        socket's files, which it does a moment later (longer on a busy machine)."""
        assert self.context is not None  # the engine has started
        while True:
            sock = None
            try:
                sock = self.context.socket(zmq_type)
                return sock, sock.get_monitor_socket()
            except zmq.ZMQError as exc:
                if sock is not None:
                    sock.close(0)
                if exc.errno != errno.EMFILE or time.monotonic() >= self._reaping_until:
                    raise EngineError(self._cannot_create(exc)) from None
            time.sleep(0.005)

    def _cannot_create(self, exc: zmq.ZMQError) -> str:
        """Why a socket (or its monitor) could not be made, at the real limit that was hit."""
        if exc.errno != errno.EMFILE:
            return f"cannot make the socket: {_reason(exc, bind=False)}"
        made = len(self._by_uid)
        assert self.context is not None
        limit = int(self.context.max_sockets)
        if limit <= 3 * (made + 1):  # the socket, its monitor and its reader
            return (f"cannot make another socket: {made} sockets use ZeroMQ's limit of "
                    f"{limit} (three each, with their monitors)")
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

    def _close(self, s: SocketRecord, linger: int) -> None:
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
        self._reaping_until = time.monotonic() + REAPING_WAIT
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

    def _update_poll(self, s: SocketRecord) -> None:
        receiving = s.can_recv and (s.flow is None or not s.flow.held) and not s.recv_paused
        flags = (zmq.POLLIN if receiving else 0) | (zmq.POLLOUT if s.outbox else 0)
        if flags == s.poll_flags:
            return
        if flags:
            self._poller.register(s.sock, flags)
        else:
            self._poller.unregister(s.sock)
        s.poll_flags = flags


def _close_quietly(sock: zmq.Socket[Any], monitor: zmq.Socket[Any]) -> None:
    try:
        sock.disable_monitor()
    except zmq.ZMQError:
        pass
    monitor.close(0)
    sock.close(0)


def _open_files_limit() -> int | str:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return "a limited number of"
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]



def commands(engine: Engine) -> Handlers:
    return {C.Create: engine._do_create, C.Close: engine._do_close, C.Rename: engine._do_rename,
            C.ClearLog: engine._do_clearlog}
