"""In a real terminal (tmux): a CURVE client socket made in the add-socket dialog, connected
through an SSH tunnel (the loopback sshd of tests/ssh_support.py) to a pyzmq CURVE server,
shows ``handshake ok``; quitting the dashboard ends its ssh."""

from __future__ import annotations

import shutil

import pytest
import ssh_support
from test_tunnels import gone
from tmux_support import Tmux, dashboard_command, dashboard_env

from zmqdash.engine.keys import read_key_file, write_key_pair

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not ssh_support.available(), reason="sshd is not installed"),
]


def test_a_curve_client_made_in_the_dialog_through_a_tunnel_says_handshake_ok(
        tmp_path, spawn_peer):
    home = tmp_path / "home"
    _, secret_file, _ = write_key_pair(home / "config" / "keys", "server")
    _, secret = read_key_file(secret_file, secret=True)
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret.decode())
    with ssh_support.Sshd(tmp_path / "sshd") as sshd:
        hosts = ssh_support.TunnelHosts(sshd)
        tmux = Tmux(120, 40)
        try:
            tmux.start(dashboard_command(), dashboard_env(home, ZMQDASH_SSH_COMMAND=hosts.command))
            tmux.wait_for_text("No sockets here yet")
            tmux.keys("a")
            tmux.wait_for_text("Add a socket")
            tmux.type_into("Connect", f"{peer.endpoint} via lab", before=("Tab", "Tab", "Tab"))
            tmux.keys("Tab", "Tab")  # Options, then Security
            tmux.keys("Enter")  # open the list of mechanisms
            tmux.wait_for_text("PLAIN server")
            tmux.keys("Down", "Enter")  # CURVE client
            tmux.wait_for_text("Server key")
            tmux.type_into("Server key", "server", before=("Tab",))
            tmux.keys("Enter")
            tmux.wait(lambda s: "Add a socket" not in s, what="the dialog to close")
            screen = tmux.wait(lambda s: "CURVE handshake ok" in s and "via lab: connected" in s,
                               timeout=20, what="the handshake through the tunnel")
            assert "req1 · REQ · CURVE client" in screen
            assert f"connect {peer.endpoint} via lab: connected (1 peer) - CURVE handshake ok" \
                in screen
            tmux.type_into("┃", "over ssh and curve", before=("m",))  # m: to the composer
            tmux.keys("Enter")
            tmux.wait_for_text("Echo: over ssh and curve", timeout=15)
            assert hosts.processes()
            tmux.keys("Escape")  # out of the composer, so q means quit
            tmux.wait_for_text("q Quit")
            tmux.keys("q")
            screen = tmux.wait(lambda s: "Quit without saving?" in s or tmux.dead, what="quit")
            if "Quit without saving?" in screen:
                tmux.keys("y")
            tmux.wait(lambda s: tmux.dead, timeout=15, what="the dashboard to end")
            gone(hosts)  # quitting ended the tunnel's ssh
        finally:
            tmux.kill()
