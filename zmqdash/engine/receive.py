"""Receiving: one batch from a readable socket into its ring (the loop itself is
:mod:`.recvpath`), holding a socket back for a slow consumer, the per-message hooks of REQ, REP
and ROUTER, and auto-reply."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import zmq

from . import commands as C
from . import limits, recvpath, socket_types, subscriptions, templates
from .errors import EngineError
from .flow import Flow
from .parts import EngineParts
from .ring import FRAMES
from .socket_record import SocketRecord

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers

#: most messages taken from one socket before the poller looks at the others again
DRAIN_BATCH = 2048
#: ROUTER identities remembered per socket
PEERS_KEPT = 256


class Receive(EngineParts):
    """Receiving messages (a part of :class:`~.core.Engine`)."""

    def drain(self, s: SocketRecord) -> None:
        """Poller thread only: take one batch from ``s`` into its ring, as when it is readable
        (tests call it through :meth:`~.loop.Loop.on_engine_thread`)."""
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
                entry = ring.get(ring.total - 1)
                if entry is not None and hook(self, s, entry[FRAMES]):
                    break
                if s.recv_paused:
                    break
        if err and err != zmq.EFSM:  # EFSM: a REQ/REP not in a state to receive; wait
            self._error(s, f"receive: {zmq.strerror(err)}")
        ring.trim()
        stats = s.view.stats
        stats.msgs_in += n
        stats.bytes_in += nbytes

    def _hold(self, s: SocketRecord) -> None:
        """Stop receiving from ``s`` until its consumer has read on (see .flow)."""
        assert s.flow is not None
        s.flow.held = True
        self._held.add(s)
        self._update_poll(s)
        self._check_held()  # the consumer may have read on just before ``held`` was set

    def _check_held(self) -> None:
        for s in list(self._held):
            flow = s.flow
            assert flow is not None  # a socket is held for its consumer's flow
            batch, room = flow.room(s.view.log, s.view.stats, DRAIN_BATCH)
            if (batch > 0 and room > 0) or s.view.closed:
                self._held.discard(s)
                flow.held = False
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

    def _on_req(self, s: SocketRecord, frames: Sequence[bytes]) -> bool:
        s.view.awaiting_reply = False
        return False

    def _on_rep(self, s: SocketRecord, frames: Sequence[bytes]) -> bool:
        s.pending_request = frames
        s.view.reply_due = True
        if s.reply is None:
            return True  # a REP must answer before it can receive again
        self._auto_reply(s, [], frames)
        return False

    def _on_router(self, s: SocketRecord, frames: Sequence[bytes]) -> bool:
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

    def _auto_reply(self, s: SocketRecord, envelope: Sequence[bytes],
                    body: Sequence[bytes]) -> None:
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
        if s.type not in socket_types.REPLYING:
            raise EngineError(f"auto-reply is for REP and ROUTER sockets, not {s.type}")
        if cmd.template is None:
            s.reply = None
            s.view.auto_reply = None
            self._info(s, "auto-reply off")
        else:
            s.reply = templates.compile_frames(cmd.template)
            s.view.auto_reply = tuple(cmd.template)
            self._info(s, "auto-reply on: " + (" | ".join(cmd.template) or "echo"))
            if s.answers and s.pending_request is not None:
                self._auto_reply(s, [], s.pending_request)
        self._changed.add(s.name)



def commands(engine: Engine) -> Handlers:
    return {C.Backpressure: engine._do_backpressure, C.AutoReply: engine._do_autoreply}
