"""What a filter the user typed matches: plain text, or a regular expression between slashes.

The log's filter (``/`` in the dashboard) and ``zmqdash replay --filter`` take the same
syntax: ``/regex/`` is a regular expression; anything else matches as plain text, ignoring
case unless the text has a capital letter, with ``{seq}`` standing for a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: in a plain-text filter, where the number of a counter the messages carry is
SEQ = "{seq}"


def is_regex(text: str) -> bool:
    return len(text) >= 2 and text.startswith("/") and text.endswith("/")


def marks_counter(text: str) -> bool:
    """A plain-text filter with ``{seq}`` marks a counter the messages carry: the rows it
    matches are checked for gaps in that number."""
    return SEQ in text and not is_regex(text)


def text_matcher(text: str) -> Callable[[str], bool] | None:
    """A predicate on a line of text for what the user typed (None for blank text: no
    filter). Raises ``re.error`` for a bad regular expression."""
    if not text:
        return None
    if is_regex(text):
        search = re.compile(text[1:-1]).search
    else:
        flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
        # {seq} stands for a number (the one a counter carries: see marks_counter)
        pattern = r"\d+".join(re.escape(part) for part in text.split(SEQ))
        search = re.compile(pattern, flags).search

    def match(line: str) -> bool:
        return search(line) is not None

    return match


#: a filter starting with one of these matches the bytes of a message, not the text shown
BYTE_FILTERS = ("hex:", "b64:")


def matches_bytes(text: str) -> bool:
    return text.startswith(BYTE_FILTERS)


def bytes_matcher(text: str) -> Callable[[tuple[bytes, ...]], bool] | None:
    """For a ``hex:`` or ``b64:`` filter, a predicate on a message's frames: any frame holds
    those bytes (None for empty bytes). Raises :class:`~zmqdash.codec.CodecError`."""
    from .input import prefix_to_bytes

    wanted = prefix_to_bytes(text)
    if not wanted:
        return None

    def has_bytes(frames: Sequence[bytes]) -> bool:
        return any(wanted in frame for frame in frames)

    return has_bytes
