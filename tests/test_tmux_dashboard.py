"""The dashboard in a real terminal (tmux), against real peer processes over tcp.

These catch what a headless run cannot: repainting, escape sequences, key handling by a real
terminal. Each test waits on what the screen shows, polling ``capture-pane`` with a deadline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import pytest
from tmux_support import Tmux, dashboard_command, dashboard_env, wait_gone

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None and not
                                __import__("os").path.exists("/usr/bin/tmux"),
                                reason="tmux is not installed")


@pytest.fixture
def term(tmp_path):
    made: list[Tmux] = []

    def start(width: int = 120, height: int = 40, **env: str) -> Tmux:
        tmux = Tmux(width, height)
        made.append(tmux)
        tmux.start(dashboard_command(), dashboard_env(tmp_path / "home", **env))
        tmux.wait_for_text("Request/Reply")
        tmux.wait_for_text("No sockets here yet")
        return tmux

    yield start
    for tmux in made:
        tmux.kill()


def add_socket(tmux: Tmux, *, downs: int = 0, connect: str = "", bind: str = "",
               subscribe: str | None = None) -> None:
    """The add-socket dialog by keys: pick the type ``downs`` entries below the tab's first."""
    tmux.keys("a")
    tmux.wait_for_text("Add a socket")
    if downs:
        tmux.keys("Enter")  # open the type list
        tmux.wait_for_text("XPUB")
        tmux.keys(*(["Down"] * downs), "Enter")
        tmux.wait(lambda s: "XPUB" not in s, what="the type list to close")
    if bind:
        tmux.type_into("Bind", bind, before=("Tab", "Tab"))
    if connect:
        tmux.type_into("Connect", connect, before=("Tab",) if bind else ("Tab", "Tab", "Tab"))
    if subscribe is not None:
        tmux.wait_for_text("Subscribe")
        tmux.type_into("Subscribe", subscribe, before=("Tab",))
    tmux.keys("Enter")
    tmux.wait(lambda s: "Add a socket" not in s, what="the dialog to close")


def test_a_reply_arrives_in_the_req_panel(term, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = term()
    add_socket(tmux, connect=server.endpoint)
    tmux.wait_for_text("req1 · REQ")
    tmux.wait_for_text("connected (1 peer)")
    tmux.type_into("┃", "hello dashboard", before=("m",))  # m: to the composer
    tmux.keys("Enter")
    screen = tmux.wait_for_text("in  Echo: hello dashboard")
    assert "out hello dashboard" in screen
    assert re.search(r"in 1 .*out 1", screen.replace("\u00a0", " "))



def test_the_inspector_copies_to_the_terminals_clipboard(term, spawn_peer):
    # Textual copies with OSC 52, which travels in the terminal's own stream (so over SSH too):
    # tmux, told to accept it, keeps what arrives as a paste buffer
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = term()
    add_socket(tmux, connect=server.endpoint)
    tmux.wait_for_text("connected (1 peer)")
    tmux.type_into("┃", "copy me ¤ 日本", before=("m",))
    tmux.keys("Enter")
    tmux.wait_for_text("in  Echo: copy me")
    assert tmux.clipboard() == ""
    tmux.keys("Escape")  # out of the composer (the footer then offers Inspect)
    tmux.wait_for_text("i Inspect")
    tmux.keys("i")
    tmux.wait_for_text("frame 1 of 1")
    tmux.keys("c")
    tmux.wait_for_text("Copied to the clipboard")
    deadline = time.monotonic() + 10
    while "Echo: copy me ¤ 日本" not in tmux.clipboard():
        assert time.monotonic() < deadline, f"clipboard: {tmux.clipboard()!r}"
        time.sleep(0.05)

def test_only_matching_messages_appear_in_a_sub_panel(term, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    tmux = term()
    tmux.keys("2")
    tmux.wait_for_text("PUB broadcasts")
    add_socket(tmux, downs=1, connect=publisher.endpoint, subscribe="1-")
    tmux.wait_for_text("sub1 · SUB")
    screen = tmux.wait(lambda s: len(re.findall(r"in  1-update \d+", s)) >= 10,
                       what="ten matching updates")
    assert "2-update" not in screen
    assert "subs 1-" in screen


FLOOD = """
import zmq
ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.linger = 0
s.bind("tcp://127.0.0.1:*")
print(s.last_endpoint.decode(), flush=True)
n = 0
while True:
    n += 1
    s.send(b"flood %09d ................................................" % n)
"""


def spawn_flood() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", FLOOD], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    endpoint = proc.stdout.readline().strip()
    return proc, endpoint


def newest(screen: str, pattern: str) -> int:
    found = [int(n) for n in re.findall(pattern, screen)]
    return max(found) if found else -1


def test_the_log_keeps_repainting_after_wrapping_its_ring(term, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    tmux = term(ZMQDASH_RING="200")
    tmux.keys("2")
    tmux.wait_for_text("PUB broadcasts")
    add_socket(tmux, downs=1, connect=publisher.endpoint, subscribe="*")
    tmux.wait_for_text("sub1 · SUB")
    # 200 entries held; wait until well past several times round the ring
    screen = tmux.wait(lambda s: newest(s, r"update (\d+)") > 400, timeout=30,
                       what="the ring to wrap a few times")
    assert re.search(r"drop \d", screen.replace("\u00a0", " ")), "nothing counted as dropped"
    first = newest(screen, r"update (\d+)")
    tmux.wait(lambda s: newest(s, r"update (\d+)") > first + 50, timeout=15,
              what="newer messages on screen")


def test_quits_at_once_under_a_flood(term):
    proc, endpoint = spawn_flood()
    try:
        tmux = term()
        tmux.keys("3")
        tmux.wait_for_text("PUSH deals")
        add_socket(tmux, downs=1, connect=endpoint)
        tmux.wait(lambda s: newest(s, r"flood (\d+)") > 10_000, timeout=30,
                  what="the flood on screen")
        pid = tmux.pid
        tmux.keys("q")  # the socket added by hand is not saved: it asks first
        tmux.wait_for_text("Quit without saving?")
        tmux.keys("y")
        assert wait_gone(pid, 10), "the dashboard did not quit within 10 s under a flood"
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("term_name,no_color", [("vt100", "1"), ("screen", "")])
def test_readable_without_colour_and_on_old_terminals(term, term_name, no_color):
    env = {"TERM": term_name}
    if no_color:
        env["NO_COLOR"] = no_color
    tmux = term(80, 24, **env)
    screen = tmux.wait_for_text("q Quit")
    assert "a Add" in screen and "? Help" in screen
    tmux.keys("a")
    tmux.wait_for_text("Add a socket")
    tmux.keys("Escape")
    tmux.wait(lambda s: "Add a socket" not in s)
    if no_color:
        # Textual draws NO_COLOR in shades of grey: no hue may reach the terminal
        shown = tmux.screen(escapes=True)
        for n in re.findall(r"(?:38|48);5;(\d+)", shown):
            assert int(n) in GREYS, f"colour {n} with NO_COLOR"
        for r, g, b in re.findall(r"(?:38|48);2;(\d+);(\d+);(\d+)", shown):
            assert r == g == b, f"colour {r},{g},{b} with NO_COLOR"
        assert not re.search(r"\x1b\[(?:[0-9;]*;)?(3[1-6]|4[1-6]|9[1-6])m", shown)


#: the 256-colour palette's greys (and black and white)
GREYS = {0, 7, 8, 15, 16, 231, *range(232, 256)}


def test_uses_the_real_terminal_size_even_with_columns_exported(term):
    tmux = term(120, 40, COLUMNS="80", LINES="24")
    screen = tmux.wait_for_text("q Quit")
    assert max(len(line.rstrip()) for line in screen.splitlines()) > 100
    assert len(screen.splitlines()) >= 38


def test_escape_sequences_in_payloads_never_reach_the_terminal(term, spawn_peer):
    # clear the screen, set the window title, write the clipboard, a C1 CSI, ring the bell
    evil = r"evil\x1b[2J\x1b]0;pwned\x07\x1b]52;c;aGk=\x07\x9b31m\x07 end"
    bidi = "hex:" + "\u202eright-to-left end2".encode().hex()  # a bidi override, as UTF-8
    sender = spawn_peer("push_sender", "bind", "tcp://127.0.0.1:*", evil, bidi)
    tmux = term()
    tmux.keys("3")
    tmux.wait_for_text("PUSH deals")
    add_socket(tmux, downs=1, connect=sender.endpoint)
    # auto shows what is not printable as hex; t switches the log to text, escaped
    tmux.wait(lambda s: "e2 80 ae 72" in s, what="both payloads, in hex")
    tmux.keys("t")
    screen = tmux.wait(lambda s: " end" in s and "end2" in s, what="both payloads as text")
    assert r"evil\x1b[2J\x1b]0;pwned\x07\x1b]52;c;aGk=\x07" in screen
    assert r"\u202eright-to-left" in screen
    assert "pull1 · PULL" in screen  # nothing was cleared
    assert tmux.pane("pane_title") != "pwned"
    assert "\u202e" not in screen and "\x1b" not in screen


def test_a_key_typed_while_the_dashboard_starts_is_not_lost(tmp_path):
    # the first frame comes before the engine is made; a key that needs the engine makes it
    tmux = Tmux(120, 40)
    try:
        tmux.start(dashboard_command(), dashboard_env(tmp_path / "home"))
        tmux.keys("a")  # sent at once: it waits in the terminal until the app reads it
        tmux.wait_for_text("Add a socket")
        tmux.keys("Escape")
        tmux.wait_for_text("No sockets here yet")
    finally:
        tmux.kill()


def test_the_first_frame_already_has_the_footer_keys(tmp_path):
    tmux = Tmux(120, 40)
    try:
        tmux.start(dashboard_command(), dashboard_env(tmp_path / "home"))
        deadline = time.monotonic() + 15
        first = tmux.screen()
        while True:  # looked at back to back: the first frame drawn
            assert time.monotonic() < deadline, f"no first frame; the screen was:\n{first}"
            again = tmux.screen()
            # the same twice: a whole frame, not one tmux was still reading in (a frame comes
            # in pieces through the terminal; the tabs, at the top, come before the footer)
            if "Request/Reply" in first and again == first:
                break
            first = again
        assert "a Add" in first and "q Quit" in first, first
    finally:
        tmux.kill()
