"""What a consumer (the dashboard, ``zmqdash run``, a session being applied) uses of an engine:
:class:`EngineLike`. :class:`~.core.Engine` is one; the tests' fake engine is another.

No pyzmq here: the dashboard names the protocol before the engine is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .commands import Command
from .devices.commands import DeviceCommand

if TYPE_CHECKING:
    from .devices.state import DeviceView
    from .state import SocketView

#: every command a consumer may submit
AnyCommand = Command | DeviceCommand


@runtime_checkable
class EngineLike(Protocol):
    """The engine's surface: commands in (:meth:`submit`, :meth:`call`), views out."""

    #: bumped once per poll round in which anything happened
    generation: int
    #: called (from the engine's thread) with the names of sockets that changed structurally
    on_change: Callable[[frozenset[str]], None] | None

    @property
    def running(self) -> bool: ...

    def start(self) -> EngineLike: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def submit(self, cmd: AnyCommand) -> Future[Any]:
        """Queue ``cmd``; the Future resolves when it has been carried out."""
        ...

    def call(self, cmd: AnyCommand, timeout: float | None = 5.0) -> Any:
        """Submit ``cmd`` and wait for its result (raises :class:`~.errors.EngineError`)."""
        ...

    def sockets(self) -> Mapping[str, SocketView]: ...

    def view(self, name: str) -> SocketView: ...

    def devices(self) -> Mapping[str, DeviceView]: ...

    def wait_for_change(self, generation: int, timeout: float | None = None) -> int: ...
