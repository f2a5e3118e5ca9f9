"""Devices in a real terminal: the demo's forwarder shows what crosses it, each way; pause
shows paused and the counters stand still, resume goes on; and the dashboard quits at once with
a device in the middle of a flood."""

from __future__ import annotations

import re
import shutil
import textwrap

import pytest
from conftest import free_tcp_port
from tmux_support import Tmux, dashboard_command, dashboard_env, wait_gone

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

#: the counter of messages that went frontend to backend (its parts are joined by no-break spaces)
COUNT = re.compile("f→b\u00a0(\\d[\\d,]*)")


def crossed(screen: str) -> int:
    found = COUNT.search(screen)
    return int(found.group(1).replace(",", "")) if found else -1


@pytest.fixture
def demo(tmp_path):
    term = Tmux(120, 40)
    term.start(dashboard_command() + ["demo"], env=dashboard_env(tmp_path))
    yield term
    term.kill()


def test_the_demo_devices_tab_shows_traffic_and_pauses(demo):
    demo.wait_for_text("Request/Reply")
    demo.keys("6")
    # the far subscriber's "1" went up (\x01 then "1"), and updates come down
    wanted = ["proxy · forwarder", "● running", "front XSUB ● connect", "back XPUB ● bind",
              "upstream 1", "b→f 01 31", "f→b 1-Update! >> #"]
    screen = demo.wait(lambda s: all(w in s for w in wanted), timeout=15,
                       what="the forwarder with updates crossing it")
    assert "f→b 2-Update" not in screen  # only what is subscribed comes down
    demo.keys("p")
    screen = demo.wait(lambda s: "⏸ paused for" in s, what="paused")
    held = crossed(screen)
    # the demo publishes every second: two more seconds paused, and nothing crossed
    screen = demo.wait(lambda s: re.search(r"paused for ([3-9]|\d\d) s", s), timeout=15,
                       what="three seconds paused")
    assert crossed(screen) == held, screen
    demo.keys("p")
    screen = demo.wait(lambda s: "● running" in s and crossed(s) > held, timeout=15,
                       what="the updates crossing again")
    assert "resumed after" in screen


def test_the_dashboard_quits_at_once_with_a_device_in_a_flood(tmp_path, spawn_peer):
    front, back = free_tcp_port(), free_tcp_port()
    session = tmp_path / "flood.toml"
    session.write_text(textwrap.dedent(f"""\
        version = 1

        [[device]]
        name = "line"
        kind = "streamer"
        frontend = ["@tcp://127.0.0.1:{front}"]
        backend = ["@tcp://127.0.0.1:{back}"]
    """))
    term = Tmux(120, 40)
    term.start(dashboard_command() + ["open", str(session)], env=dashboard_env(tmp_path))
    try:
        term.keys("6")
        term.wait(lambda s: "line · streamer" in s and s.count("listening") >= 2, timeout=15,
                  what="the streamer, listening")
        spawn_peer("flood", "pull", "connect", f"tcp://127.0.0.1:{back}", "1000000")
        spawn_peer("flood", "push", "connect", f"tcp://127.0.0.1:{front}", "1000000")
        term.wait(lambda s: crossed(s) > 20_000, timeout=20, what="the flood crossing")
        pid = term.pid
        term.keys("q")
        assert wait_gone(pid, 5.0), "the dashboard did not exit after q"
    finally:
        term.kill()
