"""A SUB's subscription prefixes as the subscription bar shows and reads them: comma-separated,
``*`` for everything, each prefix as the composer writes bytes (``hex:``, ``b64:``, text)."""

from __future__ import annotations

from ..codec import bytes_to_prefix, prefix_to_bytes, split_frames


def subscriptions_to_text(subs: tuple[bytes, ...]) -> str:
    """The subscription bar's text: prefixes separated by ``, ``; ``*`` is everything."""
    parts = []
    for prefix in subs:
        if prefix == b"":
            parts.append("*")
            continue
        shown = "text:*" if prefix == b"*" else bytes_to_prefix(prefix)
        shown = shown.replace(",", "\\,")
        if shown.endswith("\\") and not shown.endswith("\\,"):
            shown += "\\"  # a trailing backslash must not escape the separator
        parts.append(shown)
    return ", ".join(parts)


def text_to_subscriptions(text: str) -> list[bytes]:
    """Parse the subscription bar (raises :class:`CodecError`)."""
    out: list[bytes] = []
    if not text.strip():
        return out
    for part in split_frames(text, ","):
        if part.startswith(" "):
            part = part[1:]  # the space after a separating comma
        if part.strip() == "*":
            prefix = b""
        elif not part:
            continue
        else:
            prefix = prefix_to_bytes(part)
        if prefix not in out:
            out.append(prefix)
    return out
