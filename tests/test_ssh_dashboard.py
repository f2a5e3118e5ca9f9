"""The dashboard over a real SSH session on loopback, in a real terminal (tmux)."""

from __future__ import annotations

import shlex
import sys
import time

import pytest
import ssh_support
from tmux_support import REPO, Tmux

pytestmark = pytest.mark.skipif(not ssh_support.available(),
                                reason="sshd (openssh-server) is not installed")


@pytest.fixture
def sshd(tmp_path):
    with ssh_support.Sshd(tmp_path / "ssh") as server:
        yield server


def test_the_dashboard_over_ssh_draws_answers_keys_copies_and_quits(sshd, tmp_path):
    remote = (f"cd {shlex.quote(str(REPO))} && exec env ZMQDASH_HOME={tmp_path / 'home'} "
              f"PYTHONPATH={shlex.quote(str(REPO))} TEXTUAL_ANIMATIONS=none "
              f"{shlex.quote(sys.executable)} -m zmqdash demo")
    tmux = Tmux(100, 30)
    try:
        tmux.start(sshd.client(remote))
        tmux.wait(lambda s: "Request/Reply" in s and "Quit" in s, timeout=30,
                  what="the first frame, over ssh")
        assert tmux.pane("pane_current_command") == "ssh"  # the terminal runs ssh, not zmqdash
        tmux.wait_for_text("in  Echo: Hello", timeout=20)  # the demo's traffic
        tmux.keys("3")  # a key travels the other way
        tmux.wait_for_text("task-manager · PUSH")
        tmux.keys("1")
        tmux.wait_for_text("i Inspect")
        tmux.keys("i")
        tmux.wait_for_text("frame 1 of 1")
        tmux.keys("c")  # OSC 52 goes back through ssh to the terminal
        deadline = time.monotonic() + 10
        while "Hello" not in tmux.clipboard():
            assert time.monotonic() < deadline, f"clipboard: {tmux.clipboard()!r}"
            time.sleep(0.05)
        tmux.keys("Escape")
        tmux.wait(lambda s: "frame 1 of 1" not in s, what="the inspector to close")
        tmux.keys("q")
        screen = tmux.wait(lambda s: "Quit without saving?" in s or tmux.dead, what="quit")
        if "Quit without saving?" in screen:
            tmux.keys("y")
        tmux.wait(lambda s: tmux.dead, timeout=15, what="ssh to end with the dashboard")
    finally:
        tmux.kill()
