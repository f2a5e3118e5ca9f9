"""``python -m zmqdash`` and the ``zmqdash`` command."""

from __future__ import annotations

import signal
import sys
import threading


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


if __name__ == "__main__":
    sys.exit(main())
