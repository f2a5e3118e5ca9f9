"""A device's two sockets: made (with their options and monitors, through the engine's own
``_open``), bound and connected, and closed again, letting go of their ports at once. A
restart binds a wildcard where it bound before, so that peers find the device where it was."""

from __future__ import annotations

import errno
import time
from dataclasses import replace
from functools import partial

import zmq

from .. import core
from .. import state as S
from ..errors import EngineError
from ..socket_record import SocketRecord
from .device_record import SIDES, DeviceRecord
from .parts import DeviceParts
from .state import RUNNING, STOPPED

#: the longest a restart waits for its own ports to be let go (seconds)
REBIND_WAIT = 0.25
IN_USE = core._ERRNO_TEXT[errno.EADDRINUSE]


class DeviceSockets(DeviceParts):
    """Starting and stopping devices (a room of :class:`~.table.DeviceTable`)."""

    def _start(self, d: DeviceRecord, again: bool = False) -> None:
        """Make both sockets, bind and connect them, and run; on failure the device is left
        stopped, with the reason, and the failure raised. ``again``: a restart."""
        e, v, k = self.engine, d.view, d.kind
        v.reason = ""
        try:
            sides = ((k.frontend, d.cmd.frontend_options, v.frontend),
                     (k.backend, d.cmd.backend_options, v.backend))
            for i, (type_, opts, side_view) in enumerate(sides):
                side_view.endpoints = ()
                side_view.closed = False
                try:
                    s = e._open(side_view.name, type_, opts, side_view)
                except EngineError as exc:
                    raise EngineError(f"{SIDES[i]}: {exc}") from None
                d.socks[i] = s
                e._pollables[s.sock] = partial(self._ready, d, i)
            for i, eps in enumerate(d.endpoints):
                side = d.socks[i]
                assert side is not None  # made just above
                for role, endpoint in eps:
                    try:
                        if role == S.BIND:
                            self._bind(d, i, side, endpoint, again)
                        else:
                            e._connect(side, endpoint, None)
                    except EngineError as exc:
                        raise EngineError(f"{SIDES[i]}: {exc}") from None
        except EngineError as exc:
            self._close_sockets(d)
            v.state = STOPPED
            v.paused_at = None
            v.reason = str(exc)
            self._changed(d)
            raise
        v.state = RUNNING
        v.paused_at = None
        self._update_poll(d)

    def _bind(self, d: DeviceRecord, i: int, s: SocketRecord, endpoint: str,
              again: bool) -> None:
        before = d.ports.get((i, endpoint))
        if before is not None:
            try:
                self._bind_now(s, before, again)
                return
            except EngineError:  # taken meanwhile: a new port, then
                s.view.endpoints = tuple(ep for ep in s.view.endpoints if ep.endpoint != before)
        real = self._bind_now(s, endpoint, again)
        if real != endpoint:
            d.ports[(i, endpoint)] = real

    def _bind_now(self, s: SocketRecord, endpoint: str, again: bool) -> str:
        """Bind; ``again`` (a restart): the port may still be held by this device's socket
        closed a moment ago, which libzmq's I/O thread lets go of asynchronously (within a
        millisecond or so), so "address in use" is retried for a short, bounded while."""
        deadline = time.monotonic() + (REBIND_WAIT if again else 0)
        while True:
            try:
                return self.engine._bind(s, endpoint)
            except EngineError as exc:
                if IN_USE not in str(exc) or time.monotonic() >= deadline:
                    raise
                s.view.endpoints = tuple(ep for ep in s.view.endpoints
                                         if ep.endpoint != endpoint)
                time.sleep(0.002)

    def _close_sockets(self, d: DeviceRecord) -> int:
        """Close both sockets (endpoints shown closed, failed ones kept as they are); returns
        how many messages were still waiting in the outboxes."""
        e = self.engine
        for i, s in enumerate(d.socks):
            if s is None:
                continue
            e._pollables.pop(s.sock, None)
            for ep in s.view.endpoints:  # let them go now (a close lets go later)
                if ep.role == S.BIND and ep.state != S.FAILED:
                    try:
                        s.sock.unbind(ep.resolved or ep.endpoint)
                    except zmq.ZMQError:
                        pass
            linger = core.CLOSE_LINGER_CAP if s.linger < 0 else min(s.linger,
                                                                    core.CLOSE_LINGER_CAP)
            try:
                e._close(s, linger)
            except zmq.ZMQError:
                pass
            e._by_uid.pop(s.uid, None)
            d.socks[i] = None
            s.view.endpoints = tuple(
                ep if ep.state == S.FAILED else replace(ep, state=S.CLOSED, peers=0, reason="")
                for ep in s.view.endpoints)
        lost = len(d.outbox[0]) + len(d.outbox[1])
        for box in d.outbox:
            box.clear()
        self._waiting(d)
        if d.subs:  # the frontend that held them upstream is gone: a new one starts with none
            d.subs.clear()
            d.view.subscriptions = ()
        return lost
