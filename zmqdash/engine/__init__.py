"""The engine: one poller thread that owns every ZeroMQ socket (no UI code here).

:class:`Engine` (and with it pyzmq) is loaded on first use, so a program that only needs the
engine's data types (the dashboard drawing its first frame, for one) does not pay for it.
"""

from typing import TYPE_CHECKING

from . import commands
from .errors import EngineError
from .ring import ERROR, EVENT, IN, INFO, OUT, EventInfo, Ring
from .state import EndpointState, RepeaterState, SocketView, Stats

__all__ = [
    "Engine", "EngineError", "commands", "Ring", "EventInfo", "IN", "OUT", "EVENT", "ERROR",
    "INFO", "EndpointState", "RepeaterState", "SocketView", "Stats",
]


if TYPE_CHECKING:
    from .core import Engine


def __getattr__(name: str) -> type:
    if name == "Engine":
        from .core import Engine

        return Engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
