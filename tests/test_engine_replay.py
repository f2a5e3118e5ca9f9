"""Replaying a recording on a socket: frames byte for byte and in order, the recorded pace
(checked by counting messages between the pauses, never by a clock), faster, as fast as
possible, a filter, loops, a ROUTER's envelope re-targeted, and every bad input said."""

from __future__ import annotations

import json

import pytest
from conftest import create, received, wait_received, wait_until

from zmqdash.codec import entry_to_json_line
from zmqdash.engine import EngineError
from zmqdash.engine import commands as C
from zmqdash.engine.ring import IN, OUT, TS


def write_recording(path, messages, socket="src", kind=IN, type_="PULL") -> None:
    """A recording as the engine writes it: ``messages`` are (ts, frames)."""
    with open(path, "w", encoding="ascii") as out:
        for seq, (ts, frames) in enumerate(messages):
            entry = (seq, ts, kind, tuple(frames), None, sum(len(f) for f in frames))
            out.write(entry_to_json_line(entry, socket, type_) + "\n")


def pipe(engine, name="out", kind="PUSH", sink_kind="PULL"):
    create(engine, "sink", sink_kind)
    real = engine.call(C.Bind("sink", "tcp://127.0.0.1:*"))
    create(engine, name, kind)
    engine.call(C.Connect(name, real))
    return engine.view("sink")


def finished(engine, name: str):
    view = engine.view(name)
    wait_until(engine, lambda: view.replay is not None and not view.replay.running,
               what="the replay to end")
    return view.replay


def test_a_recording_replays_byte_for_byte_in_order(engine, tmp_path) -> None:
    create(engine, "rec", "PULL")
    src = engine.call(C.Bind("rec", "tcp://127.0.0.1:*"))
    path = tmp_path / "rec.jsonl"
    engine.call(C.RecordStart("rec", str(path)))
    create(engine, "feed", "PUSH")
    engine.call(C.Connect("feed", src))
    messages = [[b"topic", bytes([i % 256, 0xFF, 0]), b"", f"{i}".encode()] for i in range(500)]
    for frames in messages:
        engine.call(C.Send("feed", tuple(frames)))
    wait_received(engine, "rec", 500)
    assert engine.call(C.RecordStop("rec")).wait(10)
    sink = pipe(engine)
    state = engine.call(C.ReplayStart("out", str(path), speed=None))
    assert state.path == str(path)
    assert finished(engine, "out").state == "done"
    assert wait_received(engine, "sink", 500) == messages
    assert state.sent == 500 and state.direction == "in" and state.bad_lines == 0
    assert "replayed 500 messages" in state.summary()
    assert sink.stats.msgs_in == 500


def gaps_split(entries, parts: int) -> list[int]:
    """Sizes of the groups the ``parts - 1`` longest pauses between arrivals cut."""
    times = [e[TS] for e in entries]
    pauses = sorted(range(1, len(times)), key=lambda i: times[i] - times[i - 1])[-(parts - 1):]
    cuts = [0, *sorted(pauses), len(times)]
    return [b - a for a, b in zip(cuts, cuts[1:], strict=False)]


def test_the_recorded_pace_faster_and_as_fast_as_possible(engine, tmp_path) -> None:
    """Three bursts of 100 messages, 1 s apart in the recording: at speed 2 they arrive as
    three groups of 100 with pauses between; as fast as possible, all within less than the
    shortest of those pauses."""
    path = tmp_path / "bursts.jsonl"
    t0 = 1_700_000_000.0
    write_recording(path, [(t0 + burst + i * 1e-4, [f"b{burst} m{i}".encode()])
                           for burst in range(3) for i in range(100)])
    sink = pipe(engine)
    engine.call(C.ReplayStart("out", str(path), speed=2))
    finished(engine, "out")
    assert len(wait_received(engine, "sink", 300)) == 300
    paced = [e for e in sink.log.since(0) if e[2] == IN]
    assert gaps_split(paced, 3) == [100, 100, 100]
    times = [e[TS] for e in paced]
    shortest_pause = min(times[100] - times[99], times[200] - times[199])
    engine.call(C.ClearLog("sink"))
    engine.call(C.ReplayStart("out", str(path), speed=None))
    finished(engine, "out")
    wait_received(engine, "sink", 600)
    fast = [e[TS] for e in sink.log.since(0) if e[2] == IN]
    assert len(fast) == 300
    assert fast[-1] - fast[0] < shortest_pause
    assert [e[3][0] for e in sink.log.since(0) if e[2] == IN] == [
        f"b{b} m{i}".encode() for b in range(3) for i in range(100)]


def test_a_filter_and_the_direction(engine, tmp_path) -> None:
    path = tmp_path / "mixed.jsonl"
    with open(path, "w") as out:
        for seq in range(20):
            kind = OUT if seq % 2 else IN
            entry = (seq, 1.0 + seq, kind, (f"{kind} {'Update' if seq % 4 < 2 else 'x'} "
                                            f"{seq}".encode(),), None, 1)
            out.write(entry_to_json_line(entry, "s", "PAIR") + "\n")
        out.write('{"kind": "event", "event": "CONNECTED"}\n')  # not a message: passed over
    pipe(engine)
    state = engine.call(C.ReplayStart("out", str(path), speed=None, match="update"))
    finished(engine, "out")
    got = [m[0].decode() for m in wait_received(engine, "sink", 5)]
    assert got == [f"in Update {seq}" for seq in range(0, 20, 4)]
    assert state.skipped == 15
    state = engine.call(C.ReplayStart("out", str(path), speed=None, direction="out",
                                      match="/^out x/"))
    finished(engine, "out")
    got = [m[0].decode() for m in wait_received(engine, "sink", 10)][5:]
    assert got == [f"out x {seq}" for seq in range(3, 20, 4)]
    # bytes, as the log's filter takes them: hex:20 31 is " 1" (in 1, 13, 17 ...)
    engine.call(C.ReplayStart("out", str(path), speed=None, match="hex:2031"))
    finished(engine, "out")
    got = [m[0].decode() for m in wait_received(engine, "sink", 15)][10:]
    assert got == ["in x 10", "in Update 12", "in x 14", "in Update 16", "in x 18"]


def test_loop_until_stopped(engine, tmp_path) -> None:
    path = tmp_path / "two.jsonl"
    write_recording(path, [(1.0, [b"a"]), (1.001, [b"b"])])
    sink = pipe(engine)
    engine.call(C.ReplayStart("out", str(path), speed=None, loop=True))
    wait_received(engine, "sink", 50)
    state = engine.call(C.ReplayStop("out"))
    assert state.state == "stopped" and state.passes >= 24
    with pytest.raises(EngineError, match="not replaying"):
        engine.call(C.ReplayStop("out"))
    got = [m[0] for m in received(sink)]
    assert got[:50] == [b"a", b"b"] * 25


def test_router_envelopes_go_to_the_identity_chosen_now(engine, tmp_path) -> None:
    path = tmp_path / "router.jsonl"
    write_recording(path, [(1.0, [b"old-peer", b"", b"job 1"]),
                           (1.1, [b"old-peer", b"", b"job 2"])], type_="ROUTER")
    create(engine, "hub", "ROUTER", ("router_mandatory", "1"))
    real = engine.call(C.Bind("hub", "tcp://127.0.0.1:*"))
    create(engine, "w2", "DEALER", ("identity", "new-peer"))
    engine.call(C.Connect("w2", real))
    engine.call(C.Send("w2", (b"", b"hello",)))
    wait_received(engine, "hub", 1)
    engine.call(C.ReplayStart("hub", str(path), speed=None, peer=b"new-peer"))
    assert finished(engine, "hub").state == "done"
    assert wait_received(engine, "w2", 2) == [[b"", b"job 1"], [b"", b"job 2"]]
    # into a DEALER the ROUTER's identity frame is dropped
    create(engine, "rep", "REP")
    rep_ep = engine.call(C.Bind("rep", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("rep", ()))
    create(engine, "d", "DEALER")
    engine.call(C.Connect("d", rep_ep))
    engine.call(C.ReplayStart("d", str(path), speed=None))
    finished(engine, "d")
    assert wait_received(engine, "d", 2) == [[b"", b"job 1"], [b"", b"job 2"]]
    # to an identity nobody has yet (router_mandatory): the replay waits for it, saying so,
    # and loses nothing once it connects
    state = engine.call(C.ReplayStart("hub", str(path), speed=None, peer=b"late"))
    hub = engine.view("hub")
    wait_until(engine, lambda: state.waiting_peer, what="the replay to wait for its peer")
    assert any("waiting for that peer" in str(e[4]) for e in hub.log.since(0))
    assert state.running and state.sent == 0
    create(engine, "w3", "DEALER", ("identity", "late"))
    engine.call(C.Connect("w3", real))
    assert finished(engine, "hub").state == "done"
    assert wait_received(engine, "w3", 2) == [[b"", b"job 1"], [b"", b"job 2"]]


def test_a_req_replay_waits_for_each_reply(engine, tmp_path) -> None:
    path = tmp_path / "asks.jsonl"
    write_recording(path, [(1.0 + i / 1000, [f"q{i}".encode()]) for i in range(20)],
                    kind=OUT, type_="REQ")
    create(engine, "server", "REP")
    real = engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("server", ("re: {body}",)))
    create(engine, "client", "REQ")
    engine.call(C.Connect("client", real))
    engine.call(C.ReplayStart("client", str(path), speed=None))
    assert finished(engine, "client").sent == 20
    assert wait_received(engine, "client", 20) == [[f"re: q{i}".encode()] for i in range(20)]


def test_bad_input_is_said(engine, tmp_path) -> None:
    create(engine, "pull", "PULL")
    with pytest.raises(EngineError, match="cannot send"):
        engine.call(C.ReplayStart("pull", str(tmp_path / "x")))
    pipe(engine)
    with pytest.raises(EngineError, match="no such file"):
        engine.call(C.ReplayStart("out", str(tmp_path / "missing.jsonl")))
    with pytest.raises(EngineError, match="not a file"):
        engine.call(C.ReplayStart("out", str(tmp_path)))
    for speed in (0, -1, float("nan"), float("inf"), True):
        with pytest.raises(EngineError, match="speed"):
            engine.call(C.ReplayStart("out", str(tmp_path / "x"), speed=speed))
    with pytest.raises(EngineError, match="bad filter"):
        engine.call(C.ReplayStart("out", __file__, match="/(/"))
    with pytest.raises(EngineError, match="peer identity"):
        engine.call(C.ReplayStart("out", __file__, peer=b"x"))
    path = tmp_path / "bad.jsonl"
    good = entry_to_json_line((0, 1.0, IN, (b"ok",), None, 2), "s", "PULL")
    path.write_text("\n".join([
        "not json", good, json.dumps([1]), '{"kind": "in", "ts": 1}',
        '{"kind": "in", "ts": "x", "frames": ["a"]}', '{"kind": "in", "ts": 1, "frames": [1]}',
        '{"kind": "in", "ts": 1, "frames": [{"b64": "**"}]}', good, "\x00\xff", ""]))
    state = engine.call(C.ReplayStart("out", str(path), speed=None))
    finished(engine, "out")
    assert wait_received(engine, "sink", 2) == [[b"ok"], [b"ok"]]
    assert state.bad_lines == 7 and state.first_bad == "line 1: not JSON"
    assert "7 bad lines skipped" in state.summary()
    # a looping replay is still replaying when the second start comes (two messages at full
    # speed could be done by then)
    engine.call(C.ReplayStart("out", str(path), speed=None, loop=True))
    with pytest.raises(EngineError, match="replaying already"):
        engine.call(C.ReplayStart("out", str(path), speed=None))
    engine.call(C.ReplayStop("out"))
