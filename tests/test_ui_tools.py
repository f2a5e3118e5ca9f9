"""Show as code, recording and replay from the dashboard, driven by keys through Pilot against
a real (idle) engine."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from textual.widgets import Input
from ui_support import run_async, screen_text, wait_for

from zmqdash.engine import commands as C
from zmqdash.ui.app import make_app
from zmqdash.ui.screens.show_code import ShowCodeScreen


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@asynccontextmanager
async def dashboard(size=(120, 40), **kwargs):
    app = make_app(**kwargs)
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        yield app, pilot
    assert not app.engine.running, "the app did not stop the engine it made"


async def make_socket(app, pilot, name, kind, *options, bind=(), connect=()):
    app.engine.call(C.Create(name, kind, tuple(options)))
    for ep in bind:
        app.engine.call(C.Bind(name, ep))
    for ep in connect:
        app.engine.call(C.Connect(name, ep))
    await wait_for(pilot, lambda: any(v.name == name for v, _tab, _device in app.known_views()),
                   what=f"a panel for {name}")
    app.go_to_socket(name)
    await pilot.pause()
    app.focus_now(app.panel().log_view)


# -- show as code -------------------------------------------------------------------------


@run_async
async def test_ctrl_e_shows_the_cat_line_and_the_program_and_copies_them(tmp_path):
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "server", "REP", ("rcvhwm", "100"),
                          bind=["tcp://127.0.0.1:*"])
        app.engine.call(C.AutoReply("server", ("Echo: {body}",)))
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ShowCodeScreen)
        text = screen_text(app)
        assert "zmqdash cat REP -b 'tcp://127.0.0.1:*' -o rcvhwm=100 --reply" in text
        assert "socket = context.socket(zmq.REP)" in text
        assert "is bound as tcp://127.0.0.1:" in text  # the note on the wildcard
        await pilot.press("c")
        assert app.clipboard.startswith("zmqdash cat REP -b")
        await pilot.press("y")
        assert app.clipboard.startswith("# The REP socket 'server'")
        compile(app.clipboard, "server.py", "exec")
        await pilot.press("w")
        field = app.screen.query_one(Input)
        assert field.value == str(tmp_path / "server.py")  # the full path, shown
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "server.py").exists(), what="the file")
        assert (tmp_path / "server.py").read_text() == app.screen.code.program
        # a second save never replaces the file
        await pilot.press("w", "enter")
        await wait_for(pilot, lambda: any("exists already" in n.message
                                          for n in app._notifications), what="the refusal")
        await pilot.press("escape")
        assert not isinstance(app.screen, ShowCodeScreen)


@run_async
async def test_show_as_code_from_the_palette_and_without_a_socket():
    async with dashboard() as (app, pilot):
        await pilot.press("ctrl+e")  # no socket: like every socket key, it does nothing
        assert not isinstance(app.screen, ShowCodeScreen)
        await make_socket(app, pilot, "w", "PULL", bind=["tcp://127.0.0.1:*"])
        await pilot.press("ctrl+p")
        await pilot.press(*"show as code")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ShowCodeScreen),
                       what="the show-as-code screen")
        assert "zmqdash cat PULL" in screen_text(app)


# -- recording and replay -------------------------------------------------------------------


async def pair_with_traffic(app, pilot, n: int):
    await make_socket(app, pilot, "a", "PAIR", bind=["inproc://tools"])
    await make_socket(app, pilot, "b", "PAIR", connect=["inproc://tools"])
    for i in range(n):
        app.engine.call(C.Send("a", (f"message {i}".encode(), b"\x00\xff")))
    await wait_for(pilot, lambda: app.engine.sockets()["b"].stats.msgs_in >= n, what="traffic")


@run_async
async def test_r_records_the_socket_and_r_again_stops(tmp_path):
    import json

    async with dashboard() as (app, pilot):
        await pair_with_traffic(app, pilot, 2)  # before the recording: not in it
        app.go_to_socket("b")
        await pilot.pause()
        app.focus_now(app.panel().log_view)
        await pilot.press("R")
        field = app.screen.query_one(Input)
        assert field.value.startswith(str(tmp_path / "b-")) and field.value.endswith(".jsonl")
        target = tmp_path / "b.jsonl"
        field.value = str(target)
        await pilot.press("enter")
        view = app.engine.sockets()["b"]
        await wait_for(pilot, lambda: view.recording is not None and view.recording.opened,
                       what="the recording")
        for i in range(2, 5):
            app.engine.call(C.Send("a", (f"message {i}".encode(), b"\x00\xff")))
        await wait_for(pilot, lambda: view.recording.written >= 3, what="three written")
        await wait_for(pilot, lambda: "REC 3" in screen_text(app), what="the REC mark")
        await pilot.press("R")
        await wait_for(pilot, lambda: any("entries written to" in n.message
                                          for n in app._notifications), what="the summary")
        assert view.recording is None
        await wait_for(pilot, lambda: "REC" not in screen_text(app), what="the mark to go")
        records = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["frames"] for r in records if r["kind"] == "in"] == [
            [f"message {i}", {"b64": "AP8="}] for i in range(2, 5)]


@run_async
async def test_ctrl_r_replays_a_recording_into_the_socket(tmp_path):
    from zmqdash.codec import entry_to_json_line
    from zmqdash.ui.screens.replay import ReplayScreen

    path = tmp_path / "rec.jsonl"
    path.write_text("".join(
        entry_to_json_line((i, 1.0 + i / 100, "in", (f"r{i}".encode(), b"\xff"), None, 3),
                           "x", "PULL") + "\n" for i in range(5)))
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "sink", "PULL", bind=["inproc://replay-ui"])
        await pilot.press("ctrl+r")  # a PULL cannot send: nothing opens
        assert not isinstance(app.screen, ReplayScreen)
        await make_socket(app, pilot, "vent", "PUSH", connect=["inproc://replay-ui"])
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReplayScreen)
        screen = app.screen
        screen.query_one("#replay-file", Input).value = str(tmp_path / "nope.jsonl")
        await pilot.press("enter")
        assert isinstance(app.screen, ReplayScreen)
        assert "no such file" in screen_text(app)
        screen.query_one("#replay-file", Input).value = str(path)
        screen.query_one("#replay-speed", Input).value = "fast"
        await pilot.press("enter")
        assert "The speed is max" in screen_text(app)
        screen.query_one("#replay-speed", Input).value = "max"
        screen.query_one("#replay-filter", Input).value = "/r[13]/"
        await pilot.press("enter")
        sink = app.engine.sockets()["sink"]
        await wait_for(pilot, lambda: sink.stats.msgs_in == 2, what="the replay")
        assert [e[3] for e in sink.log.since(0) if e[2] == "in"] == [
            (b"r1", b"\xff"), (b"r3", b"\xff")]


@run_async
async def test_the_inspector_sends_an_entry_again_as_it_was_or_edited():
    from zmqdash.ui.screens.inspector import InspectorScreen

    async with dashboard() as (app, pilot):
        await pair_with_traffic(app, pilot, 2)
        app.go_to_socket("b")
        await pilot.pause()
        app.focus_now(app.panel().log_view)
        await wait_for(pilot, lambda: "message 1" in screen_text(app), what="the log's rows")
        await pilot.press("i")
        assert isinstance(app.screen, InspectorScreen)
        a = app.engine.sockets()["a"]
        await pilot.press("r")  # b's received "message 1" goes out of b again
        await wait_for(pilot, lambda: a.stats.msgs_in == 1, what="the message sent again")
        assert a.log.since(0)[-1][3] == (b"message 1", b"\x00\xff")
        await pilot.press("E")
        field = app.screen.query_one(Input)
        assert field.value == "message 1|hex:00ff"
        field.value = "edited|hex:01"
        await pilot.press("enter")
        await wait_for(pilot, lambda: a.stats.msgs_in == 2, what="the edited message")
        assert [e[3] for e in a.log.since(0) if e[2] == "in"][-1] == (b"edited", b"\x01")
        assert isinstance(app.screen, InspectorScreen)


@run_async
async def test_a_sub_entry_is_sent_again_on_a_socket_chosen():
    from zmqdash.ui.screens.dialogs import ChooseScreen

    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "pub", "PUB", bind=["inproc://resend"])
        await make_socket(app, pilot, "sub", "SUB", connect=["inproc://resend"])
        await make_socket(app, pilot, "pull", "PULL", bind=["inproc://resend-2"])
        await make_socket(app, pilot, "push", "PUSH", connect=["inproc://resend-2"])
        app.engine.call(C.Subscribe("sub", b""))
        app.engine.call(C.Send("pub", (b"tick",)))
        sub = app.engine.sockets()["sub"]
        await wait_for(pilot, lambda: sub.stats.msgs_in == 1, what="the tick")
        entry = [e for e in sub.log.since(0) if e[2] == "in"][0]
        app.resend_entry(sub, entry)
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        offered = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]
        assert offered == ["pub", "push"]  # the sockets that can send
        app.screen.dismiss("push")
        pull = app.engine.sockets()["pull"]
        await wait_for(pilot, lambda: pull.stats.msgs_in == 1, what="the tick sent on push")
