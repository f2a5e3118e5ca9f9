"""A log's filter: what the user typed in the filter bar, turned into a test of each entry.

``hex:...`` or ``b64:...`` matches a message's bytes; ``/regex/`` and plain text match the row
as the log shows it (:func:`~zmqdash.codec.entries.entry_text`) in the panel's format.
"""

from __future__ import annotations

from collections.abc import Callable

from ..codec.entries import entry_text
from ..codec.match import bytes_matcher, matches_bytes, text_matcher
from ..engine.ring import FRAMES

Entry = tuple
Matcher = Callable[[Entry], bool]


def match_form(text: str, fmt: str) -> str:
    """What a filter is matched against, in words for the filter bar."""
    return "bytes" if matches_bytes(text) else f"text as shown ({fmt})"


def make_matcher(text: str, fmt: str) -> Matcher | None:
    """A filter predicate from what the user typed.

    ``hex:...`` or ``b64:...`` matches messages whose bytes (any frame) contain those bytes.
    ``/regex/`` is a regular expression on the row as shown in format ``fmt``; anything else
    matches that text plainly, ignoring case unless it has a capital letter. Blank text means
    no filter. Raises ``re.error`` or :class:`~zmqdash.codec.CodecError`.
    """
    if matches_bytes(text):
        frames_match = bytes_matcher(text)
        if frames_match is None:
            return None

        def has_bytes(entry: Entry) -> bool:
            return frames_match(entry[FRAMES])

        return has_bytes
    matches = text_matcher(text)
    if matches is None:
        return None

    def match(entry: Entry) -> bool:
        return matches(entry_text(entry, fmt))

    return match
