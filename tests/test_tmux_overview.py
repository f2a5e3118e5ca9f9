"""The Overview tab in a real terminal (tmux): its rates and sparkline move while a producer
process sends, and come back down when it stops; the map reads in ASCII on a vt100."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import PEERS_DIR, child_env, free_tcp_port, kill
from tmux_support import Tmux, dashboard_command, dashboard_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None and not
                                __import__("os").path.exists("/usr/bin/tmux"),
                                reason="tmux is not installed")

SESSION = """version = 1
[[socket]]
name = "sink"
type = "PULL"
bind = ["tcp://127.0.0.1:{port}"]
"""


@pytest.fixture
def overview(tmp_path):
    made: list[Tmux] = []

    def start(port: int, term: str = "") -> Tmux:
        path = tmp_path / "flow.toml"
        path.write_text(SESSION.format(port=port))
        tmux = Tmux(120, 40)
        made.append(tmux)
        # tmux gives the pane its own TERM, whatever the session's environment says: the
        # command sets it itself
        command = (["env", f"TERM={term}"] if term else []) + dashboard_command()
        tmux.start(command + ["open", str(path)], dashboard_env(tmp_path / "home"))
        tmux.wait_for_text("q Quit")
        tmux.keys("0")
        tmux.wait_for_text("top talkers")
        return tmux

    yield start
    for tmux in made:
        tmux.kill()


def sink_rate(screen: str) -> int | None:
    """The sink's messages a second, as its box on the map shows them."""
    m = re.search(r"in (\d+(?:\.\d+)?)(k?)/s out", screen)
    if m is None:
        return None
    return int(float(m.group(1)) * (1000 if m.group(2) else 1))


def spark_row(screen: str) -> str:
    """What the sparkline row of the sink's box holds (the line under its type)."""
    lines = screen.splitlines()
    row = next(i for i, line in enumerate(lines) if re.search(r"[│┃|#] PULL ", line))
    return re.search(r"[│┃|#] (.{18}) [│┃|#]", lines[row + 1]).group(1)


def test_rates_and_the_sparkline_move_under_traffic(overview):
    port = free_tcp_port()
    tmux = overview(port)
    quiet = tmux.wait(lambda s: sink_rate(s) == 0, what="the sink at 0/s")
    assert spark_row(quiet).strip() == ""  # nothing yet in the last minute
    producer = subprocess.Popen(
        [sys.executable, str(PEERS_DIR / "paced_push.py"), "connect",
         f"tcp://127.0.0.1:{port}", "12000", "2000"],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=child_env())
    try:
        busy = tmux.wait(lambda s: (sink_rate(s) or 0) >= 500, timeout=30,
                         what="the sink's rate to rise")
        assert spark_row(busy).strip() != ""  # bars in the sparkline
        # the top talkers say the same
        row = next(line for line in busy.splitlines() if line.split()[:2] == ["sink", "PULL"])
        assert int(float(row.split()[2].rstrip("k")) * (1000 if "k" in row.split()[2] else 1)) > 0
        assert producer.wait(timeout=60) == 0
        tmux.wait(lambda s: sink_rate(s) == 0, timeout=30, what="the rate to come back down")
        after = tmux.wait(lambda s: any(line.split()[:5] == ["sink", "PULL", "0", "0", "0"]
                                        and line.split()[5] == "12k" for line in s.splitlines()),
                          timeout=30, what="every message counted, at 0/s now")
        assert spark_row(after).strip() != ""  # the minute still shows it
    finally:
        kill(producer)


def test_the_map_in_ascii_on_a_vt100(overview):
    tmux = overview(free_tcp_port(), term="vt100")
    screen = tmux.wait(lambda s: re.search(r"[+#][-=] sink ", s), what="the ASCII box")
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if re.search(r"[+#][-=] sink ", line))
    assert all(line.isascii() for line in lines[top:top + 5])  # the whole box
    details = next(line for line in lines if line.split()[:1] == ["sink"])
    assert details.isascii() and "sink - PULL - bind tcp://127.0.0.1:" in details
    talkers = next(line for line in lines if line.split()[:1] == ["sink"] and "|" in line)
    assert talkers.isascii() and "| PULL |" in talkers  # the table's rules in ASCII too
