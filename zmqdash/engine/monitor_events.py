"""The engine's side of socket monitors: each event read from a socket's monitor becomes an
endpoint state and a log entry (a retry loop folded into one entry), and an XPUB's peers are
matched to its subscribers. What the events mean is :mod:`.monitor`."""

from __future__ import annotations

import time
from dataclasses import replace

import zmq
from zmq.utils.monitor import parse_monitor_message

from . import monitor
from .parts import EngineParts
from .ring import EVENT, META, SEQ, EventInfo
from .socket_record import SocketRecord


class MonitorEvents(EngineParts):
    """Reading socket monitors (a part of :class:`~.core.Engine`)."""

    def _monitor_events(self, s: SocketRecord) -> None:
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
                    if new.peers > ep.peers:
                        new = replace(new, connections=ep.connections + 1)
                    if new != ep:
                        self._set_endpoint(s, new)
                    break
            now = time.time()
            folded = s.fold.get(where)
            if folded is not None and ring.get(folded[SEQ]) is folded:
                info = folded[META]
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

    def _subscriber_event(self, s: SocketRecord, name: str, fd: int, where: str) -> None:
        """An XPUB's peer came or went (the monitor's value is its descriptor)."""
        subs = s.subs
        if subs is None:
            return
        if name in ("ACCEPTED", "CONNECTED"):
            subs.peer_came(fd, where)
        elif name == "DISCONNECTED":
            now = time.time()
            for change in subs.peer_went(fd):
                change.last_ts = now
                s.view.log.append(now, EVENT, (), change, 0)
        self._subscribers_changed(s)

    def _subscribers_changed(self, s: SocketRecord) -> None:
        subs = s.subs
        if subs is not None and subs.changed:
            subs.changed = False
            s.view.subscribers = subs.table
            self._changed.add(s.name)
