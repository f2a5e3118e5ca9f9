"""One log entry in full: every frame as text, hex or JSON, with sizes and the time.

A message may be huge (100,000 frames, a frame of 1 MiB of text): the body shows one page of it
(see :mod:`zmqdash.ui.frame_pages`), and only the rows on screen are drawn, so opening it, paging
and keys cost the same for any message. ``]`` and ``[`` go to the next and previous page.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...codec import FORMATS, entry_to_json_line, escape_text, human_size, iso_time
from ...codec.entries import entry_text
from ...engine.devices.state import DeviceView
from ...engine.ring import (
    B2F,
    ERROR,
    EVENT,
    F2B,
    FRAMES,
    IN,
    INFO,
    KIND,
    MESSAGE_KINDS,
    META,
    OUT,
    SEQ,
    TS,
)
from ...engine.state import SocketView
from ..frame_pages import BODY, GAP, HEAD, FramePager, Page
from ..log_filter import Entry
from ..messages import ResendEntry
from ..widgets.page_view import PageView

KIND_WORDS = {IN: "received", OUT: "sent", EVENT: "event", ERROR: "error", INFO: "note",
              F2B: "frontend → backend", B2F: "backend → frontend"}
#: the role of an event's own words
NOTE = "note"
ROLES = {HEAD: Style(bold=True), NOTE: Style(italic=True)}


class InspectorScreen(Screen[None]):
    """Escape closes; Left/Right step through the log; ]/[ page through a long message."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="inspector.close"),
        Binding("t", "view('text')", "Text", id="inspector.text"),
        Binding("h", "view('hex')", "Hex", id="inspector.hex"),
        Binding("j", "view('json')", "JSON", id="inspector.json"),
        Binding("a", "view('auto')", "Auto", show=False, id="inspector.auto"),
        Binding("c", "copy", "Copy", id="inspector.copy",
                tooltip="Copy the frames as shown (OSC 52: works over SSH)"),
        Binding("J", "copy_json", "Copy JSONL", show=False, id="inspector.copy_json"),
        Binding("left,p", "step(-1)", "Older", id="inspector.older", key_display="←"),
        Binding("right,n", "step(1)", "Newer", id="inspector.newer", key_display="→"),
        Binding("r", "replay_entry", "Send again", id="inspector.replay", show=False,
                tooltip="Replay this entry: send the message again, exactly as it was"),
        Binding("E", "edit_resend", "Edit & send", id="inspector.edit_resend", show=False,
                tooltip="Edit this message (composer syntax), then send it"),
        Binding("right_square_bracket", "page(1)", "Next page", id="inspector.next_page",
                key_display="]"),
        Binding("left_square_bracket", "page(-1)", "Previous page", id="inspector.prev_page",
                key_display="["),
    ]

    def __init__(self, view: SocketView | DeviceView, seq: int, fmt: str = "auto",
                 entry: Entry | None = None) -> None:
        super().__init__(classes="inspector")
        self.view = view
        self.seq = seq
        self.fmt = fmt if fmt in FORMATS else "auto"
        #: the entry shown, held here: the ring may drop it while it is looked at
        self.entry = entry if entry is not None else view.log.get(seq)
        self.pager: FramePager | None = None
        self.page: Page | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="inspector-head")
        yield PageView(id="inspector-body", roles=ROLES)
        yield Footer()

    def on_mount(self) -> None:
        self._draw()
        self.query_one("#inspector-body").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page":  # shown only for a message of more than one page
            page = self.page
            if page is None or (page.number == 0 and not page.more):
                return False
            step = parameters[0] if parameters else 1
            return (page.more if step == 1 else page.number > 0) or None
        return True

    def _draw(self, number: int = 0) -> None:
        entry = self.entry
        view = self.view
        head = Text(no_wrap=True, overflow="ellipsis")
        body = self.query_one("#inspector-body", PageView)
        if number == 0:  # a new entry or view: its pages are found afresh
            self.pager = self.page = None
        if entry is None:
            head.append(f"{escape_text(view.name)}: entry #{self.seq} is no longer in the log")
            self.query_one("#inspector-head", Static).update(head)
            body.show([])
            self.refresh_bindings()
            return
        kind = entry[KIND]
        frames = entry[FRAMES]
        head.append(f"{escape_text(view.name)} ", style="bold")
        head.append(f"{view.type} · #{entry[SEQ]} {KIND_WORDS.get(kind, kind)} · ")
        when = iso_time(entry[TS])
        if kind in MESSAGE_KINDS:
            size = sum(len(f) for f in frames)
            if entry[META] is not None:  # a device's message the user injected
                head.append(f"{escape_text(str(entry[META]))} · ")
            if self.pager is None:
                # the first frame of a ROUTER's message (a queue's, either way) names the peer
                peer = len(frames) > 1 and (kind == IN and view.type == "ROUTER" or
                                            kind in (F2B, B2F) and view.type == "queue")
                self.pager = FramePager(frames, self.fmt,
                                        (lambda i: "peer identity" if i == 1 else "") if peer
                                        else None)
            self.page = self.pager.page(number)
            shown = ""
            if self.page.more or self.page.number:
                shown = (f" · showing {self.page.first:,}-{self.page.last:,}"
                         + (" · ] next" if self.page.more else "")
                         + (" · [ previous" if self.page.number else ""))
            # where you are comes first, the time last: a narrow screen cuts the end
            head.append(f"{len(frames):,} frame{'s' if len(frames) != 1 else ''}, "
                        f"{human_size(size)}{shown} · view {self.fmt} · {when}")
            body.show(self.page.lines)
        elif kind == EVENT:
            head.append(when)
            info = entry[META]
            lines = [(entry_text(entry), NOTE), ("", GAP),
                     (f"event {escape_text(info.event)}, value {info.value}", BODY)]
            if info.count > 1:
                lines.append((f"seen {info.count} times, last at {iso_time(info.last_ts)}", BODY))
            body.show(lines)
        else:
            head.append(when)
            body.show([(line, BODY) for line in entry_text(entry).split("\n")])
        self.query_one("#inspector-head", Static).update(head)
        self.refresh_bindings()

    def _shown_text(self) -> str:
        """The body as shown: for a message, the frames of the page on screen."""
        entry = self.entry
        if entry is None:
            return ""
        if entry[KIND] in MESSAGE_KINDS and self.page is not None:
            return "\n".join(text for text, role in self.page.lines if role == BODY)
        if entry[KIND] == EVENT:
            return entry[META].describe()
        return str(entry[META] or "")

    def action_view(self, fmt: str) -> None:
        at = self.page.first if self.page is not None else 1
        self.fmt = fmt
        self._draw()
        while self.page is not None and self.page.more and self.page.last < at:
            self._draw(self.page.number + 1)  # back to the frames that were on screen

    def action_page(self, step: int) -> None:
        page = self.page
        if page is None:
            return
        number = page.number + step
        if number < 0 or (step > 0 and not page.more):
            self.notify("No more pages that way.", severity="warning")
            return
        self._draw(number)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._shown_text())
        page = self.page
        if page is not None and (page.more or page.number):
            self.notify(f"Copied frames {page.first:,}-{page.last:,} (this page).")
        else:
            self.notify("Copied to the clipboard.")

    def action_copy_json(self) -> None:
        if self.entry is None:
            return
        self.app.copy_to_clipboard(
            entry_to_json_line(self.entry, self.view.name, self.view.type))
        self.notify("Copied as a JSON line.")

    def action_step(self, step: int) -> None:
        from ..widgets.log_view import gone_from_log

        ring = self.view.log
        seq = self.seq + step
        if seq >= ring.total:
            self.notify("This is the newest entry.", severity="warning")
            return
        if seq < 0:
            self.notify("This is the oldest entry.", severity="warning")
            return
        entry = ring.get(seq)
        if entry is None and step > 0:
            seq = max(seq, ring.first)  # the next one still held
            entry = ring.get(seq)
        if entry is None:
            self.notify(gone_from_log(ring, seq), severity="warning")
            return
        self.seq = seq
        self.entry = entry
        self._draw()  # from its first page, at the top

    def action_replay_entry(self) -> None:
        self.post_message(ResendEntry(self.view, self.entry))

    def action_edit_resend(self) -> None:
        self.post_message(ResendEntry(self.view, self.entry, edit=True))

    def action_close(self) -> None:
        self.dismiss(None)
