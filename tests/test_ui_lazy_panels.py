"""A tab's panels are built when the tab is first shown, and a panel scrolled off screen is a
shell until it is on screen; whatever needs a panel not built yet builds it or reads the
engine (the session save, going to a socket, moving between panels)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from ui_support import run_async, settled, wait_for

from zmqdash.engine import commands as C
from zmqdash.session import Session, SocketSpec, store
from zmqdash.ui.app import make_app


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@asynccontextmanager
async def dashboard(**kwargs):
    app = make_app(**kwargs)
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        yield app, pilot


def built(app, pattern):
    return [p for p in app._panels.values() if p.pattern == pattern]


@run_async
async def test_a_session_saves_what_waits_for_panels_never_built(tmp_path):
    session = Session("lab", [
        SocketSpec("hexed", "PULL", bind=["inproc://lab"], format="hex"),
        SocketSpec("talker", "PUSH", connect=["inproc://lab"], snippets=["first", "second"]),
        SocketSpec("asker", "REQ", connect=["inproc://nowhere"], format="text"),
    ])
    async with dashboard(session=session) as (app, pilot):
        await wait_for(pilot, lambda: len(app.known_views()) == 3, what="the session's sockets")
        await wait_for(pilot, lambda: app._clean is not None, what="the session applied")
        assert not built(app, "pipeline"), "a tab never shown has no panels"
        assert [p.socket_name for p in built(app, "reqrep")] == ["asker"]
        saved = app.save_session(tmp_path / "again.toml")
        assert not built(app, "pipeline"), "saving builds nothing"
        again = {s.name: s for s in store.load(saved).sockets}
        assert again["hexed"].format == "hex" and again["asker"].format == "text"
        assert list(again["talker"].snippets) == ["first", "second"]
        # the panels built at last say what waited for them: nothing is unsaved
        await pilot.press("3")
        assert {p.socket_name for p in built(app, "pipeline")} == {"hexed", "talker"}
        assert app.panel_of(app.engine.sockets()["hexed"]).log_view.fmt == "hex"
        app.check_dirty()
        assert not app.dirty


@run_async
async def test_going_to_a_socket_in_a_tab_never_shown_builds_it_and_focuses_its_log():
    async with dashboard() as (app, pilot):
        for i in range(6):
            app.engine.call(C.Create(f"w{i}", "PULL"))
        await wait_for(pilot, lambda: len(app.known_views()) == 6, what="the sockets")
        assert not built(app, "pipeline")
        await settled(app.action_show_tab("pipeline"))
        panels = built(app, "pipeline")
        assert [p.socket_name for p in panels] == [f"w{i}" for i in range(6)]
        # six panels of 38 columns in 120: the first four show (the fourth in part), the
        # last two wait as shells
        assert [p.whole for p in panels] == [True, True, True, True, False, False]
        await settled(app.go_to_socket("w5"))
        assert app.panel().socket_name == "w5" and app.panel().whole
        assert app.screen.focused is app.panel().log_view
        await pilot.press("left_square_bracket")  # the previous panel: given its body too
        assert app.panel().socket_name == "w4" and app.panel().whole
        assert app.screen.focused is app.panel().log_view


@run_async
async def test_a_tab_shown_by_its_key_builds_its_panels_before_the_next_key():
    async with dashboard() as (app, pilot):
        for name in ("s1", "s2"):
            app.engine.call(C.Create(name, "SUB"))
        await wait_for(pilot, lambda: len(app.known_views()) == 2, what="the sockets")
        assert not built(app, "pubsub")
        await pilot.press("2", "s")  # the tab, then at once the subscription bar of its panel
        assert app.active_pattern == "pubsub"
        assert app.panel().socket_name == "s1"
        assert app.screen.focused is app.panel().query_one(".subscriptions-input")
        shells = [p for p in built(app, "pubsub") if not p.whole]
        assert not shells, "both fit on screen, so both are whole"
