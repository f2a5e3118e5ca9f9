"""Sending: the checks a message passes first, the outbox of messages no peer could take
yet (flushed when the socket can send), and the one place an outgoing message is counted."""

from __future__ import annotations

import errno
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import zmq

from . import commands as C
from . import socket_types
from .errors import EngineError, PeerUnreachable
from .parts import EngineParts
from .ring import OUT
from .socket_record import SocketRecord

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers

#: messages that may wait for a peer in one socket's outbox
OUTBOX_LIMIT = 10_000


class Send(EngineParts):
    """Sending messages (a part of :class:`~.core.Engine`)."""

    def _do_send(self, cmd: C.Send) -> str:
        s = self._get(cmd.name)
        frames = [bytes(f) for f in cmd.frames]
        if cmd.newest_peer:
            cmd = replace(cmd, peer=self._newest_peer(s))
        if cmd.peer is not None:
            if not s.routes:
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

    def _newest_peer(self, s: SocketRecord) -> bytes:
        if not s.routes:
            raise EngineError("only a ROUTER sends to a peer by its identity")
        if not s.peer_order:
            raise EngineError("no peer has talked to this ROUTER yet: wait for one, or choose "
                              "'first frame is the identity'")
        return s.peer_order[-1]

    def _send_checked(self, s: SocketRecord, frames: list[bytes]) -> str:
        if s.type in socket_types.RECEIVE_ONLY:
            raise EngineError(f"a {s.type} socket cannot send")
        if not frames:
            raise EngineError("nothing to send (a message needs at least one frame)")
        if s.asks and not s.relaxed and (s.view.awaiting_reply or s.outbox):
            raise EngineError(
                "waiting for a reply; a REQ socket sends one request at a time "
                "(enable req_relaxed to send again)"
            )
        if s.answers and s.pending_request is None:
            raise EngineError("a REP socket can only reply after it has received a request")
        if s.routes and len(frames) < 2:
            raise EngineError(
                "a ROUTER message starts with the peer's identity: choose a peer "
                "(or give the identity as the first frame)"
            )
        return self._send(s, frames)

    def _send(self, s: SocketRecord, frames: list[bytes], log: bool = True) -> str:
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
            self._accepted(s)  # counted when it goes (see _flush)
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
        self._accepted(s)
        if log:
            self._count_sent(s, frames)
        return "sent"

    def _accepted(self, s: SocketRecord) -> None:
        """State changes that happen when a message is accepted (sent or queued)."""
        if s.asks:
            s.view.awaiting_reply = True
        elif s.answers:
            s.pending_request = None
            s.view.reply_due = False

    def _count_sent(self, s: SocketRecord, frames: list[bytes]) -> None:
        """The one place a message that went is logged and counted (sent at once, or from the
        outbox later)."""
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

    def _flush(self, s: SocketRecord) -> None:
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
            self._count_sent(s, frames)
        s.view.pending = len(s.outbox)
        self._update_poll(s)


def _put(sock: zmq.Socket[Any], frames: list[bytes]) -> None:
    """Send without blocking (raises ``zmq.Again``); one frame goes by ``send``, several times
    cheaper in pyzmq than ``send_multipart``."""
    if len(frames) == 1:
        sock.send(frames[0], zmq.NOBLOCK)
    else:
        sock.send_multipart(frames, zmq.NOBLOCK)


def _send_reason(s: SocketRecord, exc: zmq.ZMQError, frames: list[bytes]) -> str:
    if exc.errno == zmq.EFSM:
        if s.asks:
            return "waiting for a reply; enable req_relaxed to send again"
        if s.answers:
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



def commands(engine: Engine) -> Handlers:
    return {C.Send: engine._do_send, C.SendMany: engine._do_sendmany}
