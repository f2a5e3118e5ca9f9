"""An XPUB's subscription table in a real terminal, as subscriber processes come and go."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import free_tcp_port
from tmux_support import Tmux, dashboard_command, dashboard_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def _row(prefix: str, holders: int, *peers: str):
    """A table row on screen: the prefix, its holder count, then the peers."""
    return re.compile(re.escape(prefix) + r"\s+" + str(holders) + r"\s+"
                      + r",\s*".join(re.escape(p) for p in peers))


def test_the_xpub_table_follows_subscribers_on_screen(tmp_path, spawn_peer):
    port = free_tcp_port()
    path = tmp_path / "hub.toml"
    path.write_text(f'version = 1\n[[socket]]\nname = "hub"\ntype = "XPUB"\n'
                    f'bind = ["tcp://127.0.0.1:{port}"]\n')
    term = Tmux(120, 40)
    term.start(dashboard_command() + ["open", str(path)], env=dashboard_env(tmp_path))
    try:
        term.keys("2")  # Publish/Subscribe
        term.wait(lambda s: "subscriptions: 0 prefixes · 0 peers" in s, what="an empty table")
        ep = f"tcp://127.0.0.1:{port}"
        one = spawn_peer("subscriber", "connect", ep, "weather", stdin=True)
        one_at = one.read_line()[3:]
        term.wait(lambda s: _row("weather", 1, one_at).search(s), what="the first row")
        two = spawn_peer("subscriber", "connect", ep, "weather", "hex:00ff", stdin=True)
        two_at = two.read_line()[3:]
        screen = term.wait(lambda s: _row("weather", 2, one_at, two_at).search(s)
                           and _row("hex:00ff", 1, two_at).search(s), what="two subscribers")
        assert "subscriptions: 2 prefixes · 2 peers" in screen
        two.proc.kill()
        screen = term.wait(lambda s: "subscriptions: 1 prefix · 1 peer" in s,
                           what="the killed subscriber's rows to go")
        assert _row("weather", 1, one_at).search(screen)
        assert "hex:00ff" not in screen.split("subscriptions:")[1].split("\n")[1]
        assert one.command("unsub weather") == "ok"
        term.wait(lambda s: "subscriptions: 0 prefixes · 1 peer" in s, what="no rows")
    finally:
        term.kill()
