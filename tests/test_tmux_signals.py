"""SIGTERM and SIGHUP to the dashboard in a real terminal: it leaves the alternate screen, turns
mouse reporting off and shows the cursor again, then ends with the signal's usual status; a
terminal that really hung up ends it at once."""

from __future__ import annotations

import os
import shutil
import signal

import pytest
from tmux_support import Tmux, _quote, dashboard_command, dashboard_env, wait_gone

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None and not
                                os.path.exists("/usr/bin/tmux"),
                                reason="tmux is not installed")


@pytest.fixture
def tmux():
    made = Tmux(100, 30)
    yield made
    made.kill()


def _dashboard_pid(tmux: Tmux) -> int:
    """The dashboard's process: the shell's child in the pane."""
    shell = tmux.pid
    with open(f"/proc/{shell}/task/{shell}/children") as f:
        return int(f.read().split()[0])


@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_restores_the_terminal_and_ends_with_its_status(tmp_path, tmux, name, status):
    command = " ".join(_quote(part) for part in dashboard_command())
    # the shell stays, to say how the dashboard ended and to keep the terminal readable
    tmux.start(["sh", "-c", f'{command}; echo "ended: $?"; sleep 60'],
               dashboard_env(tmp_path / "home"))
    tmux.wait_for_text("No sockets here yet")
    assert tmux.pane("alternate_on") == "1" and tmux.pane("mouse_any_flag") == "1"
    assert tmux.pane("cursor_flag") == "0"
    pid = _dashboard_pid(tmux)
    os.kill(pid, getattr(signal, name))
    screen = tmux.wait_for_text("ended: ", timeout=10)
    assert f"ended: {status}" in screen
    assert "No sockets here yet" not in screen  # the shell's own screen, not the dashboard's
    assert tmux.pane("alternate_on") == "0"
    assert tmux.pane("mouse_any_flag") == "0"
    assert tmux.pane("cursor_flag") == "1"
    assert wait_gone(pid, 5)


def test_a_terminal_that_hangs_up_ends_the_dashboard(tmp_path, tmux):
    tmux.start(dashboard_command(), dashboard_env(tmp_path / "home"))
    tmux.wait_for_text("No sockets here yet")
    pid = tmux.pid
    tmux.kill()  # the terminal goes away: SIGHUP, and nothing left to write to
    assert wait_gone(pid, 10), "the dashboard outlived its terminal"
