"""Keys handled one at a time, each where the focus is once the keys before it are done.

Textual hands a key to the focused widget by posting it to that widget's queue, and resolves
the key's bindings (Enter, Backspace, Ctrl+U in a field; every command key) only when the key
has bubbled back up to the app, against whatever has the focus *then*. Typed quickly, the keys
overtake each other: after ``Tab`` (which moves the focus at once), a ``Ctrl+U`` meant for one
field erased the next, and a key meant for a dialog landed in a composer. So the app lets one
key (or paste) through at a time: the next waits until the previous one has been handled all
the way up, or was stopped on its way, or its screen went away. What handling it posted along
the same path (an Input's Submitted, for Enter) is waited for too: a marker message follows
the key up twice, and on the second trip it comes after whatever the first trip's handling
posted on the way. Text typed into a field streams: a key the focused field takes as text
itself (it never reaches a binding) follows the one before it at once when that one was text
for the same field too.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from textual import events

from .app_parts import AppParts
from .messages import KeyHandled

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.widget import Widget

#: a key still on its way after this long is let go (a widget removed while handling it)
GIVE_UP = 1.0
#: how often a key on its way is looked at for a reason to stop waiting
LOOK_EVERY = 0.05
#: trips the marker makes up the key's path before the next key goes
TRIPS = 2


class OrderedKeys(AppParts):
    """Mixin for the :class:`~textual.app.App`: see the module's docstring."""

    _held: deque[events.Key | events.Paste] | None = None
    #: (token, widget it went to, screen, when, as text)
    _on_its_way: tuple[int, Widget, Screen[object], float, bool] | None = None
    _tokens = 0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._held is None:
                self._held = deque()
            if self._on_its_way is not None or self._held:
                if not self._held and self._streams(event):
                    await self._deliver(event)
                    return
                self._held.append(event)
                return
            await self._deliver(event)
            return
        await super().on_event(event)

    async def _deliver(self, event: events.Key | events.Paste) -> None:
        await super().on_event(event)  # priority bindings, else forwarded to the focus
        if not event.is_forwarded:
            return  # a priority binding took it: handled already
        target = self.focused or self.screen
        OrderedKeys._tokens += 1
        token = OrderedKeys._tokens
        text = self._as_text(target, event)
        self._on_its_way = (token, target, self.screen, self._clock(), text)
        target.post_message(KeyHandled(token, TRIPS if text else 1))
        self.set_timer(LOOK_EVERY, self._look_at_key)

    @staticmethod
    def _as_text(target: Widget, event: events.Key | events.Paste) -> bool:
        """Whether ``target`` takes ``event`` as text by itself (no binding involved)."""
        if isinstance(event, events.Paste):
            return hasattr(target, "insert_text_at_cursor")
        return event.is_printable and target.check_consume_key(event.key, event.character)

    def _streams(self, event: events.Key | events.Paste) -> bool:
        """Text for the field that took the previous key as text too: no need to wait."""
        way = self._on_its_way
        if way is None or not way[4]:
            return False
        target = way[1]
        return target is self.focused and self._as_text(target, event)

    def _clock(self) -> float:
        import time

        return time.monotonic()

    def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        way = self._on_its_way
        if way is None or way[0] != message.token:
            return
        target = way[1]
        if message.trip < TRIPS and target.is_attached:
            target.post_message(KeyHandled(message.token, message.trip + 1))
        else:
            self._release()

    def _look_at_key(self) -> None:
        way = self._on_its_way
        if way is None:
            return
        _, target, screen, since, _ = way
        gone = not target.is_attached or screen is not self.screen
        if gone or self._clock() - since > GIVE_UP:
            self._release()
        else:
            self.set_timer(LOOK_EVERY, self._look_at_key)

    def _release(self) -> None:
        self._on_its_way = None
        if self._held:
            self.call_next(self._next_key)

    async def _next_key(self) -> None:
        held = self._held
        if self._on_its_way is not None or not held:
            return
        screen = self.screen
        if not screen.is_mounted:
            # a screen just pushed (the key before opened a dialog): its fields take the
            # focus when it mounts, and the key is for them
            self.set_timer(LOOK_EVERY / 5, self._next_key)
            return
        await self._deliver(held.popleft())
        while held and self._on_its_way is not None and self._streams(held[0]):
            await self._deliver(held.popleft())  # more text for the same field
        if self._on_its_way is None and held:
            self.call_next(self._next_key)
