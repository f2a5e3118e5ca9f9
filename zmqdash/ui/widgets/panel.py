"""What a socket's panel and a device's have in common: a log, a filter bar, a composer, parts
redrawn only when what they show changed, the bottom border line, and the focus and snippets
reported to the app. :class:`~.socket_panel.SocketPanel` and
:class:`~.device_panel.DevicePanel` say what they show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Region
from textual.widgets import Input

from ...codec import escape_text
from ..messages import PanelFocused, SessionEdited
from ..pacing import Pacer
from .composer import Composer
from .log_view import LogView
from .panel_filter import FilterControls
from .text_field import FilterBar, TextField

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual import events

    from ...engine.devices.state import DeviceView
    from ...engine.ring import Ring
    from ...engine.state import SocketView


class Panel(FilterControls, Vertical):
    """A socket's or a device's panel. The app calls :meth:`tick` on its timer while it is
    visible."""

    ALLOW_MAXIMIZE = False  # the dashboard zooms a panel itself (z), keeping the status bar
    #: whether the panel has its body (endpoints, counters, log, fields) or is a shell: a
    #: border with the socket's name, standing in for a panel off screen (see
    #: :meth:`build_body`)
    whole = True
    #: the tab it is shown in (the app sets it)
    pattern = ""

    view: SocketView | DeviceView
    #: the socket's type, or the device's kind
    socket_type: str
    #: whether it has a composer (a device's injects), a subscription bar, a peer chooser
    sends: bool
    subscribes: bool
    routes: bool

    def __init__(self, ring: Ring, fmt: str, snippets: list[str] | None,
                 frame_separator: str | None, *, classes: str) -> None:
        super().__init__(classes=classes)
        self.log_view = LogView(ring, fmt, classes="socket-log")
        #: what separates the frames of a message typed in the composer (None: one frame)
        self.frame_separator = frame_separator
        self._shown: dict[str, object] = {}
        self._stats_pacer = Pacer()
        self._rates = (0, 0)  # messages in and out in the engine's last full second
        self.counter_marked: str | None = None  # a filter with {seq}: checked for gaps
        self._snippets = list(snippets or ())
        self._ready = False  # children exist (on_mount ran)
        self._queued = 0  # multicast: seconds of sent messages the rate still holds

    @property
    def socket_name(self) -> str:
        return self.view.name

    def on_mount(self) -> None:
        self._ready = True
        if self.whole:
            self._wire()
        self.tick(force=True)

    def _wire(self) -> None:
        for field in self.query(TextField):
            field.leave_to = self.log_view  # Escape in a field: back to the log
        self.watch(self.log_view, "following", self._following_changed, init=False)

    def build_body(self) -> AwaitComplete | None:
        """Give a shell its body (the app does, once the panel is on screen or about to take
        the focus); None if it has it already or is not mounted (it is then built whole)."""
        if self.whole:
            return None
        self.whole = True
        if not self.is_attached:
            return None

        async def build() -> None:
            await self.recompose()
            self._wire()
            self._shown.clear()
            self.tick(force=True)

        return AwaitComplete(build())

    # -- the timer -------------------------------------------------------------------------------

    def tick(self, now: float | None = None, force: bool = False) -> None:
        """Bring the panel up to date with the engine's view; cheap when idle."""
        raise NotImplementedError

    def _update(self, part: str, key: object, draw: Callable[[], None]) -> None:
        if self._shown.get(part, self) == key:
            return
        self._shown[part] = key
        try:
            draw()
        except NoMatches:
            # a child is already gone: the app is closing and took it down before this panel
            self._shown.pop(part, None)

    def on_resize(self) -> None:
        self._shown.pop("stats", None)  # exact or short counts depend on the width
        self._shown.pop("endpoints", None)  # so does how much of an endpoint shows
        self.call_after_refresh(self.tick)

    def _following_changed(self, following: bool) -> None:
        self._shown.pop("subtitle", None)
        self.tick()

    def _set_subtitle(self, subtitle: Content) -> None:
        """Show ``subtitle`` on the bottom border, repainting that line only.

        Textual's ``border_subtitle`` setter repaints the whole panel: the frame after the key
        that changes the format (or pauses the log) rendered 66 lines instead of 32 at 120x40.
        The value goes where the setter keeps it (one line of plain text, as the setter makes
        it) and only the bottom border is marked dirty. Should a Textual release keep the
        subtitle elsewhere, the setter is used.
        """
        width, height = self.outer_size
        kept = getattr(self, "_border_subtitle", False)  # False: no such attribute any more
        if height < 1 or not isinstance(kept, (Content, type(None))):
            self.border_subtitle = subtitle
            return
        self._border_subtitle = subtitle
        offset = self.content_offset  # refresh() takes regions relative to the content
        self.refresh(Region(-offset.x, height - 1 - offset.y, width, 1))

    # -- user input ------------------------------------------------------------------------------

    def on_composer_keep_snippet(self, event: Composer.KeepSnippet) -> None:
        event.stop()
        self.keep_snippet(event.composer, event.text)

    def watch_counter(self, marked: str | None) -> None:
        """A filter marked a number ``{seq}`` (or no longer does): see each panel's."""
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if isinstance(event.input, FilterBar):
            self._apply_filter(event.value)
            if not self.log_view.filter_text and not getattr(self, "_filter_problem", ""):
                self.query_one(".filter-bar").display = False
            self.screen.set_focus(self.log_view)
            return
        if isinstance(event.input, Composer):
            self.send(event.input)
        else:
            self.submitted(event.input)

    def submitted(self, field: Input) -> None:
        """Enter in a field of the panel's own (not the filter, not the composer)."""

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.post_message(PanelFocused(self))

    def send(self, composer: Composer) -> None:
        """Send (or inject) what ``composer`` holds."""
        raise NotImplementedError

    def keep_snippet(self, composer: Composer, text: str) -> None:
        if not text:
            self.notify("Type the message to keep first.", severity="warning")
            return
        shown = escape_text(text if len(text) <= 40 else text[:39] + "…")
        if composer.keep(text):
            self.notify(f"kept as a snippet of {escape_text(self.view.name)}: {shown} "
                        "(Ctrl+S saves it with the session)", title="Snippet", markup=False)
            self.post_message(SessionEdited())
        else:
            self.notify(f"already a snippet: {shown}", title="Snippet", markup=False)
