"""Every line the command line prints about what it did or why it failed.

Messages are made of text from outside (file names and contents, option values, endpoints,
peer identities, libzmq's error strings), so each line goes through the codec's
:func:`~zmqdash.codec.escape_text` whole, as it is printed: no control character, escape
sequence or bidi control can reach the terminal raw, whichever part of a message it came in,
and a backslash is doubled so the line stays unambiguous. Nothing else in ``zmqdash.cli``
calls ``print`` (a test checks); payloads are printed by ``cat`` and ``run`` through the codec's
renderers.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..codec import escape_text


def say(prog: str, message: object, file: TextIO | None = None, *,
        escaped: bool = False) -> None:
    """``prog: message`` on standard error (or ``file``), terminal-safe (``escaped``: the
    message is terminal-safe already, as :func:`~zmqdash.codec.entries.entry_text` makes it)."""
    text = str(message) if escaped else escape_text(str(message))
    print(f"{prog}: {text}", file=sys.stderr if file is None else file, flush=True)


def line(text: str, file: TextIO | None = None) -> None:
    """One line of a listing on standard output (or ``file``), terminal-safe."""
    print(escape_text(text), file=sys.stdout if file is None else file)
