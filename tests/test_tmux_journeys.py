"""Journeys a user takes in a real terminal (tmux), one per item of the keyboard-and-screen
review: keys typed as fast as a terminal delivers them must go where the footer says, and what
the screen shows must be the part that matters.

Keys are sent in bursts, the way a quick typist's keys arrive, and every test waits on what the
screen shows (capture-pane), never on a delay. Traffic comes from real peer processes.
"""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import free_tcp_port as free_port
from tmux_support import Tmux, dashboard_command, dashboard_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

NB = "\u00a0"


@pytest.fixture
def dash(tmp_path):
    """``dash(session=TOML, width=, height=, **env)``: the dashboard in tmux, on a session file
    written from ``session`` (or empty); returns the :class:`Tmux` once the first frame shows."""
    made: list[Tmux] = []

    def start(session: str | None = None, width: int = 120, height: int = 40,
              wait_for: str = "Request/Reply", **env: str) -> Tmux:
        command = dashboard_command()
        if session is not None:
            path = tmp_path / "journey.toml"
            path.write_text("version = 1\n" + session)
            command += ["open", str(path)]
        tmux = Tmux(width, height)
        made.append(tmux)
        tmux.start(command, dashboard_env(tmp_path / "home", **env))
        tmux.wait_for_text(wait_for)
        return tmux

    yield start
    for tmux in made:
        tmux.kill()


def plain(screen: str) -> str:
    return screen.replace(NB, " ")


def footer(screen: str) -> str:
    lines = [line for line in screen.splitlines() if line.strip()]
    return lines[-1] if lines else ""


#: a log row of a message sent
SENT_ROW = re.compile(r"\d\d:\d\d:\d\d(\.\d+)? out ")


def req_session(*names: str, endpoint: str) -> str:
    return "".join(
        f'[[socket]]\nname = "{name}"\ntype = "REQ"\nconnect = ["{endpoint}"]\n\n'
        for name in names)


# -- 1. tab keys work from anywhere that is not a text field -------------------------------------

def test_1_tab_keys_switch_tabs_right_after_adding_a_socket(dash):
    tmux = dash()
    tmux.wait_for_text("No sockets here yet")
    # one burst: add a REQ named c1 connected to an absent peer, leave, go to Pipeline
    tmux.keys("a", "Tab", "c1", "Tab", "Tab", "tcp://127.0.0.1:5678", "Enter", "3")
    screen = tmux.wait(lambda s: "PUSH deals" in s, what="the Pipeline tab")
    assert "c1 · REQ" not in screen
    assert "a Add" in footer(screen)
    tmux.keys("1")
    screen = tmux.wait(lambda s: "c1 · REQ" in s and "REQ asks" in s, what="Request/Reply")
    assert not SENT_ROW.search(screen), "something was sent"
    tmux.keys("3")
    tmux.wait(lambda s: "PUSH deals" in s, what="the Pipeline tab again")
    # the palette's tab commands, from the same place
    tmux.keys("1")
    tmux.wait(lambda s: "REQ asks" in s)
    tmux.keys("C-p")
    tmux.wait_for_text("Search for commands")
    tmux.type("Tab: Publish")
    tmux.wait(lambda s: "Tab: Publish/Subscribe" in s)
    tmux.keys("Enter")
    tmux.wait(lambda s: "PUB broadcasts" in s and "Search for commands" not in s
              and "a Add" in footer(s), what="the Publish/Subscribe tab and its keys")
    tmux.keys("5")
    tmux.wait(lambda s: "ROUTER tags" in s, what="the Router/Dealer tab")


# -- 2. closing a socket leaves the focus on a log, never in a composer --------------------------

def test_2_after_closing_a_socket_the_next_keys_are_commands(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash(req_session("first", "second", endpoint=server.endpoint))
    tmux.wait(lambda s: s.count("connected (1 peer)") == 2, what="both REQs connected")
    tmux.keys("]")  # the focus on the second panel's log, as after leaving its composer
    tmux.wait(lambda s: "┏━ second · REQ" in s, what="the second panel focused")
    tmux.keys("w")
    tmux.wait_for_text("Close second (REQ)?")
    tmux.keys("y")
    tmux.wait(lambda s: "second · REQ" not in s and "Close second" not in s,
              what="the panel to go")
    tmux.keys("a", "Enter")  # a: Add; Enter: (in the dialog) the type list opens
    screen = tmux.wait(lambda s: "Add a socket" in s and "XPUB" in s,
                       what="the add dialog with its type list open")
    tmux.keys("Escape")
    tmux.wait(lambda s: "XPUB" not in s, what="the type list to close")
    tmux.keys("Escape")
    screen = tmux.wait(lambda s: "Add a socket" not in s, what="the dialog to close")
    assert "first · REQ" in screen
    assert not SENT_ROW.search(screen), screen


# -- 3. a new socket does not take the keys: its log has the focus -------------------------------

def test_3_a_new_sockets_composer_does_not_take_the_next_key(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash()
    tmux.wait_for_text("No sockets here yet")
    tmux.keys("a")
    tmux.wait_for_text("Add a socket")
    tmux.type_into("Connect", server.endpoint, before=("Tab", "Tab", "Tab"))
    tmux.keys("Enter")
    tmux.wait(lambda s: "connected (1 peer)" in s, what="the new REQ connected")
    tmux.keys("t")  # a command key: the next display format
    screen = tmux.wait(lambda s: "following · text" in s, what="the format to change")
    assert "┃t" not in screen.replace(" ", "")


# -- 4. the footer shows the keys of the focused widget -----------------------------------------

def test_4_the_footer_shows_the_composers_own_keys(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash(req_session("asker", endpoint=server.endpoint))
    tmux.wait_for_text("connected (1 peer)")
    screen = tmux.wait(lambda s: "a Add" in footer(s))
    tmux.keys("m")
    screen = tmux.wait(lambda s: "Send" in footer(s) and "History" in footer(s),
                       what="the composer's keys in the footer")
    line = footer(screen)
    assert "Leave" in line and "esc" in line.lower()
    assert "Filter" not in line and "Help" not in line and "Add" not in line, line
    tmux.type("/?")  # letters and signs are text here, as the footer says
    tmux.keys("Escape")
    screen = tmux.wait(lambda s: "a Add" in footer(s), what="the dashboard's keys again")
    assert "/?" in screen  # the text stayed in the composer


# -- 5. zoom fills the screen and keeps the status bar -------------------------------------------

def test_5_zoom_fills_the_screen_and_keeps_the_status_bar(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash(req_session("left", "right", endpoint=server.endpoint), width=80, height=24)
    tmux.wait(lambda s: "right · REQ" in s and "left · REQ" in s)
    tmux.keys("z")

    def zoomed(s: str) -> bool:
        return "right · REQ" not in s and "left · REQ" in s

    screen = tmux.wait(zoomed, what="the left panel alone")
    top = next(line for line in screen.splitlines() if "left · REQ" in line)
    assert len(top.rstrip()) == 80, f"the zoomed panel is {len(top.rstrip())} wide:\n{screen}"
    assert "2 sockets" in plain(screen), "the status bar is gone"
    assert "REQ asks" not in screen  # the tab bar and reminder give their lines to the panel
    tmux.keys("z")
    tmux.wait(lambda s: "right · REQ" in s and "left · REQ" in s, what="both panels again")
    tmux.keys("z")
    tmux.wait(zoomed)
    tmux.keys("Escape")
    tmux.wait(lambda s: "right · REQ" in s and "left · REQ" in s, what="Escape to unzoom")
    tmux.keys("z")
    tmux.wait(zoomed)
    tmux.keys("2")  # a tab key leaves zoom
    tmux.wait(lambda s: "PUB broadcasts" in s)
    tmux.keys("1")
    tmux.wait(lambda s: "right · REQ" in s and "left · REQ" in s, what="no zoom left over")


# -- 8. dialogs keep every key typed, however fast ------------------------------------------------

def test_8_the_repeat_dialog_keeps_values_typed_quickly(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash(req_session("pinger", endpoint=server.endpoint))
    tmux.wait_for_text("connected (1 peer)")
    for attempt in range(3):
        tmux.keys("p", "C-u", "ping #{seq} at {time}", "Tab", "C-u", "300", "Tab", "5")
        screen = tmux.wait(lambda s: "Repeat-send from pinger" in s and re.search(
            r"Count\s+5\b", s), what=f"the count typed (try {attempt + 1})")
        assert re.search(r"Message\s+ping #\{seq\} at \{time\}\s", screen), screen
        assert re.search(r"Every ms\s+300\s", screen), screen
        if attempt < 2:
            tmux.keys("Escape")
            tmux.wait(lambda s: "Repeat-send from" not in s)
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "finished after 5 messages" in s, timeout=20,
                       what="five repeat-sends and the end")
    assert re.search(r"out 5\b", plain(screen))
    # a prompt dialog too: bind one more endpoint, typed in one go
    tmux.keys("b", "C-u", "tcp://127.0.0.1:*", "Enter")
    screen = tmux.wait(lambda s: re.search(r"bind tcp://127\.0\.0\.1:\d+", s),
                       what="the new bind")
    assert "bind failed" not in screen


# -- 6. narrow panels keep what matters ----------------------------------------------------------

def test_6_narrow_panels_keep_state_peers_and_retry_counts(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    absent = free_port()
    tmux = dash(req_session("asker", endpoint=server.endpoint)
                + req_session("retrier", endpoint=f"tcp://127.0.0.1:{absent}"),
                width=80, height=24)
    screen = tmux.wait(lambda s: "connected (1 peer)" in s and "retrying" in s,
                       what="both endpoint states in full, at 80 columns")
    line = next(row for row in screen.splitlines() if "connected (1 peer)" in row)
    port = server.endpoint.rsplit(":", 1)[1]
    assert port[-3:] in line  # the endpoint loses its middle, not its end
    # the retry row keeps its count however narrow
    screen = tmux.wait(lambda s: re.search(r"CONNECT_RETRIED.* x\d+", s),
                       what="the retry count on the folded row")


def test_6_a_row_shows_all_the_payload_that_fits_and_marks_only_a_cut(dash, spawn_peer):
    fits = "1-Update! >> #1 >> 2026-12-01T10:00:00"  # 38 bytes: fits a 60-column panel
    long = "2-" + "x" * 298  # 300 bytes: does not
    sender = spawn_peer("push_sender", "bind", "tcp://127.0.0.1:*", fits, long)
    session = (f'[[socket]]\nname = "left"\ntype = "PULL"\nconnect = ["{sender.endpoint}"]\n\n'
               '[[socket]]\nname = "right"\ntype = "PULL"\n')
    tmux = dash(session)
    tmux.keys("3")
    screen = tmux.wait(lambda s: "in  2-xxx" in s, what="both messages")
    row = next(r for r in screen.splitlines() if "1-Update!" in r)
    assert fits + " " in row and "total" not in row, row
    cut = next(r for r in screen.splitlines() if "in  2-xxx" in r)
    assert re.search(r"x… 300B ", cut), cut
    assert "total" not in cut


# -- 7. a REP shows that a reply is due; a retry row shows its latest time -----------------------

def test_7_a_rep_says_a_reply_is_due_until_it_answers(dash, spawn_peer):
    client = spawn_peer("req_client", "bind", "tcp://127.0.0.1:*", "ping")
    session = f'[[socket]]\nname = "answerer"\ntype = "REP"\nconnect = ["{client.endpoint}"]\n'
    tmux = dash(session)
    tmux.wait(lambda s: "in  ping" in s, what="the request")
    tmux.wait(lambda s: "reply due" in plain(s), what="the sign that a reply is due")
    tmux.type_into("┃", "pong", before=("m",))
    tmux.keys("Enter")
    tmux.wait(lambda s: "out pong" in s, what="the reply sent")
    tmux.wait(lambda s: "reply due" not in plain(s), what="the sign to go")
    assert client.read_line() == "pong"


def test_7_a_folded_retry_row_shows_its_latest_time(dash):
    absent = free_port()
    tmux = dash(req_session("retrier", endpoint=f"tcp://127.0.0.1:{absent}"))
    retry = re.compile(r"(\d\d:\d\d:\d\d\.\d{3}) evt CONNECT_RETRIED.* x(\d+)")

    def count_at_least(n):
        def check(s):
            m = retry.search(s)
            return m if m and int(m.group(2)) >= n else None
        return check

    first = count_at_least(3)(tmux.wait(count_at_least(3), what="a few retries"))
    later_screen = tmux.wait(count_at_least(int(first.group(2)) + 4), timeout=30,
                             what="more retries")
    later = count_at_least(1)(later_screen)
    assert later.group(1) > first.group(1), (first.group(0), later.group(0))


# -- 13. a ROUTER that cannot send yet counts an error and logs it -------------------------------

def test_13_a_router_with_no_peer_yet_logs_and_counts_the_error(dash):
    tmux = dash('[[socket]]\nname = "hub"\ntype = "ROUTER"\nbind = ["tcp://127.0.0.1:*"]\n')
    tmux.keys("5")
    tmux.wait(lambda s: "hub · ROUTER" in s and "listening" in s)
    tmux.type_into("┃", "hello", before=("m",))
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "ERR no peer has talked to this ROUTER yet" in s,
                       what="an ERR row")
    assert "err 1" in plain(screen)
    assert "err 1" in footer_status(screen)  # the status bar's total too


def footer_status(screen: str) -> str:
    lines = [line for line in plain(screen).splitlines() if line.strip()]
    return lines[-2] if len(lines) > 1 else ""


# -- 14. small things ------------------------------------------------------------------------------

def test_14_small_things_say_what_they_do(dash, spawn_peer):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash(req_session("asker", endpoint=server.endpoint)
                + '[[socket]]\nname = "hub"\ntype = "ROUTER"\nbind = ["tcp://127.0.0.1:*"]\n')
    tmux.wait_for_text("connected (1 peer)")
    # the palette speaks English
    tmux.keys("C-p")
    tmux.wait_for_text("Search for commands")
    tmux.type("XSUB socket")
    screen = tmux.wait(lambda s: "Add an XSUB socket" in s, what="'an XSUB'")
    assert "Add a XSUB" not in screen
    tmux.keys("Escape")  # the palette's list closes first, then the palette
    screen = tmux.wait(lambda s: "Add an XSUB" not in s)
    if "🔎" in screen:
        tmux.keys("Escape")
        tmux.wait(lambda s: "🔎" not in s, what="the palette to close")
    # a socket's first repeat-send is its #1
    tmux.keys("p")
    tmux.wait_for_text("Repeat-send from asker")
    tmux.keys("Tab", "C-u", "50", "Tab", "2", "Enter")
    tmux.wait(lambda s: "repeat-send #1 started on asker" in s, what="repeat-send #1")
    tmux.wait(lambda s: "repeat-send #1 finished after 2 messages" in s)
    # the add dialog says which type it will make, and what Enter does where
    tmux.keys("a")
    screen = tmux.wait_for_text("Add a socket: REQ")
    assert "Enter: add (on a list: open it)" in screen
    tmux.keys("Escape")
    tmux.wait(lambda s: "Add a socket" not in s)
    # from a ROUTER's log, Tab reaches the peer chooser first
    tmux.keys("5")
    tmux.wait(lambda s: "hub · ROUTER" in s and "newest peer" in s)
    tmux.keys("Tab")
    tmux.wait(lambda s: "┏━ hub · ROUTER" in s)
    tmux.keys("Enter")
    tmux.wait(lambda s: "first frame is the identity" in s, what="the chooser's list")


# -- 9. the inspector keeps up with traffic that outruns the log ---------------------------------

def sub_session(endpoint: str, name: str = "watcher") -> str:
    return (f'[[socket]]\nname = "{name}"\ntype = "SUB"\nconnect = ["{endpoint}"]\n'
            'subscribe = [""]\n')


def test_9_the_inspector_opens_and_steps_while_entries_fall_out(dash, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")  # 400 msg/s
    tmux = dash(sub_session(publisher.endpoint), ZMQDASH_RING="5")
    tmux.keys("2")
    tmux.wait(lambda s: re.search(r"drop \d{3}", plain(s)), what="entries falling out")
    tmux.keys("Up", "Enter")
    head = re.compile(r"watcher SUB · #(\d+) received")
    screen = tmux.wait(lambda s: head.search(s) or "Nothing to inspect" in s,
                       what="the inspector")
    assert "Nothing to inspect" not in screen, screen
    shown = int(head.search(screen).group(1))
    tmux.keys("Right")
    screen = tmux.wait(lambda s: (m := head.search(s)) and int(m.group(1)) > shown,
                       what="a newer entry")
    tmux.keys("Left", "Left", "Left", "Left", "Left", "Left")
    tmux.wait(lambda s: "has fallen out of the log" in s, what="a clear word on the gap")
    tmux.keys("Escape")
    screen = tmux.wait(lambda s: "paused" in s and "frame 1 of 1" not in s)
    rows = [r for r in screen.splitlines() if re.search(r"\d\d:\d\d:\d\d\.\d{3} in ", r)]
    assert len(rows) >= 3, screen  # the paused log shows the entries it holds, not blanks


# -- 10. a live filter -------------------------------------------------------------------------

def test_10_the_filter_is_live_counts_matches_and_says_what_it_matches(dash, spawn_peer):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    tmux = dash(sub_session(publisher.endpoint))
    tmux.keys("2")
    tmux.wait(lambda s: "1-update" in s and "2-update" in s)
    tmux.keys("/")
    tmux.wait(lambda s: "filter" in footer(s).lower() or "⏎" in footer(s),
              what="the filter field")
    tmux.type("2-up")  # no Enter: rows filter as it is typed
    screen = tmux.wait(lambda s: "2-update" in s and "1-update" not in s
                       and re.search(r"\d+ match", s), what="live filtering and a count")
    assert "text as shown" in screen
    tmux.keys("Escape")  # clears it
    tmux.wait(lambda s: "1-update" in s and "2-update" in s, what="everything again")
    tmux.keys("t", "t")  # hex
    tmux.wait(lambda s: "· hex" in s)
    tmux.keys("/")
    tmux.type("1-up")
    tmux.wait(lambda s: re.search(r"\b0 matches", s) and "hex" in s,
              what="no match in the hex text, and why")
    tmux.keys("C-u")
    tmux.type("hex:31 2d")  # the bytes "1-"
    tmux.wait(lambda s: "bytes" in s and re.search(r"[1-9]\d* match", s),
              what="a byte filter matching")
    tmux.keys("Enter")  # keep it, back to the log
    screen = tmux.wait(lambda s: "n/N" in footer(s) or "Match" in footer(s),
                       what="n and N offered in the log")
    tmux.keys("N")
    tmux.wait(lambda s: "paused" in s, what="the older match selected")
    tmux.keys("/", "C-u")
    tmux.type(r"/#5[24]\d /")
    tmux.keys("Enter")
    tmux.wait(lambda s: r"/#5[24]\d /" in s and r"\\d" not in s,
              what="the filter shown as typed")


# -- 11. export says where, and lets the user choose -------------------------------------------

def test_11_export_shows_the_full_path_and_writes_where_asked(dash, spawn_peer, tmp_path):
    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    tmux = dash(sub_session(publisher.endpoint))
    tmux.keys("2")
    tmux.wait(lambda s: "1-update" in s)
    tmux.keys("e")
    screen = tmux.wait(lambda s: "Export the log of watcher" in s)
    default = re.search(r"(/\S+/watcher-\d{8}-\d{6}\.jsonl)", screen)
    assert default, f"no full default path:\n{screen}"
    target = tmp_path / "chosen" / "log.jsonl"
    target.parent.mkdir()
    tmux.keys("C-u")
    tmux.type(str(target))
    tmux.wait(lambda s: "chosen/log.jsonl" in s)  # the field shows the end it is typed at
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "entries written to" in s, what="the export")
    assert str(target) in plain(screen).replace("\n", "") or target.name in screen
    assert target.exists() and target.read_text().count("\n") > 0


# -- 12. composer history is not the session; snippets are saved on purpose ---------------------

def test_12_history_stays_out_of_the_session_and_snippets_are_explicit(dash, spawn_peer,
                                                                        tmp_path):
    server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    tmux = dash(req_session("asker", endpoint=server.endpoint))
    tmux.wait_for_text("connected (1 peer)")
    session = tmp_path / "journey.toml"
    tmux.type_into("┃", "just once", before=("m",))
    tmux.keys("Enter")
    tmux.wait(lambda s: "in  Echo: just once" in s)
    tmux.keys("C-s")
    tmux.wait(lambda s: "saved to" in s)
    assert "just once" not in session.read_text()
    tmux.type("keep me")
    tmux.keys("C-b")  # save the composer's text as a snippet
    tmux.wait(lambda s: "snippet" in s and "keep me" in s, what="the snippet saved")
    tmux.keys("Escape")
    tmux.wait(lambda s: "a Add" in footer(s))
    tmux.keys("C-s")
    tmux.wait(lambda s: "asker" in s and "*" not in footer_status(s).split("│")[0])
    text = session.read_text()
    assert "keep me" in text and "just once" not in text, text
