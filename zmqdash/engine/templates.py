"""Placeholders in repeat-send and auto-reply templates.

Only the names below are replaced, so JSON templates keep their braces:
``{"n": {seq}}`` becomes ``{"n": 7}``.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from .errors import EngineError

PLACEHOLDERS = ("seq", "time", "epoch", "ms", "rand", "uuid", "body")
_PATTERN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def render(template: str, seq: int, body: str = "", now: float | None = None) -> str:
    """Fill ``{seq}`` (1, 2, ...), ``{time}`` (ISO 8601, local, ms), ``{epoch}`` (seconds),
    ``{ms}`` (epoch milliseconds), ``{rand}`` (0-999999), ``{uuid}`` and ``{body}`` (the request,
    for auto-replies)."""
    if "{" not in template:
        return template
    ts = time.time() if now is None else now

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "seq":
            return str(seq)
        if key == "time":
            return datetime.fromtimestamp(ts).isoformat(timespec="milliseconds")
        if key == "epoch":
            return f"{ts:.6f}"
        if key == "ms":
            return str(int(ts * 1000))
        if key == "rand":
            return str(random.randrange(1_000_000))
        if key == "uuid":
            return str(uuid.uuid4())
        return body

    return _PATTERN.sub(fill, template)


def compile_frame(template: str) -> Callable[..., bytes]:
    """Return ``make(seq, body) -> bytes`` for one template frame.

    A frame written as ``hex:``, ``b64:`` or ``@file`` is decoded once by the codec and sent as
    is; placeholders are not filled in it. Any other frame is text whose placeholders are filled
    on every send. Text that came from a peer (``{body}``) is never read as a codec prefix, so a
    request cannot make an auto-reply read a local file.
    """
    from ..codec import parse_frame

    if template.startswith(("hex:", "b64:", "@")) and not template.startswith("@@"):
        data = parse_frame(template)
        return lambda seq, body="": data
    if template.startswith("text:"):
        template = template[5:]
    elif template.startswith("@@"):
        template = template[1:]
    return lambda seq, body="": render(template, seq, body).encode()


def compile_frames(frames: Iterable[str]) -> list[Callable[..., bytes]]:
    """Each template frame compiled (:func:`compile_frame`); a frame the codec cannot read is
    an :class:`~.errors.EngineError` with the codec's words."""
    from ..codec import CodecError

    try:
        return [compile_frame(f) for f in frames]
    except CodecError as exc:
        raise EngineError(str(exc)) from None
