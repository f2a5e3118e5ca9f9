"""``zmqdash`` argument parsing: one sub-command per module, the dashboard when none is given."""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

#: each sub-command and the module that registers it with ``add_parser(subparsers)``; only
#: the module a command line names is imported, so the dashboard starts without loading the rest
COMMANDS = {
    "open": "dashboard", "demo": "dashboard", "cat": "cat", "run": "run",
    "sessions": "sessions", "locate": "sessions", "keygen": "keygen", "proxy": "proxy",
    "doctor": "doctor",
    "replay": "replay",
}


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line naming the problem (argparse's own convention)."""

    def error(self, message: str):
        from .messages import say  # argparse quotes what the user typed: escape it

        say(self.prog, f"{message} (see {self.prog} --help)")
        self.exit(2)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """A parser that understands ``argv``: with a sub-command first, only that command's module
    is loaded; with nothing, only the dashboard's; otherwise (``--help``, a typo) every one."""
    parser = _Parser(
        prog="zmqdash",
        description="A terminal dashboard and command-line toolkit for ZeroMQ. "
        "With no command, opens the dashboard on the last session.",
    )
    parser.add_argument("--version", action="version", version=f"zmqdash {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    if argv is not None and not argv:
        modules = ["dashboard"]
    elif argv and argv[0] in COMMANDS:
        modules = [COMMANDS[argv[0]]]
    else:
        modules = list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:  # a part not built yet must not break the rest
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def run(argv: list[str]) -> int:
    from .remote_args import glue_keys

    argv = glue_keys(list(argv))
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from .dashboard import open_last

        return open_last(args)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `zmqdash cat ... | head`
        sys.stderr.close()
        return 0
