"""User text to frames.

A frame is written as one of (see ``docs/codec.md``)::

    hello            the UTF-8 bytes of the text, taken literally (no backslash escapes)
    hex:48 65 6c     hex digits; spaces, tabs and colons between them are ignored
    b64:SGVsbG8=     base64, standard or URL-safe alphabet; missing padding is added
    @~/payload.bin   the bytes of a file (at most 256 MiB)
    @@handle         a literal text starting with "@" (here "@handle")
    text:hex:ff      the rest taken literally, whatever it starts with

The prefixes are lower case; ``HEX:ff`` is plain text.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat

from .display import describe_char, human_size, is_printable

#: largest file ``@path`` reads
MAX_FILE_SIZE = 256 << 20

HEX_PREFIX = "hex:"
B64_PREFIX = "b64:"
TEXT_PREFIX = "text:"
FILE_PREFIX = "@"

_HEX_IGNORED = frozenset(" \t\r\n:")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")


class CodecError(ValueError):
    """Input that cannot be turned into bytes; ``str(err)`` is meant for the user."""


def _parse_hex(body: str, offset: int) -> bytes:
    digits = []
    for i, c in enumerate(body):
        if c in _HEX_DIGITS:
            digits.append(c)
        elif c not in _HEX_IGNORED:
            raise CodecError(
                f"hex: invalid character {describe_char(c)} at position {offset + i + 1}")
    if not digits:
        raise CodecError("hex: no hex digits (for an empty frame, leave the text empty)")
    if len(digits) % 2:
        raise CodecError(f"hex: odd number of hex digits ({len(digits)}); a byte takes two")
    return bytes.fromhex("".join(digits))


def _parse_b64(body: str, offset: int) -> bytes:
    chars = []
    pad_at = -1
    for i, c in enumerate(body):
        if c in " \t\r\n":
            continue
        if c == "=":
            if pad_at < 0:
                pad_at = i
            continue
        if c not in _B64_ALPHABET:
            raise CodecError(
                f"b64: invalid character {describe_char(c)} at position {offset + i + 1}")
        if pad_at >= 0:
            position = offset + pad_at + 1
            raise CodecError(f"b64: bad padding: '=' in the middle (position {position})")
        chars.append(c)
    padding = body.count("=")
    if not chars:
        raise CodecError("b64: no data (for an empty frame, leave the text empty)")
    rest = len(chars) % 4
    if rest == 1:
        raise CodecError(
            f"b64: bad length: {len(chars)} characters is one more than a multiple of 4"
        )
    if padding and padding != (4 - rest) % 4:
        raise CodecError(f"b64: bad padding: {padding} '=' after {len(chars)} characters")
    text = "".join(chars).replace("-", "+").replace("_", "/")
    text += "=" * ((4 - rest) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:  # pragma: no cover - the checks above should catch it all
        raise CodecError(f"b64: {exc}") from exc


def _read_file(name: str) -> bytes:
    if not name:
        raise CodecError("@: no file name (write @@ for a literal '@')")
    path = os.path.expanduser(name)
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise CodecError(f"cannot read @{name}: Is a directory")
            if st.st_size > MAX_FILE_SIZE:
                raise CodecError(
                    f"cannot read @{name}: {human_size(st.st_size)} is more than the "
                    f"{human_size(MAX_FILE_SIZE)} limit"
                )
            # Read one byte more than allowed so a device or growing file cannot run away.
            data = f.read(MAX_FILE_SIZE + 1)
    except IsADirectoryError as exc:
        raise CodecError(f"cannot read @{name}: Is a directory") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CodecError(f"cannot read @{name}: {reason}") from exc
    if len(data) > MAX_FILE_SIZE:
        raise CodecError(f"cannot read @{name}: more than the {human_size(MAX_FILE_SIZE)} limit")
    return data


def _encode_text(text: str) -> bytes:
    try:
        # surrogateescape gives back the original bytes of text that came from a
        # non-UTF-8 command line
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise CodecError(
            f"text: cannot encode character {describe_char(text[exc.start])} "
            f"at position {exc.start + 1}"
        ) from exc


def _parse(text: str, *, allow_files: bool) -> bytes:
    if text.startswith(TEXT_PREFIX):
        return _encode_text(text[len(TEXT_PREFIX) :])
    if text.startswith(HEX_PREFIX):
        return _parse_hex(text[len(HEX_PREFIX) :], len(HEX_PREFIX))
    if text.startswith(B64_PREFIX):
        return _parse_b64(text[len(B64_PREFIX) :], len(B64_PREFIX))
    if text.startswith("@@"):
        return _encode_text(text[1:])
    if text.startswith(FILE_PREFIX):
        if not allow_files:
            raise CodecError(
                "a file (@path) cannot be used here; write @@ or text:@ for a literal '@'"
            )
        return _read_file(text[1:])
    return _encode_text(text)


def parse_frame(text: str) -> bytes:
    """One frame from what the user typed: ``hex:``, ``b64:``, ``@file``, ``@@``, ``text:`` or
    plain UTF-8 text (literal, no backslash escapes). Raises :class:`CodecError`."""
    return _parse(text, allow_files=True)


def split_frames(text: str, sep: str) -> list[str]:
    """Split ``text`` on ``sep``. A backslash right before ``sep`` makes it literal (``\\|``);
    two backslashes there stand for one literal backslash and the split still happens
    (``a\\\\|b`` is ``a\\`` and ``b``). Backslashes anywhere else are kept as they are."""
    if not sep or "\\" in sep:
        raise CodecError("the frame separator must be non-empty and without a backslash")
    if "\\" not in text:
        return text.split(sep)
    frames: list[str] = []
    current: list[str] = []
    pattern = re.compile(r"(\\*)" + re.escape(sep))
    pos = 0
    for m in pattern.finditer(text):
        slashes = len(m.group(1))
        current.append(text[pos : m.start()])
        current.append("\\" * (slashes // 2))
        if slashes % 2:
            current.append(sep)
        else:
            frames.append("".join(current))
            current = []
        pos = m.end()
    current.append(text[pos:])
    frames.append("".join(current))
    return frames


def join_frames(frames: list[str], sep: str) -> str:
    """The text that :func:`split_frames` splits back into ``frames``: each ``sep`` inside a
    frame gets a backslash, and backslashes that would come right before a ``sep`` are
    doubled. Exact for a one-character ``sep`` (a longer one can overlap a frame's ends).
    Used to write a multipart message as one line, e.g. on a command line."""
    if not sep or "\\" in sep:
        raise CodecError("the frame separator must be non-empty and without a backslash")
    pattern = re.compile(r"(\\*)" + re.escape(sep))
    parts = []
    for i, frame in enumerate(frames):
        frame = pattern.sub(lambda m: "\\" * (2 * len(m.group(1)) + 1) + sep, frame)
        if i < len(frames) - 1:  # a separator follows: backslashes before it are doubled
            frame += "\\" * (len(frame) - len(frame.rstrip("\\")))
        parts.append(frame)
    return sep.join(parts)


def parse_message(text: str, sep: str | None = None) -> list[bytes]:
    """The frames of a message: one frame if ``sep`` is None, else :func:`split_frames` then
    :func:`parse_frame` on each (empty frames allowed). A :class:`CodecError` names the frame."""
    if sep is None:
        return [parse_frame(text)]
    parts = split_frames(text, sep)
    frames = []
    for i, part in enumerate(parts):
        try:
            frames.append(parse_frame(part))
        except CodecError as exc:
            if len(parts) == 1:
                raise
            raise CodecError(f"frame {i + 1}: {exc}") from exc
    return frames


def prefix_to_bytes(text: str) -> bytes:
    """Bytes of a subscription prefix or a saved value: the syntax of :func:`parse_frame`,
    except that ``@path`` is refused (a session file must not read, and send, local files)."""
    return _parse(text, allow_files=False)


_PREFIXES = (TEXT_PREFIX, HEX_PREFIX, B64_PREFIX, FILE_PREFIX)


def bytes_to_prefix(data: bytes) -> str:
    """The shortest readable form that :func:`prefix_to_bytes` turns back into ``data``:
    the text itself when it is printable single-line UTF-8 (behind ``text:`` if it starts like
    a prefix), else ``hex:`` and the bytes in hex."""
    if is_printable(data) and not _has_line_controls(data):
        text = data.decode("utf-8")
        if text.startswith(_PREFIXES):
            return TEXT_PREFIX + text
        return text
    return HEX_PREFIX + data.hex()


def _has_line_controls(data: bytes) -> bool:
    return b"\t" in data or b"\n" in data or b"\r" in data
