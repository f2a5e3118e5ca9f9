"""A message's frames cut into pages the inspector can draw at once, whatever the message.

One message may hold 100,000 frames, or one frame of 1 MiB of text. The inspector shows one
page at a time: at most :data:`PAGE_FRAMES` frames and :data:`PAGE_CHARS` characters of text
(a longer frame, or a longer line, continues on the next page). A page is made only when it is
shown, by rendering only the frames on it, so opening and paging cost the same for any size of
message. Pages are found going forward (where page k+1 starts is known once page k is made), and
the current frame's rendering is kept, so paging through a long frame renders it once.

No Textual here: a page is a list of ``(text, role)`` lines, terminal-safe, for the widget that
draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import human_size, render_frame_full

#: frames on one page at most
PAGE_FRAMES = 500
#: characters of text on one page at most (a frame or a line over it continues on the next)
PAGE_CHARS = 64 << 10

#: line roles: a frame's title, its text, the gap after it
HEAD, BODY, GAP = "head", "body", "gap"


@dataclass(frozen=True)
class Page:
    number: int  # from 0
    lines: list[tuple[str, str]]
    first: int  # the first and last frame with a line on the page, from 1
    last: int
    more: bool  # another page follows


class FramePager:
    """Pages of ``frames`` in display format ``fmt``; ``label`` adds words to a frame's title
    (``label(i)`` for frame i from 1, e.g. "peer identity")."""

    def __init__(self, frames, fmt: str, label=None, *, page_frames: int = PAGE_FRAMES,
                 page_chars: int = PAGE_CHARS) -> None:
        self.frames = frames
        self.fmt = fmt
        self.label = label
        self.page_frames = page_frames
        self.page_chars = page_chars
        #: where each known page starts: (frame, line, character); line -1 is the title
        self._starts: list[tuple[int, int, int]] = [(0, -1, 0)]
        self._rendered: tuple[int, list[str]] | None = None
        self._pages: dict[int, Page] = {}

    @property
    def known_pages(self) -> int:
        return len(self._starts)

    def page(self, number: int) -> Page:
        """Page ``number`` (0 is the first); it must follow a page already made, or be 0."""
        if number in self._pages:
            return self._pages[number]
        if number >= len(self._starts):
            raise IndexError(f"page {number} comes after pages not made yet")
        page, end = self._build(number, self._starts[number])
        if end is not None and number + 1 == len(self._starts):
            self._starts.append(end)
        self._pages = {number: page}  # only the page on screen is kept
        return page

    def title(self, i: int) -> str:
        frame = self.frames[i]
        words = f"frame {i + 1} of {len(self.frames)} · {human_size(len(frame))}"
        extra = self.label(i + 1) if self.label is not None else ""
        return f"── {words}{f' · {extra}' if extra else ''} ──"

    def text_lines(self, i: int) -> list[str]:
        """Frame ``i``'s rendering, as lines (kept for the frame last asked for)."""
        if self._rendered is None or self._rendered[0] != i:
            self._rendered = (i, render_frame_full(self.frames[i], self.fmt).split("\n"))
        return self._rendered[1]

    def _build(self, number: int, start: tuple[int, int, int]):
        fi, li, ci = start
        n = len(self.frames)
        lines: list[tuple[str, str]] = []
        chars = titles = 0
        first = last = fi
        while fi < n:
            if li == -1:
                if titles >= self.page_frames or (lines and chars >= self.page_chars):
                    break
                title = self.title(fi)
                lines.append((title, HEAD))
                chars += len(title)
                titles += 1
                li = 0
            last = fi
            body = self.text_lines(fi)
            while li < len(body):
                room = self.page_chars - chars
                if room <= 0 and lines:
                    return self._page(number, lines, first, last, (fi, li, ci))
                text = body[li]
                piece = text[ci:ci + max(room, 1)]
                lines.append((piece, BODY))
                chars += len(piece)
                if ci + len(piece) < len(text):  # the line goes on, on the next page
                    return self._page(number, lines, first, last, (fi, li, ci + len(piece)))
                li, ci = li + 1, 0
            fi, li = fi + 1, -1
            if fi < n:
                lines.append(("", GAP))
        return self._page(number, lines, first, last, None if fi >= n else (fi, li, ci))

    @staticmethod
    def _page(number, lines, first, last, end):
        return Page(number, lines, first + 1, last + 1, end is not None), end
