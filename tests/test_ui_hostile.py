"""The dashboard fed hostile text: markup, escapes and invisible characters, in every place text
from outside or from the user is shown (labels, notifications, titles, option lists, tables).

Nothing is ever parsed as markup (``[/]`` would end the app with a MarkupError, ``[bold]x`` would
show bold), and nothing reaches the terminal raw. Real engine, real sockets (inproc); keys
through Pilot.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from hostile import EVIL, EVIL_NAME, MARKUP, unsafe_chars
from textual.widgets import Input, Select
from ui_support import run_async, screen_text, settled, wait_for

from zmqdash.engine import commands as C
from zmqdash.ui.app import make_app


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@asynccontextmanager
async def dashboard(size=(160, 50), **kwargs):
    app = make_app(**kwargs)
    app.animation_level = "none"
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_started, what="the engine")
        yield app, pilot
        assert app.is_running, "the dashboard ended"
    assert app.return_code in (None, 0), app.return_code


def panel_of(app, name):
    return app.panel_of(app.engine.sockets()[name])


def notifications(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def type_text(pilot, text: str) -> None:
    for c in text:
        await pilot.press("space" if c == " " else c)


@run_async
async def test_router_peer_identities_with_markup_show_literally():
    async with dashboard() as (app, pilot):
        engine = app.engine
        engine.call(C.Create("broker", "ROUTER"))
        engine.call(C.Bind("broker", "inproc://broker"))
        idents = [b"[/]", b"[bold]x", b"[link=x]y", b"\x1b]0;PWNED\x07"]
        for i, ident in enumerate(idents):
            engine.call(C.Create(f"d{i}", "DEALER", (("routing_id", "hex:" + ident.hex()),)))
            engine.call(C.Connect(f"d{i}", "inproc://broker"))
            engine.call(C.Send(f"d{i}", (b"hello",)))
        view = engine.sockets()["broker"]
        await wait_for(pilot, lambda: len(view.peers_seen) == len(idents), what="the peers")
        await settled(app.go_to_socket("broker"))
        panel = panel_of(app, "broker")
        select = panel.query_one(".peer-select", Select)
        await wait_for(pilot, lambda: len(select._options) == 2 + len(idents), what="options")
        select.focus()
        await pilot.press("enter")  # open the chooser: every identity is drawn
        await wait_for(pilot, lambda: select.expanded, what="the chooser open")
        await pilot.pause()
        shown = screen_text(app)
        for literal in ("[/]", "[bold]x", "[link=x]y", "hex:1b5d303b50574e454407"):
            assert literal in shown, (literal, shown)
        await pilot.press("down", "down", "down", "enter")  # pick one: the chooser shows it
        await pilot.pause()
        assert app.is_running
        assert not unsafe_chars(screen_text(app))


@run_async
async def test_a_composer_file_reference_with_markup_is_told_literally():
    async with dashboard() as (app, pilot):
        app.engine.call(C.Create("out", "PUSH"))
        app.engine.call(C.Bind("out", "inproc://out"))
        await wait_for(pilot, lambda: app.known_views(), what="the panel")
        await settled(app.go_to_socket("out"))
        panel = panel_of(app, "out")
        app.focus_now(panel.query_one(".composer"))
        await type_text(pilot, "@/nonexistent[/]")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "nonexistent[/]" in notifications(app), what="the notice")
        await pilot.pause()
        assert "@/nonexistent[/]" in screen_text(app)


# -- every place the dashboard shows text: one app per test, hostile text everywhere --------------

#: socket names: brackets are allowed in a name, controls and invisible characters are not
NAMES = ("s[/]", "s[bold]x", "s[link=x]y[/link]", "s[@click=app.quit]q[/]", "s[red on")
#: payloads, identities, prefixes: anything
PAYLOADS = [m.encode() for m in MARKUP] + [EVIL.encode(), b"\x1b]52;c;SGVsbG8=\x07", b"\xff[/]"]


#: hostile inputs each test fed in (printed by the last one: pytest -s)
TRIED: list[int] = []


class Looker:
    """Looks at the screen after each step: the app still runs, nothing raw is on screen, and
    what was fed in shows literally. Counts every hostile input it was shown (``tried``)."""

    def __init__(self, app, pilot) -> None:
        self.app = app
        self.pilot = pilot
        self.tried = 0

    async def __call__(self, *literals: str, where: str = "", count: int = 1) -> str:
        self.tried += count
        await self.pilot.pause()
        assert self.app.is_running, f"the dashboard ended after {where}"
        text = screen_text(self.app)
        bad = unsafe_chars(text + notifications(self.app))
        assert not bad, f"raw {[hex(ord(c)) for c in bad]} on screen after {where}"
        for literal in literals:
            assert literal in text or literal in notifications(self.app), \
                (where, literal, text.replace("\u2501", ""))
        return text


async def build(app, pilot, ipc_dir):
    """Sockets of every pattern named with markup, traffic and identities full of it."""
    e = app.engine
    evil_ipc = f"ipc://{ipc_dir}/{EVIL_NAME}.sock"
    e.call(C.Create(NAMES[0], "PAIR"))
    e.call(C.Bind(NAMES[0], "inproc://[/]pair"))
    e.call(C.Bind(NAMES[0], evil_ipc))
    e.call(C.Create(NAMES[1], "PAIR"))
    e.call(C.Connect(NAMES[1], "inproc://[/]pair"))
    for payload in PAYLOADS:
        e.call(C.Send(NAMES[1], (payload, b"[/]")))
    e.call(C.Create(NAMES[2], "ROUTER"))
    e.call(C.Bind(NAMES[2], "inproc://[bold]router"))
    for i, ident in enumerate((b"[/]", b"[bold]x", EVIL.encode())):
        e.call(C.Create(f"d[{i}]", "DEALER", (("routing_id", "hex:" + ident.hex()),)))
        e.call(C.Connect(f"d[{i}]", "inproc://[bold]router"))
        e.call(C.Send(f"d[{i}]", (b"[link=x]hi",)))
    e.call(C.Create(NAMES[3], "XPUB"))
    e.call(C.Bind(NAMES[3], "inproc://[red on"))
    e.call(C.Create(NAMES[4], "SUB"))
    e.call(C.Connect(NAMES[4], "inproc://[red on"))
    for payload in PAYLOADS[:4]:
        e.call(C.Subscribe(NAMES[4], payload))
    e.call(C.Create("push[/]", "PUSH", (("reconnect_ivl", "-1"),)))  # one try, no loop
    e.call(C.Connect("push[/]", evil_ipc.replace(".sock", "-absent.sock")))
    e.call(C.Create("req[bold]", "REQ"))
    app.run_command(C.Bind("req[bold]", "inproc://[/]pair"))  # in use: an error, notified
    app.run_command(C.Connect("req[bold]", "tcp://[/]:1"))  # not a host: an error
    n = len(e.sockets())
    await wait_for(pilot, lambda: len(app.known_views()) == n, what="every panel")
    await wait_for(pilot, lambda: len(e.sockets()[NAMES[2]].peers_seen) == 3, what="peers")
    await wait_for(pilot, lambda: e.sockets()[NAMES[0]].stats.msgs_in == len(PAYLOADS))
    await wait_for(pilot, lambda: len(app._notifications) >= 2, what="the errors notified")


async def dismiss_all(app, pilot) -> None:
    while app.screen is not app.screen_stack[0]:
        app.pop_screen()
        await pilot.pause()


async def focus_log(app, name: str) -> None:
    await settled(app.go_to_socket(name))
    app.focus_now(app.panel().log_view)


@run_async
async def test_hostile_names_traffic_and_errors_on_every_tab(ipc_dir):
    async with dashboard() as (app, pilot):
        look = Looker(app, pilot)
        await build(app, pilot, ipc_dir)
        await look("inproc://[/]pair", "in use", where="the errors", count=2)
        for tab, literals in (("reqrep", ["req[bold]"]), ("pubsub", [NAMES[3], NAMES[4]]),
                              ("pipeline", ["push[/]", "PWNED"]),
                              ("pair", [NAMES[0], NAMES[1], "[bold]x", "[link=x]y[/link]",
                                        "1b 5d 30 3b 50 57", "inproc://[/]pair"]),
                              # (a narrow panel elides an endpoint's middle)
                              ("routerdealer", [NAMES[2], "[bold]router", "[link=x]hi"])):
            await settled(app.action_show_tab(tab))
            await look(*literals, where=f"tab {tab}", count=len(literals))
        # the inspector on a message full of markup, each view, older and newer
        await focus_log(app, NAMES[0])
        app.action_inspect()
        await look("[/]", where="the inspector")
        for key in ("t", "h", "j", "a", "p", "n"):
            await pilot.press(key)
        await look(where="the inspector's views")
        await dismiss_all(app, pilot)
        # the palette lists every socket by name
        from textual.command import CommandPalette

        app.action_command_palette()
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette)
                       and app.screen.query("CommandList"), what="the palette")
        app.screen.query_one(Input).value = "go to"
        await wait_for(pilot, lambda: "s[/]" in screen_text(app), what="the hits")
        await look("s[/]", where="the palette", count=len(app.engine.sockets()))
        await dismiss_all(app, pilot)
        # the unbind chooser, the close question and the rename prompt name the socket
        await focus_log(app, NAMES[0])
        app.action_unbind()
        await look("inproc://[/]pair", "PWNED", where="the unbind chooser", count=2)
        await dismiss_all(app, pilot)
        app.action_close_socket()
        await look(f"Close {NAMES[0]}", where="the close question")
        await dismiss_all(app, pilot)
        app.action_rename_socket()
        await look(f"Rename {NAMES[0]}", where="the rename prompt")
        await dismiss_all(app, pilot)
        # the peer chooser: every identity, then one chosen
        await settled(app.action_show_tab("routerdealer"))
        await settled(app.go_to_socket(NAMES[2]))
        select = app.panel().query_one(".peer-select", Select)
        select.focus()
        await pilot.press("enter")
        await look("[bold]x", "hex:1b5d30", where="the peer chooser", count=2)
        await pilot.press("down", "down", "enter")
        await look(where="a peer chosen")
        TRIED.append(look.tried)


@asynccontextmanager
async def fields():
    """A dashboard with a PAIR, a ROUTER and a SUB, and a way to fill in a dialog."""
    async with dashboard() as (app, pilot):
        look = Looker(app, pilot)
        e = app.engine
        e.call(C.Create("p", "PAIR"))
        e.call(C.Create("r", "ROUTER"))
        e.call(C.Create("sub", "SUB"))
        await wait_for(pilot, lambda: len(app.known_views()) == 3, what="the panels")

        async def submit(action, text: str, where: str, field: str | None = None) -> None:
            action()
            await pilot.pause()
            focused = app.focused  # a dialog's field, or the panel's filter bar
            box = app.screen.query_one(f"#{field}", Input) if field else (
                focused if isinstance(focused, Input) else app.screen.query_one(Input))
            box.value = text
            box.focus()
            await pilot.press("enter")
            await look(where=where)
            await dismiss_all(app, pilot)

        yield app, pilot, look, submit
        TRIED.append(look.tried)


@run_async
async def test_hostile_endpoints_filters_and_paths_typed_into_prompts(tmp_path):
    async with fields() as (app, pilot, look, submit):
        await settled(app.action_show_tab("pair"))
        await focus_log(app, "p")
        for text in ("[/][bold]x[link=x]y", EVIL):
            await submit(app.action_bind, "inproc://" + text, f"bind {text!r}")
            await submit(app.action_connect, "tcp://" + text + ":5", f"connect {text!r}")
            await submit(app.action_filter, text, f"filter {text!r}")
            await submit(app.action_filter, "/" + text + "/", f"filter /{text!r}/")
            await submit(app.action_export, f"{tmp_path}/none/{text}.jsonl", f"export {text!r}")


@run_async
async def test_hostile_messages_names_and_templates(tmp_path):
    async with fields() as (app, pilot, look, submit):
        await settled(app.action_show_tab("pair"))
        await focus_log(app, "p")
        # the composer: frames and file references full of markup
        composer = app.panel().query_one(".composer")
        for text in ("@/nonexistent[/]", "hex:[/]", "[link=x]a|[/]b", "@" + EVIL):
            app.focus_now(composer)
            composer.value = text
            await pilot.press("enter")
            await look(where=f"send {text!r}")
        await focus_log(app, "p")
        # rename to names full of markup (kept), and to escapes (refused, said)
        for text in (NAMES[0], NAMES[3], EVIL, "a\u200bb"):
            name = app.panel().socket_name
            await submit(app.action_rename_socket, text, f"rename to {text!r}")
            if text in NAMES:
                await wait_for(pilot, lambda t=text: app.panel().socket_name == t)
                await look(text, where=f"renamed {text!r}")
            else:
                await look("cannot contain", where=f"rename to {text!r} refused")
                assert app.panel().socket_name == name
        # the repeat dialog's fields, then the auto-reply on the ROUTER
        for field, text in (("template", "hex:[/]"), ("interval", "[bold]"), ("count", EVIL)):
            await submit(app.action_repeat, text, f"repeat {field}={text!r}", field)
        await settled(app.action_show_tab("routerdealer"))
        await focus_log(app, "r")
        for text in ("hex:zz[/]", "[bold]{body}" + EVIL):
            await submit(app.action_auto_reply, text, f"auto-reply {text!r}")


@run_async
async def test_hostile_subscriptions_and_new_sockets(tmp_path):
    async with fields() as (app, pilot, look, submit):
        await settled(app.action_show_tab("pubsub"))
        await settled(app.go_to_socket("sub"))
        bar = app.panel().query_one(".subscriptions-input")
        for text in ("[/], [bold]x", "hex:zz[/]" + EVIL):
            app.focus_now(bar)
            bar.value = text
            await pilot.press("enter")
            await look(where=f"subscribe {text!r}")
        await focus_log(app, "sub")
        # the add-socket dialog, every field
        for field, text in (("name", EVIL), ("bind", "[bold]"), ("connect", "tcp://[/]:1"),
                            ("options", "[link=x]=1"), ("options", "routing_id=hex:[/]")):
            await submit(app.action_add_socket, text, f"add socket {field}={text!r}", field)


@run_async
async def test_hostile_session_names_and_files(tmp_path):
    async with fields() as (app, pilot, look, submit):
        for text in ("[/]", "[bold]x", EVIL):
            await submit(app.action_save_session_as, text, f"save as {text!r}")
        # a saved session whose file name holds escapes, and which does not load
        folder = tmp_path / "home" / "data" / "sessions"
        (folder / f"{EVIL_NAME}.toml").write_text(
            f'version = 1\n[[socket]]\nname = "[/]"\ntype = "{EVIL_NAME}"\n')
        app.mark_clean()  # open without asking about unsaved changes
        app.action_open_session()
        await look("PWNED", where="the sessions listed")
        await pilot.press("enter")  # the newest: that one
        await look("PWNED", "Open failed", where="a session that does not load", count=2)
        await dismiss_all(app, pilot)
    print(f"hostile inputs fed to the dashboard: {sum(TRIED)} in {len(TRIED)} tests")


def test_no_widget_reads_text_as_markup():
    """Every Static and Label made from anything but a literal says markup=False (or gets a
    Text or Content, which are never parsed), and every text field is a TextInput."""
    import ast
    from pathlib import Path

    import zmqdash.ui

    problems = []
    for path in sorted(Path(zmqdash.ui.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            where = f"{path.name}:{node.lineno}"
            if name in ("Static", "Label") and node.args:
                first = node.args[0]
                literal = isinstance(first, ast.Constant) and "[" not in str(first.value)
                visual = isinstance(first, ast.Call) and getattr(
                    first.func, "id", getattr(first.func, "attr", "")) in ("Text", "Content")
                quiet = any(k.arg == "markup" and isinstance(k.value, ast.Constant)
                            and k.value.value is False for k in node.keywords)
                if not (literal or visual or quiet):
                    problems.append(f"{where}: {name}(...) without markup=False")
            if name == "Input" and path.name != "text_input.py":
                problems.append(f"{where}: Input(...) instead of TextInput(...)")
    assert not problems, problems
