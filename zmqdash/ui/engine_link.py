"""The dashboard's link to the engine: making and stopping it, the engine's "something changed"
turned into a message on the UI thread, and commands run with their outcome reported there.

A mixin of :class:`~.app.ZmqDash` (it uses ``notices``, ``load``, ``freeze_startup``,
``_set_session`` and ``_engine_ready`` of it, declared in :mod:`.app_parts`). The app never
touches a socket: everything goes through :meth:`EngineLink.run_command`, and what changed is
pulled from the engine's views.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from .app_parts import AppParts
from .messages import CommandDone, EngineChanged, RunCommand
from .settings import ENGINE_NICE, GC_YOUNG_THRESHOLD, ring_capacity

if TYPE_CHECKING:
    from ..engine.protocol import AnyCommand, EngineLike


class EngineLink(AppParts):
    """Starts the engine (or uses the one given), posts its changes, runs its commands."""

    _engine: EngineLike | None = None
    owns_engine: bool = False
    _previous_on_change: Callable[[frozenset[str]], None] | None = None
    _unmounted: bool = False

    @property
    def engine(self) -> EngineLike:
        """The engine (made on first use if the app owns it)."""
        if self._engine is None:
            self._start_engine()
        assert self._engine is not None
        return self._engine

    @property
    def engine_started(self) -> bool:
        return self._engine is not None

    def _start_engine(self) -> None:
        if self._engine is not None or self._unmounted:
            return  # made already (a key typed ahead needed it), or gone
        from ..engine import Engine

        engine = Engine(ring_capacity=ring_capacity(), nice=ENGINE_NICE)
        self._engine = engine
        engine.start()
        if self.load is not None:
            from ..session import SessionError

            try:
                found = self.load()
            except SessionError as exc:
                self.notices.append(str(exc))
            else:
                if found is not None:
                    self._set_session(*found)
        self._engine_ready()
        if self.freeze_startup:
            # Modules, widgets and styles live as long as the program: a full collection would
            # walk all of them (50-70 ms with the screen stalled), so they are frozen out of it.
            gc.freeze()
            gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)

    def _listen_to_engine(self) -> None:
        """Hear of the engine's changes from now on (whoever listened before still does)."""
        engine = self.engine
        self._previous_on_change = engine.on_change
        engine.on_change = self._engine_changed

    def _unlink_engine(self) -> None:
        """Stop listening; stop the engine too if it is the app's own."""
        engine = self._engine
        if engine is None:
            return  # quit before the engine was made
        engine.on_change = self._previous_on_change
        if self.owns_engine:
            engine.stop()

    def _engine_changed(self, names: frozenset[str]) -> None:
        # the engine's thread: post_message is the thread-safe way in
        self.post_message(EngineChanged(names))
        previous = self._previous_on_change
        if previous is not None:
            previous(names)

    def run_command(self, cmd: AnyCommand,
                    then: Callable[[Any], None] | None = None) -> Future[Any]:
        """Hand ``cmd`` to the engine; ``then(result)`` runs on the UI thread if it succeeds.

        A failure is shown as a notification (the engine has also put it in the socket's log).
        """
        future = self.engine.submit(cmd)

        def finished(fut: Future[Any]) -> None:
            try:
                result, error = fut.result(), None
            except BaseException as exc:  # noqa: BLE001 - any failure is reported the same way
                result, error = None, exc
            self.post_message(CommandDone(cmd, result, error, then))

        future.add_done_callback(finished)
        return future

    def on_run_command(self, message: RunCommand) -> None:
        message.stop()
        self.run_command(message.cmd, message.then)

    def on_command_done(self, message: CommandDone) -> None:
        if message.error is not None:
            verb = type(message.cmd).__name__.lower()
            self.notify(str(message.error), title=f"{verb} failed", severity="error")
        elif message.then is not None:
            message.then(message.result)
