"""A panel's filter: the bar that / opens, applied as it is typed (after a short pause), with
its count of matches; a number marked ``{seq}`` in it is watched for gaps.

A mixin of :class:`~.panel.Panel` (it uses ``log_view``, ``tick``, ``watch_counter`` and
``_shown`` of it, declared here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input, Label

from ...codec import CodecError, escape_text
from ..log_filter import match_form
from ..messages import SessionEdited
from .log_view import LogView
from .text_field import FilterBar, TextField

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget

    _Host = Widget  # what this mixin is mixed into (a panel)
else:
    _Host = object


class FilterControls(_Host):
    """The filter bar's handling (see the module's docstring)."""

    log_view: LogView
    counter_marked: str | None
    _shown: dict[str, object]
    _filter_timer: Timer | None = None
    _filter_problem = ""  # what is wrong with the filter typed, if anything

    if TYPE_CHECKING:  # (the panel's)
        def tick(self, now: float | None = None, force: bool = False) -> None: ...
        def watch_counter(self, marked: str | None) -> None: ...

    def open_filter(self) -> None:
        bar = self.query_one(".filter-bar")
        field = self.query_one(".filter-input", FilterBar)
        bar.display = True
        if field.value != self.log_view.filter_text:
            field.value = self.log_view.filter_text
        self.screen.set_focus(field)  # at once: the keys typed next are the filter's
        field.cursor_position = len(field.value)
        self._draw_filter_status()

    def clear_filter(self) -> None:
        field = self.query_one(".filter-input", FilterBar)
        field.value = ""
        self._apply_filter("")
        self.query_one(".filter-bar").display = False
        self.screen.set_focus(self.log_view)

    def on_log_view_filter_cleared(self, event: LogView.FilterCleared) -> None:
        event.stop()
        self.clear_filter()

    def on_text_field_cleared(self, event: TextField.Cleared) -> None:
        event.stop()
        self.clear_filter()

    def _apply_filter(self, text: str) -> None:
        import re

        timer = getattr(self, "_filter_timer", None)
        if timer is not None:
            timer.stop()
            self._filter_timer = None
        from ...codec.match import marks_counter

        self._filter_problem = ""
        log = self.log_view
        try:
            log.set_filter(text)
        except (re.error, CodecError) as exc:
            what = "regular expression" if isinstance(exc, re.error) else "bytes"
            self._filter_problem = f"bad {what}: {exc}"
        # a number marked {seq} is checked for gaps (the engine's hints)
        marked = log.filter_text if marks_counter(log.filter_text) else None
        if marked != self.counter_marked:
            self.counter_marked = marked
            self.watch_counter(marked)
        self._shown.pop("filter", None)
        self.tick(force=True)
        self.post_message(SessionEdited())

    def _draw_filter_status(self) -> None:
        log = self.log_view
        text = self.query_one(".filter-input", FilterBar).value
        problem = getattr(self, "_filter_problem", "")
        if problem:
            status = problem
        elif not log.filter_text:
            status = "as you type"
        else:
            n = log.row_count
            status = f"{n:,} match{'es' if n != 1 else ''} · {match_form(text, log.fmt)}"
            if not n and log.fmt == "hex" and not text.startswith(("hex:", "b64:")):
                status += "; hex:… matches bytes"
        self.query_one(".filter-status", Label).update(escape_text(status))

    def on_input_changed(self, event: Input.Changed) -> None:
        if not isinstance(event.input, FilterBar):
            return
        event.stop()
        timer = getattr(self, "_filter_timer", None)
        if timer is not None:
            timer.stop()
        # a short pause first: each change looks at the whole log again
        value = event.value
        self._filter_timer = self.set_timer(0.1, lambda: self._apply_filter(value))

