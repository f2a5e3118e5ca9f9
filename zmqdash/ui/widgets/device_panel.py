"""One device on screen: its state, both sides with their live endpoints, the counters of each
direction, what its subscribers ask for (a forwarder), the tap, and a composer to inject.

A :class:`~.panel.Panel`, as a socket's is (the app ticks it, zooms it, steps through it, and
the log actions work on its log the same way); only what it shows differs.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, Select, Static

from ...codec import CodecError, escape_text
from ...engine.devices.commands import DeviceInject
from ...engine.devices.state import PAUSED, RUNNING, STOPPED, DeviceView
from ...engine.rates import last_second
from ...engine.ring import B2F, F2B
from .. import numbers
from ..messages import RunCommand
from ..panel_text import append_endpoints, tool_marks
from ..patterns import DEVICES
from .composer import Composer
from .panel import Panel
from .socket_panel import EXACT_WIDTH
from .subscription_table import SubscriptionTableView
from .text_field import FilterBar

#: the directions a message can be injected into, as the chooser shows them
DIRECTION_CHOICES = {F2B: "f→b out of the backend", B2F: "b→f out of the frontend"}
#: the two directions of a kind that goes both ways (a streamer has only the first)
BOTH_WAYS = ("forwarder", "queue")

STATE_STYLES = {RUNNING: ("●", "bold green"), PAUSED: ("⏸", "bold yellow"),
                STOPPED: ("■", "bold red")}


def duration(seconds: float) -> str:
    """``12 s``, ``3 min 05 s``, ``2 h 01 min``: how long a device has been paused."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02} min"


def state_text(view: DeviceView, now: float) -> Text:
    """The state line: running, paused (for how long, and the key that resumes), stopped (and
    why, when it was not asked to)."""
    mark, style = STATE_STYLES.get(view.state, ("?", "bold"))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{mark} {view.state}", style=style)
    if view.state == PAUSED:
        text.append(f" for {duration(view.paused_for(now))}", style=style)
        text.append(" · nothing crosses; p resumes", style="dim")
    elif view.state == STOPPED:
        if view.reason:
            text.append(f" - {escape_text(view.reason)}", style="red")
        text.append(" · r restarts", style="dim")
    waiting = view.waiting
    if waiting[0] or waiting[1]:
        text.append(f" · {waiting[0] + waiting[1]} waiting for a peer", style="yellow")
    if not view.tap:
        text.append(" · tap off", style="dim")
    return text


class DevicePanel(Panel):
    """A panel for one device. The app calls :meth:`tick` on its timer while it is visible."""

    view: DeviceView

    def __init__(self, view: DeviceView, fmt: str = "auto",
                 snippets: list[str] | None = None, *, frame_separator: str | None) -> None:
        super().__init__(view.log, fmt, snippets, frame_separator,
                         classes="socket-panel device-panel")
        self.view = view
        self.pattern = DEVICES
        self.socket_type = view.kind
        self.sends = True  # the composer injects
        self.subscribes = False
        self.routes = False
        self.two_way = view.kind in BOTH_WAYS
        self.direction = F2B

    @property
    def device_name(self) -> str:
        return self.view.name

    def compose(self) -> ComposeResult:
        yield Static(classes="device-state")
        yield Static(classes="endpoints")
        yield Static(classes="stats")
        if self.view.kind == "forwarder":
            yield Static(classes="device-subs")
            if self.view.backend.subscribers is not None:
                yield SubscriptionTableView(self.view.backend.subscribers, classes="subscribers")
        yield self.log_view
        # the filter, as a socket panel's: shown while it is edited or set (/ opens it)
        with Horizontal(classes="bar filter-bar"):
            yield Label("filter ", classes="bar-label")
            yield FilterBar(placeholder="text, /regex/, or hex:00 ff for bytes",
                            classes="filter-input")
            yield Label("", classes="filter-status", markup=False)
        if self.two_way:
            with Horizontal(classes="bar direction"):
                yield Label("inject ", classes="bar-label")
                yield Select([(label, d) for d, label in DIRECTION_CHOICES.items()], value=F2B,
                             allow_blank=False, compact=True, classes="direction-select")
        composer = Composer(self._composer_hint(), classes="composer")
        for snippet in self._snippets:
            composer.remember(snippet)
        yield composer

    def _composer_hint(self) -> str:
        where = "into f→b" if self.direction == F2B else "into b→f"
        return f"message {where} (Enter injects; hex: b64: a|b)"

    # -- the timer -------------------------------------------------------------------------------

    def tick(self, now: float | None = None, force: bool = False) -> None:
        if not self._ready or not self.is_attached or not self.display:
            return
        view = self.view
        now = time.monotonic() if now is None else now
        self.log_view.poll(force)
        self._rates = last_second(view)
        self._update("title", (view.name, view.kind), self._draw_title)
        # the paused duration moves on by the second
        paused = int(view.paused_for(time.time())) if view.state == PAUSED else -1
        self._update("state", (view.state, view.reason, paused, view.waiting, view.tap),
                     self._draw_state)
        self._update("endpoints", (view.frontend.endpoints, view.backend.endpoints),
                     self._draw_endpoints)
        s = view.stats
        key = (s.f2b_msgs, s.f2b_bytes, s.b2f_msgs, s.b2f_bytes, s.injected, s.refused,
               view.errors, view.log.dropped, self._rates)
        changed = self._shown.get("stats", self) != key
        if self._stats_pacer.due(changed, force and changed):
            self._update("stats", key, self._draw_stats)
        state = (self.log_view.following,
                 self.log_view.below if not self.log_view.following else 0,
                 self.log_view.fmt, self.log_view.filter_text, tool_marks(view))
        self._update("subtitle", state, self._draw_subtitle)
        if self.log_view.filter_text or getattr(self, "_filter_problem", ""):
            self._update("filter", (self.log_view.filter_text, self.log_view.row_count,
                                    self.log_view.fmt), self._draw_filter_status)
        if view.kind == "forwarder":
            self._update("subs", view.subscriptions, self._draw_subs)
            if view.backend.subscribers is not None:
                self._update("subscribers", view.backend.subscribers, self._draw_subscribers)

    # -- drawing ---------------------------------------------------------------------------------

    def _draw_title(self) -> None:
        self.border_title = Content(f"{escape_text(self.view.name)} · {self.view.kind}")

    def _draw_state(self) -> None:
        self.query_one(".device-state", Static).update(state_text(self.view, time.time()))

    def _draw_endpoints(self) -> None:
        if not self.size.width:
            self._shown.pop("endpoints", None)  # not laid out yet: drawn once it is
            return
        view = self.view
        text = Text(no_wrap=True, overflow="ellipsis")
        width = max(8, self.size.width - 2)  # the padding
        types = max(len(view.frontend.type), len(view.backend.type))
        for side, side_view in (("front", view.frontend), ("back", view.backend)):
            label = f"{side} {side_view.type:<{types}} "
            if not side_view.endpoints:
                if text.plain:
                    text.append("\n")
                text.append(label, style="bold")
                text.append("no endpoint", style="italic")
            append_endpoints(text, side_view.endpoints, width, prefix=label)
        self.query_one(".endpoints", Static).update(text)

    def _draw_stats(self) -> None:
        view, s = self.view, self.view.stats
        nb = "\u00a0"
        exact = self.size.width >= EXACT_WIDTH

        def group(word: str, msgs: int, rate: float, nbytes: int) -> str:
            # each direction always says all three: messages, their rate now, bytes
            return nb.join((word, f"{msgs:,}" if exact else numbers.count(msgs),
                            f"{numbers.count(rate)}/s", numbers.size(nbytes)))

        groups = [group("f→b", s.f2b_msgs, self._rates[0], s.f2b_bytes)]
        if self.two_way:
            groups.append(group("b→f", s.b2f_msgs, self._rates[1], s.b2f_bytes))
        if s.injected:
            groups.append(f"inj{nb}{s.injected}")
        if s.refused:
            groups.append(f"refused{nb}{numbers.count(s.refused)}")
        groups.append(f"err{nb}{view.errors}")
        if view.log.dropped:
            groups.append(f"drop{nb}{numbers.count(view.log.dropped)}")
        text = Text(" │ ".join(groups))
        if view.errors:
            text.highlight_regex(r"err\u00a0\d+", "bold red")
        if s.refused:
            text.highlight_regex(r"refused\u00a0\S+", "yellow")
        widget = self.query_one(".stats", Static)
        width = max(1, widget.content_size.width or self.size.width - 4)
        lines = 1 if text.cell_len <= width else 2
        if lines != widget.styles.height.value if widget.styles.height else True:
            widget.styles.height = lines
            widget.update(text)
        else:
            widget.update(text, layout=False)

    def _draw_subtitle(self) -> None:
        log = self.log_view
        parts = []
        if log.following:
            parts.append("following")
        else:
            below = log.below
            parts.append(f"paused +{numbers.count(below)}" if below else "paused")
        parts.append(log.fmt)
        if log.filter_text:
            parts.append(f"filter {escape_text(log.filter_text)}")
        parts.extend(tool_marks(self.view))  # REC and how much is written
        self._set_subtitle(Content(" · ".join(parts)))

    def _draw_subs(self) -> None:
        from ..subscriptions_text import subscriptions_to_text

        subs = self.view.subscriptions
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("upstream ", style="bold")
        if subs:
            text.append(escape_text(subscriptions_to_text(subs)))
        else:
            text.append("nothing subscribed yet", style="italic")
        self.query_one(".device-subs", Static).update(text)

    def _draw_subscribers(self) -> None:
        table = self.view.backend.subscribers
        if table is not None:  # (only a forwarder's panel has the table)
            self.query_one(SubscriptionTableView).show(table)

    # -- user input ------------------------------------------------------------------------------

    def watch_counter(self, marked: str | None) -> None:
        """A device's counters are its own: a ``{seq}`` filter only filters here."""

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value in DIRECTION_CHOICES:
            self.direction = str(event.value)
            composer = self.query_one(".composer", Composer)
            composer.placeholder = self._composer_hint()

    def send(self, composer: Composer) -> None:
        """Inject what the composer holds into the chosen direction."""
        from ...codec import parse_message

        text = composer.value
        try:
            frames = parse_message(text, self.frame_separator)
        except CodecError as exc:
            self.notify(escape_text(str(exc)), title="Cannot inject", severity="error",
                        markup=False)
            return

        def sent(_result: object) -> None:
            composer.remember(text)
            if composer.value == text:
                composer.value = ""

        self.post_message(RunCommand(DeviceInject(self.view.name, self.direction,
                                                  tuple(frames)), sent))
