"""Pacing: what keeps changing is repainted a few times a second, a lone change at once."""

from __future__ import annotations

from zmqdash.ui.pacing import STREAM_INTERVAL, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_change_after_a_quiet_look_is_due_at_once():
    clock = Clock()
    pacer = Pacer(clock=clock)
    assert not pacer.due(False)
    assert pacer.due(True)
    clock.now += 0.01
    assert not pacer.due(False)  # quiet again
    clock.now += 0.01
    assert pacer.due(True)  # so the next change shows at once, however soon


def test_a_stream_of_changes_is_due_once_per_interval():
    clock = Clock()
    pacer = Pacer(clock=clock)
    shown = []
    for step in range(50):  # a change at every look, ten looks a second, for five seconds
        clock.now = 100.0 + step * 0.1
        if pacer.due(True):
            shown.append(round(clock.now - 100.0, 1))
    assert shown == [round(t * STREAM_INTERVAL, 1) for t in range(25)]


def test_a_forced_look_is_always_due_and_does_not_count_as_streaming():
    clock = Clock()
    pacer = Pacer(clock=clock)
    assert pacer.due(True)
    clock.now += 0.05
    assert not pacer.due(True)
    assert pacer.due(True, force=True)
    clock.now += 0.05
    assert pacer.due(True)  # the forced look ended the stream: this change shows at once
    assert pacer.due(False, force=True)
