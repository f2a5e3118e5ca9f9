"""``zmqdash sessions`` and ``zmqdash locate``, and loading what ``open``, ``demo`` and a bare
``zmqdash`` show.

The dashboard's entry points call :func:`resolve_for_open`, :func:`last_for_open` and
:func:`demo_for_open`; each returns a checked :class:`~zmqdash.session.Session` and the file it
came from (None for the built-in demo), or raises :class:`~zmqdash.session.SessionError` with
a one-line message naming the file and the problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from zmqdash.codec import escape_text
from zmqdash.session import (
    DEMO_NAME,
    Session,
    SessionError,
    config_dir,
    demo_session,
    last_session,
    list_sessions,
    load,
    resolve,
    sessions_dir,
    state_file,
)
from zmqdash.session.paths import HOME_ENV

from .messages import line as listing
from .messages import say


def add_parser(subparsers) -> None:
    """Register ``sessions`` and ``locate``."""
    sessions = subparsers.add_parser(
        "sessions",
        help="list saved sessions, most recently changed first",
        description="List saved sessions with their modification times, most recently "
                    "changed first. Open one with 'zmqdash open NAME'.",
    )
    sessions.add_argument("--paths", action="store_true", help="show each session's file")
    sessions.set_defaults(func=sessions_main)
    locate = subparsers.add_parser(
        "locate",
        help="print where configuration and sessions are kept",
        description=f"Print where zmqdash keeps its configuration and saved sessions. "
                    f"Set {HOME_ENV} to keep everything under one folder instead.",
    )
    locate.set_defaults(func=locate_main)


# -- loading for the dashboard and run ----------------------------------------------------------


def resolve_for_open(name_or_path: str) -> tuple[Session, Path]:
    """The session a command-line argument names (a saved session's name or a file's path),
    loaded and checked. Raises :class:`SessionError`."""
    path = resolve(name_or_path)
    return load(path), path


def last_for_open() -> tuple[Session, Path] | None:
    """The session opened last, or None if none was remembered or its file is gone. Raises
    :class:`SessionError` if the file is there but cannot be loaded (the caller can say so and
    start empty)."""
    path = last_session()
    if path is None:
        return None
    return load(path), path


def demo_for_open() -> tuple[Session, None]:
    """The built-in demo session; it has no file (saving it needs a name)."""
    return demo_session(), None


def load_for_run(name_or_path: str) -> tuple[Session, Path | None]:
    """Like :func:`resolve_for_open`, but ``demo`` falls back to the built-in demo when no saved
    session or file has that name."""
    try:
        return resolve_for_open(name_or_path)
    except SessionError:
        if name_or_path == DEMO_NAME:
            return demo_for_open()
        raise


# -- commands --------------------------------------------------------------------------------


def sessions_main(args: argparse.Namespace, out: TextIO | None = None,
                  err: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        found = list_sessions()
    except SessionError as exc:
        say("zmqdash sessions", exc, err)
        return 1
    if not found:
        listing(f"no saved sessions in {sessions_dir()} (save one from the dashboard with "
                "Ctrl+S)", err)
        return 0
    # names line up as they are shown: a character escaped takes the room of its escape
    shown = [len(escape_text(name)) for name, _, _ in found]
    width = max(shown)
    for (name, path, mtime), size in zip(found, shown, strict=True):
        when = datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M")
        line = f"{name}{' ' * (width - size)}  {when}"
        if getattr(args, "paths", False):
            line += f"  {path}"
        listing(line, out)
    return 0


def locate_main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    rows = [
        ("config", config_dir()),
        ("sessions", sessions_dir()),
        ("state", state_file()),
    ]
    for label, path in rows:
        listing(f"{label + ':':<10}{path}", out)
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        listing(f"({HOME_ENV} is set)", out)
    return 0
