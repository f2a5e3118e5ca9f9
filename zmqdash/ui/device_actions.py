"""Actions on devices: add one, pause or resume it, stop, restart, inject into either
direction, switch its tap, rename, close, clear its log, record what crosses it, show it as
code; and which of the panel actions apply to a device's panel.

A mixin of :class:`~zmqdash.ui.app.ZmqDash`, derived from :class:`~.panel_actions.PanelActions`
and :class:`~.tool_actions.ToolActions` (it takes over the socket actions that mean something
else for a device: rename, close, clear the log, record, show as code). It uses ``panel``,
``_need_panel``, ``prompt``, ``run_command``, ``focus_now`` and the engine of the app, and
talks to devices only through engine commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual.await_complete import AwaitComplete
from textual.binding import Binding

from ..codec import escape_text
from ..engine.devices import commands as D
from ..engine.devices.state import PAUSED, STOPPED, DeviceView
from .log_filter import Entry
from .panel_actions import PanelActions
from .patterns import DEVICES
from .tool_actions import ToolActions

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from ..engine.protocol import EngineLike
    from .app_parts import AnyView
    from .widgets.device_panel import DevicePanel
    from .widgets.panel import Panel

#: the keys of a device's panel (in the dashboard's bindings, after the composer's `m`: where a
#: key means something else for a socket, the binding that applies to the current panel runs)
DEVICE_BINDINGS = [
    Binding("m", "inject", "Inject", id="device.inject",
            tooltip="Device: write a message to inject into one direction"),
    Binding("p", "pause_device", "Pause/resume", id="device.pause",
            tooltip="Device: stop forwarding (messages wait in ZeroMQ's queues), or go on"),
    Binding("x", "stop_device", "Stop", show=False, id="device.stop",
            tooltip="Device: close both its sockets (r starts it again)"),
    Binding("r", "restart_device", "Restart", show=False, id="device.restart",
            tooltip="Device: make its sockets again, same endpoints, and run"),
    Binding("T", "toggle_tap", "Tap on/off", show=False, id="device.tap",
            tooltip="Device: log every message that crosses it, or only count them"),
]
DEVICE_ACTIONS = frozenset({"inject", "pause_device", "stop_device", "restart_device",
                            "toggle_tap"})
#: panel actions that act on a device's panel as they act on a socket's
SHARED_ACTIONS = frozenset({"filter", "cycle_format", "set_format", "toggle_follow", "inspect",
                            "export", "clear_log", "zoom", "rename_socket", "close_socket",
                            "show_code", "record"})


def is_device(panel: object) -> TypeIs[DevicePanel]:
    """Whether ``panel`` is a device's (it is in the devices' tab)."""
    return getattr(panel, "pattern", None) == DEVICES


def device_views(engine: EngineLike) -> Mapping[str, DeviceView]:
    """The engine's devices (none for an engine that has no devices, like a test's fake)."""
    devices = getattr(engine, "devices", None)
    return devices() if devices is not None else {}


class DeviceActions(PanelActions, ToolActions):
    """The dashboard's actions on devices (see the module's docstring)."""

    def device_action_state(self, panel: Panel, action: str) -> bool | None:
        """Whether ``action`` applies to ``panel`` when it, or the action, is a device's:
        True, False (hidden) or None (shown disabled)."""
        if not is_device(panel):
            return False  # a device's action on a socket's panel
        state = panel.view.state
        if action in ("pause_device", "stop_device", "inject"):
            return state != STOPPED or None
        if action in ("restart_device", "toggle_tap") or action in SHARED_ACTIONS:
            return True
        return False  # bind, subscribe, repeat-send ...: a socket's

    # -- making one ----------------------------------------------------------------------------

    def action_add_device(self) -> None:
        from .screens.add_device import AddDeviceScreen

        self.push_screen(AddDeviceScreen(taken=set(device_views(self.engine))), self.add_device)

    def add_device(self, spec: Any) -> None:
        """Make the device a :class:`~.screens.add_device.NewDevice` describes."""
        if spec is None:
            return
        self._focus_next = (spec.name, DEVICES)
        self.run_command(D.DeviceCreate(spec.name, spec.kind, (spec.frontend,),
                                        (spec.backend,), True, tuple(spec.frontend_options),
                                        tuple(spec.backend_options)))

    def device_panel(self, view: DeviceView) -> DevicePanel:
        """The panel for a device the engine just made (its display format kept, if known)."""
        from ..codec import FORMATS
        from .widgets.device_panel import DevicePanel

        fmt, snippets = self._extras.pop(device_key(view.name), ("auto", []))
        return DevicePanel(view, fmt if fmt in FORMATS else "auto", snippets,
                           frame_separator=self.frame_separator)

    def go_to_device(self, name: str) -> AwaitComplete | None:
        self._sync()
        view = device_views(self.engine).get(name)
        return self.go_to_view(view) if view is not None else None

    # -- running it ------------------------------------------------------------------------------

    def _device_panel(self) -> DevicePanel | None:
        panel = self._need_panel()
        return panel if is_device(panel) else None

    def action_pause_device(self) -> None:
        panel = self._device_panel()
        if panel is None:
            return
        name = panel.view.name
        if panel.view.state == PAUSED:
            self.run_command(D.DeviceResume(name))
        else:
            self.run_command(D.DevicePause(name))

    def action_stop_device(self) -> None:
        panel = self._device_panel()
        if panel is not None:
            self.run_command(D.DeviceStop(panel.view.name))

    def action_restart_device(self) -> None:
        panel = self._device_panel()
        if panel is not None:
            self.run_command(D.DeviceRestart(panel.view.name))

    def action_toggle_tap(self) -> None:
        panel = self._device_panel()
        if panel is not None:
            self.run_command(D.DeviceTap(panel.view.name, not panel.view.tap))

    def action_inject(self) -> None:
        panel = self._device_panel()
        if panel is not None:
            self.focus_now(panel.query_one(".composer"))

    # -- what a socket's panel action means for a device's ---------------------------------------

    def action_rename_socket(self) -> None:
        panel = self.panel()
        if not is_device(panel):
            return super().action_rename_socket()
        old = panel.view.name
        self.prompt(f"Rename {escape_text(old)}", old,
                    lambda new: new.strip() != old and
                    self.run_command(D.DeviceRename(old, new.strip())),
                    hint="A new name for the device.")

    def action_close_socket(self) -> None:
        panel = self.panel()
        if not is_device(panel):
            return super().action_close_socket()
        from .screens.dialogs import ConfirmScreen

        name = panel.view.name

        def done(yes: bool | None) -> None:
            if yes:
                self.run_command(D.DeviceClose(name))

        self.push_screen(ConfirmScreen(
            f"Close {escape_text(name)} ({panel.view.kind})?",
            "Both its sockets close (what waits in them is lost), and its log goes away."),
            done)

    def resend_entry(self, view: AnyView, entry: Entry | None, edit: bool = False) -> None:
        """The inspector's "send again" on a device's message: inject it into the direction it
        went (``edit`` first opens it as composer text)."""
        from ..engine.ring import B2F, F2B, FRAMES, KIND

        if not isinstance(view, DeviceView) or entry is None or entry[KIND] not in (F2B, B2F):
            return super().resend_entry(view, entry, edit)
        from .tool_actions import EDIT_LIMIT

        name, direction, frames = view.name, entry[KIND], list(entry[FRAMES])

        def inject(frames_out: list[bytes]) -> None:
            self.run_command(D.DeviceInject(name, direction, tuple(frames_out)),
                             lambda _result: self.notify(
                                 f"Injected into {direction} of {escape_text(name)} again.",
                                 markup=False))

        if not edit:
            inject(frames)
            return
        if sum(len(f) for f in frames) > EDIT_LIMIT:
            self.notify("This message is too big to edit as text; r injects it as it is.",
                        severity="warning")
            return
        from ..codec import CodecError, bytes_to_prefix, join_frames, parse_message

        sep = self.frame_separator or "|"

        def edited(value: str) -> None:
            try:
                inject(parse_message(value, sep))
            except CodecError as exc:
                self.notify(escape_text(str(exc)), title="Not injected", severity="error",
                            markup=False)

        self.prompt(f"Edit and inject into {direction} of {escape_text(name)}",
                    join_frames([bytes_to_prefix(f) for f in frames], sep), edited,
                    hint="The frames as composer text; Enter injects them.")

    def action_clear_log(self) -> None:
        panel = self.panel()
        if not is_device(panel):
            return super().action_clear_log()
        self.run_command(D.DeviceClearLog(panel.view.name))

    # -- show as code and record: a device's own ----------------------------------------------

    def _tool_device(self) -> DeviceView | None:
        """The device the show-as-code and record keys are for: the current panel's, or on
        the overview the device box selected (None: a socket's, or nothing)."""
        from .widgets.overview import OVERVIEW

        if self.active_pattern == OVERVIEW:
            view = self._overview.selected_view()
        else:
            panel = self.panel()
            view = panel.view if is_device(panel) else None
        return view if isinstance(view, DeviceView) else None

    def action_show_code(self) -> None:
        view = self._tool_device()
        if view is None:
            return super().action_show_code()
        from ..session.as_code import device_as_code
        from .screens.show_code import ShowCodeScreen

        self.push_screen(ShowCodeScreen(f"{escape_text(view.name)} · {view.kind} device",
                                        device_as_code(view)))

    def action_record(self) -> None:
        """Record what crosses the device to a file (asks where), or stop."""
        view = self._tool_device()
        if view is None:
            return super().action_record()
        self.ask_to_record(view.name, view.recording is not None,
                           D.DeviceRecordStop(view.name),
                           lambda path: D.DeviceRecordStart(view.name, path),
                           "Every message that crosses from now on, with its direction, and "
                           "the device's events, as JSON lines (the tap is turned on for it); "
                           "an existing file is replaced. R again stops.")


def device_key(name: str) -> tuple[str, str]:
    """Where a device's display settings wait in the app's ``_extras`` (sockets and devices
    have names of their own)."""
    return ("device", name)
