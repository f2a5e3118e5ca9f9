"""What a filter the user typed matches: plain text, or a regular expression between slashes.

The log's filter (``/`` in the dashboard) and ``zmqdash replay --filter`` take the same
syntax: ``/regex/`` is a regular expression; anything else matches as plain text, ignoring
case unless the text has a capital letter.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def text_matcher(text: str) -> Callable[[str], bool] | None:
    """A predicate on a line of text for what the user typed (None for blank text: no
    filter). Raises ``re.error`` for a bad regular expression."""
    if not text:
        return None
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        search = re.compile(text[1:-1]).search
    else:
        flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
        search = re.compile(re.escape(text), flags).search

    def match(line: str) -> bool:
        return search(line) is not None

    return match
