"""One socket on screen: its endpoints, counters, log, and the controls its type calls for."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from ...codec import (
    CodecError,
    bytes_to_prefix,
    escape_text,
    stand_ins,
)
from ...engine import commands as C
from ...engine.rates import last_second
from ...engine.socket_types import RECEIVE_ONLY, SEND_ONLY
from ...engine.state import SocketView
from .. import numbers
from ..messages import ExplainHints, RunCommand
from ..panel_text import append_endpoints, composer_hint, tool_marks
from ..patterns import SENDING, SUBSCRIBING
from ..subscriptions_text import subscriptions_to_text, text_to_subscriptions
from .composer import Composer
from .hint_bar import HintBar
from .panel import Panel
from .subscription_table import SubscriptionTableView
from .text_field import FilterBar, SubscriptionBar

#: what the peer chooser of a ROUTER offers besides the identities seen
NEWEST_PEER = "newest"
FIRST_FRAME = "first-frame"

SPARK_MIN_HEIGHT = 30  # screens this tall show each panel's last minute (80x24 does not)
EXACT_WIDTH = 70  # panels at least this wide show exact message counts


class SocketPanel(Panel):
    """A panel for one socket. The app calls :meth:`tick` on its timer while it is visible."""

    view: SocketView

    def __init__(self, view: SocketView, fmt: str = "auto",
                 snippets: list[str] | None = None, *, whole: bool = True,
                 frame_separator: str | None) -> None:
        super().__init__(view.log, fmt, snippets, frame_separator, classes="socket-panel")
        self.whole = whole
        self.view = view
        self.socket_type = view.type
        self.sends = view.type in SENDING
        self.subscribes = view.type in SUBSCRIBING
        self.routes = view.type == "ROUTER"
        self.peer_choice = NEWEST_PEER

    def compose(self) -> ComposeResult:
        if not self.whole:
            return  # a shell: its border and title, until it is on screen
        yield Static(classes="endpoints")
        yield Static(classes="stats")
        yield Static(classes="spark")
        yield HintBar(classes="hints")
        if self.view.subscribers is not None:  # an XPUB: who subscribes to what
            yield SubscriptionTableView(self.view.subscribers, classes="subscribers")
        if self.subscribes:
            with Horizontal(classes="bar subscriptions"):
                yield Label("subs ", classes="bar-label")
                yield SubscriptionBar(
                    placeholder="prefixes, comma-separated; * = everything; Enter applies",
                    classes="subscriptions-input",
                )
        yield self.log_view
        # the filter: shown while it is edited or set (/ opens it)
        with Horizontal(classes="bar filter-bar"):
            yield Label("filter ", classes="bar-label")
            yield FilterBar(placeholder="text, /regex/, or hex:00 ff for bytes",
                            classes="filter-input")
            yield Label("", classes="filter-status", markup=False)
        if self.routes:
            # below the log, with the composer it serves: Tab from the log reaches it
            with Horizontal(classes="bar peers"):
                yield Label("to ", classes="bar-label")
                yield Select(
                    self._peer_options(),
                    value=NEWEST_PEER,
                    allow_blank=False,
                    compact=True,
                    classes="peer-select",
                )
        if self.sends:
            composer = Composer(composer_hint(self.socket_type), classes="composer")
            for snippet in self._snippets:
                composer.keep(snippet)
            yield composer

    # -- the timer -------------------------------------------------------------------------------

    def tick(self, now: float | None = None, force: bool = False) -> None:
        """Bring the panel up to date with the engine's view of the socket; cheap when idle."""
        if not self._ready or not self.is_attached or not self.display:
            return  # not mounted yet, or being taken down (display is False then)
        view = self.view
        if not self.whole:  # a shell shows its name only
            self._update("title", (view.name, view.type, view.security), self._draw_title)
            return
        now = time.monotonic() if now is None else now
        self.log_view.poll(force)
        self._rates = last_second(view)
        self._update("title", (view.name, view.type, view.security), self._draw_title)
        # a multicast sender: whole seconds of messages its rate still holds in libzmq
        self._queued = max(0, round(view.paced_until - now)) if view.paced_until else 0
        # (the width decides how much of each endpoint shows)
        self._update("endpoints", (view.endpoints, self._queued, self.size.width),
                     self._draw_endpoints)
        stats = view.stats
        key = (
            stats.msgs_in, stats.bytes_in, stats.msgs_out, stats.bytes_out, stats.errors,
            view.log.dropped, view.pending, view.awaiting_reply, view.reply_due, self._rates,
        )
        changed = self._shown.get("stats", self) != key
        if self._stats_pacer.due(changed, force and changed):  # a flood: a few times a second
            self._update("stats", key, self._draw_stats)
        state = (
            self.log_view.following, self.log_view.below if not self.log_view.following else 0,
            self.log_view.fmt, self.log_view.filter_text, view.repeaters, view.auto_reply,
            tool_marks(view),
        )
        self._update("subtitle", state, self._draw_subtitle)
        self._update("hints", view.hints, self._draw_hints)
        if self.log_view.filter_text or getattr(self, "_filter_problem", ""):
            self._update("filter", (self.log_view.filter_text, self.log_view.row_count,
                                    self.log_view.fmt), self._draw_filter_status)
        # the engine's minute of seconds, replaced once a second
        self._update("spark", (id(view.rates), self.size.width, self.screen.size.height),
                     self._draw_spark)
        if view.subscribers is not None:
            self._update("subscribers", view.subscribers, self._draw_subscribers)
        if self.subscribes:
            self._update("subs", view.subscriptions, self._draw_subscriptions)
        if self.routes:
            self._update("peers", view.peers_seen, self._draw_peers)

    # -- drawing ---------------------------------------------------------------------------------

    def _draw_title(self) -> None:
        security = self.view.security
        extra = f" · {security.credentials.label()}" if security is not None else ""
        self.border_title = Content(f"{escape_text(self.view.name)} · {self.view.type}{extra}")

    def _draw_endpoints(self) -> None:
        if not self.size.width:
            self._shown.pop("endpoints", None)  # not laid out yet: drawn once it is
            return
        widget = self.query_one(".endpoints", Static)
        width = max(8, self.size.width - 2)  # the padding
        text = Text(no_wrap=True, overflow="ellipsis")
        eps = self.view.endpoints
        if not eps:
            text.append("no endpoints yet: b binds, c connects", style="italic")
        append_endpoints(text, eps, width, self._queued)
        widget.update(text)

    def _draw_stats(self) -> None:
        view, stats = self.view, self.view.stats
        rate_in, rate_out = self._rates
        nb = "\u00a0"  # keep each group on one line when the row wraps
        groups = []

        exact = self.size.width >= EXACT_WIDTH  # room for every digit: 1,234,567

        def group(word: str, msgs: int, rate: float, nbytes: int) -> str:
            parts = [word, f"{msgs:,}" if exact else numbers.count(msgs)]
            if rate:
                parts.append(f"{numbers.count(rate)}/s")
            if nbytes:
                parts.append(numbers.size(nbytes))
            return nb.join(parts)

        if view.type not in SEND_ONLY or stats.msgs_in:
            groups.append(group("in", stats.msgs_in, rate_in, stats.bytes_in))
        if view.type not in RECEIVE_ONLY or stats.msgs_out:
            groups.append(group("out", stats.msgs_out, rate_out, stats.bytes_out))
        groups.append(f"err{nb}{stats.errors}")
        if view.log.dropped:
            groups.append(f"drop{nb}{numbers.count(view.log.dropped)}")
        if view.pending:
            groups.append(f"queued{nb}{view.pending}")
        if view.reply_due:
            groups.append(f"reply{nb}due")
        if view.awaiting_reply:
            groups.append(f"awaiting{nb}reply")
        text = Text(" │ ".join(groups))
        if stats.errors:
            text.highlight_regex(r"err\u00a0\d+", "bold red")
        if view.reply_due:
            text.highlight_regex(r"reply\u00a0due", "bold yellow")
        widget = self.query_one(".stats", Static)
        # one line, or two when narrow; a layout pass only when that changes, not per update
        width = max(1, widget.content_size.width or self.size.width - 4)
        lines = 1 if text.cell_len <= width else 2
        if lines != widget.styles.height.value if widget.styles.height else True:
            widget.styles.height = lines
            widget.update(text)
        else:
            widget.update(text, layout=False)

    def _draw_spark(self) -> None:
        """The last minute's messages a second, on one line, where the screen has room."""
        from ..map_canvas import charset_for, sparkline

        widget = self.query_one(".spark", Static)
        show = self.screen.size.height >= SPARK_MIN_HEIGHT
        if widget.display != show:
            widget.display = show
        if not show:
            return
        rates = self.view.rates
        label = " last min"
        width = max(1, (widget.content_size.width or self.size.width - 4) - len(label))
        text = Text(no_wrap=True, overflow="crop")
        text.append(sparkline(rates.total() if rates else (), width, charset_for()),
                    style="green")
        text.append(label, style="dim")
        widget.update(text, layout=False)

    def _draw_subtitle(self) -> None:
        log = self.log_view
        view = self.view
        parts = []
        if log.following:
            parts.append("following")
        else:
            below = log.below
            parts.append(f"paused +{numbers.count(below)}" if below else "paused")
        parts.append(log.fmt)
        if log.filter_text:  # as typed (a backslash stays one)
            parts.append(f"filter {stand_ins(log.filter_text)}")
        if view.repeaters:
            parts.append(f"repeat ×{len(view.repeaters)}")
        if view.auto_reply is not None:
            parts.append("auto-reply")
        parts.extend(tool_marks(view))
        self._set_subtitle(Content(" · ".join(parts)))

    def _draw_hints(self) -> None:
        bar = self.query_one(HintBar)
        had = bool(bar.hints)
        bar.show(self.view.hints)
        if had != bool(self.view.hints):
            self.refresh_bindings()  # the footer offers h (Why?) while there are hints

    def _draw_subscribers(self) -> None:
        table = self.view.subscribers
        if table is not None:  # (only an XPUB's panel has the table)
            self.query_one(SubscriptionTableView).show(table)

    def _draw_subscriptions(self) -> None:
        field = self.query_one(".subscriptions-input", Input)
        if field.has_focus:
            return  # never rewrite what the user is typing
        field.value = subscriptions_to_text(self.view.subscriptions)
        field.placeholder = (
            "none: receiving nothing; type prefixes (* = everything), Enter"
            if not self.view.subscriptions else ""
        )

    def _peer_options(self) -> list[tuple[Content, str]]:
        # Content, not str: Select reads a str prompt as markup, and identities are a peer's
        # bytes ([/] ended the app)
        options = [(Content("newest peer"), NEWEST_PEER),
                   (Content("first frame is the identity"), FIRST_FRAME)]
        for ident in reversed(self.view.peers_seen):
            options.append((Content(escape_text(bytes_to_prefix(ident))), "hex:" + ident.hex()))
        return options

    def _draw_peers(self) -> None:
        select = self.query_one(".peer-select", Select)
        if select.expanded:
            return
        keep = self.peer_choice
        options = self._peer_options()
        with select.prevent(Select.Changed):
            select.set_options(options)
            select.value = keep if keep in {value for _, value in options} else NEWEST_PEER

    # -- user input ------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.BLANK:
            self.peer_choice = str(event.value)
        event.stop()

    def peer(self) -> dict:
        """For a ROUTER, who the chooser says to send to, as engine command fields:
        ``peer`` (an identity; none means the first frame is it) or ``newest_peer`` (the
        engine picks the peer it heard from last, and says so when there is none)."""
        choice = self.peer_choice if self.routes else FIRST_FRAME
        if choice == FIRST_FRAME:
            return {}
        if choice == NEWEST_PEER:
            return {"newest_peer": True}
        return {"peer": bytes.fromhex(choice[4:])}

    # -- the filter ------------------------------------------------------------------------------

    def on_explain_hints(self, message: ExplainHints) -> None:
        message.name = message.name or self.view.name  # and on up to the app

    def watch_counter(self, marked: str | None) -> None:
        """Have the engine check the number ``marked`` (a filter with ``{seq}``) for gaps."""
        self.post_message(RunCommand(C.WatchCounter(self.socket_name, marked)))

    def submitted(self, field: Input) -> None:
        if field.has_class("subscriptions-input"):
            self.apply_subscriptions(field.value)

    def on_descendant_blur(self, event) -> None:
        if getattr(event, "widget", None) is not None and \
                event.widget.has_class("subscriptions-input"):
            self._shown.pop("subs", None)
            self.call_after_refresh(self.tick)

    def send(self, composer: Composer) -> None:
        from ...codec import parse_message

        text = composer.value
        try:
            frames = parse_message(text, self.frame_separator)
        except CodecError as exc:
            self.notify(str(exc), title="Cannot send", severity="error")
            return
        def sent(_result) -> None:
            composer.remember(text)
            if composer.value == text:
                composer.value = ""

        self.post_message(RunCommand(C.Send(self.view.name, tuple(frames), **self.peer()), sent))

    def apply_subscriptions(self, text: str) -> None:
        try:
            wanted = text_to_subscriptions(text)
        except CodecError as exc:
            self.notify(str(exc), title="Subscriptions", severity="error")
            return
        have = self.view.subscriptions
        name = self.view.name
        for prefix in have:
            if prefix not in wanted:
                self.post_message(RunCommand(C.Unsubscribe(name, prefix)))
        for prefix in wanted:
            if prefix not in have:
                self.post_message(RunCommand(C.Subscribe(name, prefix)))
        self.log_view.focus()
