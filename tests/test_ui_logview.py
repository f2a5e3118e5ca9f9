"""The log view: rows straight from a ring, following, pausing, filtering, safe output."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from ui_support import T0, run_async, utc

from zmqdash.engine.ring import ERROR, EVENT, IN, OUT, EventInfo, Ring
from zmqdash.ui.widgets import log_view as lv
from zmqdash.ui.widgets.log_view import LogView


class Clock:
    """A clock the test moves; each look moves it on by ``step`` seconds."""

    def __init__(self, step: float = 1.0) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class LogApp(App):
    def __init__(self, ring: Ring, clock: Clock | None = None) -> None:
        super().__init__()
        self.ring = ring
        self.clock = clock or Clock()  # by default a second passes between polls

    def compose(self) -> ComposeResult:
        yield LogView(self.ring, id="log", clock=self.clock)


def fill(ring: Ring, start: int, count: int) -> None:
    for i in range(start, start + count):
        body = f"msg {i}".encode()
        ring.append(T0 + i, IN, [body], None, len(body))


def rows(view: LogView) -> list[str]:
    height = view.scrollable_content_region.height
    return [view.render_line(y).text.rstrip() for y in range(height)]


@pytest.fixture(autouse=True)
def _utc():
    with utc():
        yield


@run_async
async def test_follows_the_tail_and_wraps_the_ring():
    ring = Ring(50)
    app = LogApp(ring)
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        fill(ring, 0, 5)
        view.poll()
        await pilot.pause()
        assert rows(view)[0].endswith("in  msg 0")
        fill(ring, 5, 500)  # ten times round the ring
        assert view.poll()
        await pilot.pause()
        shown = [r for r in rows(view) if r]
        assert shown[-1].endswith("msg 504")
        assert view.following
        assert view.row_count == 50
        fill(ring, 505, 1)  # once full, every new entry still repaints
        view.poll()
        await pilot.pause()
        assert [r for r in rows(view) if r][-1].endswith("msg 505")


@run_async
async def test_a_stream_repaints_at_most_five_times_a_second_but_a_lone_entry_at_once():
    ring = Ring(100)
    clock = Clock(step=0.0)
    app = LogApp(ring, clock)
    async with app.run_test(size=(60, 12)):
        view = app.query_one(LogView)
        fill(ring, 0, 1)
        assert view.poll()  # nothing came before: painted at once
        fill(ring, 1, 1)
        clock.now += 0.1
        assert not view.poll()  # entries keep coming: wait for the interval
        fill(ring, 2, 1)
        clock.now += 0.1
        assert view.poll()  # 0.2 s since the last paint: both new entries at once
        assert rows(view)[2].endswith("in  msg 2")
        clock.now += 0.1
        assert not view.poll()  # nothing new: the stream has stopped
        fill(ring, 3, 1)
        clock.now += 0.01
        assert view.poll()  # after a quiet poll, a new entry shows at once
        fill(ring, 4, 1)
        assert view.poll(force=True)  # an action (format, filter, keys) never waits


@run_async
async def test_idle_poll_does_nothing():
    ring = Ring(10)
    app = LogApp(ring)
    async with app.run_test(size=(60, 12)):
        view = app.query_one(LogView)
        fill(ring, 0, 3)
        assert view.poll()
        assert not view.poll()  # the ring did not move: no refresh


@run_async
async def test_scrolling_up_pauses_and_keeps_the_place_while_the_ring_wraps():
    ring = Ring(100)
    app = LogApp(ring)
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        fill(ring, 0, 100)
        view.poll()
        await pilot.pause()
        view.focus()
        await pilot.press("up", "up", "pageup")
        assert not view.following
        top_before = rows(view)[0]
        selected = view.cursor
        fill(ring, 100, 30)  # 30 old entries fall out; the view must not move
        view.poll()
        await pilot.pause()
        assert rows(view)[0] == top_before
        assert view.cursor == selected
        assert view.below > 0
        await pilot.press("end")
        assert view.following
        assert rows(view)[-1].endswith("msg 129") or [r for r in rows(view) if r][-1].endswith(
            "msg 129")


@run_async
async def test_paused_view_whose_entries_fell_out_shows_the_oldest():
    ring = Ring(20)
    app = LogApp(ring)
    async with app.run_test(size=(60, 8)) as pilot:
        view = app.query_one(LogView)
        fill(ring, 0, 20)
        view.poll()
        view.focus()
        await pilot.press("home")
        assert rows(view)[0].endswith("msg 0")
        fill(ring, 20, 100)
        view.poll()
        await pilot.pause()
        assert rows(view)[0].endswith("msg 100")  # the oldest still held
        assert not view.following


@run_async
async def test_only_visible_rows_are_formatted(monkeypatch):
    calls = []
    real = lv.LogView._make_strip

    def counting(self, entry, *args):
        calls.append(entry[0])
        return real(self, entry, *args)

    monkeypatch.setattr(lv.LogView, "_make_strip", counting)
    ring = Ring(10_000)
    app = LogApp(ring)
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        fill(ring, 0, 50_000)
        view.poll()
        await pilot.pause()
        height = view.scrollable_content_region.height
        assert 0 < len(set(calls)) <= height
        assert min(calls) >= 50_000 - height


@run_async
async def test_filter_text_and_regex():
    ring = Ring(1000)
    app = LogApp(ring)
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        fill(ring, 0, 100)
        view.set_filter("msg 7")
        await pilot.pause()
        shown = [r for r in rows(view) if r]
        assert all("msg 7" in r for r in shown)
        assert view.row_count == 11  # 7 and 70-79
        fill(ring, 700, 3)  # new entries are filtered as they come: all three match
        view.poll()
        assert view.row_count == 14
        view.set_filter(r"/msg 7\d$/")
        assert view.row_count == 10
        view.set_filter("MSG")  # a capital letter: case matters
        assert view.row_count == 0
        view.set_filter("")
        assert view.row_count == 103


@run_async
async def test_filter_forgets_entries_that_fell_out():
    ring = Ring(10)
    app = LogApp(ring)
    async with app.run_test(size=(60, 12)):
        view = app.query_one(LogView)
        fill(ring, 0, 10)
        view.set_filter("msg")
        assert view.row_count == 10
        fill(ring, 10, 25)
        view.poll()
        assert view.row_count == 10
        assert view.seq_at(0) == 25


def test_bad_regex_raises():
    import re

    with pytest.raises(re.error):
        lv.make_matcher("/(/", "auto")


@run_async
async def test_events_errors_and_messages_look_different_and_are_safe():
    ring = Ring(100)
    app = LogApp(ring)
    async with app.run_test(size=(70, 10)) as pilot:
        view = app.query_one(LogView)
        ring.append(T0, IN, [b"evil \x1b[2J\x1b]52;c;AAAA\x07 end"], None, 20)
        ring.append(T0, OUT, [b"a", b"b"], None, 2)
        ring.append(T0, EVENT, (), EventInfo("CONNECT_RETRIED", "tcp://x:1", 0,
                                             "retry in 100 ms", 3), 0)
        ring.append(T0, ERROR, (), "send: no peer \x1b[31m", 0)
        view.poll()
        await pilot.pause()
        lines = [view.render_line(y) for y in range(4)]
        texts = [line.text for line in lines]
        assert all("\x1b" not in t and "\x07" not in t for t in texts)
        assert "in " in texts[0] and "out a │ b" in texts[1]
        assert "evt CONNECT_RETRIED tcp://x:1 (retry in 100 ms) x3" in texts[2]
        assert "ERR send: no peer" in texts[3]
        body_style = {line._segments[-1].style for line in lines[:2]}
        event_style = lines[2]._segments[2].style
        error_style = lines[3]._segments[2].style
        assert event_style.italic and event_style not in body_style
        assert error_style.bold


@run_async
async def test_folded_event_count_repaints():
    ring = Ring(100)
    app = LogApp(ring)
    async with app.run_test(size=(70, 10)) as pilot:
        view = app.query_one(LogView)
        info = EventInfo("CONNECT_RETRIED", "tcp://x:1", 0, "", 1)
        ring.append(T0, EVENT, (), info, 0)
        view.poll()
        await pilot.pause()
        assert " x" not in view.render_line(0).text.rstrip()[-4:]
        info.count = 5
        ring.touch()
        assert view.poll()
        await pilot.pause()
        assert view.render_line(0).text.rstrip().endswith("x5")


@run_async
async def test_cursor_and_inspect_message():
    ring = Ring(100)
    seen = []

    class Catch(LogApp):
        def on_log_view_inspect(self, event: LogView.Inspect) -> None:
            seen.append(event.seq)

    app = Catch(ring)
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        fill(ring, 0, 30)
        view.poll()
        view.focus()
        await pilot.press("enter")  # no cursor: the newest
        await pilot.press("up", "up", "enter")
        await pilot.press("home", "enter")
        assert seen == [29, 28, 0]
        await pilot.press("escape")
        assert view.following and view.cursor is None
