"""Which keys a text field takes as text (so a binding on them cannot fire while it has the
focus, and the footer must not offer it)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from textual.keys import REPLACED_KEYS, key_to_character


@lru_cache(256)
def typed_as_text(key: str) -> bool:
    """True for a key that types a printable character (``a``, ``slash``, ``question_mark``).

    Textual's own check misses a few names it made up itself (``slash`` is SOLIDUS)."""
    key = key.strip()
    character = key_to_character(key)
    if character is None and key in REPLACED_KEYS:
        name = REPLACED_KEYS[key].upper()
        for spelled in (name.replace("_", " "), name.replace("_", "-")):
            try:
                character = unicodedata.lookup(spelled)
                break
            except KeyError:
                continue
    return character is not None and character.isprintable()

