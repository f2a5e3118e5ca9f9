"""The inspector on huge messages (100,000 frames, one frame of 1 MiB of text): it renders only
the page it shows and draws only the rows on screen, so it opens and answers keys as it does for
a short message."""

from __future__ import annotations

import pytest
from ui_support import FakeEngine, run_async, screen_text

from zmqdash.codec import render_frame_full
from zmqdash.engine import commands as C
from zmqdash.ui import frame_pages
from zmqdash.ui.app import make_app
from zmqdash.ui.frame_pages import BODY, HEAD, PAGE_CHARS, PAGE_FRAMES, FramePager
from zmqdash.ui.screens.inspector import InspectorScreen
from zmqdash.ui.widgets.page_view import PageView, wrap

MANY = [b"f%05d" % i for i in range(100_000)]
BIG_TEXT = (b"hello world " * 90_000)[: 1 << 20]


def _all_pages(pager: FramePager):
    page = pager.page(0)
    pages = [page]
    while page.more:
        page = pager.page(page.number + 1)
        pages.append(page)
    return pages


def test_a_page_holds_a_bounded_part_and_the_pages_hold_everything_once(monkeypatch):
    rendered = []
    real = frame_pages.render_frame_full
    monkeypatch.setattr(frame_pages, "render_frame_full",
                        lambda data, fmt: rendered.append(data) or real(data, fmt))
    pager = FramePager(MANY, "text")
    first = pager.page(0)
    assert (first.first, first.last, first.more) == (1, PAGE_FRAMES, True)
    assert len(rendered) == PAGE_FRAMES  # only the frames on the page were rendered
    pages = [first] + _all_pages(pager)[1:]
    assert sum(len(text) for p in pages for text, _ in p.lines) < 3 * len(b"".join(MANY)) * 4
    bodies = [text for p in pages for text, role in p.lines if role == BODY]
    assert bodies == [f.decode() for f in MANY]
    assert [text for text, role in pages[1].lines if role == HEAD][0] == \
        "── frame 501 of 100000 · 6 B ──"
    assert all(sum(len(t) for t, _ in p.lines) <= PAGE_CHARS + 200 for p in pages)


@pytest.mark.parametrize("data, fmt", [(BIG_TEXT, "text"), (bytes(range(256)) * 4096, "hex")])
def test_one_long_frame_goes_on_over_pages_and_reads_back_whole(data, fmt):
    pages = _all_pages(FramePager([data], fmt))
    assert len(pages) > 1 and all(p.first == p.last == 1 for p in pages)
    assert all(sum(len(t) for t, _ in p.lines) <= PAGE_CHARS + 100 for p in pages)
    # pieces of one line carry on across a page break: join the pages' text back together
    text = []
    for p in pages:
        for line, role in p.lines:
            if role != BODY:
                continue
            text.append(line)
    assert "".join(text).replace("\n", "") == render_frame_full(data, fmt).replace("\n", "")


def test_wrap_counts_cells_not_characters():
    assert wrap("abcdef", 4) == ["abcd", "ef"]
    assert wrap("漢字漢字", 4) == ["漢字", "漢字"]  # two cells each
    assert wrap("", 10) == [""]


@run_async
async def test_the_inspector_on_100000_frames_draws_only_what_it_shows():
    engine = FakeEngine()
    app = make_app(engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        engine.call(C.Create("pull", "PULL"))
        engine.receive("pull", *MANY)
        view = engine.view("pull")
        drawn = []
        real_render_line = PageView.render_line

        def counting(self, y):
            drawn.append(y)
            return real_render_line(self, y)

        PageView.render_line = counting
        try:
            app.push_screen(InspectorScreen(view, view.log.total - 1, "auto"))
            await pilot.pause()
            screen = app.screen
            body = screen.query_one(PageView)
            assert body.row_count <= 3 * PAGE_FRAMES  # one page: a title, a line, a gap each
            text = screen_text(app)
            assert "100,000 frames" in text and "showing 1-500 · ] next" in text
            assert "frame 1 of 100000" in text
            assert len(drawn) < 200  # rows on screen, not rows of the page
            await pilot.press("right_square_bracket")
            assert "showing 501-1,000" in screen_text(app)
            assert "frame 501 of 100000" in screen_text(app)
            await pilot.press("h")  # a new view: the same page, at the top
            assert "66 30 30 35 30 31" in screen_text(app)  # "f00501" in hex
            await pilot.press("left_square_bracket")
            assert "showing 1-500" in screen_text(app)
            await pilot.press("c")
            assert app.clipboard.count("\n") < 3 * PAGE_FRAMES
            await pilot.press("escape")
            assert not isinstance(app.screen, InspectorScreen) and app.is_running
        finally:
            PageView.render_line = real_render_line


@run_async
async def test_a_short_message_has_no_pages_to_turn():
    engine = FakeEngine()
    app = make_app(engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        engine.call(C.Create("pull", "PULL"))
        engine.receive("pull", b"one", b"two")
        view = engine.view("pull")
        app.push_screen(InspectorScreen(view, view.log.total - 1, "auto"))
        await pilot.pause()
        text = screen_text(app)
        assert "2 frames" in text and "showing" not in text and "Next page" not in text
        await pilot.press("right_square_bracket")
        assert "frame 1 of 2" in screen_text(app)
