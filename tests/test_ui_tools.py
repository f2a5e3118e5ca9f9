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
    await wait_for(pilot, lambda: any(p.socket_name == name for p in app._panels.values()),
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
