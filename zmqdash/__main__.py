"""``python -m zmqdash`` and the ``zmqdash`` command."""

from __future__ import annotations

import os
import signal
import sys
import threading

#: commands whose process ends at once when they return (see :func:`entry`)
QUICK_EXIT = frozenset({"cat", "run"})


def main(argv: list[str] | None = None) -> int:
    # Ctrl+C at any moment, even while the modules are still loading, ends the command with
    # status 130 and no traceback.
    try:
        from .cli.main import run

        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        return 130
    finally:
        if threading.current_thread() is threading.main_thread():
            # from here on (the interpreter's own shutdown) Ctrl+C just ends the process
            signal.signal(signal.SIGINT, signal.SIG_DFL)


def entry() -> None:
    """The ``zmqdash`` command. ``cat`` and ``run`` have flushed what they printed and closed
    every socket when they return, so their process ends there: the interpreter's own teardown
    after a flood (freeing the log rings and every module, 0.1-0.4 s measured) would only
    delay the shell."""
    argv = sys.argv[1:]
    code = main(argv)
    if argv and argv[0] in QUICK_EXIT:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a reader that went away, or a closed stream
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
