"""Recording a socket's log to JSON Lines: every entry, in order, the same lines an export
writes; when the disk (here a pipe read slowly) falls behind, receiving waits and nothing is
lost; failures are said."""

from __future__ import annotations

import json
import os
import threading

import pytest
import zmq
from conftest import create, wait_received, wait_until

from zmqdash.codec import entry_to_json_line
from zmqdash.engine import EngineError, recording
from zmqdash.engine import commands as C


def stop_recording(engine, name: str):
    rec = engine.call(C.RecordStop(name))
    assert rec.wait(10), "the recording's file was not closed"
    return rec


def test_a_recording_holds_every_entry_as_an_export_would(engine, tmp_path) -> None:
    create(engine, "sink", "PULL")
    real = engine.call(C.Bind("sink", "tcp://127.0.0.1:*"))
    path = tmp_path / "sink.jsonl"
    assert engine.call(C.RecordStart("sink", str(path))) == str(path)
    assert engine.view("sink").recording is not None
    create(engine, "vent", "PUSH")
    engine.call(C.Connect("vent", real))
    engine.call(C.RepeatStart("vent", ("m{seq}", "hex:00ff", ""), 1, count=300))
    wait_received(engine, "sink", 300)
    rec = stop_recording(engine, "sink")
    assert engine.view("sink").recording is None
    lines = path.read_text(encoding="ascii").splitlines()
    view = engine.view("sink")
    held = {e[0]: e for e in view.log.since(0)}
    records = [json.loads(line) for line in lines]
    # the same lines an export writes, for every entry the log still holds
    for line, record_ in zip(lines, records, strict=True):
        if record_["seq"] in held:
            assert line == entry_to_json_line(held[record_["seq"]], "sink", "PULL")
    messages = [r for r in records if r["kind"] == "in"]
    assert [r["frames"] for r in messages] == [[f"m{i}", {"b64": "AP8="}, ""]
                                               for i in range(1, 301)]
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)
    assert any(r["kind"] == "event" for r in records)  # the peer's connection is in it too
    assert rec.written == len(lines) and rec.lost == 0 and not rec.error
    assert "entries written to" in rec.summary()


def test_replies_follow_their_requests_in_the_file(engine, tmp_path) -> None:
    create(engine, "server", "REP")
    real = engine.call(C.Bind("server", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("server", ("re: {body}",)))
    path = tmp_path / "server.jsonl"
    engine.call(C.RecordStart("server", str(path)))
    create(engine, "client", "REQ")
    engine.call(C.Connect("client", real))
    engine.call(C.RepeatStart("client", ("q{seq}",), 1, count=50))
    wait_received(engine, "client", 50)
    stop_recording(engine, "server")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    traffic = [(r["kind"], r["frames"][0]) for r in records if r["kind"] in ("in", "out")]
    expected = []
    for i in range(1, 51):
        expected += [("in", f"q{i}"), ("out", f"re: q{i}")]
    assert traffic == expected


def test_several_sockets_into_one_file_and_closing_one(engine, tmp_path) -> None:
    create(engine, "a", "PAIR")
    real = engine.call(C.Bind("a", "inproc://rec-pair"))
    create(engine, "b", "PAIR")
    engine.call(C.Connect("b", real))
    path = tmp_path / "both.jsonl"
    engine.call(C.RecordStart("a", str(path), more=("b",)))
    with pytest.raises(EngineError, match="being recorded already"):
        engine.call(C.RecordStart("b", str(tmp_path / "other.jsonl")))
    for i in range(5):
        engine.call(C.Send("a", (f"ping {i}".encode(),)))
    wait_received(engine, "b", 5)
    engine.call(C.Close("b"))  # a still records
    engine.call(C.Rename("a", "left"))
    stop_recording(engine, "left")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    sent = [r["frames"][0] for r in records if r["socket"] == "a" and r["kind"] == "out"]
    got = [r["frames"][0] for r in records if r["socket"] == "b" and r["kind"] == "in"]
    assert sent == got == [f"ping {i}" for i in range(5)]
    # a rename carries on, under the new name
    assert any(r["socket"] == "left" and r.get("text") == "renamed from 'a'" for r in records)


def test_a_file_that_cannot_be_written_is_refused(engine, tmp_path) -> None:
    create(engine, "s", "PULL")
    with pytest.raises(EngineError, match="cannot record to .*missing"):
        engine.call(C.RecordStart("s", str(tmp_path / "missing" / "x.jsonl")))
    assert engine.view("s").recording is None
    with pytest.raises(EngineError, match="not being recorded"):
        engine.call(C.RecordStop("s"))
    with pytest.raises(EngineError, match="needs a file name"):
        engine.call(C.RecordStart("s", "  "))


def test_a_disk_that_falls_behind_holds_receiving_back_and_loses_nothing(
        make_engine, tmp_path, monkeypatch) -> None:
    """The file is a pipe that is not read at first: the writer blocks, the buffer reaches its
    high-water mark, receiving pauses (messages wait in ZeroMQ's queues and the sender's
    high-water mark), and once the pipe is read everything arrives, in order."""
    monkeypatch.setattr(recording, "HIGH_WATER", 500)
    engine = make_engine()
    fifo = tmp_path / "slow.jsonl"
    os.mkfifo(fifo)
    create(engine, "sink", "PULL", ("rcvhwm", "100"))
    real = engine.call(C.Bind("sink", "tcp://127.0.0.1:*"))
    fut = engine.submit(C.RecordStart("sink", str(fifo)))  # the writer opens it: no wait here
    pipe = open(fifo, "rb")  # noqa: SIM115 - read below, closed at the end
    try:
        assert fut.result(10) == str(fifo)
        total = 20_000
        ctx = zmq.Context.instance()
        push = ctx.socket(zmq.PUSH)
        push.sndhwm = 100
        push.connect(real)
        sender = threading.Thread(target=lambda: [push.send(b"x" * 200 + str(i).encode())
                                                  for i in range(1, total + 1)], daemon=True)
        sender.start()
        view = engine.view("sink")
        rec = view.recording
        wait_until(engine, lambda: rec.behind, what="the recording to fall behind")
        assert view.stats.msgs_in < total  # receiving waits for the disk
        assert any("disk is not keeping up" in str(e[4]) for e in view.log.since(0))
        data = []
        reader = threading.Thread(target=lambda: data.append(pipe.read()), daemon=True)
        reader.start()
        wait_received(engine, "sink", total, timeout=60)
        sender.join(10)
        push.close(0)
        rec = stop_recording(engine, "sink")
        reader.join(10)
    finally:
        pipe.close()
    records = [json.loads(line) for line in data[0].decode().splitlines()]
    bodies = [r["frames"][0] for r in records if r["kind"] == "in"]
    assert bodies == ["x" * 200 + str(i) for i in range(1, total + 1)]
    assert rec.lost == 0 and rec.pauses >= 1 and not rec.error  # a pipe cannot be synced
    assert "fell behind" in rec.summary()
