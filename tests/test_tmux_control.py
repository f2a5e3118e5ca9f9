"""The benchmark's tmux control-mode client reads and types exactly as the spawning one does."""

from __future__ import annotations

import shutil
import time

import pytest
from tmux_support import TMUX, Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None and shutil.which(TMUX) is None,
                                reason="tmux is not installed")

# lines a reply's end could be mistaken for, then a program that echoes what is typed
SHELL = "printf 'first\\n%%end 1 2 3\\n%%error 4 5 6\\n%%begin 7 8 9\\n'; exec cat"


@pytest.fixture
def tmux():
    t = Tmux(60, 12)
    t.start(["sh", "-c", SHELL])
    t.wait(lambda s: "%begin 7 8 9" in s, timeout=10, what="the printed lines")
    yield t
    t.kill()


def wait_on(probe, predicate, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = probe.screen()
        if predicate(screen):
            return screen
        assert time.monotonic() < deadline, f"not seen in time; the screen was:\n{screen}"
        time.sleep(0.01)


def test_control_screen_is_what_capture_pane_shows(tmux):
    with tmux.control() as probe:
        seen = probe.screen()
        assert seen == tmux.screen()
        lines = seen.split("\n")
        assert lines[:4] == ["first", "%end 1 2 3", "%error 4 5 6", "%begin 7 8 9"]
        assert len(seen.splitlines()) == 12  # blank rows included, as capture-pane gives them


def test_control_keys_reach_the_program(tmux):
    with tmux.control() as probe:
        probe.keys("-l", "typed over the pipe")
        probe.keys("Enter")
        screen = wait_on(probe, lambda s: s.count("typed over the pipe") == 2)  # typed, echoed
        assert screen == tmux.screen()


def test_a_failing_command_raises_and_the_connection_stays_usable(tmux):
    with tmux.control() as probe:
        with pytest.raises(RuntimeError, match="can't find"):
            probe.command("capture-pane", "-p", "-t", "no-such-pane")
        assert probe.screen().startswith("first\n")


def test_closing_ends_the_client(tmux):
    probe = tmux.control()
    probe.close()
    assert probe._proc.returncode is not None
    assert tmux.pane("pane_dead") == "0"  # the program in the pane goes on
