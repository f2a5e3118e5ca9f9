"""``zmqdash`` argument parsing: one sub-command per module, the dashboard when none is given."""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

#: modules that register sub-commands with ``add_parser(subparsers)``
COMMAND_MODULES = ("dashboard", "cat", "run", "sessions")


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line naming the problem (argparse's own convention)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="zmqdash",
        description="A terminal dashboard and command-line toolkit for ZeroMQ. "
        "With no command, opens the dashboard on the last session.",
    )
    parser.add_argument("--version", action="version", version=f"zmqdash {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:  # a part not built yet must not break the rest
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
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
