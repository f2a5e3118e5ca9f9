"""The engine: one poller thread that owns every ZeroMQ socket (no UI code here)."""

from . import commands
from .core import Engine
from .errors import EngineError
from .ring import ERROR, EVENT, IN, INFO, OUT, EventInfo, Ring
from .state import EndpointState, RepeaterState, SocketView, Stats

__all__ = [
    "Engine", "EngineError", "commands", "Ring", "EventInfo", "IN", "OUT", "EVENT", "ERROR",
    "INFO", "EndpointState", "RepeaterState", "SocketView", "Stats",
]
