"""Socket types and socket options by name, with values parsed from text (what each type can
do is :mod:`.socket_types`)."""

from __future__ import annotations

import difflib

import zmq

from . import limits, socket_types
from .errors import EngineError

#: the socket types (see .socket_types) by name: libzmq's constant for each
SOCKET_TYPES: dict[str, int] = {t.name: t.number for t in socket_types.TYPES}

ALIASES = {"IDENTITY": "ROUTING_ID", "HWM": "SNDHWM"}

#: options whose values are secrets: never shown in a message, and a session file holding one
#: is written readable by its owner only
SECRET_OPTIONS = frozenset({"CURVE_SECRETKEY", "PLAIN_PASSWORD", "SOCKS_PASSWORD", "WSS_KEY_PEM"})
#: what a message says instead of a secret value
NOT_SHOWN = "(the value is not shown)"
#: what libzmq takes for a CURVE key (anything else is EINVAL)
_CURVE_KEY = "a CURVE key is 32 bytes (hex: or b64:) or 40 characters of Z85 text"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class OptionError(EngineError):
    """A socket option or value that cannot be used: the user's mistake (a usage error on the
    command line), not a runtime failure."""


def socket_type(name: str) -> int:
    key = str(name).strip().upper()
    if key not in SOCKET_TYPES:
        hint = difflib.get_close_matches(key, SOCKET_TYPES, n=1)
        extra = f"; did you mean {hint[0]}?" if hint else ""
        raise EngineError(
            f"unknown socket type '{name}' (one of {', '.join(SOCKET_TYPES)}){extra}"
        )
    return SOCKET_TYPES[key]


def _key(name: object) -> str:
    key = str(name).strip().upper().replace("-", "_")
    return ALIASES.get(key, key)


def is_secret(name: object) -> bool:
    """True for an option (by any spelling, or a ``zmq.SocketOption``) that holds a secret."""
    return (name.name if isinstance(name, zmq.SocketOption) else _key(name)) in SECRET_OPTIONS


def option(name: str) -> zmq.SocketOption:
    key = _key(name)
    try:
        return zmq.SocketOption[key]
    except KeyError:
        names = [o.name for o in zmq.SocketOption]
        hint = difflib.get_close_matches(key, names, n=1)
        extra = f"; did you mean {hint[0].lower()}?" if hint else ""
        raise OptionError(f"unknown socket option '{name}'{extra}") from None


def option_value(opt: zmq.SocketOption, value: str | int | bytes) -> int | bytes:
    """Turn a user's value into what ``setsockopt`` takes for this option (raises
    :class:`OptionError`): bytes in the prefix syntax, or a whole number that fits the option's
    C type (libzmq itself then says whether it accepts it)."""
    kind = opt._opt_type.name  # int, int64, bytes, fd
    label = opt.name.lower()
    if kind == "fd":
        raise OptionError(f"option {label} is read-only")
    if kind == "bytes":
        if isinstance(value, bytes):
            return value
        if isinstance(value, int):
            return str(value).encode()
        from ..codec import CodecError, prefix_to_bytes

        try:  # hex:/b64:/text: but never @file: a shared session must not read local files
            return prefix_to_bytes(value)
        except CodecError as exc:
            if is_secret(opt):  # the codec's words would quote part of it
                raise OptionError(f"option {label}: not a value it takes: write hex:, b64: or "
                                  f"plain text {NOT_SHOWN}") from None
            raise OptionError(f"option {label}: {exc}") from None
    low, high = limits.INT64 if kind == "int64" else limits.INT32
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int):
        text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        low_text = text.strip().lower()
        if low_text in _TRUE:
            return 1
        if low_text in _FALSE:
            return 0
        parsed = limits.parse_int(low_text, prefixes=True)
        if parsed is None:
            raise OptionError(
                f"option {label} takes a whole number (or true/false), not '{text}'"
            )
        value = parsed
    try:
        return limits.check_int(value, low, high, f"option {label}")
    except EngineError as exc:
        raise OptionError(str(exc)) from None


def assignment(text: str) -> tuple[str, str]:
    """``name=value`` as the user typed it, checked: the option exists and takes the value."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        squeezed = _key(text).replace(" ", "_")
        secret = next((s for s in SECRET_OPTIONS if squeezed.startswith(s)), None)
        shown = f"{secret.lower()} {NOT_SHOWN}" if secret else f"'{text.strip()}'"
        raise OptionError(f"option {shown}: write name=value, e.g. linger=0")
    option_value(option(name), value.strip())
    return name, value.strip()


def value_for_message(opt: zmq.SocketOption, value: int | bytes) -> str:
    """The value as a message may show it: a secret's is not."""
    return NOT_SHOWN if is_secret(opt) else describe_value(value)


def rejected(opt: zmq.SocketOption, value: int | bytes, socket_type: str) -> str:
    """Why libzmq refused the value (EINVAL), in words that never echo a secret."""
    label = opt.name.lower()
    if label.startswith("curve_") and label.endswith("key"):
        return f"option {label}: not a key: {_CURVE_KEY} {value_for_message(opt, value)}"
    if is_secret(opt):
        return f"option {label}: the value is not accepted for a {socket_type} socket " \
               f"{NOT_SHOWN}"
    return f"option {label}: {describe_value(value)} is not accepted for a {socket_type} socket"


def describe_value(value: int | bytes) -> str:
    if isinstance(value, bytes):
        from ..codec import bytes_to_prefix

        return bytes_to_prefix(value)
    return str(value)
