"""A replay's reading side: the records of a JSON Lines recording (an export or a recording:
one record a line, see :mod:`zmqdash.codec.jsonl`) read by a thread of the replay's own, which
keeps the messages of one direction that match the filter and queues them, bounded, for the
engine's thread to send (:mod:`.replay`).
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .replay import ReplayState

#: a predicate on a message's frames
Matcher = Callable[[tuple[bytes, ...]], bool]
#: a message queued for sending: (seconds into the pass, frames, from a ROUTER, bytes)
Item = tuple[float, tuple[bytes, ...], bool, int]

#: messages queued by the reader ahead of the engine
QUEUE_LIMIT = 20_000
#: bytes of frames queued by the reader ahead of the engine
QUEUE_BYTES = 64 << 20
#: what the reader puts after the last message of each pass through the file
PASS_END = None

IN, OUT = "in", "out"
F2B, B2F = "f>b", "b>f"  # a device's messages, frontend to backend and back
#: the directions a recording's messages go in, the default first: received, then what a
#: device's clients sent it, then its replies, then sent
DIRECTIONS = (IN, F2B, B2F, OUT)


def read_messages(path: str, direction: str | None, matches: Matcher | None,
                  state: ReplayState) -> Iterator[tuple[float, tuple[bytes, ...], bool]]:
    """``(ts, frames, from_router)`` for each message record of the file in ``direction``
    that ``matches`` (a predicate on its frames, or None); counts what it skips in
    ``state``. Raises OSError if the file cannot be read."""
    from ..codec import CodecError, frame_from_json

    with open(path, encoding="utf-8", errors="surrogateescape") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
                kind = record.get("kind")
                if kind not in DIRECTIONS:
                    continue  # an event, an error, a note: nothing to send
                if kind != direction:
                    state.skipped += 1
                    continue
                raw = record.get("frames")
                if not isinstance(raw, list):
                    raise ValueError("a message without a frames list")
                frames = tuple(frame_from_json(f) for f in raw)
                ts = record.get("ts")
                if not isinstance(ts, (int, float)) or isinstance(ts, bool) or \
                        not math.isfinite(ts):
                    raise ValueError("a message without a ts number")
            except (ValueError, CodecError, UnicodeError) as exc:
                state.bad_lines += 1
                if not state.first_bad:
                    reason = str(exc) if not isinstance(exc, json.JSONDecodeError) \
                        else "not JSON"
                    state.first_bad = f"line {number}: {reason}"
                continue
            if matches is not None and not matches(frames):
                state.skipped += 1
                continue
            # a ROUTER's messages, and a queue's (both ways), carry the routing identity first
            kind_of_sender = record.get("type")
            yield float(ts), frames, kind_of_sender == "ROUTER" or (
                "device" in record and kind_of_sender == "queue")


def first_direction(path: str) -> str:
    """The direction to replay when none is asked: ``in`` if the file holds any received
    message, else a device's ``f>b`` (what its clients sent), else its ``b>f``, else ``out``."""
    needles = {d: f'"kind": "{d}"' for d in DIRECTIONS}
    seen: set[str] = set()
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            for direction, needle in needles.items():
                if direction in seen or needle not in line:
                    continue
                try:
                    if json.loads(line).get("kind") == direction:
                        seen.add(direction)
                except (ValueError, AttributeError):
                    continue
            if IN in seen:
                break
    return next((d for d in DIRECTIONS if d in seen), OUT)


class ReplaySource:
    """The reader thread and its bounded queue of ``(seconds since the pass's first message,
    frames, from_router)``, with :data:`PASS_END` after each pass."""

    def __init__(self, state: ReplayState, matches: Matcher | None,
                 on_news: Callable[[], object]) -> None:
        self.state = state
        self.matches = matches
        self.on_news = on_news  # called (reader's thread) when a stalled engine should look
        self.items: deque[Item | None] = deque()
        self.queued_bytes = 0  # written by the reader; the engine subtracts into taken_bytes
        self.taken_bytes = 0
        self.finished = False  # the reader has queued everything it will
        #: the engine ran dry and waits to hear of more (set by the engine, cleared by us)
        self.wanted = True
        self.error = ""
        self._stop = False
        self._room = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="zmqdash-replay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop = True
        with self._room:
            self._room.notify_all()

    def pop(self) -> Item | None:
        """The next item (engine's thread), or raises IndexError when none is queued."""
        item = self.items.popleft()
        if item is not PASS_END:
            self.taken_bytes += item[3]
        if len(self.items) == QUEUE_LIMIT // 2:
            with self._room:
                self._room.notify()
        return item

    def peek(self) -> Item | None:
        return self.items[0]

    def _full(self) -> bool:
        return len(self.items) >= QUEUE_LIMIT or \
            self.queued_bytes - self.taken_bytes >= QUEUE_BYTES

    def _run(self) -> None:
        state = self.state
        try:
            if state.direction is None:
                state.direction = first_direction(state.path)
            while not self._stop:
                first = None
                count = 0
                for ts, frames, from_router in read_messages(state.path, state.direction,
                                                             self.matches, state):
                    if first is None:
                        first = ts
                    size = sum(len(f) for f in frames)
                    with self._room:
                        while self._full() and not self._stop:
                            self._room.wait(0.05)
                    if self._stop:
                        return
                    self.queued_bytes += size
                    self.items.append((max(0.0, ts - first), frames, from_router, size))
                    count += 1
                    if self.wanted:  # after the append: see Replayer.tick
                        self.wanted = False
                        self.on_news()
                self.items.append(PASS_END)
                if not state.loop or count == 0:
                    break
        except OSError as exc:
            self.error = f"cannot read {state.path}: {exc.strerror or exc}"
        except Exception as exc:  # noqa: BLE001 - said to the user, never a dead engine
            self.error = f"reading {state.path} failed: {exc!r}"
        finally:
            self.finished = True
            self.on_news()
