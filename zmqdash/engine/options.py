"""Socket types and socket options by name, with values parsed from text."""

from __future__ import annotations

import difflib

import zmq

from .errors import EngineError

SOCKET_TYPES: dict[str, int] = {
    name: getattr(zmq, name)
    for name in (
        "REQ", "REP", "PUB", "SUB", "PUSH", "PULL", "PAIR", "ROUTER", "DEALER", "XPUB", "XSUB",
    )
}

#: types that only receive (no composer, nothing to send)
RECEIVE_ONLY = frozenset({"SUB", "PULL"})
#: types that only send
SEND_ONLY = frozenset({"PUB", "PUSH"})

ALIASES = {"IDENTITY": "ROUTING_ID", "HWM": "SNDHWM"}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def socket_type(name: str) -> int:
    key = str(name).strip().upper()
    if key not in SOCKET_TYPES:
        hint = difflib.get_close_matches(key, SOCKET_TYPES, n=1)
        extra = f"; did you mean {hint[0]}?" if hint else ""
        raise EngineError(
            f"unknown socket type '{name}' (one of {', '.join(SOCKET_TYPES)}){extra}"
        )
    return SOCKET_TYPES[key]


def option(name: str) -> zmq.SocketOption:
    key = str(name).strip().upper().replace("-", "_")
    key = ALIASES.get(key, key)
    try:
        return zmq.SocketOption[key]
    except KeyError:
        names = [o.name for o in zmq.SocketOption]
        hint = difflib.get_close_matches(key, names, n=1)
        extra = f"; did you mean {hint[0].lower()}?" if hint else ""
        raise EngineError(f"unknown socket option '{name}'{extra}") from None


def option_value(opt: zmq.SocketOption, value: str | int | bytes) -> int | bytes:
    """Turn a user's value into what ``setsockopt`` takes for this option."""
    kind = opt._opt_type.name  # int, int64, bytes, fd
    label = opt.name.lower()
    if kind == "fd":
        raise EngineError(f"option {label} is read-only")
    if kind == "bytes":
        if isinstance(value, bytes):
            return value
        if isinstance(value, int):
            return str(value).encode()
        from ..codec import CodecError, prefix_to_bytes

        try:  # hex:/b64:/text: but never @file: a shared session must not read local files
            return prefix_to_bytes(value)
        except CodecError as exc:
            raise EngineError(f"option {label}: {exc}") from None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    low = text.strip().lower()
    if low in _TRUE:
        return 1
    if low in _FALSE:
        return 0
    try:
        return int(low, 0)
    except ValueError:
        raise EngineError(
            f"option {label} takes a whole number (or true/false), not '{text}'"
        ) from None


def assignment(text: str) -> tuple[str, str]:
    """``name=value`` as the user typed it, checked: the option exists and takes the value."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise EngineError(f"option '{text.strip()}': write name=value, e.g. linger=0")
    option_value(option(name), value.strip())
    return name, value.strip()


def describe_value(value: int | bytes) -> str:
    if isinstance(value, bytes):
        from ..codec import bytes_to_prefix

        return bytes_to_prefix(value)
    return str(value)
