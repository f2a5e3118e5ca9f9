"""How a device moves messages, on the poller thread: when a side is readable a batch goes
across (:mod:`..forwardpath`, the compiled helper where it was built), counted once per batch
and written into the tap; when the other side cannot take a message now, that one message waits
in the device's outbox for the direction, the source is no longer read, and the destination is
polled for room. ZeroMQ's own queues hold the rest, up to the high-water marks, exactly as they
do for a paused device. A forwarder's subscriptions go up its own way, message by message."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import cast

import zmq

from .. import core, forwardpath, subscriptions
from ..ring import EVENT, FRAMES, KIND, META, TS, Ring
from ..socket_record import SocketRecord
from .device_record import DIRS, SIDES, DeviceRecord
from .parts import DeviceParts
from .state import INJECTED, RUNNING

#: refused messages are written in the log at most this often per device (the count is exact)
REFUSED_NOTE_INTERVAL = 1.0
NO_LIMIT = 1 << 62


class Forwarding(DeviceParts):
    """The poller's side of devices (a room of :class:`~.table.DeviceTable`): the engine calls
    :meth:`_ready` when a side is ready for what it is polled for."""

    def _update_poll(self, d: DeviceRecord) -> None:
        poller = self.engine._poller
        running = d.view.state == RUNNING and not (d.rec is not None and d.rec.recv_paused)
        for i, s in enumerate(d.socks):
            if s is None:
                continue
            flags = 0
            if running and i < len(d.kind.directions) and not d.outbox[i]:
                flags |= zmq.POLLIN  # side i is where direction i is read
            if d.outbox[1 - i]:
                flags |= zmq.POLLOUT  # a message waits to leave through side i
            if flags != s.poll_flags:
                if flags:
                    poller.register(s.sock, flags)
                else:
                    poller.unregister(s.sock)
                s.poll_flags = flags

    def _ready(self, d: DeviceRecord, i: int) -> None:
        """Side ``i`` is ready for what it is polled for (the engine calls this)."""
        s = d.socks[i]
        if s is None:
            return
        events = cast(int, s.sock.get(zmq.EVENTS))  # which of its two polls fired
        if events & zmq.POLLOUT and d.outbox[1 - i]:
            self._flush(d, 1 - i)
        if events & zmq.POLLIN and s.poll_flags & zmq.POLLIN:
            self._pump(d, i)
        self._update_poll(d)

    def _pump(self, d: DeviceRecord, di: int) -> None:
        """Forward one batch in direction ``di`` (the hot path: bookkeeping once per batch)."""
        v = d.view
        if v.state != RUNNING or d.outbox[di]:
            return
        src, dst = d.socks[di], d.socks[1 - di]
        if src is None or dst is None:
            return
        rec = d.rec if d.rec is not None and d.rec.recording is not None else None
        if rec is not None and rec.recv_paused:
            return  # the recording's disk is behind: ZeroMQ's queues hold what comes
        if di == 1 and d.watches_subscriptions:
            self._pump_subscriptions(d, src, dst)
            return
        ring = v.log if v.tap else None
        batch = core.DRAIN_BATCH
        if rec is not None and ring is not None:
            recording = rec.recording
            assert recording is not None  # rec is only kept while it has one
            # every entry still in its slot when handed over, and no more than the buffer takes
            batch = min(batch, ring.capacity, recording.room())
        start = ring.total if ring is not None else 0
        n, nbytes, err, held, refused, refused_err = forwardpath.forward(
            src.sock, dst.sock, ring, time.time(), batch,
            ring.byte_budget if ring is not None else NO_LIMIT, DIRS[di])
        if rec is not None and ring is not None and n:
            self.engine._recorder.received(rec, ring, start, nbytes)
        stats = v.stats
        if di == 0:
            stats.f2b_msgs += n
            stats.f2b_bytes += nbytes
        else:
            stats.b2f_msgs += n
            stats.b2f_bytes += nbytes
        if n and ring is not None:
            ring.trim()
        if held is not None:
            d.outbox[di].append((held, None))
            self._waiting(d)
        if refused:
            self._refused(d, di, refused, refused_err)
        if err:
            self._error(d, f"{SIDES[di]}: receive: {zmq.strerror(err)}")

    def _pump_subscriptions(self, d: DeviceRecord, src: SocketRecord,
                            dst: SocketRecord) -> None:
        """A forwarder's backend (XPUB) to its frontend (XSUB): what the subscribers ask for goes
        upstream. The engine's XPUBs pass every subscribe and unsubscribe, for the subscriber
        table (``backend.subscribers``); what crosses is what a plain XPUB would have passed,
        as ``zmq.proxy`` forwards it. Subscriptions are few: this goes message by message."""
        e = self.engine
        if d.scratch is None:
            d.scratch = Ring(4 * subscriptions.BATCH)
        scratch = d.scratch
        start = scratch.total
        tracker = src.subs
        assert tracker is not None  # an XPUB keeps its subscriber table
        _, _, err = subscriptions.receive(e, src, time.time(), tracker, scratch)
        e._subscribers_changed(src)
        for entry in scratch.since(start):
            if entry[KIND] == EVENT:  # a change of the subscriber table, for the log
                d.view.log.append(entry[TS], EVENT, (), entry[META], 0)
                continue
            frames = list(entry[FRAMES])
            if d.outbox[1]:
                d.outbox[1].append((frames, None))
                continue
            try:
                dst.sock.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                d.outbox[1].append((frames, None))
            except zmq.ZMQError as exc:
                self._refused(d, 1, 1, exc.errno or 0)
            else:
                self._crossed(d, 1, frames, None)
        scratch.clear()
        self._waiting(d)
        if err:
            self._error(d, f"{SIDES[1]}: receive: {zmq.strerror(err)}")

    def _flush(self, d: DeviceRecord, di: int) -> None:
        """Send what waits for direction ``di``'s destination, then go on forwarding."""
        box, dst = d.outbox[di], d.socks[1 - di]
        if dst is None:
            return
        while box:
            frames, meta = box[0]
            try:
                dst.sock.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                break
            except zmq.ZMQError as exc:
                box.popleft()
                self._refused(d, di, 1, exc.errno or 0)
                continue
            box.popleft()
            self._crossed(d, di, frames, meta)
        self._waiting(d)
        if not box:
            self._pump(d, di)

    def _crossed(self, d: DeviceRecord, di: int, frames: Sequence[bytes],
                 meta: str | None) -> None:
        """Count (and tap) one message sent outside a batch: one that waited, or injected."""
        v = d.view
        size = sum(len(f) for f in frames)
        stats = v.stats
        if di == 0:
            stats.f2b_msgs += 1
            stats.f2b_bytes += size
        else:
            stats.b2f_msgs += 1
            stats.b2f_bytes += size
        if meta == INJECTED:
            stats.injected += 1
        if v.tap or meta is not None:
            v.log.append(time.time(), DIRS[di], frames, meta, size)
        if di == 1 and d.watches_subscriptions:
            self._note_subscription(d, frames)

    def _note_subscription(self, d: DeviceRecord, frames: Sequence[bytes]) -> None:
        """A forwarder shows what crossed upstream: a plain XPUB passes on the first subscribe
        of a prefix and its last holder's unsubscribe."""
        if len(frames) != 1 or frames[0][:1] not in (b"\x01", b"\x00"):
            return
        prefix = bytes(frames[0][1:])
        if frames[0][:1] == b"\x01":
            if prefix in d.subs:
                return
            d.subs[prefix] = None
        elif prefix in d.subs:
            del d.subs[prefix]
        else:
            return
        d.view.subscriptions = tuple(d.subs)
        self._changed(d)

    def _refused(self, d: DeviceRecord, di: int, count: int, err: int) -> None:
        d.view.stats.refused += count
        d.refused_since += count
        now = time.monotonic()
        if now - d.refused_at >= REFUSED_NOTE_INTERVAL:
            n, d.refused_since, d.refused_at = d.refused_since, 0, now
            why = ("no connected peer has that routing identity" if err == zmq.EHOSTUNREACH
                   else zmq.strerror(err))
            self._error(d, f"{n} message{'s' if n != 1 else ''} going {DIRS[di]} could not be "
                        f"delivered by the {SIDES[1 - di]}: {why}")

    def _waiting(self, d: DeviceRecord) -> None:
        waiting = (len(d.outbox[0]), len(d.outbox[1]))
        if waiting != d.view.waiting:
            d.view.waiting = waiting
