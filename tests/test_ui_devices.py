"""The Devices tab, driven by keys through Pilot, against a real engine: adding a device from
the dialog (and what it refuses), pause, resume, stop, restart, inject into both directions, the
tap in the log and the inspector, rename, close, and the palette. Traffic comes from sockets of
the same engine, over inproc."""

from __future__ import annotations

import uuid

from test_ui_actions import dashboard, make_socket, type_text
from textual.widgets import Input, Select
from ui_support import run_async, screen_text, wait_for

from zmqdash.engine import commands as C
from zmqdash.engine.devices import DeviceCreate
from zmqdash.ui.screens.add_device import AddDeviceScreen
from zmqdash.ui.screens.add_socket import AddSocketScreen
from zmqdash.ui.screens.dialogs import ConfirmScreen, PromptScreen
from zmqdash.ui.screens.inspector import InspectorScreen
from zmqdash.ui.screens.repeat import RepeatScreen
from zmqdash.ui.widgets.device_panel import DevicePanel


def ep() -> str:
    return f"inproc://{uuid.uuid4().hex}"


async def make_device(app, pilot, name="hub", kind="queue"):
    front, back = ep(), ep()
    app.engine.call(DeviceCreate(name, kind, ("@" + front,), ("@" + back,)))
    await wait_for(pilot, lambda: any(device and v.name == name
                                      for v, _tab, device in app.known_views()), what="its panel")
    await pilot.press("6")
    return app.engine.devices()[name], front, back


def received(app, name):
    return [list(e[3]) for e in app.engine.sockets()[name].log.since(0) if e[2] == "in"]


@run_async
async def test_key_6_shows_the_devices_tab_and_a_adds_one():
    async with dashboard() as (app, pilot):
        await pilot.press("6")
        assert app.active_pattern == "devices"
        assert "No devices here yet" in screen_text(app)
        await pilot.press("a")
        dialog = app.screen
        assert isinstance(dialog, AddDeviceScreen)
        assert dialog.query_one("#kind", Select).value == "queue"
        assert dialog.query_one("#name", Input).value == "queue1"
        front, back = ep(), ep()
        dialog.query_one("#frontend", Input).value = "@" + front
        dialog.query_one("#backend", Input).value = f">{back}"
        dialog.query_one("#backend-options", Input).value = "sndhwm=5000"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "queue1" in app.engine.devices(), what="the device")
        view = app.engine.devices()["queue1"]
        assert (view.state, view.frontend.type, view.backend.type) == (
            "running", "ROUTER", "DEALER")
        assert [(e.role, e.endpoint) for e in view.backend.endpoints] == [("connect", back)]
        assert view.backend.options == (("sndhwm", "5000"),)
        await wait_for(pilot, lambda: "● running" in screen_text(app))
        text = screen_text(app)
        assert f"front ROUTER ● bind {front}" in text and "queue1 · queue" in text
        assert isinstance(app.panel(), DevicePanel)


@run_async
async def test_the_add_device_dialog_says_what_is_wrong_and_stays():
    async with dashboard() as (app, pilot):
        await pilot.press("6", "a")
        dialog = app.screen
        error = dialog.query_one("#add-device-error")
        cases = [
            ("@inproc://same", ">inproc://same",
             "the frontend and the backend both name inproc://same"),
            ("@inproc://a", "", "the backend has no endpoint"),
            ("", "@inproc://b", "the frontend has no endpoint"),
            ("@nonsense", "@inproc://b", "frontend: bind nonsense: not an endpoint"),
            ("@inproc://a,,@inproc://c", "@inproc://b", "frontend: an empty endpoint"),
        ]
        for front, back, message in cases:
            dialog.query_one("#frontend", Input).value = front
            dialog.query_one("#backend", Input).value = back
            await pilot.press("ctrl+s")
            assert app.screen is dialog
            assert message in str(error.render()), (front, back, str(error.render()))
        dialog.query_one("#frontend", Input).value = "@inproc://a"
        dialog.query_one("#backend", Input).value = "@inproc://b"
        dialog.query_one("#frontend-options", Input).value = "rcvhmw=1"
        await pilot.press("ctrl+s")
        assert "did you mean rcvhwm" in str(error.render())
        await pilot.press("escape")
        assert not isinstance(app.screen, AddDeviceScreen) and not app.engine.devices()


@run_async
async def test_pause_resume_stop_and_restart_from_the_keyboard():
    async with dashboard() as (app, pilot):
        view, _, _ = await make_device(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: view.state == "paused")
        await wait_for(pilot, lambda: "⏸ paused for" in screen_text(app), what="paused shown")
        await pilot.press("p")
        await wait_for(pilot, lambda: view.state == "running")
        await pilot.press("x")
        await wait_for(pilot, lambda: view.state == "stopped")
        await wait_for(pilot, lambda: "■ stopped · r restarts" in screen_text(app))
        assert "closed" in screen_text(app)  # both sides' endpoints
        await pilot.press("p")  # nothing to pause: the key is off while stopped
        assert view.state == "stopped"
        await pilot.press("r")
        await wait_for(pilot, lambda: view.state == "running")
        await wait_for(pilot, lambda: "listening" in screen_text(app))
        await pilot.press("T")
        await wait_for(pilot, lambda: not view.tap)
        await wait_for(pilot, lambda: "tap off" in screen_text(app))


@run_async
async def test_inject_into_each_direction_of_a_queue():
    async with dashboard() as (app, pilot):
        view, front, back = await make_device(app, pilot)
        await make_socket(app, pilot, "client", "DEALER")
        app.engine.call(C.SetOption("client", "routing_id", "c1"))
        app.engine.call(C.Connect("client", front))
        await make_socket(app, pilot, "worker", "DEALER", connect=[back])
        app.engine.call(C.Send("client", (b"", b"first")))  # the queue now knows c1
        await wait_for(pilot, lambda: received(app, "worker") == [[b"c1", b"", b"first"]])
        await pilot.press("6", "m")
        composer = app.panel().query_one(".composer", Input)
        assert composer.has_focus
        await type_text(pilot, "down|stairs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: received(app, "worker")[-1:] == [[b"down", b"stairs"]],
                       what="the injected request")
        select = app.panel().query_one(".direction-select", Select)
        app.focus_now(select)
        await pilot.press("enter", "down", "enter")
        assert select.value == "b>f"
        await pilot.press("m")
        await type_text(pilot, "c1||up")
        await pilot.press("enter")
        await wait_for(pilot, lambda: received(app, "client")[-1:] == [[b"", b"up"]],
                       what="the injected reply")
        assert view.stats.injected == 2
        await wait_for(pilot, lambda: "inj 2" in screen_text(app))


@run_async
async def test_the_tap_shows_directions_and_the_inspector_opens_a_message():
    async with dashboard() as (app, pilot):
        view, front, back = await make_device(app, pilot, "line", "streamer")
        await make_socket(app, pilot, "tasks", "PUSH", connect=[front])
        await make_socket(app, pilot, "work", "PULL", connect=[back])
        app.engine.call(C.Send("tasks", (b"job-1", b"part two")))
        await wait_for(pilot, lambda: received(app, "work") == [[b"job-1", b"part two"]])
        await pilot.press("6")
        await wait_for(pilot, lambda: "f→b job-1 │ part two" in screen_text(app))
        assert "f→b 1" in screen_text(app)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        text = screen_text(app)
        assert "line streamer" in text and "frontend → backend" in text
        assert "frame 2 of 2" in text
        await pilot.press("r")  # send it again: injected into the direction it went
        await wait_for(pilot, lambda: received(app, "work") == [[b"job-1", b"part two"]] * 2,
                       what="the message injected again")
        assert view.stats.injected == 1 and view.stats.f2b_msgs == 2


@run_async
async def test_rename_and_close_a_device():
    async with dashboard() as (app, pilot):
        await make_device(app, pilot)
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        field = app.screen.query_one(Input)
        field.value = "broker"
        await pilot.press("enter")
        await wait_for(pilot, lambda: list(app.engine.devices()) == ["broker"])
        await wait_for(pilot, lambda: "broker · queue" in screen_text(app))
        await pilot.press("w")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.engine.devices())
        await wait_for(pilot, lambda: "No devices here yet" in screen_text(app))


@run_async
async def test_socket_keys_stay_with_sockets():
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "asker", "REQ", connect=[ep()])
        view, _, _ = await make_device(app, pilot)
        await pilot.press("b")  # bind is a socket's action: nothing on a device
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("a")  # on the Devices tab, a adds a device
        assert isinstance(app.screen, AddDeviceScreen)
        await pilot.press("escape", "1")
        await pilot.press("p")  # on a REQ's panel, p is repeat-send, not pause
        assert isinstance(app.screen, RepeatScreen)
        assert view.state == "running"
        await pilot.press("escape", "a")
        assert isinstance(app.screen, AddSocketScreen)


@run_async
async def test_the_palette_adds_and_finds_devices():
    async with dashboard() as (app, pilot):
        await make_device(app, pilot, "hub")
        await pilot.press("1", "ctrl+p")
        await type_text(pilot, "go to device hub")
        await wait_for(pilot, lambda: "Go to device hub" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.active_pattern == "devices")
        await pilot.press("ctrl+p")
        await type_text(pilot, "add a device")
        await wait_for(pilot, lambda: "Add a device" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AddDeviceScreen),
                       what="the add-device dialog")


@run_async
async def test_each_direction_says_messages_rate_and_bytes():
    async with dashboard() as (app, pilot):
        await make_device(app, pilot)
        # before anything crossed: zero of each, said, not left out
        await wait_for(pilot, lambda: "f→b 0 0/s 0B │ b→f 0 0/s 0B" in screen_text(app),
                       what="both directions' counters")


@run_async
async def test_ctrl_e_shows_a_device_as_code_and_r_records_what_crosses(tmp_path):
    import json
    import re

    from zmqdash.ui.screens.show_code import ShowCodeScreen

    async with dashboard() as (app, pilot):
        view, front, back = await make_device(app, pilot, "line", "streamer")
        await make_socket(app, pilot, "tasks", "PUSH", connect=[front])
        await make_socket(app, pilot, "work", "PULL", connect=[back])
        app.engine.call(C.Send("tasks", (b"before",)))
        await wait_for(pilot, lambda: received(app, "work") == [[b"before"]])
        await pilot.press("6")
        app.focus_now(app.panel().log_view)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, ShowCodeScreen),
                       what="the device as code")
        text = screen_text(app)
        assert f"zmqdash proxy streamer @{front} @{back}" in text
        assert "zmq.proxy(frontend, backend)" in text
        await pilot.press("escape")
        await pilot.press("R")
        field = app.screen.query_one(Input)
        assert field.value.endswith(".jsonl") and "line-" in field.value
        target = tmp_path / "line.jsonl"
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: view.recording is not None and view.recording.opened,
                       what="the recording")
        for i in range(3):
            app.engine.call(C.Send("tasks", (f"task {i}".encode(), b"\xff")))
        await wait_for(pilot, lambda: len(received(app, "work")) == 4)
        await wait_for(pilot, lambda: re.search(r"REC [1-9]", screen_text(app)),
                       what="the REC mark")
        await pilot.press("R")
        await wait_for(pilot, lambda: any("entries written to" in n.message
                                          for n in app._notifications), what="the summary")
        assert view.recording is None
        await wait_for(pilot, lambda: "REC" not in screen_text(app), what="the mark to go")
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["device"], r["direction"], r["frames"]) for r in records if r["kind"] == "f>b"] \
        == [("line", "frontend->backend", [f"task {i}", {"b64": "/w=="}]) for i in range(3)]


@run_async
async def test_a_forwarders_panel_shows_who_subscribes_as_subscribers_come_and_go(spawn_peer,
                                                                                   tmp_path):
    import json
    import re

    publisher = spawn_peer("publisher", "bind", "tcp://127.0.0.1:*")
    async with dashboard() as (app, pilot):
        app.engine.call(DeviceCreate("wx", "forwarder", (">" + publisher.endpoint,),
                                     ("@tcp://127.0.0.1:*",)))
        view = app.engine.devices()["wx"]
        await wait_for(pilot, lambda: any(device for _v, _tab, device in
                                          app.known_views()), what="its panel")
        await pilot.press("6")
        back = next(e.resolved for e in view.backend.endpoints if e.role == "bind")
        ones = [spawn_peer("sub_printer", "connect", back, "1") for _ in range(2)]
        two = spawn_peer("sub_printer", "connect", back, "2")
        table = [r"subscriptions: 2 prefixes · 3 peers",  # (the peers count before the rows)
                 r"  1 +2 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+", r"  2 +1 127\.0\.0\.1:\d+"]
        await wait_for(pilot, lambda: all(re.search(t, screen_text(app)) for t in table),
                       what="both prefixes, their holders and three peers")
        await wait_for(pilot, lambda: re.search(r"upstream (1, 2|2, 1)\s*┃", screen_text(app)),
                       what="both prefixes upstream, to the publisher")
        assert ones[0].read_line().startswith("1-update") and two.read_line().startswith("2-")
        two.proc.kill()  # the row goes with its last holder, upstream too
        await wait_for(pilot, lambda: "subscriptions: 1 prefix · 2 peers" in screen_text(app),
                       what="the row of 2 to go")
        await wait_for(pilot, lambda: re.search(r"upstream 1\s*┃", screen_text(app)),
                       what="the unsubscribe upstream")
        ones[0].proc.kill()
        await wait_for(pilot, lambda: re.search(r"  1 +1 127\.0\.0\.1:\d+\s*┃", screen_text(app)),
                       what="one holder left")
        app.focus_now(app.panel().log_view)
        await pilot.press("e")  # the export ends with the table as it stands
        target = tmp_path / "wx.jsonl"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and any(
            "written" in n.message for n in app._notifications), what="the export")
    last = json.loads(target.read_text().splitlines()[-1])
    assert (last["device"], last["type"], last["kind"], last["prefixes"], last["peers"]) == (
        "wx", "forwarder", "subscriptions", 1, 1)
    assert [(r["prefix"], r["holders"]) for r in last["rows"]] == [("1", 1)]


@run_async
async def test_an_endpoint_in_use_from_the_dialog_is_said_once_and_the_device_waits(spawn_peer):
    holder = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")  # another process has it
    async with dashboard() as (app, pilot):
        await pilot.press("6", "a")
        dialog = app.screen
        dialog.query_one("#frontend", Input).value = "@" + ep()
        dialog.query_one("#backend", Input).value = "@" + holder.endpoint
        await pilot.press("ctrl+s")
        reason = f"backend: bind {holder.endpoint}: address already in use"
        await wait_for(pilot, lambda: f"■ stopped - {reason}" in screen_text(app),
                       what="the panel saying why it stopped")
        said = [n.message for n in app._notifications if reason in n.message]
        assert said == [reason], said
        assert app.engine.devices()["queue1"].reason == reason
        holder.proc.kill()
        holder.proc.wait()
        await pilot.press("r")  # the port is free now: restart takes it
        await wait_for(pilot, lambda: app.engine.devices()["queue1"].state == "running",
                       what="the device running")


@run_async
async def test_the_tap_filters_and_exports_as_a_sockets_log(tmp_path):
    import json

    async with dashboard() as (app, pilot):
        view, front, back = await make_device(app, pilot, "line", "streamer")
        await make_socket(app, pilot, "tasks", "PUSH", connect=[front])
        await make_socket(app, pilot, "work", "PULL", connect=[back])
        for i in range(5):
            app.engine.call(C.Send("tasks", (f"job {i}".encode(),)))
        await wait_for(pilot, lambda: len(received(app, "work")) == 5)
        await pilot.press("6")
        panel = app.panel()
        app.focus_now(panel.log_view)
        await pilot.press("slash")
        assert app.focused.has_class("filter-input")
        await type_text(pilot, "job {seq}")  # {seq}: a number (a device watches no counter)
        await wait_for(pilot, lambda: panel.log_view.row_count == 5, what="five matches")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "5 matches" in screen_text(app), what="the count")
        await pilot.press("slash")
        app.focused.value = "job 3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: panel.log_view.row_count == 1, what="one match")
        text = screen_text(app)
        assert "f→b job 3" in text and "f→b job 2" not in text and "filter job 3" in text
        await pilot.press("escape")  # clears the filter
        await wait_for(pilot, lambda: "f→b job 2" in screen_text(app), what="all rows again")
        await pilot.press("e")
        target = tmp_path / "line.jsonl"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and any(
            "written" in n.message for n in app._notifications), what="the export")
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["device"], r["direction"], r["frames"]) for r in records if r["kind"] == "f>b"] \
        == [("line", "frontend->backend", [f"job {i}"]) for i in range(5)]


@run_async
async def test_a_device_box_on_the_overview_shows_as_code_and_records(tmp_path):
    from zmqdash.ui.screens.show_code import ShowCodeScreen

    async with dashboard() as (app, pilot):
        await pilot.press("0")
        view, front, back = await make_device(app, pilot, "line", "streamer")
        await pilot.press("0")
        await wait_for(pilot, lambda: app._overview.map.drawing is not None and len(
            app._overview.map.drawing.boxes) == 1, what="the device's box")
        await wait_for(pilot, lambda: app._overview.selected_view() is view,
                       what="the box selected")
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ShowCodeScreen)
        assert f"zmqdash proxy streamer @{front} @{back}" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("R")  # record the device selected on the map
        app.screen.query_one(Input).value = str(tmp_path / "line.jsonl")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view.recording is not None, what="the recording")
        await pilot.press("R")
        await wait_for(pilot, lambda: view.recording is None, what="the recording stopped")
