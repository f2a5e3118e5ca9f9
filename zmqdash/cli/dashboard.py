"""Sub-commands that open the full-screen dashboard: none, ``open`` and ``demo``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("open", help="open the dashboard on a saved session or a file")
    p.add_argument("session", metavar="NAME|PATH", help="a saved session's name or a .toml path")
    p.set_defaults(func=open_session)
    p = subparsers.add_parser("demo", help="the dashboard on a built-in live demo of every pattern")
    p.set_defaults(func=open_demo)




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
    from ..ui.settings import default_fps

    default_fps()  # read when Textual is first imported, just below
    from ..ui.app import make_app

    if path is not None:
        from ..session.paths import remember

        remember(path)
    app = make_app(session=session, session_path=path, load=load, freeze_startup=True)
    signalled = _end_on_signals(app)
    app.run()
    if signalled:  # the terminal is itself again: now end as the signal would have
        _die_of(signalled[0])
    return int(app.return_code or 0)


#: signals that end the dashboard as quitting does, restoring the terminal first
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                       if hasattr(signal, name))
#: seconds the dashboard has to restore the terminal and stop after such a signal
EXIT_GRACE = 3.0


def _end_on_signals(app) -> list[int]:
    """SIGTERM and SIGHUP make the app exit (leaving the alternate screen, mouse reporting off,
    the cursor shown, the engine stopped); the list returned gets the signal. Its handler runs
    on the main thread, where Textual's event loop runs: it hands the exit to the loop, which it
    wakes. Before the loop runs, or after it ended, the terminal is as it was: the signal then
    acts at once, as it would have without a handler."""
    signalled: list[int] = []

    def handler(signum, frame) -> None:
        signalled.append(signum)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            _die_of(signum)
            return
        if not _terminal_alive():  # hung up for real: nothing left to restore or draw on
            _die_of(signum)
            return
        # restoring takes a few ms; if it ever cannot finish, the signal still ends the process
        timer = threading.Timer(EXIT_GRACE, os._exit, (128 + signum,))
        timer.daemon = True
        timer.start()
        loop.call_soon_threadsafe(app.exit, None, 128 + signum)

    for signum in ENDING_SIGNALS:
        signal.signal(signum, handler)
    return signalled


def _terminal_alive() -> bool:
    """The terminal still answers (after a hangup every call on it fails with EIO)."""
    try:
        import termios
    except ImportError:  # pragma: no cover - not a POSIX terminal
        return True
    try:
        termios.tcgetattr(sys.__stdin__.fileno())  # type: ignore[union-attr]
    except (termios.error, OSError, ValueError, AttributeError):
        return False
    return True


def _die_of(signum: int) -> None:
    """End the process by ``signum`` itself, so the parent sees the usual status (143 for
    SIGTERM, 129 for SIGHUP, as a shell reports it)."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


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
    why = needs_terminal()
    if why:
        return _fail(why)
    return _launch(session, path)


def open_demo(args: argparse.Namespace) -> int:
    why = needs_terminal()
    if why:
        return _fail(why)
    from .sessions import demo_for_open

    return _launch(load=demo_for_open)  # loaded once the first frame is drawn


def open_last(args: argparse.Namespace) -> int:
    """No command: reopen the last session if there is one, else start empty. It is looked for
    once the first frame is drawn; one that no longer loads is said inside the dashboard
    (stderr would be hidden behind it), which then starts empty."""
    why = needs_terminal()
    if why:
        return _fail(why)
    return _launch(load=_last_session)


def _last_session():
    from ..session import SessionError
    from .sessions import last_for_open

    try:
        return last_for_open()
    except SessionError as exc:
        raise SessionError(f"not reopening the last session: {exc}") from exc
