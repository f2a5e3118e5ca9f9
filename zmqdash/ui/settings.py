"""The dashboard's settings, read from the environment: how often the screen pulls from the
engine, how many entries each socket's log keeps, Textual's frame-rate cap, and how the engine's
thread and the garbage collector run under the screen.

Importing this module imports nothing of Textual (the command line reads :data:`FPS` before
Textual is first imported, which is when Textual reads ``TEXTUAL_FPS``).
"""

from __future__ import annotations

import math
import os

#: environment variable: how often a second the screen pulls from the engine (default 10)
REFRESH_ENV = "ZMQDASH_REFRESH_HZ"
#: environment variable: entries kept per socket log (default 10000)
RING_ENV = "ZMQDASH_RING"
#: Textual's own environment variable for its frame-rate cap
FPS_ENV = "TEXTUAL_FPS"
#: Textual's frame-rate cap, unless the user set one (TEXTUAL_FPS). A frame that shows a key's
#: effect waits for the next slot: up to 1/60 s at Textual's default, and measured under a
#: flood the 95th percentile of key-to-screen fell from about 50 ms at 120 to 35 ms at 240.
#: Floods do not paint more often for it: the dashboard paces itself (ZMQDASH_REFRESH_HZ
#: pulls a second, a streaming log repainted at most five times a second).
FPS = "240"
#: young objects allowed before a collection, once started (Python's default is 700): a
#: screen's worth of Textual strips is thousands of short-lived objects, and each collection
#: that runs in the middle of a frame delays it
GC_YOUNG_THRESHOLD = 20_000
#: the engine thread's CPU niceness above the screen's: when a flood fills the CPUs, messages
#: wait in ZeroMQ's queues (nothing is lost) rather than key presses waiting for a CPU
ENGINE_NICE = 10


def env_number(name: str, default: float, low: float, high: float) -> float:
    """A number from the environment, clamped to [low, high]; the default if unset or bad."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return min(high, max(low, value)) if math.isfinite(value) else default


def ring_capacity() -> int:
    """Entries kept per socket log (``ZMQDASH_RING``)."""
    return int(env_number(RING_ENV, 10_000, 1, 10_000_000))


def refresh_hz() -> float:
    """Pulls a second from the engine (``ZMQDASH_REFRESH_HZ``, 1 to 60)."""
    return env_number(REFRESH_ENV, 10, 1, 60)


def default_fps() -> None:
    """Cap Textual's frame rate at :data:`FPS` unless the user chose one; call before Textual
    is first imported."""
    os.environ.setdefault(FPS_ENV, FPS)
