"""Recording a device: what crosses it, each message with its direction, as the JSON lines a
socket's recording writes, between peer processes; its tap is what is recorded; when the disk
(a pipe read slowly) falls behind, the device stops reading and nothing is lost."""

from __future__ import annotations

import json
import os
import threading

import pytest
from conftest import wait_until

from zmqdash.engine import EngineError, recording
from zmqdash.engine import commands as C
from zmqdash.engine.devices import (
    DeviceClose,
    DeviceCreate,
    DeviceRecordStart,
    DeviceRecordStop,
    DeviceRename,
    DeviceTap,
)


def device(engine, name, kind, **kw):
    engine.call(DeviceCreate(name, kind, ("@tcp://127.0.0.1:*",), ("@tcp://127.0.0.1:*",),
                             **kw))
    return engine.devices()[name]


def bound(side_view) -> str:
    return next(e.resolved for e in side_view.endpoints if e.role == "bind")


def lines_of(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def stop(engine, name):
    rec = engine.call(DeviceRecordStop(name))
    assert rec.wait(10), "the recording's file was not closed"
    return rec


def test_a_queue_records_both_directions_with_their_envelopes(engine, spawn_peer, tmp_path):
    view = device(engine, "broker", "queue")
    spawn_peer("echo_rep", "connect", bound(view.backend))
    wait_until(engine, lambda: sum(e.peers for e in view.backend.endpoints) == 1)
    path = tmp_path / "broker.jsonl"
    assert engine.call(DeviceRecordStart("broker", str(path))) == str(path)
    assert view.recording is not None
    client = spawn_peer("req_client", "connect", bound(view.frontend), "one", "two")
    assert [client.read_line() for _ in range(2)] == ["Echo: one", "Echo: two"]
    wait_until(engine, lambda: view.stats.b2f_msgs == 2)
    rec = stop(engine, "broker")
    assert view.recording is None and rec.lost == 0 and not rec.error
    records = lines_of(path)
    assert {r["device"] for r in records} == {"broker"}
    assert {r["type"] for r in records} == {"queue"}
    crossed = [r for r in records if r["kind"] in ("f>b", "b>f")]
    assert [(r["kind"], r["direction"], r["frames"][1:]) for r in crossed] == [
        ("f>b", "frontend->backend", ["", "one"]),
        ("b>f", "backend->frontend", ["", "Echo: one"]),
        ("f>b", "frontend->backend", ["", "two"]),
        ("b>f", "backend->frontend", ["", "Echo: two"]),
    ]
    ident = crossed[0]["frames"][0]  # the ROUTER's identity of the client, in each
    assert all(r["frames"][0] == ident for r in crossed)
    assert sum(r["size"] for r in crossed) == (view.stats.f2b_bytes + view.stats.b2f_bytes)
    # the client's connection, as an event of the device's frontend
    assert any(r["kind"] == "event" and r["event"] == "ACCEPTED" for r in records)
    with pytest.raises(EngineError, match="broker is not being recorded"):
        engine.call(DeviceRecordStop("broker"))


def test_recording_turns_the_tap_on_and_holds_it_on(engine, spawn_peer, tmp_path):
    view = device(engine, "line", "streamer", tap=False)
    path = tmp_path / "line.jsonl"
    engine.call(DeviceRecordStart("line", str(path)))
    assert view.tap
    with pytest.raises(EngineError, match="stop the recording first"):
        engine.call(DeviceTap("line", False))
    with pytest.raises(EngineError, match="being recorded already"):
        engine.call(DeviceRecordStart("line", str(tmp_path / "again.jsonl")))
    worker = spawn_peer("pull_printer", "connect", bound(view.backend), "3")
    spawn_peer("task_push", "connect", bound(view.frontend), "3")
    [worker.read_line() for _ in range(3)]
    wait_until(engine, lambda: view.stats.f2b_msgs == 3)
    # renamed while recording: the lines name it as it is called now
    engine.call(DeviceRename("line", "pipeline"))
    rec = engine.devices()["pipeline"].recording
    engine.call(DeviceClose("pipeline"))  # closing it ends the recording and its file
    assert rec.wait(10)
    records = lines_of(path)
    tasks = [r["frames"][0] for r in records if r["kind"] == "f>b"]
    assert tasks == [f"task {i} {(i * 37) % 100 + 1}" for i in range(1, 4)]
    assert any(r["kind"] == "info" and "renamed" in r["text"] and r["device"] == "pipeline"
               for r in records)


def test_sockets_and_devices_into_one_file(engine, spawn_peer, tmp_path):
    from conftest import create

    view = device(engine, "line", "streamer")
    create(engine, "sink", "PULL")
    engine.call(C.Connect("sink", bound(view.backend)))
    path = tmp_path / "all.jsonl"
    engine.call(C.RecordStart("sink", str(path), devices=("line",)))
    spawn_peer("task_push", "connect", bound(view.frontend), "5")
    wait_until(engine, lambda: engine.view("sink").stats.msgs_in == 5)
    rec = engine.call(C.RecordStop("sink"))  # one recording: stopping it from either ends it
    assert rec.wait(10) and engine.devices()["line"].recording is None
    records = lines_of(path)
    assert len([r for r in records if r.get("device") == "line" and r["kind"] == "f>b"]) == 5
    assert len([r for r in records if r.get("socket") == "sink" and r["kind"] == "in"]) == 5
    with pytest.raises(EngineError, match="nothing to record"):
        engine.call(C.RecordStart("", str(path)))
    with pytest.raises(EngineError, match="no device named 'nope'"):
        engine.call(C.RecordStart("", str(path), devices=("nope",)))


def test_a_disk_that_falls_behind_holds_the_device_back_and_loses_nothing(
        make_engine, spawn_peer, tmp_path, monkeypatch):
    """The file is a pipe that is not read at first: the writer blocks, the buffer reaches its
    high-water mark, the device stops reading (the tasks wait in ZeroMQ's queues and the task
    manager's high-water mark), and once the pipe is read every task arrives, in order."""
    monkeypatch.setattr(recording, "HIGH_WATER", 500)
    engine = make_engine()
    hwm = (("rcvhwm", "100"), ("sndhwm", "100"))
    view = device(engine, "line", "streamer", frontend_options=hwm, backend_options=hwm)
    fifo = tmp_path / "slow.jsonl"
    os.mkfifo(fifo)
    fut = engine.submit(DeviceRecordStart("line", str(fifo)))  # the writer opens the pipe
    pipe = open(fifo, "rb")  # noqa: SIM115 - read below, closed at the end
    total = 20_000
    try:
        assert fut.result(10) == str(fifo)
        worker = spawn_peer("flood", "pull", "connect", bound(view.backend), str(total))
        spawn_peer("task_push", "connect", bound(view.frontend), str(total))
        rec = view.recording
        wait_until(engine, lambda: rec.behind, what="the recording to fall behind")
        assert view.stats.f2b_msgs < total  # the device waits for the disk
        data = []
        reader = threading.Thread(target=lambda: data.append(pipe.read()), daemon=True)
        reader.start()
        assert worker.read_line(60) == f"received {total}"
        wait_until(engine, lambda: view.stats.f2b_msgs == total, timeout=30)
        rec = stop(engine, "line")
        reader.join(10)
    finally:
        pipe.close()
    records = [json.loads(line) for line in data[0].decode().splitlines()]
    tasks = [r["frames"][0] for r in records if r["kind"] == "f>b"]
    assert tasks == [f"task {i} {(i * 37) % 100 + 1}" for i in range(1, total + 1)]
    assert rec.lost == 0 and rec.pauses >= 1 and not rec.error
    assert any("disk is not keeping up" in r.get("text", "") for r in records)


def test_a_device_recording_replays_each_way_into_a_socket(engine, spawn_peer, tmp_path):
    """What crossed a queue, replayed: its clients' requests (f>b, the default for a device's
    file) and then the replies (b>f), each without the queue's routing identity, into a
    PUSH; a direction that is not one is refused."""
    from conftest import Endpoints, create, link, wait_received

    from zmqdash.engine.replay_reader import first_direction

    view = device(engine, "broker", "queue")
    spawn_peer("echo_rep", "connect", bound(view.backend))
    wait_until(engine, lambda: sum(e.peers for e in view.backend.endpoints) == 1)
    path = tmp_path / "broker.jsonl"
    engine.call(DeviceRecordStart("broker", str(path)))
    client = spawn_peer("req_client", "connect", bound(view.frontend), "one", "two")
    assert [client.read_line() for _ in range(2)] == ["Echo: one", "Echo: two"]
    wait_until(engine, lambda: view.stats.b2f_msgs == 2)
    stop(engine, "broker")
    assert first_direction(str(path)) == "f>b"
    create(engine, "again", "PUSH")
    create(engine, "sink", "PULL")
    link(engine, "sink", "again", Endpoints("tcp", tmp_path))
    state = engine.call(C.ReplayStart("again", str(path), speed=None))
    assert wait_received(engine, "sink", 2) == [[b"", b"one"], [b"", b"two"]]
    wait_until(engine, lambda: state.state == "done")
    state = engine.call(C.ReplayStart("again", str(path), speed=None, direction="b>f"))
    assert wait_received(engine, "sink", 4)[2:] == [[b"", b"Echo: one"], [b"", b"Echo: two"]]
    wait_until(engine, lambda: state.state == "done")  # else the next start finds it replaying
    with pytest.raises(EngineError, match="f>b or b>f"):
        engine.call(C.ReplayStart("again", str(path), direction="sideways"))
