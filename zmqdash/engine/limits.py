"""Ranges for every number a user gives, and the one way whole numbers are read from text.

Numbers come from the command line, session files, dialogs and socket options. Each is checked
here against what the code that uses it can hold, so a huge, negative or odd-looking value is
a plain error where it was typed, never an ``OverflowError`` deep inside (a poll timeout, a C
int, a TOML integer). Digits are ASCII only: ``int()`` also reads ``'٥'`` and other scripts'
digits, which then reach libzmq as something else than what the user saw.
"""

from __future__ import annotations

from .errors import EngineError

#: a C int and a 64-bit integer (socket options of libzmq's two integer kinds)
INT32 = (-(1 << 31), (1 << 31) - 1)
INT64 = (-(1 << 63), (1 << 63) - 1)
#: a tcp port
PORT = (1, 65535)
#: a repeat-send's interval in ms: up to about 24.8 days (a C int of ms, as libzmq's timeouts)
INTERVAL_MS = (1, (1 << 31) - 1)
#: a count of messages (repeat-send, --count): what a TOML file can hold
COUNT = (1, (1 << 63) - 1)
#: seconds (--timeout): above 0 and at most a year, which every timed wait can hold
MAX_SECONDS = 365 * 24 * 3600.0

_DECIMAL = frozenset("0123456789")


def is_ascii_digits(text: str) -> bool:
    """``text`` is one or more of 0-9 (``str.isdigit`` also takes '²' and '٥')."""
    return bool(text) and all(c in _DECIMAL for c in text)


def parse_int(text: str, *, prefixes: bool = False) -> int | None:
    """A whole number written in ASCII (an optional sign, digits), or None. ``prefixes`` also
    reads ``0x``, ``0o``, ``0b`` and ``_`` between digits, as Python does."""
    body = text.strip()
    if not body or not body.isascii():
        return None
    try:
        return int(body, 0 if prefixes else 10)
    except ValueError:
        return None


def check_int(value: object, low: int, high: int, what: str = "") -> int:
    """``value`` as an int within ``low``..``high``; raises :class:`EngineError` saying so."""
    must = f"{what} must" if what else "must"
    if isinstance(value, bool) or not isinstance(value, int):
        raise EngineError(f"{must} be a whole number, not {_short(value)!r}")
    if value < low:
        raise EngineError(f"{must} be at least {low}, not {_short(value)}")
    if value > high:
        raise EngineError(f"{must} be at most {high}, not {_short(value)}")
    return value


def whole_number(text: str, low: int, high: int, what: str = "") -> int:
    """``text`` read as a whole number within ``low``..``high`` (raises :class:`EngineError`)."""
    value = parse_int(text)
    if value is None:
        must = f"{what} must" if what else "must"
        raise EngineError(f"{must} be a whole number, not {_short(text)!r}")
    return check_int(value, low, high, what)


def seconds(text: str, what: str = "") -> float:
    """A positive number of seconds, at most :data:`MAX_SECONDS` (raises :class:`EngineError`)."""
    body = text.strip()
    try:
        value = float(body) if body.isascii() else float("nan")
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_SECONDS:  # also false for nan
        must = f"{what} must" if what else "must"
        raise EngineError(f"{must} be a number of seconds above 0 and at most "
                          f"{MAX_SECONDS:.0f} (a year), not {_short(text)!r}")
    return value


def interval_ms(value: object) -> int:
    return check_int(value, *INTERVAL_MS, "the interval (ms)")


def count(value: object, what: str = "the count") -> int:
    return check_int(value, *COUNT, what)


def _short(value: object) -> str:
    """A number or text as the user gave it, cut to a readable length."""
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."
