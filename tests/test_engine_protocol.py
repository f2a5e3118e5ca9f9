"""The engine, the tests' fake engine and what consumers take are one protocol, EngineLike."""

from __future__ import annotations

import inspect

from ui_support import FakeEngine

from zmqdash.engine import Engine
from zmqdash.engine.protocol import EngineLike
from zmqdash.session import apply  # the function


def test_the_engine_and_the_fake_are_engine_like():
    assert isinstance(Engine(), EngineLike)
    assert isinstance(FakeEngine(), EngineLike)


def test_each_method_takes_what_the_protocol_gives():
    members = [n for n, v in vars(EngineLike).items()
               if callable(v) and not n.startswith("_")]
    assert {"submit", "call", "sockets", "view", "devices", "wait_for_change"} <= set(members)
    for impl in (Engine, FakeEngine):
        for name in members:
            want = list(inspect.signature(getattr(EngineLike, name)).parameters)
            have = list(inspect.signature(getattr(impl, name)).parameters)
            assert have[:len(want)] == want, (impl.__name__, name, have)


def test_applying_a_session_takes_an_engine_like():
    hints = inspect.get_annotations(apply, eval_str=True)
    assert hints["engine"] is EngineLike
