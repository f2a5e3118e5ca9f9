"""A save never writes a session that could not be opened again, never fails because another
writer is saving the same file, and leaves no temporary file behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import child_env
from textual.widgets import Input
from ui_support import run_async, wait_for

from zmqdash.engine import commands as C
from zmqdash.session import SessionError, store
from zmqdash.session.model import Session, SocketSpec
from zmqdash.ui.app import make_app
from zmqdash.ui.screens.repeat import RepeatScreen

SAVER = textwrap.dedent("""
    import sys, threading
    from zmqdash.session import store
    from zmqdash.session.model import Session, SocketSpec
    path, rounds, threads, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    failures = []

    def work(k):
        for i in range(rounds):
            name = f"{tag}{k}x{i}"
            try:
                store.save(Session("lab", [SocketSpec(name, "PUB")]), path)
            except Exception as exc:
                failures.append(repr(exc))

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(len(failures), failures[:3])
""")


def test_concurrent_saves_never_fail_and_leave_nothing_behind(tmp_path):
    path = tmp_path / "lab.toml"
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, str(path), "60", "4", tag],
                              stdout=subprocess.PIPE, env=child_env()) for tag in "ab"]
    outs = [p.communicate(timeout=120)[0].decode().strip() for p in procs]
    assert outs == ["0 []", "0 []"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.toml", "lab.toml.bak"]
    for p in (path, tmp_path / "lab.toml.bak"):  # each is one whole save of one writer
        assert len(store.load(p).sockets) == 1


def test_a_session_too_big_to_open_again_is_not_saved(tmp_path):
    path = tmp_path / "big.toml"
    store.save(Session("big", [SocketSpec("a", "PUB")]), path)
    before = path.read_bytes()
    huge = Session("big", [SocketSpec("a", "PUB", snippets=["x" * (1 << 20)] * 9)])
    with pytest.raises(SessionError) as err:
        store.save(huge, path)
    assert str(err.value) == (
        f"{path}: not saved: the file would be 9.0 MiB, and a session file holds at most 8 MiB "
        "(long composer entries or templates? send big payloads from a file with @file)")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.toml"]


def test_text_that_would_not_open_again_is_not_written(tmp_path, monkeypatch):
    # a fault in the writer: the check reads back what it is about to write
    path = tmp_path / "s.toml"
    monkeypatch.setattr(store, "to_toml", lambda session, stem=None: "version = 1\nsocket = 3\n")
    with pytest.raises(SessionError, match="not saved: it would not open again: expected "
                                           r"\[\[socket\]\] tables"):
        store.save(Session("s", [SocketSpec("a", "PUB")]), path)
    assert not path.exists()


def test_temporary_files_of_a_save_that_died_are_cleaned(tmp_path):
    path = tmp_path / "lab.toml"
    old = tmp_path / ".lab.toml.4242-1-deadbeef.tmp"
    fresh = tmp_path / ".lab.toml.bak.4243-1-cafef00d.tmp"  # maybe a writer at work right now
    for leftover in (old, fresh):
        leftover.write_text("partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    store.save(Session("lab", [SocketSpec("a", "PUB")]), path)
    assert not old.exists() and fresh.exists()


# -- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@run_async
async def test_pasted_payloads_are_left_out_of_a_save_that_still_opens(home):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        app.engine.call(C.Create("pub", "PUB"))
        await wait_for(pilot, lambda: app.known_views(), what="a panel")
        await app.go_to_socket("pub")  # its tab's panels are built when it is first shown
        composer = app.panel_of(app.engine.sockets()["pub"]).query(".composer").first()
        for i in range(9):
            composer.keep(f"{i}" * (1 << 20))  # nine 1 MiB pastes kept as snippets
        composer.keep("hello")
        written = app.save_session(home / "pasted.toml")
        assert written is not None
        session = store.load(written)
        assert session.sockets[0].snippets == ["hello"]
        assert os.path.getsize(written) < 4096


@run_async
async def test_a_repeat_send_reading_a_file_is_refused_at_the_dialog(home):
    (home / "payload.bin").write_bytes(b"\x00\x01")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(RepeatScreen("p", "@payload.bin"))
        await pilot.pause()
        dialog = app.screen
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        assert "A repeat-send is saved with the session: a session file never reads other " \
               "files" in str(dialog.query_one("#repeat-error").render())
        dialog.query_one("#template", Input).value = "@@handle {seq}"
        await pilot.press("ctrl+s")
        assert app.screen is not dialog


@run_async
async def test_an_auto_reply_reading_a_file_is_refused(home):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        app.engine.call(C.Create("server", "REP"))
        await wait_for(pilot, lambda: app.known_views(), what="a panel")
        app.go_to_socket("server")
        await pilot.pause()
        await pilot.press("escape", "A")
        app.screen.query_one(Input).value = "@/etc/hostname"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("An auto-reply is saved with the session" in
                                          str(n.message) for n in app._notifications),
                       what="the refusal")
        assert app.engine.sockets()["server"].auto_reply is None
