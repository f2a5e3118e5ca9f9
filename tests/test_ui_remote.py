"""The add-socket dialog's security fields and connects through SSH, through Pilot against a
real (idle) engine."""

from __future__ import annotations

import zmq
from test_ui_actions import _isolated, dashboard, view  # noqa: F401 - the fixture is used
from textual.widgets import Input, Select
from ui_support import run_async, screen_text, wait_for

from zmqdash.ui.screens.add_socket import AddSocketScreen


async def choose_security(app, pilot, label: str) -> None:
    app.screen.query_one("#security", Select).value = {
        "CURVE client": "curve client", "CURVE server": "curve server",
        "PLAIN client": "plain client", "PLAIN server": "plain server"}[label]
    await pilot.pause()


@run_async
async def test_a_curve_server_and_client_made_in_the_dialog_shake_hands():
    public, secret = (k.decode() for k in zmq.curve_keypair())
    async with dashboard() as (app, pilot):
        await pilot.press("a", "enter", "down", "enter")  # REP
        dialog = app.screen
        dialog.query_one("#bind", Input).value = "tcp://127.0.0.1:*"
        await choose_security(app, pilot, "CURVE server")
        assert dialog.query_one("#sec-key-label").render().plain == "Secret key"
        assert dialog.query_one("#sec-allow").display  # a server takes allow lists
        assert not dialog.query_one("#sec-secret").display
        dialog.query_one("#sec-key", Input).value = secret
        dialog.query_one("#sec-allow", Input).value = "127.0.0.0/8"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "rep1" in app.engine.sockets()
                       and view(app, "rep1").endpoints, what="rep1 bound")
        rep = view(app, "rep1")
        assert rep.security.describe() == f"CURVE server · key {public}"
        assert rep.security.credentials.allow == ("127.0.0.0/8",)
        real = rep.endpoints[0].resolved
        app.action_add_socket("REQ")  # (the keys are tested elsewhere; the composer has focus)
        await wait_for(pilot, lambda: isinstance(app.screen, AddSocketScreen)
                       and app.screen.query("#sec-key"), what="the dialog")
        dialog = app.screen
        dialog.query_one("#connect", Input).value = real
        await choose_security(app, pilot, "CURVE client")
        dialog.query_one("#sec-key", Input).value = public
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "req1" in app.engine.sockets() and view(
            app, "req1").endpoints and view(app, "req1").endpoints[0].handshake
            == "CURVE handshake ok", what="the handshake")
        await wait_for(pilot, lambda: "req1 · REQ · CURVE client" in screen_text(app),
                       what="the panel's title")
        assert secret not in screen_text(app)


@run_async
async def test_the_dialog_refuses_a_wrong_key_and_never_shows_a_password():
    async with dashboard() as (app, pilot):
        await pilot.press("a")
        dialog = app.screen
        dialog.query_one("#connect", Input).value = "tcp://127.0.0.1:5555"
        await choose_security(app, pilot, "CURVE client")
        dialog.query_one("#sec-key", Input).value = "not-a-key"
        await pilot.press("ctrl+s")
        assert app.screen is dialog and not app.engine.sockets()
        assert "no such file" in str(dialog.query_one("#add-error").render())
        await choose_security(app, pilot, "PLAIN client")
        password = dialog.query_one("#sec-secret", Input)
        assert password.password and dialog.query_one("#sec-secret").display
        dialog.query_one("#sec-key", Input).value = "ops"
        password.value = "hunter2-secret"
        await pilot.pause()
        assert "hunter2-secret" not in screen_text(app)
        dialog.query_one("#connect", Input).value = "tcp://127.0.0.1:5555 via -oProxyCommand=x"
        await pilot.press("ctrl+s")
        assert "would be read as an ssh option" in str(dialog.query_one("#add-error").render())
        dialog.query_one("#connect", Input).value = "inproc://x via lab"
        await pilot.press("ctrl+s")
        assert "only tcp:// and ipc://" in str(dialog.query_one("#add-error").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, AddSocketScreen) and not app.engine.sockets()
