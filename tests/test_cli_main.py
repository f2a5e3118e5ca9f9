"""``zmqdash`` itself: --version, --help, usage errors, and loading only what a command needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from zmqdash import __version__
from zmqdash.cli.main import COMMANDS, build_parser


def zmqdash(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zmqdash", *args], capture_output=True,
                          text=True, timeout=30)


def test_version():
    done = zmqdash("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"zmqdash {__version__}"


def test_help_names_every_command():
    done = zmqdash("--help")
    assert done.returncode == 0
    for name in COMMANDS:
        assert f"    {name} " in done.stdout or f"    {name}\n" in done.stdout, name


def test_the_command_table_is_what_the_modules_register():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, module in COMMANDS.items():  # each name's own parser knows it
        only = build_parser([name])
        sub = next(a for a in only._actions if a.dest == "command")
        assert name in sub.choices and set(sub.choices) <= {
            n for n, m in COMMANDS.items() if m == module}


@pytest.mark.parametrize("args, problem", [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["open"], "the following arguments are required: NAME|PATH"),
])
def test_usage_errors_are_one_line_and_exit_2(args, problem):
    done = zmqdash(*args)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0], done.stderr


def test_the_dashboard_draws_its_first_frame_without_pyzmq():
    # what a bare `zmqdash` loads before the first frame: pyzmq, the engine's thread and the
    # session files come after it (see ZmqDash._start_engine)
    code = (
        "import sys\n"
        "from zmqdash.cli.main import build_parser\n"
        "build_parser([])\n"
        "import zmqdash.ui.app\n"
        "loaded = sorted(m for m in sys.modules if m == 'zmq' or m.startswith(("
        "'zmq.', 'zmqdash.engine.core', 'zmqdash.session', 'zmqdash.cli.cat')))\n"
        "print(loaded)\n"
        "from zmqdash.engine import Engine\n"
        "assert 'zmq' in sys.modules and Engine.__name__ == 'Engine'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
