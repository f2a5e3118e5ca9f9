"""The Overview tab, driven by keys through Pilot: moving between boxes, opening a panel, the
top talkers, show as code from the map, and what it costs while hidden."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from ui_support import FakeEngine, frozen_clock, populated, run_async, screen_text, wait_for

from zmqdash.engine import commands as C
from zmqdash.engine.rates import Rates
from zmqdash.ui import topology
from zmqdash.ui.app import make_app
from zmqdash.ui.widgets.overview import Overview


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


async def pipeline(app, pilot) -> None:
    await pilot.press("0")
    for cmd in (C.Create("vent", "PUSH"), C.Create("work", "PULL"), C.Create("ask", "REQ"),
                C.Create("answer", "REP"), C.Bind("work", "inproc://ov-p"),
                C.Connect("vent", "inproc://ov-p"), C.Bind("answer", "inproc://ov-r"),
                C.Connect("ask", "inproc://ov-r")):
        app.engine.call(cmd)
    await wait_for(pilot, lambda: len(app._overview.map.drawing.boxes if
                                      app._overview.map.drawing else ()) == 4,
                   what="four boxes on the map")

    def linked() -> bool:  # each sender left of its receiver: the connects have been seen
        boxes = app._overview.map.drawing.boxes
        return boxes["s:vent"][0] < boxes["s:work"][0] and boxes["s:ask"][0] < boxes["s:answer"][0]

    await wait_for(pilot, linked, what="the links laid out on the map")


@run_async
async def test_the_overview_is_the_first_tab_and_0_brings_it_back():
    async with dashboard() as (app, pilot):
        assert app.active_pattern == "reqrep"  # where the dashboard opens, as before
        tabs = app.query_one("#patterns").query("TabPane")
        assert tabs.first().id == "pane-overview"
        await pilot.press("0")
        assert app.active_pattern == "overview"
        assert "No sockets here yet" in screen_text(app)
        await pilot.press("3")
        assert app.active_pattern == "pipeline"
        await pilot.press("0")
        assert app.active_pattern == "overview"
        assert app.screen.focused is app._overview.map or app._overview.map.display is False


@run_async
async def test_arrows_move_between_boxes_and_enter_opens_the_panel():
    async with dashboard() as (app, pilot):
        await pipeline(app, pilot)
        themap = app._overview.map
        await wait_for(pilot, lambda: app.screen.focused is themap, what="the map's focus")
        assert themap.selected == "s:vent"  # top left first
        await pilot.press("right")
        assert themap.selected == "s:work"
        await pilot.press("down")
        assert themap.selected == "s:answer"
        await pilot.press("left")
        assert themap.selected == "s:ask"
        await pilot.press("up", "up")  # stops at the top
        assert themap.selected == "s:vent"
        assert "vent · PUSH · connect inproc://ov-p" in screen_text(app)
        await pilot.press("right", "enter")
        assert app.active_pattern == "pipeline"
        assert app.panel().socket_name == "work"
        assert app.screen.focused is app.panel().log_view


@run_async
async def test_show_as_code_and_record_from_the_map(tmp_path):
    from zmqdash.ui.screens.show_code import ShowCodeScreen

    async with dashboard() as (app, pilot):
        await pipeline(app, pilot)
        await pilot.press("right", "down")  # answer: REP
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ShowCodeScreen)
        assert "zmqdash cat REP -b inproc://ov-r" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("R")  # record the socket selected on the map
        app.screen.query_one("Input").value = str(tmp_path / "answer.jsonl")
        await pilot.press("enter")
        view = app.engine.sockets()["answer"]
        await wait_for(pilot, lambda: view.recording is not None, what="the recording")


@run_async
async def test_top_talkers_are_sorted_by_rate_with_cat_stats_numbers():
    engine = populated(FakeEngine())
    views = engine.sockets()
    for i, name in enumerate(("worker", "zip-10001", "broker")):
        views[name].rates = Rates(msgs_in=(0,) * 59 + (1000 * (3 - i),))
    views["worker"].stats.errors = 2
    views["worker"].pending = 0
    app = make_app(engine, clock=frozen_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        await wait_for(pilot, lambda: "top talkers" in screen_text(app), what="the table")
        text = screen_text(app).split("top talkers", 1)[1]
        rows = [line.split()[0] for line in text.splitlines()
                if line.strip().split()[:1] and line.split()[0] in views]
        assert rows[:3] == ["worker", "zip-10001", "broker"]
        worker = next(line for line in text.splitlines() if line.split()[:1] == ["worker"])
        # in/s, out/s, B/s, in, out, err, drop, queued
        assert worker.split()[1:] == ["PULL", "3000", "0", "0", "6", "0", "2", "0", "0"]


@run_async
async def test_hidden_it_costs_nothing_and_it_lays_out_only_when_the_topology_changes(
        monkeypatch):
    builds = []
    real_build = topology.build
    monkeypatch.setattr(topology, "build", lambda *a: builds.append(1) or real_build(*a))
    ticks = []
    real_tick = Overview.tick
    monkeypatch.setattr(Overview, "tick", lambda self, *a, **k: ticks.append(1) or
                        real_tick(self, *a, **k))
    app_ticks = []
    async with dashboard() as (app, pilot):
        real_app_tick = app._tick
        app._tick = lambda: app_ticks.append(1) or real_app_tick()
        app._timer.stop()
        app._timer = app.set_interval(0.02, app._tick)
        await pipeline(app, pilot)
        layouts = len(builds)
        start = len(app_ticks)
        await wait_for(pilot, lambda: len(app_ticks) >= start + 10, what="ten more looks")
        assert len(builds) == layouts  # nothing changed: no new layout
        app.engine.call(C.Create("late", "PUB"))
        await wait_for(pilot, lambda: "s:late" in (app._overview.map.drawing.boxes), what="late")
        assert len(builds) == layouts + 1
        await pilot.press("1")
        hidden = len(ticks)
        start = len(app_ticks)
        await wait_for(pilot, lambda: len(app_ticks) >= start + 10, what="ten more looks")
        app.engine.call(C.Create("later", "PUB"))
        start = len(app_ticks)
        await wait_for(pilot, lambda: len(app_ticks) >= start + 10, what="ten more looks")
        assert len(ticks) == hidden  # never looked at while hidden
        assert len(builds) == layouts + 1
        await pilot.press("0")
        await wait_for(pilot, lambda: "s:later" in app._overview.map.drawing.boxes,
                       what="the new socket once shown")
