"""What the checks look at (a socket's endpoints, peers, log and options) and the words
they say it in."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from .. import state as S
from ..ring import KIND
from ..subscriptions import prefix_text
from .watch import (
    Timing,
    Watch,
)

if TYPE_CHECKING:
    from ..ring import Entry, Ring
    from ..socket_record import SocketRecord


def _s(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _prefixes(subs: tuple[bytes, ...]) -> str:
    shown = [prefix_text(p) for p in subs[:4]]
    more = f" (+{len(subs) - 4} more)" if len(subs) > 4 else ""
    if len(shown) == 1:
        return shown[0] + more
    return ", ".join(shown[:-1]) + " or " + shown[-1] + more












def _address(ep: S.EndpointState) -> str:
    return ep.resolved or ep.endpoint


def _linked(s: SocketRecord, socks: Sequence[SocketRecord],
            types: Collection[str]) -> list[SocketRecord]:
    """Sockets of these types in this engine at the other end of one of ``s``'s endpoints."""
    mine = {(_address(ep), ep.role) for ep in s.view.endpoints}
    found = []
    for other in socks:
        if other is s or other.type not in types:
            continue
        for ep in other.view.endpoints:
            opposite = S.CONNECT if ep.role == S.BIND else S.BIND
            if (_address(ep), opposite) in mine or (ep.endpoint, opposite) in mine:
                found.append(other)
                break
    return found


def _newest(ring: Ring, kind: str, limit: int = 64) -> list[Entry]:
    """Up to ``limit`` of the newest entries of ``kind`` among the last ``limit`` entries."""
    out = []
    for seq in range(ring.total - 1, max(ring.first, ring.total - limit) - 1, -1):
        entry = ring.get(seq)
        if entry is not None and entry[KIND] == kind:
            out.append(entry)
    return out


def _option(view: S.SocketView, name: str) -> str | None:
    for key, value in view.options:
        if key == name:
            return value
    return None




class _Context:
    __slots__ = ("s", "w", "socks", "t", "now")

    def __init__(self, s: SocketRecord, w: Watch, socks: Sequence[SocketRecord], timing: Timing,
                 now: float) -> None:
        self.s = s
        self.w = w
        self.socks = socks
        self.t = timing
        self.now = now
