"""Snapshots of the Overview tab at 80x24 and 120x40: the demo's sockets, a device between a
publisher and two subscribers, peers outside zmqdash, fixed rates and a frozen clock.

Update after an intended change with
``pytest tests/test_ui_overview_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
from ui_support import FakeEngine, frozen_clock, populated, utc

from zmqdash.engine import commands as C
from zmqdash.engine.rates import Rates
from zmqdash.engine.state import BIND, CONNECT, CONNECTED, LISTENING, EndpointState
from zmqdash.ui.app import make_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture(autouse=True)
def _frozen(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    monkeypatch.delenv("ZMQDASH_KEYMAP", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    with utc():
        yield


def system() -> FakeEngine:
    engine = populated(FakeEngine())
    call = engine.call
    # a forwarder between a second publisher and two subscribers
    call(C.Create("prices", "PUB"))
    call(C.Connect("prices", "tcp://127.0.0.1:6000"))
    for name in ("desk-1", "desk-2"):
        call(C.Create(name, "SUB"))
        call(C.Connect(name, "tcp://127.0.0.1:6001"))
        call(C.Subscribe(name, b""))
    engine.add_device(
        "fanout", "forwarder",
        (EndpointState("tcp://*:6000", BIND, LISTENING, peers=1,
                       resolved="tcp://0.0.0.0:6000"),),
        (EndpointState("tcp://*:6001", BIND, LISTENING, peers=4,
                       resolved="tcp://0.0.0.0:6001"),))  # two of ours, two from outside
    # the echo server has two clients besides ours
    server = engine.view("server")
    server.endpoints = tuple(EndpointState(e.endpoint, e.role, e.state, peers=3,
                                           resolved=e.resolved) for e in server.endpoints)
    # and a subscriber of ours to somebody else's publisher
    call(C.Create("news", "SUB"))
    engine._set_endpoint(engine.view("news"), EndpointState(
        "tcp://192.0.2.10:7000", CONNECT, CONNECTED, peers=1, resolved="tcp://192.0.2.10:7000"))
    views = [*engine.sockets().values(), *engine.devices().values()]
    for i, view in enumerate(views):
        view.rates = Rates(tuple((j * (i + 3)) % 11 * (i + 1) for j in range(60)),
                           tuple((j + i) % 7 for j in range(60)), (64 * (i + 1),) * 60,
                           (0,) * 60, 60)
    return engine


def steady():
    async def run(pilot) -> None:
        await pilot.pause()
        await pilot.press("0")
        pilot.app._overview.tick(force=True)
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
def test_overview(snap_compare, size):
    app = make_app(system(), session_path="/sessions/lab.toml", clock=frozen_clock)
    assert snap_compare(app, terminal_size=size, run_before=steady())


@pytest.mark.parametrize("size", SIZES)
def test_overview_in_ascii_for_a_vt100(snap_compare, size, monkeypatch):
    monkeypatch.setenv("TERM", "vt100")
    app = make_app(system(), session_path="/sessions/lab.toml", clock=frozen_clock)
    assert snap_compare(app, terminal_size=size, run_before=steady())
