"""One definition of a log entry's layout, which every writer of a ring follows."""

from __future__ import annotations

import zmq

from zmqdash import entries
from zmqdash.engine import recvpath
from zmqdash.engine.devices import spec
from zmqdash.engine.ring import Ring


def test_append_builds_the_layout():
    ring = Ring(4)
    entry = ring.append(1.5, entries.IN, [b"ab", b"c"], None, 3)
    assert entry == entries.make(0, 1.5, entries.IN, (b"ab", b"c"), None, 3)
    assert dict(zip(entries.FIELDS, entry, strict=True)) == {
        "seq": 0, "ts": 1.5, "kind": "in", "frames": (b"ab", b"c"), "meta": None, "size": 3}
    assert [entries.FIELDS[i] for i in (entries.SEQ, entries.TS, entries.KIND, entries.FRAMES,
                                        entries.META, entries.SIZE)] == list(entries.FIELDS)


def test_the_receive_loops_write_what_append_writes():
    ctx = zmq.Context()
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    pull.bind("inproc://entries")
    push.connect("inproc://entries")
    was = recvpath.COMPILED
    try:
        for compiled in (False, True):
            recvpath.use(compiled)
            push.send_multipart([b"x", b"yz"])
            ring = Ring(4)
            assert recvpath.receive(pull, ring, 2.5, 10, 10**6) == (1, 3, 0)
            ring.trim()
            expected = Ring(4)
            expected.append(2.5, entries.IN, (b"x", b"yz"), None, 3)
            assert ring.since(0) == expected.since(0)
            assert (ring.total, ring.held) == (expected.total, expected.held)
    finally:
        recvpath.use(was)
        push.close(0)
        pull.close(0)
        ctx.term()


def test_device_kinds_and_directions_are_the_devices_own():
    assert set(entries.DEVICE_KINDS) == set(spec.KINDS)
    assert entries.DIRECTION_WORDS == spec.DIRECTION_WORDS
