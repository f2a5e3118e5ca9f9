"""Sessions in the dashboard: apply one at start, save, open another, start afresh, and know
when there are unsaved changes.

A mixin of :class:`~zmqdash.ui.app.ZmqDash`; everything it touches on disk goes through
:mod:`zmqdash.session`. "Unsaved" means the live topology, written as a session file, is not the
text last loaded or saved (what was sent is not part of it; a snippet kept on purpose is).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine import commands as C
from .app_parts import AppParts
from .messages import SessionApplied

#: what an empty dashboard is, written as a session (the baseline before anything is loaded)
_NAME = "session"
#: composer entries longer than this (pasted payloads) are not saved as snippets: nine 1 MiB
#: pastes would make a file past the 8 MiB a session file may hold
SNIPPET_MAX = 64 << 10


class SessionActions(AppParts):
    """Session actions of the app (it uses ``engine``, ``session``, ``session_path``,
    ``_extras``, ``prompt`` and ``run_command`` of it)."""

    #: the topology as last loaded or saved (see :meth:`_fingerprint`)
    _clean: str | None = None
    #: set when something changed that may make the session unsaved; checked on the timer
    dirty_check: bool = False
    #: composer entries the last capture left out for their length
    _left_out: int = 0
    #: the live topology differs from the session file
    dirty: bool = False

    # -- unsaved changes -------------------------------------------------------------------------

    def _fingerprint(self) -> str:
        from ..session import dumps

        return dumps(self.capture_session(_NAME))  # snippets count: keeping one is a change

    def mark_clean(self) -> None:
        """What runs now is what the session file says."""
        self._clean = self._fingerprint()
        self.dirty_check = False
        self._set_dirty(False)

    def check_dirty(self) -> None:
        self.dirty_check = False
        if self._clean is not None:
            self._set_dirty(self._fingerprint() != self._clean)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self.dirty:
            self.dirty = dirty
            self._show_title()
            self._refresh_status(force=True)

    def _show_title(self) -> None:
        # The app's title (screenshots, the palette) names the session; the status bar shows it
        # on screen. Set quietly: assigning App.title would repaint the whole screen.
        from textual.app import App

        self.set_reactive(App.title, f"zmqdash - {self.session_label}")

    @property
    def session_label(self) -> str:
        """The session's name, with ``*`` when it has unsaved changes."""
        return self.session_name + ("*" if self.dirty else "")

    def unless_unsaved(self, question: str, then: Callable[[], object]) -> None:
        """Run ``then()`` at once, or after the user agrees to lose unsaved changes."""
        from .screens.dialogs import ConfirmScreen

        self.check_dirty()
        if not self.dirty:
            then()
            return
        detail = f"{self.session_name} has unsaved changes (Ctrl+S saves them)."
        self.push_screen(ConfirmScreen(question, detail), lambda yes: yes and then())

    def _remember_extras(self, session: Any) -> None:
        """Display format and composer snippets of each socket, used when its panel appears."""
        from .device_actions import device_key

        for spec in getattr(session, "sockets", ()):
            self._extras[spec.name] = (getattr(spec, "format", "auto"),
                                       list(getattr(spec, "snippets", ())))
        for spec in getattr(session, "devices", ()):
            self._extras[device_key(spec.name)] = (spec.format, [])

    def _apply_session(self, session: Any, replace: bool = False) -> None:
        engine = self.engine
        self._remember_extras(session)

        def work() -> None:
            try:
                from ..session import apply as apply_session
                from ..session import close_all

                problems: list[str] = []
                if replace:
                    problems += close_all(engine)
                problems += list(apply_session(engine, session) or [])
            except Exception as exc:  # noqa: BLE001 - shown to the user
                problems = [f"{type(exc).__name__}: {exc}"]
            self.post_message(SessionApplied(problems))

        self.run_worker(work, thread=True, name="apply-session", group="session")

    def on_session_applied(self, message: SessionApplied) -> None:
        self.mark_clean()
        for problem in message.problems:
            self.notify(problem, title="Session", severity="error")

    def _set_session(self, session: Any, path: str | os.PathLike | None) -> None:
        self.session = session
        self.session_path = Path(path) if path is not None else None
        self._show_title()
        self._refresh_status(force=True)
        if self.session_path is not None:
            try:
                from ..session import remember

                remember(self.session_path)
            except ImportError:  # pragma: no cover - sessions ship with zmqdash
                pass

    def load_session(self, session: Any, path: str | os.PathLike | None) -> None:
        """Replace every socket with the ones ``session`` describes."""
        self._set_session(session, path)
        self._apply_session(session, replace=True)

    def capture_session(self, name: str) -> Any:
        """The live topology as a session, with each panel's format and the snippets kept on
        purpose (never the history of what was sent)."""
        from ..session import capture

        extras: dict[str, dict[str, Any]] = {}
        device_extras: dict[str, dict[str, Any]] = {}
        self._left_out = 0
        for view, device, fmt, snippets in self.saved_extras():  # built or not
            if device:  # its format only: what was injected is not the topology
                device_extras[view.name] = {"format": fmt}
                continue
            kept = [entry for entry in snippets if len(entry) <= SNIPPET_MAX]
            self._left_out += len(snippets) - len(kept)
            extras[view.name] = {"format": fmt, "snippets": kept}
        return capture(self.engine, name, extras, device_extras)

    def save_session(self, path: str | os.PathLike) -> Path | None:
        from ..session import store

        target = Path(path).expanduser()
        try:
            session = self.capture_session(target.stem)
            written = store.save(session, target)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.notify(str(exc), title="Save failed", severity="error")
            return None
        self._set_session(session, written)
        self.mark_clean()
        note = ""
        if self._left_out:  # pasted payloads: a session file would grow past what it holds
            n = self._left_out
            note = (f" (left out {n} composer entr{'ies' if n != 1 else 'y'} longer than "
                    f"{SNIPPET_MAX >> 10} KiB)")
        self.notify(f"saved to {written}{note}", title="Session")
        return written

    def _session_target(self, text: str) -> Path | None:
        """A path for a name or a path the user typed."""
        from ..session import SessionError, session_path

        text = text.strip()
        if not text:
            return None
        if "/" in text or text.startswith("~") or text.endswith(".toml"):
            return Path(text).expanduser()
        try:
            return session_path(text, create_dir=True)
        except SessionError as exc:
            self.notify(str(exc), title="Session", severity="error")
            return None

    def action_save_session(self) -> None:
        if self.session_path is not None:
            self.save_session(self.session_path)
        else:
            self.action_save_session_as()

    def action_save_session_as(self) -> None:
        default = "" if self.session_name == "untitled" else self.session_name

        def save(text: str) -> None:
            target = self._session_target(text)
            if target is not None:
                self.save_session(target)

        self.prompt("Save the session as", default, save,
                    hint="A name (kept with your saved sessions) or a path ending in .toml.")

    def action_open_session(self) -> None:
        self.unless_unsaved("Open another session without saving?", self._choose_session)

    def _choose_session(self) -> None:
        from ..session import list_sessions
        from .screens.dialogs import ChooseScreen

        try:
            saved = list_sessions()
        except Exception:  # noqa: BLE001 - an unreadable folder just lists nothing
            saved = []
        choices: list[tuple[str, Any]] = [(name, path) for name, path, _ in saved]
        choices.append(("a file path...", None))

        def chosen(path: Any) -> None:
            if path is None:
                self.prompt("Open a session file", "", lambda text: self.open_session(text),
                            hint="A saved session's name, or a path to a .toml file.")
            else:
                self.open_session(str(path))

        def picked(value: Any) -> None:
            if value is not False:
                chosen(value)

        self.push_screen(ChooseScreen("Open a session (its sockets replace these)", choices),
                         picked)

    def open_session(self, text: str) -> None:
        from ..session import load, resolve

        if not text.strip():
            return
        try:
            path = resolve(text.strip())
            session = load(path)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.notify(str(exc), title="Open failed", severity="error")
            return
        self.load_session(session, path)

    def action_new_session(self) -> None:
        from .screens.dialogs import ConfirmScreen

        def done(yes: bool | None) -> None:
            if yes:
                for name in list(self.engine.sockets()):
                    self.run_command(C.Close(name))
                from ..engine.devices import DeviceClose
                from .device_actions import device_views

                for name in list(device_views(self.engine)):
                    self.run_command(DeviceClose(name))
                self._set_session(None, None)
                self._clean = self._empty_fingerprint()
                self.dirty_check = True

        self.check_dirty()
        detail = "Every socket and device is closed" + (
            f"; {self.session_name} has unsaved changes (Ctrl+S saves them)." if self.dirty
            else " (save first to keep them).")
        self.push_screen(ConfirmScreen("Start a new, empty session?", detail), done)

    def _empty_fingerprint(self) -> str:
        from ..session import Session, dumps

        return dumps(Session(_NAME, []))
