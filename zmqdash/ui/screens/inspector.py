"""One log entry in full: every frame as text, hex or JSON, with sizes and the time."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...codec import (
    FORMATS,
    entry_to_json_line,
    escape_text,
    human_size,
    iso_time,
    render_frame_full,
)
from ...engine.ring import ERROR, EVENT, FRAMES, IN, INFO, KIND, META, OUT, SEQ, TS
from ...engine.state import SocketView

KIND_WORDS = {IN: "received", OUT: "sent", EVENT: "event", ERROR: "error", INFO: "note"}


class InspectorScreen(Screen[None]):
    """Escape closes; Left/Right step through the log."""

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
    ]

    def __init__(self, view: SocketView, seq: int, fmt: str = "auto") -> None:
        super().__init__(classes="inspector")
        self.view = view
        self.seq = seq
        self.fmt = fmt if fmt in FORMATS else "auto"
        self.entry = view.log.get(seq)

    def compose(self) -> ComposeResult:
        yield Static(id="inspector-head")
        with VerticalScroll(id="inspector-body"):
            yield Static(id="inspector-frames")
        yield Footer()

    def on_mount(self) -> None:
        self._draw()
        self.query_one("#inspector-body").focus()

    def _draw(self) -> None:
        entry = self.entry
        view = self.view
        head = Text(no_wrap=True, overflow="ellipsis")
        body = Text()
        if entry is None:
            head.append(f"{escape_text(view.name)}: entry #{self.seq} is no longer in the log")
            self.query_one("#inspector-head", Static).update(head)
            self.query_one("#inspector-frames", Static).update(body)
            return
        kind = entry[KIND]
        frames = entry[FRAMES]
        head.append(f"{escape_text(view.name)} ", style="bold")
        head.append(f"{view.type} · #{entry[SEQ]} {KIND_WORDS.get(kind, kind)} · ")
        head.append(iso_time(entry[TS]))
        if kind in (IN, OUT):
            size = sum(len(f) for f in frames)
            head.append(f" · {len(frames)} frame{'s' if len(frames) != 1 else ''}, "
                        f"{human_size(size)} · view {self.fmt}")
            for i, frame in enumerate(frames, 1):
                if i > 1:
                    body.append("\n\n")
                label = f"frame {i} of {len(frames)} · {human_size(len(frame))}"
                if kind == IN and view.type == "ROUTER" and i == 1:
                    label += " · peer identity"
                body.append(f"── {label} ──\n", style="bold")
                body.append(render_frame_full(frame, self.fmt))
        elif kind == EVENT:
            info = entry[META]
            body.append(escape_text(info.describe()), style="italic")
            body.append(f"\n\nevent {escape_text(info.event)}, value {info.value}")
            if info.count > 1:
                body.append(f"\nseen {info.count} times, last at {iso_time(info.last_ts)}")
        else:
            body.append(escape_text(str(entry[META] or "")))
        self.query_one("#inspector-head", Static).update(head)
        self.query_one("#inspector-frames", Static).update(body)

    def _shown_text(self) -> str:
        entry = self.entry
        if entry is None:
            return ""
        if entry[KIND] in (IN, OUT):
            return "\n".join(render_frame_full(f, self.fmt) for f in entry[FRAMES])
        if entry[KIND] == EVENT:
            return entry[META].describe()
        return str(entry[META] or "")

    def action_view(self, fmt: str) -> None:
        self.fmt = fmt
        self._draw()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._shown_text())
        self.notify("Copied to the clipboard.")

    def action_copy_json(self) -> None:
        if self.entry is None:
            return
        self.app.copy_to_clipboard(
            entry_to_json_line(self.entry, self.view.name, self.view.type))
        self.notify("Copied as a JSON line.")

    def action_step(self, step: int) -> None:
        ring = self.view.log
        seq = self.seq + step
        if seq < ring.first or seq >= ring.total:
            self.notify("No more entries that way.", severity="warning")
            return
        self.seq = seq
        self.entry = ring.get(seq)
        self._draw()
        self.query_one("#inspector-body").scroll_home(animate=False)

    def action_replay_entry(self) -> None:
        self.app.resend_entry(self.view, self.entry)

    def action_edit_resend(self) -> None:
        self.app.resend_entry(self.view, self.entry, edit=True)

    def action_close(self) -> None:
        self.dismiss(None)
