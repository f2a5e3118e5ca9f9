"""Endpoints: bind, connect (after a host name lookup on a thread of its own when it needs
one), multicast joins, unbind and disconnect, and the endpoint states a socket shows."""

from __future__ import annotations

import errno
import socket as pysocket
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, cast

import zmq

from . import commands as C
from . import endpoints, multicast
from . import state as S
from .errors import EngineError
from .loop import LATER, _fail
from .parts import EngineParts
from .socket_record import SocketRecord

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers

class HostLookedUp:
    """Internal command: a host name lookup for a connect has finished."""

    def __init__(self, uid: int, endpoint: str, error: str, future: Future[Any] | None) -> None:
        self.uid = uid
        self.endpoint = endpoint
        self.error = error
        self.future = future


class Links(EngineParts):
    """Binding and connecting sockets (a part of :class:`~.core.Engine`)."""

    def _do_bind(self, cmd: C.Bind) -> str:
        return self._bind(self._get(cmd.name), cmd.endpoint)

    def _bind(self, s: SocketRecord, endpoint: str) -> str:
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
        real = cast(bytes, s.sock.get(zmq.LAST_ENDPOINT)).decode(errors="replace")
        self._set_endpoint(s, S.EndpointState(ep.text, S.BIND, S.LISTENING, resolved=real))
        if real != ep.text:
            self._info(s, f"bound {ep.text} as {real}")
        return real

    def _do_connect(self, cmd: C.Connect) -> Any:
        return self._connect(self._get(cmd.name), cmd.endpoint, self._current, cmd.via)

    def _connect(self, s: SocketRecord, endpoint: str, fut: Future[Any] | None,
                 via: str | None = None) -> Any:
        """Connect now, or once a host name is looked up (then ``LATER``: ``fut``, if any, is
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
            return LATER
        return self._connect_now(s, ep.text)

    def _resolve(self, uid: int, ep: endpoints.Endpoint, fut: Future[Any] | None) -> None:
        """Look a host name up off the poller thread, then hand the connect back to it."""
        host = ep.host.strip("[]")
        try:
            pysocket.getaddrinfo(host, int(ep.port), type=pysocket.SOCK_STREAM)
            error = ""
        except (OSError, UnicodeError) as exc:
            error = getattr(exc, "strerror", None) or str(exc)
        if not self._post(HostLookedUp(uid, ep.text, error, fut), None) and fut is not None:
            _fail(fut, EngineError(f"connect {ep.text}: the engine stopped during the lookup"))

    def _host_looked_up(self, cmd: HostLookedUp) -> None:
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

    def _connect_now(self, s: SocketRecord, text: str) -> str:
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

    def _join(self, s: SocketRecord, ep: endpoints.Endpoint, role: str) -> str:
        """Bind or connect a multicast endpoint (the two are the same to PGM and NORM: the
        socket joins the group). This machine is checked first, since libzmq ends the process
        on what it finds wrong later; no monitor events follow, so the state is "attached"."""
        verb = "bind" if role == S.BIND else "connect"
        sock = s.sock
        assert ep.group is not None  # a multicast endpoint has its group
        multicast.check_host(ep.text, ep.transport, ep.group, verb,
                             int(sock.get(zmq.MULTICAST_MAXTPDU)))
        rate, recovery_ivl = int(sock.get(zmq.RATE)), int(sock.get(zmq.RECOVERY_IVL))
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

    def _check_new_endpoint(self, s: SocketRecord, ep: endpoints.Endpoint) -> None:
        if ep.wildcard:
            return  # each wildcard bind gets a port of its own
        for e in s.view.endpoints:
            if e.endpoint == ep.text and e.state != S.FAILED:
                raise EngineError(f"{s.name} already has {e.role} {ep.text}")

    def _set_endpoint(self, s: SocketRecord, new: S.EndpointState) -> None:
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

    def _drop_endpoint(self, s: SocketRecord, text: str, role: str) -> S.EndpointState:
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
            sock: zmq.Socket[Any] | None = None) -> str:
    if exc.errno == errno.ENODEV and ep is not None and ep.host.startswith("[") and \
            sock is not None and not sock.getsockopt(zmq.IPV6):
        return "an IPv6 address, and IPv6 is off for this socket (set the option ipv6=1)"
    text = _ERRNO_TEXT.get(exc.errno or 0)
    if text is None:
        # libzmq's own words for the errno: pyzmq's strerror may add the endpoint and advice
        text = zmq.strerror(exc.errno).rstrip(".") if exc.errno else str(exc.strerror)
        text = text[:1].lower() + text[1:]
    return text



def commands(engine: Engine) -> Handlers:
    return {C.Bind: engine._do_bind, C.Connect: engine._do_connect, C.Unbind: engine._do_unbind,
            C.Disconnect: engine._do_disconnect, HostLookedUp: engine._host_looked_up}
