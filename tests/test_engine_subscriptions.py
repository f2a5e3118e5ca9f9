"""SUB prefixes (subscribe, unsubscribe, "" for everything) and XSUB subscription frames."""

from __future__ import annotations

import pytest
from conftest import create, received, wait_received, wait_until

from zmqdash.engine import EngineError
from zmqdash.engine import commands as C


def _pub_sub(engine, *prefixes: bytes) -> None:
    create(engine, "pub", "PUB")
    create(engine, "sub", "SUB")
    for prefix in prefixes:
        engine.call(C.Subscribe("sub", prefix))
    real = engine.call(C.Bind("pub", "tcp://127.0.0.1:*"))
    engine.call(C.Connect("sub", real))


def _publish_until_seen(engine, probe: bytes) -> None:
    """Publish ``probe`` until the SUB has it (the subscription reached the PUB)."""
    view = engine.view("sub")
    while True:
        engine.call(C.Send("pub", (probe,)))
        try:
            wait_until(engine, lambda: any(m == [probe] for m in received(view)), timeout=0.05)
        except AssertionError:
            continue
        return


def _publish_and_collect(engine, messages: list[bytes], last: bytes) -> list[bytes]:
    """Publish ``messages`` then ``last`` (which must match); return what the SUB got after the
    probes, up to and including ``last``."""
    view = engine.view("sub")
    for m in [*messages, last]:
        engine.call(C.Send("pub", (m,)))
    wait_until(engine, lambda: any(m == [last] for m in received(view)), what=repr(last))
    got = [m[0] for m in received(view)]
    while got and got[0].endswith(b"probe"):
        got.pop(0)
    return got


def test_only_matching_prefixes_arrive(engine):
    _pub_sub(engine, b"1")
    _publish_until_seen(engine, b"1-probe")
    got = _publish_and_collect(engine, [b"1-a", b"2-b", b"12", b"2-1", b"x1", b"1-c"], b"1-end")
    assert got == [b"1-a", b"12", b"1-c", b"1-end"]
    assert engine.view("sub").subscriptions == (b"1",)


def test_empty_prefix_means_everything(engine):
    _pub_sub(engine, b"")
    _publish_until_seen(engine, b"probe")
    got = _publish_and_collect(engine, [b"1-a", b"2-b", b"", b"\xff"], b"end")
    assert got == [b"1-a", b"2-b", b"", b"\xff", b"end"]


def test_unsubscribe_stops_a_prefix(engine):
    _pub_sub(engine, b"1", b"2")
    _publish_until_seen(engine, b"1-probe")
    engine.call(C.Unsubscribe("sub", b"1"))
    engine.call(C.Subscribe("sub", b"3"))
    # subscriptions travel in order: once "3" is in effect, so is the removal of "1"
    _publish_until_seen(engine, b"3-probe")
    engine.call(C.ClearLog("sub"))  # forget the probes
    got = _publish_and_collect(engine, [b"1-gone", b"2-kept", b"3-new"], b"2-end")
    assert got == [b"2-kept", b"3-new", b"2-end"]
    assert engine.view("sub").subscriptions == (b"2", b"3")


def test_subscription_mistakes_are_clear_errors(engine):
    _pub_sub(engine, b"a")
    with pytest.raises(EngineError, match="already subscribed"):
        engine.call(C.Subscribe("sub", b"a"))
    with pytest.raises(EngineError, match="not subscribed"):
        engine.call(C.Unsubscribe("sub", b"b"))
    with pytest.raises(EngineError, match="only SUB and XSUB"):
        engine.call(C.Subscribe("pub", b"a"))
    assert engine.view("sub").subscriptions == (b"a",)
    assert engine.view("sub").stats.errors == 2  # each failure is logged on its socket


def test_subscribe_by_option_name(engine):
    _pub_sub(engine)
    assert engine.call(C.SetOption("sub", "subscribe", "1")) == "1"
    assert engine.view("sub").subscriptions == (b"1",)
    _publish_until_seen(engine, b"1-probe")
    assert _publish_and_collect(engine, [b"2-no"], b"1-yes") == [b"1-yes"]


def test_xsub_subscription_frames_reach_a_verbose_xpub(engine):
    create(engine, "xpub", "XPUB", ("xpub_verbose", "true"))
    real = engine.call(C.Bind("xpub", "tcp://127.0.0.1:*"))
    for name in ("s1", "s2"):
        create(engine, name, "XSUB")
        engine.call(C.Connect(name, real))
        engine.call(C.Subscribe(name, b"topic"))
    # verbose: the duplicate subscription is passed up too
    assert wait_received(engine, "xpub", 2) == [[b"\x01topic"], [b"\x01topic"]]
    assert engine.view("xpub").options == (("xpub_verbose", "1"),)
    engine.call(C.Unsubscribe("s1", b"topic"))
    engine.call(C.Subscribe("s1", b"other"))
    engine.call(C.Unsubscribe("s2", b"topic"))  # the last subscriber of "topic" leaves
    got = wait_received(engine, "xpub", 4)
    assert got[2:] == [[b"\x01other"], [b"\x00topic"]]
    engine.call(C.Send("xpub", (b"other: hi",)))
    assert wait_received(engine, "s1", 1) == [[b"other: hi"]]
    assert engine.view("s2").stats.msgs_in == 0


def test_xpub_without_verbose_passes_a_subscription_once(engine):
    create(engine, "xpub", "XPUB")
    real = engine.call(C.Bind("xpub", "tcp://127.0.0.1:*"))
    create(engine, "s1", "XSUB")
    engine.call(C.Connect("s1", real))
    engine.call(C.Subscribe("s1", b"t"))
    assert wait_received(engine, "xpub", 1) == [[b"\x01t"]]
    create(engine, "s2", "XSUB")
    engine.call(C.Connect("s2", real))
    engine.call(C.Subscribe("s2", b"t"))
    engine.call(C.Subscribe("s2", b"u"))
    # s2's frames arrive in order: by the time "u" is in, its duplicate "t" was seen and dropped
    assert wait_received(engine, "xpub", 2) == [[b"\x01t"], [b"\x01u"]]
