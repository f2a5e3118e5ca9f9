"""``Ring.since`` on long runs takes one slice of the slots; it must give exactly what reading
entry by entry gives, across the wrap, after trimming and after a clear."""

from __future__ import annotations

from zmqdash.engine.ring import IN, Ring


def _one_by_one(ring: Ring, seq: int) -> list[tuple]:
    return [e for e in (ring.get(s) for s in range(max(seq, ring.first), ring.total))
            if e is not None]


def test_long_runs_match_reading_one_by_one_across_the_wrap():
    ring = Ring(100)
    for i in range(357):
        ring.append(float(i), IN, (b"x",), None, 1)
        for start in (ring.total - 90, ring.total - 17, ring.total - 5, 0, ring.first + 3):
            assert ring.since(start) == _one_by_one(ring, start)
    assert [e[0] for e in ring.since(0)] == list(range(257, 357))


def test_after_the_byte_budget_trims_and_after_a_clear():
    ring = Ring(1000, byte_budget=50)
    for i in range(200):
        ring.append(float(i), IN, (b"0123456789",), None, 10)
    assert ring.first > 0
    assert ring.since(0) == _one_by_one(ring, 0) and len(ring.since(0)) == ring.total - ring.first
    ring.clear()
    assert ring.since(0) == []
    for i in range(40):
        ring.append(float(i), IN, (b"",), None, 0)
    assert [e[0] for e in ring.since(0)] == list(range(200, 240))
    assert ring.since(205, limit=20) == _one_by_one(ring, 205)[:20]
