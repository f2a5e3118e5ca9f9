"""Sessions in a real terminal: the demo shows traffic in every tab within seconds, a saved
session opens by name and reopens by itself, and a broken one is reported on screen."""

from __future__ import annotations

import shutil

import pytest
from tmux_support import Tmux, dashboard_command, dashboard_env, wait_gone

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

# (tab key, what must appear on that tab, what must never appear there)
TABS = [
    ("1", ["in  Hello #", "in  Echo: Hello #"], []),
    # three panels share the width: the rows are cut short after "1-Update"
    ("2", ["out 1-Update", "out 2-Update", "in  1-Update"],
     ["in  2-Update"]),  # both SUBs are subscribed to "1" only
    ("3", ["out task #", "in  task #"], []),
    ("4", ["in  ping #", "in  pong #"], []),
    ("5", ["in  ack: job #", "out dealer-1"], []),
    ("6", ["f→b 1-Update! >> #", "b→f 01 31"], ["f→b 2-Update"]),  # the forwarder
]


@pytest.fixture
def demo(tmp_path):
    term = Tmux(120, 40)
    term.start(dashboard_command() + ["demo"], env=dashboard_env(tmp_path))
    yield term
    term.kill()


def test_demo_shows_traffic_in_every_pattern_tab(demo):
    for key, wanted, unwanted in TABS:
        demo.keys(key)
        screen = demo.wait(lambda text, w=wanted: all(n in text for n in w), timeout=15,
                           what=f"tab {key} to show {wanted}")
        for needle in unwanted:
            assert needle not in screen, f"tab {key} shows {needle!r}:\n{screen}"
    assert "demo" in demo.screen()  # the status bar names the session


def test_demo_quits_at_once_with_traffic_flowing(demo):
    demo.wait_for_text("Echo: Hello #")
    pid = demo.pid
    demo.keys("q")
    assert wait_gone(pid, 5.0), "the dashboard did not exit after q"


def test_open_then_plain_zmqdash_reopens_the_last_session(tmp_path, monkeypatch):
    from zmqdash.session import Session, SocketSpec, save, session_path

    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    session = Session("night-shift", [SocketSpec("inbox", "PULL", bind=["tcp://127.0.0.1:*"])])
    path = save(session, session_path("night-shift", create_dir=True))
    for command in (["open", "night-shift"], []):  # by name, then "the last one"
        term = Tmux(120, 40)
        term.start(dashboard_command() + command, env=dashboard_env(tmp_path))
        try:
            term.keys("3")  # the Pipeline tab
            screen = term.wait(lambda s: "inbox" in s and "listening" in s, timeout=15,
                               what="the saved PULL socket, listening")
            assert "night-shift" in screen
        finally:
            term.kill()
    assert path.exists()


def test_a_broken_last_session_is_reported_on_screen(tmp_path, monkeypatch):
    from zmqdash.session import Session, SocketSpec, remember, save, session_path

    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    path = save(Session("lab", [SocketSpec("inbox", "PULL")]), session_path("lab", create_dir=True))
    remember(path)
    path.write_text("version = 1\n[[socket]]\nname = inbox\n")  # broken since
    term = Tmux(120, 40)
    term.start(dashboard_command(), env=dashboard_env(tmp_path))
    try:
        screen = term.wait(lambda s: "not reopening the last session" in s, timeout=15,
                           what="the problem, on the dashboard")
        assert "lab.toml" in screen and "line 3" in screen
        assert "untitled" in screen  # it started empty instead
    finally:
        term.kill()
