"""Hostile text for the tests, and the check that none of it reached the output raw.

What counts as unsafe is defined here from Unicode's own categories, not from the codec the tests
check: any control character (Cc) but a newline, any format character (Cf: bidi controls,
zero-width characters, the byte order mark, tag characters...), line and paragraph separators
(Zl, Zp), and lone surrogates (Cs, which stand for bytes that were not valid UTF-8).
"""

from __future__ import annotations

import unicodedata

#: retitles the terminal (OSC 0), then a C1 CSI, a right-to-left override, a zero-width
#: space and Rich markup: every class of raw text that must never reach a terminal as it is
EVIL = "\x1b]0;PWNED\x07\x9b1m\u202e\u200b[/]"
#: the same without a slash, for file names
EVIL_NAME = "\x1b]0;PWNED\x07\x9b1m\u202e\u200b[x]"
#: what must show (escaped) wherever EVIL was echoed
SEEN = "PWNED"
#: an OSC 52 clipboard write
OSC52 = "\x1b]52;c;SGVsbG8=\x07"
#: markup that Rich or Textual would act on, or fail on
MARKUP = ("[/]", "[bold]x", "[link=x]y[/link]", "[/bold]", "[red on", "[@click=app.quit]q[/]")

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def unsafe_chars(text: str) -> list[str]:
    """Every character of ``text`` that must not reach a terminal raw (newlines are fine)."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in _UNSAFE_CATEGORIES]


def decode(data: bytes) -> str:
    """Output bytes as text; bytes that are not UTF-8 become lone surrogates (flagged)."""
    return data.decode("utf-8", "surrogateescape")


def assert_terminal_safe(data: bytes | str, what: str = "output") -> None:
    text = decode(data) if isinstance(data, bytes) else data
    bad = unsafe_chars(text)
    assert not bad, f"{what} holds raw {sorted({f'U+{ord(c):04X}' for c in bad})}: {text!r}"
