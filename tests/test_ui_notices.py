"""Files the dashboard reads at start (the keymap, the state file naming the last session): one
that is wrong is never ignored without a word. A notice names the file and the problem, and the
dashboard goes on with what is good."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from ui_support import run_async, wait_for

from zmqdash.cli.dashboard import _last_session
from zmqdash.ui.app import make_app
from zmqdash.ui.screens.add_socket import AddSocketScreen


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ZMQDASH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    (home / "config").mkdir(parents=True)
    return home


@asynccontextmanager
async def dashboard(**kwargs):
    app = make_app(**kwargs)
    app.animation_level = "none"
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        yield app, pilot


def notices(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def said(app, pilot, *words: str) -> None:
    await wait_for(pilot, lambda: all(w in notices(app) for w in words),
                   what=f"a notice saying {words}")


@pytest.mark.parametrize("text, problem", [
    ('[keymap]\nadd_socket = "plus"\nadd_sockt = "f5"\n',
     "no binding has the id 'add_sockt'; did you mean add_socket?"),
    ('[keymap]\nadd_socket = "plus"\nhelp = "ctrl+"\n', "help: 'ctrl+' is not a key"),
    ('[keymap]\nadd_socket = "plus"\nhelp = "hyperspace"\n', "help: 'hyperspace' is not a key"),
    ('[keymap]\nadd_socket = "plus"\nhelp = 5\n', "help: expected keys in quotes"),
])
@run_async
async def test_a_keymap_with_a_wrong_entry_says_which_and_keeps_the_rest(home, text, problem):
    keymap = home / "config" / "keymap.toml"
    keymap.write_text(text)
    async with dashboard() as (app, pilot):
        await said(app, pilot, str(keymap), problem)
        await pilot.press("plus")  # the good entry applies
        assert isinstance(app.screen, AddSocketScreen)


@run_async
async def test_a_keymap_that_is_not_toml_says_so(home):
    keymap = home / "config" / "keymap.toml"
    keymap.write_text('[keymap\nadd_socket = "plus"\n')
    async with dashboard() as (app, pilot):
        await said(app, pilot, str(keymap), "line 1", "not valid TOML", "no key was changed")
        await pilot.press("a")  # the usual keys work
        assert isinstance(app.screen, AddSocketScreen)


@pytest.mark.parametrize("content", [b"last_session = /lab.toml\n", b"\xff\xfe",
                                     b"last_session = 3\n"],
                         ids=["not-toml", "not-text", "wrong-type"])
@run_async
async def test_a_damaged_state_file_says_so_and_starts_empty(home, content):
    state = home / "config" / "state.toml"
    state.write_bytes(content)
    async with dashboard(load=_last_session) as (app, pilot):
        await said(app, pilot, "not reopening the last session", str(state), "damaged")
        assert app.session_name == "untitled" and not app.known_views()
