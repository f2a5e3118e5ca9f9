"""The engine-side record of one socket: its pyzmq socket and monitor, its outbox, repeaters,
auto-reply, and the state the other parts keep about it. Touched only by the poller thread;
consumers read the :class:`~.state.SocketView` it holds."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import zmq

from . import hints, multicast, socket_types, subscriptions
from . import state as S
from .flow import Flow
from .ring import Entry

if TYPE_CHECKING:
    from ..codec import JsonLines
    from .recording import Recording
    from .repeat import Repeater

class SocketRecord:
    """Engine-side record of one socket (touched only by the poller thread)."""

    def __init__(self, uid: int, name: str, type_name: str, sock: zmq.Socket[Any],
                 mon: zmq.Socket[Any] | None, view: S.SocketView) -> None:
        self.uid = uid
        self.name = name
        self.type = type_name
        self.sock = sock
        self.monitor = mon
        self.view = view
        self.outbox: deque[list[bytes]] = deque()
        self.poll_flags = 0
        self.fold: dict[str, Entry] = {}  # endpoint -> the log entry a retry loop folds into
        self.repeaters: dict[int, Repeater] = {}
        self.repeats_started = 0
        self.reply: list[Callable[..., bytes]] | None = None  # compiled auto-reply frames
        self.replies = 0
        self.pending_request: Sequence[bytes] | None = None  # REP: a request not answered yet
        self.peer_order: deque[bytes] = deque()
        self.linger = 0
        self.relaxed = False
        self.conflate = False
        self.bind_failed: int | None = None  # errno of the monitor's last BIND_FAILED
        #: ROUTER: router_mandatory as the owner set it (libzmq's stays on: see _set_option)
        self.mandatory = True
        self.flow: Flow | None = None  # back-pressure toward a consumer reading every entry
        kind = socket_types.BY_NAME[type_name]
        #: what the type can do (socket_types.py), and the three the send path asks per message
        self.kind = kind
        self.asks = kind.lock_step == "ask"  # REQ: one request, then wait for the reply
        self.answers = kind.lock_step == "answer"  # REP: one reply to each request
        self.routes = kind.peer_chooser  # ROUTER: the first frame names the peer
        self.can_recv = kind.receives
        #: XPUB: who subscribes to what (see subscriptions.py)
        self.subs = subscriptions.Tracker() if kind.subscriber_table else None
        self.pace: multicast.Pace | None = None  # a multicast sender's estimated queue
        #: the recording taking this socket's entries, and its line writer
        self.recording: Recording | None = None
        self.record_lines: JsonLines | None = None
        #: receiving held back while the recording's disk catches up
        self.recv_paused = False
        #: what the hints need beyond the view (see hints/)
        self.watch = hints.Watch(time.monotonic())
