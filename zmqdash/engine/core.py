"""The engine: one thread that owns every ZeroMQ socket.

Consumers (the dashboard, ``zmqdash cat``, ``zmqdash run``) never touch a socket. They call
:meth:`Engine.submit` with a command from :mod:`.commands`; the command goes on a queue and a byte
written to a pipe wakes the poller at once. The poller thread receives into each socket's
:class:`~.ring.Ring` and counters, and consumers read those whenever they like.

:class:`Engine` is put together here from its rooms, one concern each: :mod:`.loop` (the
thread, queue, poll loop, publishing, shutdown), :mod:`.sockets` (a socket's life, with its
record in :mod:`.socket_record`), :mod:`.links` (bind and connect), :mod:`.configure` (options
and subscriptions), :mod:`.send`, :mod:`.receive`, :mod:`.monitor_events`, :mod:`.repeat`
(repeat-send and timers) and :mod:`.hinting`. Each module's ``commands(engine)`` gives the
handlers of the commands it carries out; the parts that plug in (security, tunnels, devices,
recording, replay) give theirs with ``handlers()``. A new concern is a new module added to
:data:`ROOMS` or a part added in ``__init__``, never a branch in the loop.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from . import configure, hinting, hints, links, loop, receive, repeat, send, sockets
from .configure import Configure
from .hinting import Hinting
from .links import _ERRNO_TEXT, Links
from .loop import LATER, Loop
from .monitor_events import MonitorEvents
from .rates import RateKeeper
from .receive import DRAIN_BATCH, Receive
from .record import Recorder
from .repeat import Repeats
from .replay import Replayer
from .ring import DEFAULT_BYTE_BUDGET, DEFAULT_CAPACITY, Ring
from .security import Security
from .send import OUTBOX_LIMIT, Send
from .sockets import CLOSE_LINGER_CAP, SocketLife
from .tunnels import Tunnels

# the limits are read here by the devices (devices/: table.py, sockets.py, forwarding.py)
__all__ = ["Engine", "ROOMS", "DRAIN_BATCH", "OUTBOX_LIMIT", "CLOSE_LINGER_CAP", "_ERRNO_TEXT"]

#: the engine's modules whose ``commands(engine)`` give handlers (see the module's docstring)
ROOMS = (loop, sockets, links, configure, send, receive, repeat, hinting)


class Engine(Loop, SocketLife, Links, Configure, Send, Receive, MonitorEvents, Repeats, Hinting):
    """Owns a ZeroMQ context and the one thread that uses its sockets."""

    #: a handler's result meaning "the Future is resolved later" (for modules that plug in)
    LATER = LATER

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
        self._held = set()  # not received from until their consumer reads on
        #: when the hints about sockets (hints/) are worked out and how long situations last
        self.hint_timing = hint_timing or hints.Timing()
        self._hints_due = False  # the hints' timer is on the heap
        self._counters = {}  # {seq} templates seen -> hints.counter_pattern
        self.context = None
        #: engine-wide messages (errors about sockets that do not exist, shutdown notes)
        self.log = Ring(1000)
        self.generation = 0
        self._cond = threading.Condition()
        self._queue = queue.SimpleQueue()
        self._views = {}
        self._by_name = {}
        self._by_uid = {}
        self._by_zsock = {}
        self._by_monitor = {}
        self._timers = []
        self._next_uid = 1
        self._reaping_until = 0.0  # until when a closed socket's files may still be open
        self._changed = set()
        self._thread = None
        self._running = False
        self._wake_r = self._wake_w = -1
        self._current = None
        self._lock = threading.Lock()  # guards _running against the wake pipe being closed
        self._lookups = set()  # Connects waiting on a host name lookup
        self._stop_linger = None
        #: sockets of the engine's own parts (the ZAP authenticator) and who reads them
        self._pollables = {}
        # parts that plug in: each registers the commands it handles
        self._security = Security(self)
        self._tunnels = Tunnels(self)
        from .devices.table import DeviceTable  # it builds on the engine's socket plumbing

        self._devices = DeviceTable(self)
        self._recorder = Recorder(self)
        self._replayer = Replayer(self)
        self._rates = RateKeeper(self)
        self._handlers = {}
        for room in ROOMS:
            self.register(room.commands(self))
        for part in (self._security, self._tunnels, self._devices, self._recorder,
                     self._replayer):
            self.register(part.handlers())
