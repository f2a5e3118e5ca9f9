"""The edges of a command's life: Ctrl+C while it is still starting, and the dashboard started
where there is no terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from conftest import child_env

NO_TERMINAL = "zmqdash: the dashboard needs a terminal; use zmqdash run for headless\n"


def _interrupted_at(delay: float, args: list[str]) -> subprocess.CompletedProcess:
    """Run ``zmqdash ARGS`` and send it a real SIGINT ``delay`` seconds after its ``main()``
    starts (from an interval timer armed in the child itself, so the moment is exact)."""
    code = textwrap.dedent(f"""
        import os, signal, sys
        from zmqdash.__main__ import main
        signal.signal(signal.SIGALRM, lambda *a: os.kill(os.getpid(), signal.SIGINT))
        signal.setitimer(signal.ITIMER_REAL, {delay!r})
        sys.exit(main({args!r}))
    """)
    return subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=20, env=child_env())


@pytest.mark.parametrize("args", [
    ["cat", "PULL", "-b", "tcp://127.0.0.1:*", "--no-stdin"],
    ["cat", "PUSH", "-c", "tcp://127.0.0.1:1", "--send", "x"],
    ["run", "demo"],
])
def test_ctrl_c_at_any_moment_of_start_up_is_a_quiet_130(args):
    for delay in (0.002, 0.01, 0.03, 0.06, 0.1, 0.15, 0.25):
        done = _interrupted_at(delay, args)
        err = done.stderr.decode(errors="replace")
        assert "Traceback" not in err and "Exception ignored" not in err, (delay, err)
        # 130, or killed by the SIGINT itself while the interpreter was already exiting;
        # `run` counts Ctrl+C as stopping when asked (0)
        assert done.returncode in (130, -2) or (args[0] == "run" and done.returncode == 0), \
            (delay, done.returncode, err)


@pytest.mark.parametrize("args", [["open", "lab.toml"], ["demo"], []])
def test_the_dashboard_without_a_terminal_refuses_at_once(tmp_path, args):
    (tmp_path / "lab.toml").write_text('version = 1\n[[socket]]\nname = "a"\ntype = "PUB"\n')
    env = child_env()
    env["ZMQDASH_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "zmqdash", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=20, env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.decode() == NO_TERMINAL
    assert done.stdout == b""


def test_the_dashboard_with_its_screen_going_to_a_file_refuses(tmp_path):
    # keys would come from a terminal, but what it draws (on stderr) would fill a file
    env = child_env()
    env["ZMQDASH_HOME"] = str(tmp_path)
    main_fd, other_fd = os.openpty()
    try:
        with open(tmp_path / "screen", "wb") as screen:
            done = subprocess.run([sys.executable, "-m", "zmqdash", "demo"], stdin=other_fd,
                                  stdout=other_fd, stderr=screen, timeout=20, env=env)
    finally:
        os.close(main_fd)
        os.close(other_fd)
    assert done.returncode == 1
    assert (tmp_path / "screen").read_text() == NO_TERMINAL
