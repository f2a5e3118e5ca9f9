"""What the cat line and the program are both made from: :class:`Code`, what a socket sends,
and the defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zmqdash.engine.templates import PLACEHOLDERS

#: what a sender without a repeat-send of its own sends, once a second, when it has sent nothing
DEFAULT_MESSAGE = (b"Hello",)


#: seconds between messages of a sender without a repeat-send
DEFAULT_INTERVAL = 1.0


#: the frame separator of the cat lines written here
SEPARATOR = "|"


#: log entries looked through for the last message a socket sent
LOOK_BACK = 1000


_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


_CODEC_PREFIXES = ("text:", "hex:", "b64:", "@")


@dataclass(frozen=True)
class Code:
    """What :func:`socket_as_code` writes."""

    command: str  # a shell command line (one line; may be a pipeline)
    program: str  # a complete Python program
    filename: str  # a file name to save the program as
    notes: tuple[str, ...] = ()  # where the code differs from the socket, in plain words


@dataclass(frozen=True)
class _Sends:
    """What the socket sends: template frames (repeat-send syntax), how often, how many."""

    frames: tuple[str, ...]  # templates, in the input syntax (hex:, b64:, text:, @@, @file)
    interval: float | None  # seconds; None: as the peer allows (REQ) or once (two-way types)
    count: int | None  # stop after this many (None: no limit of its own)
    repeats: bool  # a repeat-send (True) or one message the user sent (False)
