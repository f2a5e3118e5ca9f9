"""Sub-commands that open the full-screen dashboard: none, ``open`` and ``demo``."""

from __future__ import annotations

import argparse
import os
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("open", help="open the dashboard on a saved session or a file")
    p.add_argument("session", metavar="NAME|PATH", help="a saved session's name or a .toml path")
    p.set_defaults(func=open_session)
    p = subparsers.add_parser("demo", help="the dashboard on a built-in live demo of every pattern")
    p.set_defaults(func=open_demo)


#: Textual's frame-rate cap, unless the user set one (TEXTUAL_FPS). A frame that shows a key's
#: effect waits for the next slot: up to 1/60 s at Textual's default, and measured under a
#: flood the 95th percentile of key-to-screen fell from about 50 ms at 120 to 35 ms at 240.
#: Floods do not paint more often for it: the dashboard paces itself (ZMQDASH_REFRESH_HZ
#: pulls a second, a streaming log repainted at most five times a second).
FPS = "240"


def needs_terminal() -> str | None:
    """Why the dashboard cannot run here, or None. It reads keys from standard input and draws
    on standard error (as Textual does); without a terminal on both it would spin on end of
    input or fill a file with escape sequences."""
    for stream in (sys.__stdin__, sys.__stderr__):
        try:
            if stream is None or not os.isatty(stream.fileno()):
                return "the dashboard needs a terminal; use zmqdash run for headless"
        except (OSError, ValueError):  # closed, or no file descriptor at all
            return "the dashboard needs a terminal; use zmqdash run for headless"
    return None


def _launch(session=None, path=None, load=None) -> int:
    os.environ.setdefault("TEXTUAL_FPS", FPS)  # read when Textual is first imported, just below
    from ..ui.app import make_app

    if path is not None:
        from ..session.paths import remember

        remember(path)
    app = make_app(session=session, session_path=path, load=load, freeze_startup=True)
    app.run()
    return int(app.return_code or 0)


def _fail(message: str) -> int:
    from .messages import say

    say("zmqdash", message)
    return 1


def open_session(args: argparse.Namespace) -> int:
    from ..session import SessionError
    from .sessions import resolve_for_open

    try:
        session, path = resolve_for_open(args.session)
    except SessionError as exc:
        return _fail(str(exc))
    if needs_terminal():
        return _fail(needs_terminal())
    return _launch(session, path)


def open_demo(args: argparse.Namespace) -> int:
    if needs_terminal():
        return _fail(needs_terminal())
    from .sessions import demo_for_open

    return _launch(load=demo_for_open)  # loaded once the first frame is drawn


def open_last(args: argparse.Namespace) -> int:
    """No command: reopen the last session if there is one, else start empty. It is looked for
    once the first frame is drawn; one that no longer loads is said inside the dashboard
    (stderr would be hidden behind it), which then starts empty."""
    if needs_terminal():
        return _fail(needs_terminal())
    return _launch(load=_last_session)


def _last_session():
    from ..session import SessionError
    from .sessions import last_for_open

    try:
        return last_for_open()
    except SessionError as exc:
        raise SessionError(f"not reopening the last session: {exc}") from exc
