"""Hints and the XPUB table in the dashboard (Pilot), against a real engine."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

import pytest
from conftest import free_tcp_port
from textual.widgets import Input
from ui_support import run_async, screen_text, wait_for

from zmqdash.engine import Engine
from zmqdash.engine import commands as C
from zmqdash.engine.hints import Timing
from zmqdash.ui.app import make_app
from zmqdash.ui.screens.help import HelpScreen
from zmqdash.ui.screens.hints import HintScreen
from zmqdash.ui.widgets.hint_bar import HintBar
from zmqdash.ui.widgets.subscription_table import SubscriptionTableView


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@asynccontextmanager
async def dashboard(size=(120, 40)):
    engine = Engine(hint_timing=Timing(interval=0.1)).start()
    try:
        app = make_app(engine=engine)
        app.animation_level = "none"
        async with app.run_test(size=size) as pilot:
            yield app, pilot
    finally:
        engine.stop()


def panel_of(app, name):
    return app.panel_of(app.engine.sockets()[name])


async def make_sub(app, pilot, name="feed"):
    app.engine.call(C.Create(name, "SUB"))
    app.engine.call(C.Connect(name, f"tcp://127.0.0.1:{free_tcp_port()}"))  # nothing there
    await pilot.press("2")
    await wait_for(pilot, lambda: any(v.name == name for v, _tab, _device in app.known_views()))
    return panel_of(app, name)


@run_async
async def test_a_hint_shows_while_true_and_h_explains_it():
    async with dashboard() as (app, pilot):
        panel = await make_sub(app, pilot)
        bar = panel.query_one(HintBar)
        await wait_for(pilot, lambda: bar.display and any(
            h.key == "no-subscription" for h in bar.hints), what="the hint")
        assert "⚠ subscribed to nothing, so nothing arrives" in screen_text(app)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HintScreen), what="the why")
        text = screen_text(app)
        assert "Why? feed" in text and "Subscribe to * (the empty prefix)" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HintScreen))
        app.engine.call(C.Subscribe("feed", b""))
        await wait_for(pilot, lambda: not any(h.key == "no-subscription" for h in bar.hints),
                       what="the hint to go")
        assert "subscribed to nothing" not in screen_text(app)


@run_async
async def test_question_mark_on_the_hint_line_explains_rather_than_helps():
    async with dashboard() as (app, pilot):
        panel = await make_sub(app, pilot)
        bar = panel.query_one(HintBar)
        await wait_for(pilot, lambda: bar.display, what="a hint")
        app.focus_now(bar)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "? Explain" in footer and "? Help" not in footer  # where ? goes, and only that
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HintScreen), what="the why")
        await pilot.press("escape")
        app.focus_now(panel.log_view)
        await pilot.press("question_mark")  # elsewhere, ? is still the help
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        from zmqdash.ui.screens.help import binding_sections

        assert any(section.startswith("On a hint line") for section, _ in
                   binding_sections(app))


@run_async
async def test_hint_text_from_outside_is_never_markup_or_raw():
    async with dashboard() as (app, pilot):
        engine = app.engine
        engine.call(C.Create("feed[bold]", "PUB"))
        engine.call(C.Bind("feed[bold]", "inproc://[/]"))
        engine.call(C.Create("x", "SUB"))
        engine.call(C.Subscribe("x", b"[/]\x1b]0;T\x07"))
        engine.call(C.Connect("x", "inproc://[/]"))
        engine.call(C.RepeatStart("feed[bold]", ("[link=x]{seq}",), 20))
        await pilot.press("2")
        await wait_for(pilot, lambda: any(v.name == "x" for v, _tab, _device in app.known_views()))
        app.current_panel = panel_of(app, "x")
        bar = app.current_panel.query_one(HintBar)
        await wait_for(pilot, lambda: any(h.key == "no-match" for h in bar.hints),
                       timeout=10, what="the no-match hint")
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HintScreen), what="the why")
        text = screen_text(app)
        assert "PUB feed[bold] sent" in text and "it sends [link=x]" in text
        assert "none starts with hex:5b2f5d1b5d303b5407" in text  # bytes, as hex
        assert "\x1b" not in text and "\x07" not in text


@run_async
async def test_the_xpub_table_in_its_panel_and_its_export(tmp_path):
    async with dashboard() as (app, pilot):
        engine = app.engine
        engine.call(C.Create("hub", "XPUB"))
        real = engine.call(C.Bind("hub", "tcp://127.0.0.1:*"))
        for name, prefix in (("one", b"weather"), ("two", b"weather"), ("two", b"\xff")):
            if name not in engine.sockets():
                engine.call(C.Create(name, "SUB"))
                engine.call(C.Connect(name, real))
            engine.call(C.Subscribe(name, prefix))
        await pilot.press("2")
        await wait_for(pilot, lambda: any(v.name == "hub" for v, _tab, _device in
                                          app.known_views()))
        panel = panel_of(app, "hub")
        table = panel.query_one(SubscriptionTableView)
        await wait_for(pilot, lambda: "subscriptions: 2 prefixes · 2 peers" in screen_text(app),
                       what="the table")
        text = screen_text(app)
        assert "hex:ff" in text and "weather" in text
        app.current_panel = panel
        await pilot.press("e")
        target = tmp_path / "hub.jsonl"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and any(
            "written" in n.message for n in app._notifications), what="the export")
        records = [json.loads(line) for line in target.read_text().splitlines()]
        changes = [(r["event"], r["prefix"], r["holders"]) for r in records
                   if r.get("prefix") is not None and r["kind"] == "event"]
        assert ("subscribe", {"b64": "/w=="}, 1) in changes
        assert ("subscribe", "weather", 2) in changes
        last = records[-1]
        assert last["kind"] == "subscriptions" and last["prefixes"] == 2 and last["peers"] == 2
        assert [row["holders"] for row in last["rows"]] == [2, 1]  # weather, then \xff
        assert table.table.prefixes == 2


@run_async
async def test_a_number_marked_in_the_filter_is_checked_for_gaps(spawn_peer):
    pub = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")  # 1-update N, 2-update N
    async with dashboard() as (app, pilot):
        engine = app.engine
        for name in ("feed", "witness"):
            engine.call(C.Create(name, "SUB"))
            engine.call(C.Subscribe(name, b"1"))
            engine.call(C.Connect(name, pub.endpoint))
        await pilot.press("2")
        await wait_for(pilot, lambda: any(v.name == "feed" for v, _tab, _device in
                                          app.known_views()))
        panel = panel_of(app, "feed")
        app.current_panel = panel
        await pilot.press("slash")  # the filter bar takes the focus
        app.focused.value = "update {seq}"
        await pilot.press("enter")
        await wait_for(pilot, lambda: panel.counter_marked == "update {seq}", what="the mark")
        assert panel.log_view.filter_text == "update {seq}"
        seen = engine.view("witness").stats.msgs_in
        await wait_for(pilot, lambda: engine.view("feed").stats.msgs_in > 20)
        engine.call(C.Disconnect("feed", pub.endpoint))
        # what is published while it is away is lost to it: the witness sees it go by
        seen = engine.view("witness").stats.msgs_in
        await wait_for(pilot, lambda: engine.view("witness").stats.msgs_in > seen + 20)
        engine.call(C.Connect("feed", pub.endpoint))
        bar = panel.query_one(HintBar)
        await wait_for(pilot, lambda: any(h.key.startswith("gap") for h in bar.hints),
                       timeout=10, what="the gap hint")
        # the bar has it; the screen shows it once the bar is laid out and drawn again
        await wait_for(pilot, lambda: "missing between #" in screen_text(app),
                       what="the gap hint on screen")
