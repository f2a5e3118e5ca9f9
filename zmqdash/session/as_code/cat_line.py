"""The ``zmqdash cat`` command line of a socket, with a shell loop feeding its repeat-send."""

from __future__ import annotations

import shlex

from zmqdash.codec import bytes_to_prefix, join_frames
from zmqdash.engine.socket_types import REPLYING, SUBSCRIBING

from .. import remote
from ..model import SocketSpec
from .common import (
    _CODEC_PREFIXES,
    _PLACEHOLDER,
    SEPARATOR,
    _Sends,
)

#: shell for each placeholder in a cat feeder loop (bash and GNU date)
_SH_PLACEHOLDERS = {
    "seq": '"$i"',
    "time": '"$(date +%Y-%m-%dT%H:%M:%S.%3N)"',
    "epoch": '"$(date +%s.%6N)"',
    "ms": '"$(date +%s%3N)"',
    "rand": '"$(( (RANDOM * 32768 + RANDOM) % 1000000 ))"',
    "uuid": '"$(cat /proc/sys/kernel/random/uuid)"',
}


def _cat_line(spec: SocketSpec, kind: str, binds: list[str], connects: list[str],
              sends: _Sends | None, notes: list[str]) -> str:
    args = ["zmqdash", "cat", kind]
    for ep in binds:
        args += ["-b", ep]
    for ep in connects:
        args += ["-c", ep]
    if kind in SUBSCRIBING:
        if spec.subscribe:
            for prefix in spec.subscribe:
                args += ["-s", bytes_to_prefix(prefix) if prefix else ""]
        else:
            notes.append(f"this {kind} subscribes to nothing yet; cat without -s subscribes to "
                         "everything")
    for name, value in spec.options.items():
        args += ["-o", f"{name}={value}"]
    args += remote.cat_arguments(spec, connects, notes)
    split = False
    if kind in REPLYING:
        if spec.reply is None:
            notes.append(f"this {kind} has no auto-reply (you answer by hand); cat and the "
                         "program echo each request")
        elif spec.reply:
            if len(spec.reply) > 1:
                split = True
            args += ["--reply", join_frames(list(spec.reply), SEPARATOR)]
    feeder = None
    if sends is not None and not sends.repeats:
        if len(sends.frames) > 1:
            split = True
        args += ["--send", join_frames(list(sends.frames), SEPARATOR)]  # --send reads hex: too
    elif sends is not None:
        feeder = _feeder(sends, notes)
        if feeder is not None:
            if len(sends.frames) > 1:
                split = True
            if any(f.startswith(_CODEC_PREFIXES) for f in sends.frames):
                args.append("--stdin-codec")
    if split:
        args += ["--split", SEPARATOR]
    line = shlex.join(args)
    return f"{feeder} | {line}" if feeder else line


def _feeder(sends: _Sends, notes: list[str]) -> str | None:
    """A shell loop printing one line per message of a repeat-send (None if lines cannot
    carry it)."""
    if any("\n" in f or "\r" in f for f in sends.frames):
        notes.append("the repeat-send's text spans lines, which cat's standard input cannot "
                     "carry: the cat line sends what you type instead")
        return None
    pieces = []
    for i, frame in enumerate(sends.frames):
        if i:
            pieces.append(shlex.quote(SEPARATOR))
        template = _escape_frame_text(frame)
        if template.startswith(("hex:", "b64:")) or (
                template.startswith("@") and not template.startswith("@@")):
            pieces.append(shlex.quote(template))  # sent as it is: no placeholders
            continue
        pos = 0
        for m in _PLACEHOLDER.finditer(template):
            if m.start() > pos:
                pieces.append(shlex.quote(template[pos:m.start()]))
            pieces.append(_SH_PLACEHOLDERS.get(m.group(1), shlex.quote(m.group(0))))
            pos = m.end()
        if pos < len(template) or not pieces:
            pieces.append(shlex.quote(template[pos:]))
    line = "".join(pieces)
    interval = f"{sends.interval:g}"
    if sends.count is not None:
        loop = f'i=0; while [ "$i" -lt {sends.count} ]; do i=$((i+1))'
    else:
        loop = "i=0; while :; do i=$((i+1))"
    return f"({loop}; printf '%s\\n' {line}; sleep {interval}; done)"


def _escape_frame_text(frame: str) -> str:
    """A template frame as one part of a ``--split`` line (its separators escaped)."""
    return join_frames([frame], SEPARATOR) if SEPARATOR in frame else frame
