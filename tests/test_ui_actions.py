"""Every dashboard action, driven by keys through Pilot, against a real (idle) engine."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

import pytest
from textual.widgets import Input, Select
from ui_support import run_async, screen_text, wait_for

from zmqdash.engine import commands as C
from zmqdash.ui.app import ZmqDash, make_app
from zmqdash.ui.screens.add_socket import AddSocketScreen
from zmqdash.ui.screens.dialogs import ChooseScreen, ConfirmScreen, PromptScreen
from zmqdash.ui.screens.help import HelpScreen
from zmqdash.ui.screens.inspector import InspectorScreen
from zmqdash.ui.screens.repeat import RepeatScreen
from zmqdash.ui.widgets.socket_panel import SocketPanel


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@asynccontextmanager
async def dashboard(size=(120, 40), **kwargs):
    app = make_app(**kwargs)
    app.animation_level = "none"  # Pilot waits for animations; the tab underline has one
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        yield app, pilot
    assert not app.engine.running, "the app did not stop the engine it made"


def view(app, name):
    return app.engine.sockets()[name]


def panel_of(app, name) -> SocketPanel:
    return app.panel_of(app.engine.sockets()[name])


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


async def make_socket(app, pilot, name, kind, bind=(), connect=()):
    """Make a socket straight through the engine (the dialog has its own tests)."""
    app.engine.call(C.Create(name, kind))
    real = [app.engine.call(C.Bind(name, ep)) for ep in bind]
    for ep in connect:
        app.engine.call(C.Connect(name, ep))
    await wait_for(pilot, lambda: any(v.name == name for v, _tab, _device in app.known_views()),
                   what=f"a panel for {name}")
    return real[0] if real else None


async def focus_panel(app, pilot, name):
    app.go_to_socket(name)
    await pilot.pause()
    assert app.panel().socket_name == name


# -- sockets --------------------------------------------------------------------------------


@run_async
async def test_add_socket_dialog_makes_a_bound_socket():
    async with dashboard() as (app, pilot):
        await pilot.press("a")
        assert isinstance(app.screen, AddSocketScreen)
        # type: open the list and pick the next entry (REP after REQ)
        await pilot.press("enter", "down", "enter")
        assert app.screen.query_one("#type", Select).value == "REP"
        assert app.screen.query_one("#name", Input).value == "rep1"
        await pilot.press("tab", "tab")
        assert app.screen.query_one("#bind", Input).has_focus
        app.screen.query_one("#bind", Input).value = "tcp://127.0.0.1:*"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "rep1" in app.engine.sockets()
                       and view(app, "rep1").endpoints, what="rep1 bound")
        ep = view(app, "rep1").endpoints[0]
        assert ep.role == "bind" and ep.state == "listening"
        await wait_for(pilot, lambda: "listening" in screen_text(app))
        assert app.panel().socket_name == "rep1"
        assert app.active_pattern == "reqrep"


@run_async
async def test_add_socket_dialog_refuses_bad_input_and_cancels():
    async with dashboard() as (app, pilot):
        await pilot.press("2", "a")
        dialog = app.screen
        assert dialog.query_one("#type", Select).value == "PUB"
        dialog.query_one("#bind", Input).value = "nonsense"
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        assert "not an endpoint" in str(dialog.query_one("#add-error").render())
        dialog.query_one("#bind", Input).value = ""
        dialog.query_one("#options", Input).value = "lingre=0"
        await pilot.press("ctrl+s")
        assert "did you mean linger" in str(dialog.query_one("#add-error").render())
        dialog.query_one("#options", Input).value = "linger=soon"
        await pilot.press("ctrl+s")
        assert "takes a whole number" in str(dialog.query_one("#add-error").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, AddSocketScreen)
        assert not app.engine.sockets()


@run_async
async def test_add_sub_with_subscriptions_and_options():
    async with dashboard() as (app, pilot):
        await pilot.press("2", "a")
        dialog = app.screen
        dialog.query_one("#type", Select).value = "SUB"
        await pilot.pause()
        assert dialog.query_one("#subscribe").display
        dialog.query_one("#connect", Input).value = "tcp://127.0.0.1:5999"
        dialog.query_one("#subscribe", Input).value = "weather, hex:00ff"
        dialog.query_one("#options", Input).value = "linger=0, rcvhwm=500"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "sub1" in app.engine.sockets()
                       and len(view(app, "sub1").subscriptions) == 2, what="sub1 subscribed")
        sub = view(app, "sub1")
        assert sub.subscriptions == (b"weather", b"\x00\xff")
        assert dict(sub.options)["rcvhwm"] == "500"
        assert sub.endpoints[0].role == "connect"


@run_async
async def test_rename_close_bind_connect_unbind():
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "a", "PAIR")
        await focus_panel(app, pilot, "a")
        # rename
        await pilot.press("escape")  # from the composer to the log
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = "left"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "left" in app.engine.sockets(), what="rename")
        await wait_for(pilot, lambda: panel_of(app, "left").border_title is not None
                       and "left" in str(panel_of(app, "left").border_title))
        # bind one more endpoint (the default picks a free port)
        await pilot.press("b")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view(app, "left").endpoints) == 1, what="bind")
        # connect one more
        await pilot.press("c")
        app.screen.query_one(Input).value = "inproc://nowhere"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view(app, "left").endpoints) == 2, what="connect")
        # unbind the first
        await pilot.press("u")
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view(app, "left").endpoints) == 1, what="unbind")
        assert view(app, "left").endpoints[0].role == "connect"
        # close, after saying yes
        await pilot.press("w")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert "left" in app.engine.sockets()
        await pilot.press("w", "y")
        await wait_for(pilot, lambda: not app.engine.sockets(), what="close")
        await wait_for(pilot, lambda: not app.known_views())
        await wait_for(pilot, lambda: "No sockets here yet" in screen_text(app))


@run_async
async def test_rename_to_a_taken_name_is_shown_as_an_error():
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "a", "PULL")
        await make_socket(app, pilot, "b", "PULL")
        await focus_panel(app, pilot, "a")
        await pilot.press("n")
        app.screen.query_one(Input).value = "b"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app._notifications, what="a notification")
        note = list(app._notifications)[-1]
        assert "already a socket named 'b'" in note.message and note.severity == "error"


# -- sending --------------------------------------------------------------------------------


@run_async
async def test_request_reply_through_the_composer_with_history():
    async with dashboard() as (app, pilot):
        ep = await make_socket(app, pilot, "server", "REP", bind=["tcp://127.0.0.1:*"])
        app.engine.call(C.AutoReply("server", ()))
        await make_socket(app, pilot, "client", "REQ", connect=[ep])
        await focus_panel(app, pilot, "client")
        composer = panel_of(app, "client").query_one(".composer", Input)
        assert not composer.has_focus  # going to a socket focuses its log, never a field
        await pilot.press("m")
        assert composer.has_focus
        await type_text(pilot, "hello")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "client").stats.msgs_in == 1, what="the reply")
        await wait_for(pilot, lambda: composer.value == "")
        await wait_for(pilot, lambda: "in  hello" in screen_text(app))
        await type_text(pilot, "draft")
        await pilot.press("up")
        assert composer.value == "hello"
        await pilot.press("down")
        assert composer.value == "draft"


@run_async
async def test_send_errors_are_notified_and_the_text_kept():
    async with dashboard() as (app, pilot):
        ep = await make_socket(app, pilot, "server", "REP", bind=["tcp://127.0.0.1:*"])
        await make_socket(app, pilot, "client", "REQ", connect=[ep])
        await focus_panel(app, pilot, "client")
        composer = panel_of(app, "client").query_one(".composer", Input)
        await pilot.press("m")
        await type_text(pilot, "one")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "client").stats.msgs_out == 1)
        await type_text(pilot, "two")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app._notifications, what="the error")
        assert "waiting for a reply" in list(app._notifications)[-1].message
        assert composer.value == "two"
        composer.value = "hex:zz"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("invalid character" in n.message
                                          for n in app._notifications))


@run_async
async def test_multipart_and_router_peer_chooser():
    async with dashboard() as (app, pilot):
        ep = await make_socket(app, pilot, "broker", "ROUTER", bind=["tcp://127.0.0.1:*"])
        app.engine.call(C.Create("worker", "DEALER", (("routing_id", "w-1"),)))
        app.engine.call(C.Connect("worker", ep))
        await wait_for(pilot, lambda: len(app.known_views()) == 2)
        await focus_panel(app, pilot, "worker")
        await pilot.press("m")
        await type_text(pilot, "ready|now")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "broker").peers_seen == (b"w-1",),
                       what="the peer seen")
        await focus_panel(app, pilot, "broker")
        select = panel_of(app, "broker").query_one(".peer-select", Select)
        await wait_for(pilot, lambda: "hex:772d31" in [v for _, v in select._options])
        select.value = "hex:772d31"
        await pilot.pause()
        await pilot.press("m")
        await type_text(pilot, "go")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "worker").stats.msgs_in == 1, what="go")
        got = view(app, "worker").log.since(0)
        assert [e[3] for e in got if e[2] == "in"] == [(b"go",)]
        first = [e for e in view(app, "broker").log.since(0) if e[2] == "in"][0]
        assert first[3] == (b"w-1", b"ready", b"now")


@run_async
async def test_subscription_bar_edits_live():
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "sub", "SUB", connect=["tcp://127.0.0.1:5998"])
        await focus_panel(app, pilot, "sub")
        await pilot.press("s")
        field = panel_of(app, "sub").query_one(".subscriptions-input", Input)
        assert field.has_focus
        await type_text(pilot, "a, b")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "sub").subscriptions == (b"a", b"b"))
        await pilot.press("s")
        field.value = "b, *"
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "sub").subscriptions == (b"b", b""))
        await wait_for(pilot, lambda: field.value == "b, *")


@run_async
async def test_repeat_send_and_stop():
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "pub", "PUB", bind=["tcp://127.0.0.1:*"])
        await focus_panel(app, pilot, "pub")
        await pilot.press("escape", "p")
        dialog = app.screen
        assert isinstance(dialog, RepeatScreen)
        dialog.query_one("#template", Input).value = "n={seq}"
        dialog.query_one("#interval", Input).value = "20"
        dialog.query_one("#count", Input).value = "3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "pub").stats.msgs_out == 3, what="3 sent")
        sent = [e[3][0] for e in view(app, "pub").log.since(0) if e[2] == "out"]
        assert sent == [b"n=1", b"n=2", b"n=3"]
        await pilot.press("p")
        app.screen.query_one("#interval", Input).value = "0"
        await pilot.press("enter")
        assert isinstance(app.screen, RepeatScreen)  # refused: stays open
        app.screen.query_one("#interval", Input).value = "1000"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view(app, "pub").repeaters) == 1)
        await pilot.press("P")
        await wait_for(pilot, lambda: not view(app, "pub").repeaters)


@run_async
async def test_auto_reply_on_and_off():
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "server", "REP", bind=["tcp://127.0.0.1:*"])
        await focus_panel(app, pilot, "server")
        await pilot.press("escape", "A")
        app.screen.query_one(Input).value = "got {body}|ok"
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "server").auto_reply == ("got {body}", "ok"))
        await pilot.press("A")
        app.screen.query_one(Input).value = "off"
        await pilot.press("enter")
        await wait_for(pilot, lambda: view(app, "server").auto_reply is None)


# -- the log --------------------------------------------------------------------------------


async def _pair_with_traffic(app, pilot, n=5):
    app.engine.call(C.Create("a", "PAIR"))
    app.engine.call(C.Bind("a", "inproc://t"))
    app.engine.call(C.Create("b", "PAIR"))
    app.engine.call(C.Connect("b", "inproc://t"))
    for i in range(n):
        app.engine.call(C.Send("a", (f"message {i}".encode(),)))
    await wait_for(pilot, lambda: "b" in app.engine.sockets()
                   and view(app, "b").stats.msgs_in == n, what="traffic")
    await pilot.press("4")
    await focus_panel(app, pilot, "b")
    await pilot.press("escape")


@run_async
async def test_filter_format_follow_clear_zoom():
    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot)
        log = panel_of(app, "b").log_view
        await pilot.press("slash")
        field = app.focused
        assert field.has_class("filter-input")
        await type_text(pilot, "message 3")  # filters as it is typed
        await wait_for(pilot, lambda: log.filter_text == "message 3" and log.row_count == 1)
        await wait_for(pilot, lambda: "1 match · text as shown (auto)" in screen_text(app))
        await pilot.press("enter")
        assert log.has_focus
        await wait_for(pilot, lambda: "filter message 3" in screen_text(app))
        await pilot.press("slash")
        field.value = "/(/"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "bad regular expression" in screen_text(app))
        await pilot.press("slash")
        field.value = "hex:6d 65 73"  # "mes": bytes
        await pilot.press("enter")
        assert log.row_count == 5
        await pilot.press("slash", "escape")  # Escape clears
        assert log.filter_text == "" and log.row_count == 5 and log.has_focus
        await pilot.press("t")
        assert log.fmt == "text"
        await pilot.press("t")
        assert log.fmt == "hex"
        await wait_for(pilot, lambda: "6d 65 73 73" in screen_text(app))
        await pilot.press("f")
        assert not log.following
        await wait_for(pilot, lambda: "paused" in screen_text(app))
        await pilot.press("f")
        assert log.following
        await pilot.press("z")
        assert app.zoomed is panel_of(app, "b")
        await pilot.press("z")
        assert app.zoomed is None
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: len(view(app, "b").log) == 0, what="cleared")
        await wait_for(pilot, lambda: log.row_count == 0)



@run_async
async def test_the_bottom_border_follows_every_change_of_the_logs_state():
    # only the border line is repainted on these changes: each must still reach the screen
    def bottom_line(app, name):
        panel = panel_of(app, name)
        region = panel.region
        return screen_text(app).splitlines()[region.y + region.height - 1][
            region.x:region.x + region.width]

    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot)
        await wait_for(pilot, lambda: "following · auto" in bottom_line(app, "b"))
        for fmt in ("text", "hex", "json", "auto"):
            await pilot.press("t")
            wanted = f"following · {fmt}"
            await wait_for(pilot, lambda w=wanted: w in bottom_line(app, "b"), what=wanted)
            assert bottom_line(app, "b").startswith(("╰", "┗"))  # the border line itself
        await pilot.press("f")
        await wait_for(pilot, lambda: "paused · auto" in bottom_line(app, "b"))
        await pilot.press("f")
        await wait_for(pilot, lambda: "following · auto" in bottom_line(app, "b"))
        panel_of(app, "b").log_view.set_filter("message")
        await wait_for(pilot, lambda: "filter message" in bottom_line(app, "b"))


@run_async
async def test_a_new_format_repaints_the_log_and_the_border_line_not_the_panel():
    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot)
        panel = panel_of(app, "b")
        painted = {"panel": 0, "log": 0}

        def counting(widget, name):
            original = widget.render_line

            def render_line(y):
                painted[name] += 1
                return original(y)
            widget.render_line = render_line

        counting(panel, "panel")
        counting(panel.log_view, "log")
        await pilot.press("t")
        await wait_for(pilot, lambda: "following · text" in screen_text(app))
        assert painted["log"] > 0  # every row in the new format
        assert painted["panel"] == 0  # the panel's own lines: only its bottom border changed

@run_async
async def test_inspector_views_copy_and_steps():
    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot, 3)
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        assert screen.entry[3] == (b"message 2",)
        text = screen_text(app)
        assert "frame 1 of 1" in text and "9 B" in text and "message 2" in text
        await pilot.press("h")
        assert "6d 65 73 73 61 67 65 20" in screen_text(app)
        await pilot.press("c")
        assert "6d 65 73 73" in app.clipboard
        await pilot.press("J")
        record = json.loads(app.clipboard)
        assert record["frames"] == ["message 2"] and record["socket"] == "b"
        await pilot.press("left")
        assert screen.entry[3] == (b"message 1",)
        await pilot.press("escape")
        assert not isinstance(app.screen, InspectorScreen)
        # from the log: select an entry with the cursor, Enter opens it
        await pilot.press("up", "up", "enter")
        assert isinstance(app.screen, InspectorScreen)
        assert app.screen.entry[3] == (b"message 1",)
        await pilot.press("q")


@run_async
async def test_export_jsonl(tmp_path):
    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot, 4)
        await pilot.press("e")
        target = tmp_path / "out.jsonl"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and any(
            "written" in n.message for n in app._notifications), what="the export")
        records = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["frames"] for r in records if r["kind"] == "in"] == [
            [f"message {i}"] for i in range(4)]
        assert all(r["socket"] == "b" for r in records)


# -- the app --------------------------------------------------------------------------------


@run_async
async def test_tabs_hints_and_status_bar():
    async with dashboard(session_path="/tmp/my-topology.toml") as (app, pilot):
        for key, pattern in zip("12345", ["reqrep", "pubsub", "pipeline", "pair",
                                          "routerdealer"], strict=True):
            await pilot.press(key)
            assert app.active_pattern == pattern
            assert "No sockets here yet" in screen_text(app)
        await _pair_with_traffic(app, pilot, 2)
        # the sockets are not in the file yet: the name carries the unsaved marker
        await wait_for(pilot, lambda: "my-topology* │ 2 sockets │ in 2" in screen_text(app))


@run_async
async def test_help_lists_every_binding():
    from zmqdash.ui.screens.help import binding_sections
    from zmqdash.ui.screens.inspector import InspectorScreen as Inspector
    from zmqdash.ui.widgets.composer import Composer
    from zmqdash.ui.widgets.log_view import LogView

    async with dashboard() as (app, pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "Anywhere outside a text field" in screen_text(app)
        listed = [what for _, rows in binding_sections(app) for _, what in rows]
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
    for binding in [*ZmqDash.BINDINGS, *LogView.BINDINGS, *Composer.BINDINGS,
                    *Inspector.BINDINGS]:
        assert (binding.tooltip or binding.description) in listed, binding


def test_every_binding_has_an_id_and_an_action():
    for binding in ZmqDash.BINDINGS:
        assert binding.id, binding
        name = binding.action.split("(")[0].removeprefix("app.")
        assert hasattr(ZmqDash, f"action_{name}"), binding


def test_every_palette_action_exists():
    from zmqdash.ui.commands import ACTIONS

    for _, action, _ in ACTIONS:
        assert hasattr(ZmqDash, f"action_{action}"), action
    bound = {b.action for b in ZmqDash.BINDINGS}
    listed = {action for _, action, _ in ACTIONS}
    missing = {a for a in bound if not a.startswith(("show_tab", "app."))} - listed
    assert not missing, f"bound but not in the palette: {missing}"


@run_async
async def test_command_palette_runs_an_action():
    async with dashboard() as (app, pilot):
        await pilot.press("ctrl+p")
        await type_text(pilot, "add a socket")
        await wait_for(pilot, lambda: "Add a socket" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AddSocketScreen),
                       what="the add dialog")


def use_keymap(tmp_path, monkeypatch, text: str) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text(text)
    monkeypatch.setenv("ZMQDASH_KEYMAP", str(keymap))


@run_async
async def test_keymap_file_overrides_a_key(tmp_path, monkeypatch):
    use_keymap(tmp_path, monkeypatch, '[keymap]\nadd_socket = "plus"\n')
    async with dashboard() as (app, pilot):
        await pilot.press("a")
        assert not isinstance(app.screen, AddSocketScreen)
        await pilot.press("plus")
        assert isinstance(app.screen, AddSocketScreen)


# -- sessions -------------------------------------------------------------------------------


@run_async
async def test_session_applied_at_start_with_formats_and_snippets():
    from zmqdash.session import Session, SocketSpec

    session = Session("lab", [
        SocketSpec("hexed", "PULL", bind=["inproc://lab"], format="hex"),
        SocketSpec("talker", "PUSH", connect=["inproc://lab"], snippets=["first", "second"]),
    ])
    async with dashboard(session=session) as (app, pilot):
        await wait_for(pilot, lambda: len(app.known_views()) == 2, what="the session's sockets")
        await pilot.press("3")  # the pipeline tab: its panels are built when first shown
        assert panel_of(app, "hexed").log_view.fmt == "hex"
        composer = panel_of(app, "talker").query_one(".composer")
        assert composer.history == ["first", "second"]
        await wait_for(pilot, lambda: "lab │ 2 sockets" in screen_text(app),
                       what="the status bar")


@run_async
async def test_save_new_and_open_session(tmp_path):
    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot, 1)
        await pilot.press("t")  # b shows text: kept in the session
        await pilot.press("ctrl+s")
        app.screen.query_one(Input).value = "bench"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session_path is not None, what="saved")
        saved = app.session_path
        assert saved.exists() and saved.name == "bench.toml"
        assert "bench │" in screen_text(app)
        await pilot.press("ctrl+n", "y")
        await wait_for(pilot, lambda: not app.known_views(), what="an empty session")
        assert app.session_name == "untitled"
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")  # the first (only) saved session
        await wait_for(pilot, lambda: len(app.known_views()) == 2, what="the session reopened")
        assert panel_of(app, "b").log_view.fmt == "text"
        assert app.session_name == "bench"


@run_async
async def test_unsaved_changes_are_marked_and_asked_about():
    async with dashboard() as (app, pilot):
        assert "untitled │" in screen_text(app)  # nothing yet: nothing to lose
        await _pair_with_traffic(app, pilot, 1)
        await wait_for(pilot, lambda: "untitled* │" in screen_text(app), what="unsaved marker")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)  # asks before losing the sockets
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ConfirmScreen)  # opening another would lose them too
        await pilot.press("n")
        await pilot.press("ctrl+s")
        app.screen.query_one(Input).value = "kept"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "kept │" in screen_text(app), what="saved: no marker")
        await pilot.press("t")  # a display format is part of the session
        await wait_for(pilot, lambda: "kept* │" in screen_text(app), what="format change")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "kept │" in screen_text(app), what="saved again")
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ChooseScreen)  # saved: straight to the list
        await pilot.press("escape")
        assert not isinstance(app.screen, ChooseScreen)
        app.action_leave()  # (q itself may land in the focused composer here)
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.return_code == 0


@run_async
async def test_keymap_reaches_widget_bindings(tmp_path, monkeypatch):
    use_keymap(tmp_path, monkeypatch, '[keymap]\n"log.inspect" = "x"\n')
    async with dashboard() as (app, pilot):
        await _pair_with_traffic(app, pilot, 2)
        await pilot.press("x")
        assert isinstance(app.screen, InspectorScreen)


def test_user_docs_name_every_key_binding_id():
    from pathlib import Path

    from zmqdash.ui.screens.hints import HintScreen
    from zmqdash.ui.screens.inspector import InspectorScreen as Inspector
    from zmqdash.ui.widgets.composer import Composer
    from zmqdash.ui.widgets.hint_bar import HintBar
    from zmqdash.ui.widgets.log_view import LogView

    docs = (Path(__file__).parent.parent / "docs" / "ui.md").read_text()
    from zmqdash.ui.widgets.text_field import FilterBar, SubscriptionBar, TextField

    for binding in [*ZmqDash.BINDINGS, *LogView.BINDINGS, *Composer.BINDINGS,
                    *Inspector.BINDINGS, *TextField.BINDINGS, *SubscriptionBar.BINDINGS,
                    *HintBar.BINDINGS, *HintScreen.BINDINGS, *FilterBar.BINDINGS]:
        assert f"`{binding.id}`" in docs, binding.id


# -- start-up -------------------------------------------------------------------------------


class _HeldStart(ZmqDash):
    """A dashboard that does not make its engine after the first frame: only something that
    needs the engine does."""

    def _after_first_frame(self) -> None:
        pass


@run_async
async def test_first_frame_comes_before_the_engine_and_a_key_typed_ahead_is_not_lost():
    app = _HeldStart()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.engine_started
        text = screen_text(app)
        assert "Request/Reply" in text and "Add" in text and "Quit" in text
        await pilot.press("a")  # needs the engine: it is made now rather than later
        await wait_for(pilot, lambda: isinstance(app.screen, AddSocketScreen), what="dialog")
        assert app.engine_started and app.engine.running
    assert not app.engine.running


@run_async
async def test_q_before_the_engine_quits():
    app = _HeldStart()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert not app.engine_started and app.return_code == 0


@run_async
async def test_what_load_finds_is_applied_and_its_failure_said_on_screen():
    from zmqdash.cli.sessions import demo_for_open
    from zmqdash.session import SessionError

    async with dashboard(load=demo_for_open) as (app, pilot):
        await wait_for(pilot, lambda: "echo-server" in app.engine.sockets(), what="the demo")
        assert app.session_name == "demo"

    def broken():
        raise SessionError("last.toml: version: not a session")

    async with dashboard(load=broken) as (app, pilot):
        await wait_for(pilot, lambda: any(n.message == "last.toml: version: not a session"
                                          and n.severity == "error" for n in app._notifications),
                       what="the notice")
        assert app.engine.sockets() == {} and app.session_name == "untitled"


@pytest.mark.parametrize("raw, expected", [
    ("", 10.0), ("abc", 10.0), ("nan", 10.0), ("inf", 10.0), ("-3", 1.0), ("0", 1.0),
    ("4", 4.0), ("2.5", 2.5), ("1000", 60.0),
])
def test_refresh_rate_from_the_environment_is_checked(monkeypatch, raw, expected):
    from zmqdash.ui.settings import REFRESH_ENV, refresh_hz

    monkeypatch.setenv(REFRESH_ENV, raw)
    assert refresh_hz() == expected



@run_async
async def test_a_panel_whose_children_are_already_gone_draws_without_failing():
    # closing the app takes a panel's children down before the panel itself, and the panel
    # may still get its Mount or a tick then (the demo quit at once used to crash here)
    async with dashboard() as (app, pilot):
        await make_socket(app, pilot, "r", "ROUTER", bind=["inproc://gone"])
        await focus_panel(app, pilot, "r")
        panel = panel_of(app, "r")
        await panel.query_one(".peer-select").remove()
        await panel.query_one(".endpoints").remove()
        panel._shown.clear()  # everything is drawn again
        panel.tick(force=True)
        assert panel.border_title is not None and "r" in str(panel.border_title)
