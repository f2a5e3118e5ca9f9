"""Actions that turn what a socket is and does into something to keep or to do again: show it
as code, record its traffic to a file, replay a recording into it, and send an inspected
message again (as it was, or edited).

A mixin of :class:`~zmqdash.ui.app.ZmqDash`, like :mod:`.panel_actions`; it uses
``_need_panel``, ``prompt``, ``run_command`` and ``frame_separator`` of the app, and talks to
sockets only through engine commands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codec import escape_text
from ..engine import commands as C
from ..engine.devices.state import DeviceView
from .app_parts import AppParts
from .log_filter import Entry
from .messages import ResendEntry
from .patterns import SENDING
from .widgets.socket_panel import SocketPanel

if TYPE_CHECKING:
    from ..engine.protocol import AnyCommand
    from ..engine.state import SocketView
    from .app_parts import AnyView

#: the most a message may weigh to be edited as text before it is sent again
EDIT_LIMIT = 64 * 1024


def router_target(panel: SocketPanel) -> tuple[bool, bytes | None]:
    """What a ROUTER panel's peer chooser names, as one identity: ``(True, identity)``, or
    ``(True, None)`` when the first frame is the identity; ``(False, None)`` when it names the
    newest peer and none has talked yet. Replays and resends need the identity now, not the
    engine's newest peer at each send."""
    fields = panel.peer()
    if "peer" in fields:
        return True, fields["peer"]
    if fields.get("newest_peer"):
        seen = panel.view.peers_seen
        return (True, seen[-1]) if seen else (False, None)
    return True, None


class ToolActions(AppParts):
    """Show as code (Ctrl+E), record (R), replay (Ctrl+R), and sending an entry again."""

    #: the file last recorded to, offered first when a replay asks for one
    _last_recording = ""

    def tool_panel(self) -> SocketPanel | None:
        """The socket panel these actions apply to: on the overview, the selected socket's;
        elsewhere the current panel (None, said, if there is none)."""
        from .widgets.overview import OVERVIEW

        if self.active_pattern == OVERVIEW:
            view = self._overview.selected_view()
            panel = self.panel_of(view) if view is not None else None  # built if need be
            if not isinstance(panel, SocketPanel):  # (a device's keys are its own)
                self.notify("Select a socket on the map first.", severity="warning")
                return None
            return panel
        return self._need_socket_panel()

    def tool_view(self) -> SocketView | None:
        panel = self.tool_panel()
        return None if panel is None else panel.view

    def overview_action_state(self, action: str) -> bool | None:
        """Which socket actions apply on the overview: those on the socket selected."""
        if action not in ("show_code", "record", "replay"):
            return False
        view = self._overview.selected_view()
        if view is None:
            return False
        if isinstance(view, DeviceView):  # shown as code and recorded; nothing to replay
            return action in ("show_code", "record")
        return view.type in SENDING if action == "replay" else True

    # -- show as code ---------------------------------------------------------------------------

    def action_show_code(self) -> None:
        from .screens.show_code import ShowCodeScreen
        from .widgets.overview import OVERVIEW

        if self.active_pattern == OVERVIEW:
            device = self._overview.selected_view()
            if isinstance(device, DeviceView):  # a device box on the map
                from ..session.as_code import device_as_code

                self.push_screen(ShowCodeScreen(
                    f"{escape_text(device.name)} · {device.kind} device", device_as_code(device)))
                return
        view = self.tool_view()
        if view is None:
            return
        from ..session.as_code import view_as_code

        self.push_screen(ShowCodeScreen(f"{escape_text(view.name)} · {view.type}",
                                        view_as_code(view)))

    # -- recording ------------------------------------------------------------------------------

    def action_record(self) -> None:
        """Start recording the current socket to a file (asks where), or stop."""
        view = self.tool_view()
        if view is None:
            return
        self.ask_to_record(view.name, view.recording is not None, C.RecordStop(view.name),
                           lambda path: C.RecordStart(view.name, path),
                           "Every entry from now on, as JSON lines (the records an export "
                           "writes); an existing file is replaced. R again stops.")

    def ask_to_record(self, name: str, recording: bool, stop: AnyCommand,
                      start_command: Callable[[str], AnyCommand], hint: str) -> None:
        """Stop the recording of socket or device ``name``, or ask for a file and start one
        (``start_command(path)`` is the command that starts it)."""
        if recording:
            self.run_command(stop, self._recording_stopped)
            return
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        default = str(Path.cwd() / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")

        def start(path: str) -> None:
            path = path.strip()
            if not path:
                return

            def started(real: object) -> None:
                self._last_recording = str(real)
                self.notify(f"Recording {escape_text(name)} to {escape_text(str(real))} "
                            "(R stops)", title="Recording", markup=False)

            self.run_command(start_command(path), started)

        self.prompt(f"Record {escape_text(name)} to", default, start, hint=hint)

    def _recording_stopped(self, rec: Any) -> None:
        """The file is being finished off the UI thread; say how it ended once it is."""

        def finish() -> None:
            complete = rec.wait(30)
            text = rec.summary() if complete else f"{rec.path} is still being written"
            problem = not complete or rec.error or rec.lost
            self.call_from_thread(self.notify, escape_text(text), markup=False,
                                  title="Recording stopped",
                                  severity="error" if problem else "information")

        self.run_worker(finish, thread=True, name="recording", group="recording")

    # -- replay ----------------------------------------------------------------------------------

    def action_replay(self) -> None:
        """Replay a recording into the current socket (asks which and how), or stop."""
        panel = self.tool_panel()
        if panel is None:
            return
        view = panel.view
        name = view.name
        if view.replay is not None and view.replay.running:
            self.run_command(C.ReplayStop(name), lambda state: self.notify(
                escape_text(state.summary()), title="Replay stopped", markup=False))
            return
        if view.type not in SENDING:
            self.notify(f"A {view.type} socket cannot send, so it cannot replay.",
                        severity="warning")
            return
        ok, peer = router_target(panel)
        if not ok:
            self.notify("No peer has talked to this ROUTER yet: choose one in the panel (or "
                        "'first frame is the identity') first.", severity="error")
            return
        from .screens.replay import ReplayScreen

        target = ""
        if view.type == "ROUTER":
            target = ("Each message goes to the peer chosen in the panel." if peer is not None
                      else "Each message's first frame is the identity.")

        def chosen(choice: Any) -> None:
            if choice is None:
                return
            self._last_recording = choice.path
            self.run_command(
                C.ReplayStart(name, choice.path, speed=choice.speed, loop=choice.loop,
                              match=choice.match, direction=choice.direction, peer=peer),
                lambda state: self.notify(
                    f"Replaying {escape_text(state.path)} on {escape_text(name)} (Ctrl+R "
                    "stops)", title="Replay", markup=False))

        self.push_screen(ReplayScreen(name, self._last_recording, target),
                         chosen)

    # -- sending an inspected entry again ------------------------------------------------------

    def on_resend_entry(self, message: ResendEntry) -> None:
        message.stop()
        self.resend_entry(message.view, message.entry, message.edit)

    def resend_entry(self, view: AnyView, entry: Entry | None, edit: bool = False) -> None:
        """Send the message ``entry`` of socket ``view`` again: on that socket if it can send,
        else on one chosen from those that can; ``edit`` first opens it as composer text."""
        from ..engine.ring import FRAMES, IN, KIND, OUT

        if entry is None or entry[KIND] not in (IN, OUT):
            self.notify("Only a message can be sent again.", severity="warning")
            return
        frames = list(entry[FRAMES])
        if edit and sum(len(f) for f in frames) > EDIT_LIMIT:
            self.notify("This message is too big to edit as text; r sends it as it is.",
                        severity="warning")
            return
        from_router = view.type == "ROUTER"
        if view.type in SENDING and not view.closed:
            self._resend_on(view.name, frames, from_router, edit)
            return
        names = [v.name for v in self.engine.sockets().values()
                 if v.type in SENDING and not v.closed]
        if not names:
            self.notify(f"A {view.type} socket cannot send, and no socket here can: add one "
                        "(a) to send this message on.", severity="warning")
            return
        from .screens.dialogs import ChooseScreen

        def chosen(target: str | None) -> None:
            if target:
                self._resend_on(target, frames, from_router, edit)

        self.push_screen(
            ChooseScreen("Send it on which socket?", [(escape_text(n), n) for n in names]),
            chosen)

    def _resend_on(self, name: str, frames: list[bytes], from_router: bool, edit: bool) -> None:
        from ..engine.replay import retarget

        view = self.engine.sockets().get(name)
        panel = self.panel_of(view) if view is not None else None
        if not isinstance(panel, SocketPanel) or view is None:
            return
        to_router = view.type == "ROUTER"
        peer = None
        if to_router:
            ok, peer = router_target(panel)
            if not ok:
                self.notify("No peer has talked to this ROUTER yet: choose one in the panel "
                            "first.", severity="error")
                return
        out = retarget(frames, from_router, to_router, peer)
        if not out:
            self.notify("Nothing is left to send once the identity frame is taken off.",
                        severity="warning")
            return

        def send(frames_out: list[bytes]) -> None:
            self.run_command(C.Send(name, tuple(frames_out), peer), lambda _result: self.notify(
                f"Sent again on {escape_text(name)}.", markup=False))

        if not edit:
            send(out)
            return
        from ..codec import CodecError, bytes_to_prefix, join_frames, parse_message

        sep = self.frame_separator or "|"
        text = join_frames([bytes_to_prefix(f) for f in out], sep)

        def edited(value: str) -> None:
            try:
                send(parse_message(value, sep))
            except CodecError as exc:
                self.notify(escape_text(str(exc)), title="Not sent", severity="error",
                            markup=False)

        self.prompt(f"Edit and send on {escape_text(name)}", text, edited,
                    hint=f"As in the composer: hex:, b64:, text:; {sep} between frames. "
                         "Enter sends, Escape cancels.")
