"""Every message the dashboard's app handles, in one place.

Widgets never reach into the app: a panel that wants a command run, or was focused, or changed
something a session saves, posts one of these and it bubbles up to the app. The engine's thread
posts :class:`EngineChanged` and :class:`CommandDone` (``post_message`` is thread-safe).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from ..engine.devices.state import DeviceView
    from ..engine.hints import Hint
    from ..engine.state import SocketView
    from .log_filter import Entry
    from .widgets.panel import Panel


class EngineChanged(Message):
    """Posted from the engine's thread when sockets were made, closed or changed state."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names


class CommandDone(Message):
    """An engine command finished (posted from the engine's thread)."""

    def __init__(self, cmd: Any, result: Any, error: BaseException | None,
                 then: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.cmd = cmd
        self.result = result
        self.error = error
        self.then = then


class SessionApplied(Message):
    """A session was applied (on a worker thread); ``problems`` are the steps that failed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems


class KeyHandled(Message):
    """Follows a key up the same path; when it reaches the app, the key has been handled
    (see :mod:`.keyorder`)."""

    def __init__(self, token: int, trip: int = 1) -> None:
        super().__init__()
        self.token = token
        self.trip = trip


class RunCommand(Message):
    """A widget asks for an engine command; ``then(result)`` runs on the UI thread if it
    succeeds (a failure is shown as a notification)."""

    def __init__(self, cmd: Any, then: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.cmd = cmd
        self.then = then


class PanelFocused(Message):
    """Something inside a panel took the focus: keyed actions now apply to that panel."""

    def __init__(self, panel: Panel) -> None:
        super().__init__()
        self.panel = panel


class SessionEdited(Message):
    """Something a session saves changed in a panel (a snippet, a filter): is it unsaved?"""


class ExplainHints(Message):
    """Explain a socket's hints, with the way out (a panel fills in its socket's name)."""

    def __init__(self, hints: tuple[Hint, ...], name: str = "") -> None:
        super().__init__()
        self.hints = hints
        self.name = name


class ResendEntry(Message):
    """Send a logged message again, on its socket or one that can send (``edit``: opened as
    composer text first); a device's goes into the direction it went."""

    def __init__(self, view: SocketView | DeviceView, entry: Entry | None,
                 edit: bool = False) -> None:
        super().__init__()
        self.view = view
        self.entry = entry
        self.edit = edit


class MapAppeared(Message):
    """The Overview's map went from empty to showing something: it takes the focus if nothing
    has it."""
