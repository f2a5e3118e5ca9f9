"""Snapshots of every tab (the five patterns and the devices), the add-socket and add-device
dialogs, the inspector and the help screen, at 80x24 and 120x40. A fake engine with fixed
times feeds them, and the clock is frozen.

Update after an intended change with ``pytest tests/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input
from ui_support import FakeEngine, frozen_clock, populated, utc

from zmqdash.ui.app import make_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture(autouse=True)
def _frozen(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))  # no user keymap
    monkeypatch.delenv("ZMQDASH_KEYMAP", raising=False)
    with utc():
        yield


def dashboard():
    return make_app(populated(FakeEngine()), session_path="/sessions/lab.toml",
                    clock=frozen_clock)


def steady(*keys: str):
    """Press ``keys``, then stop every text cursor blinking so the picture is stable."""

    async def run(pilot) -> None:
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("tab", ["1", "2", "3", "4", "5", "6"])
def test_pattern_tab(snap_compare, size, tab):
    assert snap_compare(dashboard(), terminal_size=size, run_before=steady(tab))


@pytest.mark.parametrize("size", SIZES)
def test_add_socket_dialog(snap_compare, size):
    assert snap_compare(dashboard(), terminal_size=size, run_before=steady("2", "a"))


@pytest.mark.parametrize("size", SIZES)
def test_add_device_dialog(snap_compare, size):
    assert snap_compare(dashboard(), terminal_size=size, run_before=steady("6", "a"))


@pytest.mark.parametrize("size", SIZES)
def test_inspector(snap_compare, size):
    # the ROUTER's newest message: identity, empty delimiter, body
    assert snap_compare(dashboard(), terminal_size=size, run_before=steady("5", "i"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size):
    assert snap_compare(dashboard(), terminal_size=size, run_before=steady("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_empty_dashboard(snap_compare, size):
    app = make_app(FakeEngine(), clock=frozen_clock)
    assert snap_compare(app, terminal_size=size, run_before=steady())
