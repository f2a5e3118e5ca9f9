"""Actions on the socket panel in view: rename, close, endpoints, sending, subscriptions,
repeat-sends, auto-reply, and the log's filter, format, follow, inspector, export and zoom.

A mixin of :class:`~zmqdash.ui.app.ZmqDash` (which binds the keys and decides, in
``action_state``, which of these apply to the panel). It uses ``_need_panel``, ``prompt``,
``run_command``, ``frame_separator`` and ``dirty_check`` of the app, and talks to sockets only
through engine commands.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codec import FORMATS, escape_text
from ..engine import commands as C
from .app_parts import AppParts
from .patterns import REPLYING
from .widgets.composer import Composer
from .widgets.log_view import LogView, gone_from_log

if TYPE_CHECKING:
    from .app_parts import AnyView


class PanelActions(AppParts):
    """The dashboard's actions on one socket panel (see the module's docstring)."""

    def action_rename_socket(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        old = panel.socket_name
        self.prompt(f"Rename {escape_text(old)}", old,
                    lambda new: new.strip() != old and self.run_command(C.Rename(old, new)),
                    hint="A new name for the socket.")

    def action_close_socket(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        from .screens.dialogs import ConfirmScreen

        name = panel.socket_name

        def done(yes: bool | None) -> None:
            if yes:
                self.run_command(C.Close(name))

        self.push_screen(ConfirmScreen(f"Close {escape_text(name)} ({panel.socket_type})?",
                                       "Its endpoints and log go away."), done)

    def action_bind(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        name = panel.socket_name

        def bound(real: object) -> None:
            self.notify(f"{name} bound to {real}")

        self.prompt(f"Bind {escape_text(name)} to", "tcp://127.0.0.1:*",
                    lambda ep: self.run_command(C.Bind(name, ep.strip()), bound),
                    hint="tcp://host:port (* picks a free port), ipc:///path, inproc://name")

    def action_connect(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        name = panel.socket_name

        def connect(text: str) -> None:
            from ..engine.errors import EngineError
            from .screens.add_socket import split_list
            from .screens.remote_form import split_connects

            try:
                wanted = split_connects(split_list(text), panel.socket_type)
            except EngineError as exc:
                self.notify(escape_text(str(exc)), title="Cannot connect", severity="error",
                            markup=False)
                return
            for endpoint, host in wanted:
                self.run_command(C.Connect(name, endpoint, via=host))

        self.prompt(f"Connect {escape_text(name)} to", "tcp://127.0.0.1:5555", connect,
                    hint="tcp://host:port, ipc:///path, inproc://name; add 'via user@host' to "
                    "go through an SSH tunnel (tcp and ipc)")

    def action_unbind(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        endpoints = panel.view.endpoints
        if not endpoints:
            self.notify("This socket has no endpoint to drop.", severity="warning")
            return
        from .screens.dialogs import ChooseScreen

        name = panel.socket_name
        choices = [(ep.describe(), i) for i, ep in enumerate(endpoints)]

        def chosen(index: int | None) -> None:
            if index is None:
                return
            ep = endpoints[index]
            cmd = C.Unbind if ep.role == "bind" else C.Disconnect
            self.run_command(cmd(name, ep.endpoint))

        self.push_screen(ChooseScreen(f"Unbind or disconnect {escape_text(name)}", choices),
                         chosen)

    def action_compose(self) -> None:
        panel = self._need_socket_panel()
        if panel is not None and panel.sends:
            self.focus_now(panel.query_one(".composer"))

    def action_subscribe(self) -> None:
        panel = self._need_socket_panel()
        if panel is not None and panel.subscribes:
            self.focus_now(panel.query_one(".subscriptions-input"))

    def action_repeat(self) -> None:
        panel = self._need_socket_panel()
        if panel is None or not panel.sends:
            return
        from .screens.repeat import RepeatScreen

        name = panel.socket_name
        composer = panel.query(".composer").first(Composer)
        initial = composer.value or (composer.history[-1] if composer.history else "")

        def started(spec: Any) -> None:
            if spec is None:
                return

            def running(rid: object) -> None:
                self.notify(f"repeat-send #{rid} started on {name} (P stops it)")

            self.run_command(  # to whom the peer chooser says when it starts
                C.RepeatStart(name, spec.frames, spec.interval_ms, spec.count, **panel.peer()),
                running)

        self.push_screen(RepeatScreen(name, initial or "tick {seq} at {time}",
                                      self.frame_separator), started)

    def action_stop_repeat(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        name = panel.socket_name
        self.run_command(
            C.RepeatStop(name),
            lambda n: self.notify(f"stopped {n} repeat-send(s) on {name}"))

    def action_auto_reply(self) -> None:
        panel = self._need_socket_panel()
        if panel is None or panel.socket_type not in REPLYING:
            return
        name = panel.socket_name
        current = panel.view.auto_reply
        value = "off" if current is None else (self.frame_separator or "|").join(current)
        if current is None:
            value = ""

        def apply(text: str) -> None:
            template: tuple[str, ...] | None
            text = text.strip()
            if text.lower() == "off":
                template = None
            elif not text:
                template = ()
            elif self.frame_separator:
                from ..codec import CodecError, split_frames

                try:
                    template = tuple(split_frames(text, self.frame_separator))
                except CodecError as exc:
                    self.notify(str(exc), severity="error")
                    return
            else:
                template = (text,)
            from ..session.model import template_problem

            problem = next(filter(None, map(template_problem, template or ())), None)
            if problem is not None:  # it would be saved with the session, which would not load
                self.notify(f"An auto-reply is saved with the session: {problem}",
                            severity="error")
                return
            self.run_command(C.AutoReply(name, template))

        self.prompt(f"Auto-reply on {escape_text(name)}", value, apply,
                    hint="Blank echoes each request; 'off' stops. {body} is the request, "
                         "{seq} counts replies; a|b makes two frames.")

    def action_filter(self) -> None:
        """The panel's filter bar: rows filter as you type (see SocketPanel.open_filter)."""
        panel = self._need_panel()
        if panel is not None:
            panel.open_filter()

    def action_cycle_format(self) -> None:
        panel = self._need_panel()
        if panel is None:
            return
        fmt = panel.log_view.fmt
        self.action_set_format(FORMATS[(FORMATS.index(fmt) + 1) % len(FORMATS)])

    def action_set_format(self, fmt: str) -> None:
        panel = self._need_panel()
        if panel is None or fmt not in FORMATS:
            return
        panel.log_view.set_format(fmt)
        panel.tick(force=True)
        self.dirty_check = True

    def action_toggle_follow(self) -> None:
        panel = self._need_panel()
        if panel is not None:
            panel.log_view.toggle_follow()
            panel.tick(force=True)

    def action_inspect(self) -> None:
        panel = self._need_panel()
        if panel is not None:
            panel.log_view.action_inspect()

    def on_log_view_inspect(self, event: LogView.Inspect) -> None:
        panel = next((p for p in self._panels.values() if p.log_view is event.log), None)
        if panel is None:
            return
        if event.seq is None:
            self.notify("Nothing to inspect yet.", severity="warning")
            return
        if event.entry is None:
            self.notify(gone_from_log(event.log.ring, event.seq), severity="warning")
            return
        from .screens.inspector import InspectorScreen

        self.push_screen(InspectorScreen(panel.view, event.seq, event.log.fmt, event.entry))

    def action_clear_log(self) -> None:
        panel = self._need_socket_panel()
        if panel is not None:
            self.run_command(C.ClearLog(panel.socket_name))

    def action_export(self) -> None:
        panel = self._need_panel()
        if panel is None:
            return
        view = panel.view
        stamp = time.strftime("%Y%m%d-%H%M%S")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in view.name)
        try:
            folder = Path.cwd()
        except OSError:  # the working directory was removed under us
            folder = Path.home()
        # in full: the user sees where it goes, and can change it
        default = str(folder / f"{safe}-{stamp}.jsonl")

        def export(path: str) -> None:
            path = path.strip()
            if path:
                self.run_worker(lambda: self._export(view, path), thread=True,
                                name="export", group="export")

        self.prompt(f"Export the log of {escape_text(view.name)}", default, export,
                    hint="A JSON Lines file, one entry a line; a relative path is taken from "
                         f"{escape_text(str(folder))}. An existing file is replaced.")

    def _export(self, view: AnyView, path: str) -> None:
        import json

        from ..codec import entry_to_json_line, table_to_record

        ring = view.log
        entries = ring.since(ring.first)
        table = view.subscribers
        target = Path(path).expanduser()
        try:
            target = target.resolve()  # the message says exactly where it went
            with open(target, "w", encoding="ascii") as out:
                for entry in entries:
                    out.write(entry_to_json_line(entry, view.name, view.type))
                    out.write("\n")
                if table is not None:  # an XPUB's live table, as it stands now
                    record = table_to_record(table, view.name, view.type, time.time())
                    out.write(json.dumps(record, ensure_ascii=True) + "\n")
        except OSError as exc:
            self.call_from_thread(self.notify,
                                  f"cannot write {escape_text(path)}: {exc.strerror or exc}",
                                  title="Export failed", severity="error", markup=False)
            return
        self.call_from_thread(self.notify,
                              f"{len(entries)} entries written to {escape_text(str(target))}",
                              title="Exported", markup=False)

    def action_explain_hints(self) -> None:
        panel = self._need_socket_panel()
        if panel is None:
            return
        if not panel.view.hints:
            self.notify("Nothing to explain: no hint about this socket right now.")
            return
        from .widgets.hint_bar import HintBar

        panel.query_one(HintBar).action_explain()

    def action_zoom(self) -> None:
        if self.zoomed is not None:
            self.action_unzoom()
            return
        panel = self._need_panel()
        if panel is not None:
            self.zoom(panel)

    def action_unzoom(self) -> None:
        self._unzoom()
        self.settle_focus()
