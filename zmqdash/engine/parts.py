"""What the engine's rooms share, declared once: the state :class:`~.core.Engine` sets up, which
every room reads, and the few methods one room calls in another (each defined in the room its
comment names). Every room's class derives from :class:`EngineParts`, so a type checker sees
the whole engine from inside any of them; at run time this class holds nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import zmq

    from . import hints
    from . import state as S
    from .devices.table import DeviceTable
    from .loop import Handlers
    from .rates import RateKeeper
    from .record import Recorder
    from .replay import Replayer
    from .ring import Ring
    from .security import Security
    from .socket_record import SocketRecord
    from .tunnels import Tunnels


class EngineParts:
    """The engine's shared state and its rooms' calls to each other (for the type checker)."""

    # -- settings -------------------------------------------------------------------------------
    ring_capacity: int
    byte_budget: int
    nice: int
    default_linger: int
    flow_window: int | None
    hint_timing: hints.Timing
    on_change: Callable[[frozenset[str]], None] | None

    # -- what consumers read ------------------------------------------------------------------
    context: zmq.Context[Any] | None
    log: Ring
    generation: int

    # -- the poller thread's own --------------------------------------------------------------
    _cond: threading.Condition
    _queue: queue.SimpleQueue[tuple[object, Future[Any] | None]]
    _lock: threading.Lock
    _thread: threading.Thread | None
    _running: bool
    _wake_r: int
    _wake_w: int
    _poller: zmq.Poller
    _handlers: Handlers
    _current: Future[Any] | None
    _stop_linger: int | None
    _views: dict[str, S.SocketView]
    _by_name: dict[str, SocketRecord]
    _by_uid: dict[int, SocketRecord]
    _by_zsock: dict[Any, SocketRecord]
    _by_monitor: dict[Any, SocketRecord]
    _pollables: dict[Any, Callable[[], None]]
    _timers: list[tuple[float, int, int]]
    _next_uid: int
    _reaping_until: float
    _changed: set[str]
    _held: set[SocketRecord]
    _lookups: set[Future[Any]]
    _hints_due: bool
    _counters: dict[str, Any]

    # -- the parts that plug in ----------------------------------------------------------------
    _security: Security
    _tunnels: Tunnels
    _devices: DeviceTable
    _recorder: Recorder
    _replayer: Replayer
    _rates: RateKeeper

    if TYPE_CHECKING:
        # loop.py
        def _post(self, cmd: object, fut: Future[Any] | None) -> bool: ...
        def _get(self, name: str) -> SocketRecord: ...
        def _error(self, s: SocketRecord, text: str) -> None: ...
        def _info(self, s: SocketRecord, text: str) -> None: ...

        # sockets.py
        def _close(self, s: SocketRecord, linger: int) -> None: ...
        def _update_poll(self, s: SocketRecord) -> None: ...

        # links.py
        def _set_endpoint(self, s: SocketRecord, new: S.EndpointState) -> None: ...

        # configure.py
        def _set_option(self, s: SocketRecord, name: object, value: Any) -> str: ...

        # send.py
        def _send(self, s: SocketRecord, frames: list[bytes], log: bool = True) -> str: ...
        def _flush(self, s: SocketRecord) -> None: ...
        def _newest_peer(self, s: SocketRecord) -> bytes: ...

        # receive.py
        def drain(self, s: SocketRecord) -> None: ...
        def _check_held(self) -> None: ...

        # monitor_events.py
        def _monitor_events(self, s: SocketRecord) -> None: ...
        def _subscribers_changed(self, s: SocketRecord) -> None: ...

        # repeat.py
        def _run_timers(self) -> None: ...

        # hinting.py
        def _start_hints(self) -> None: ...
        def _hint_tick(self, now: float) -> None: ...
