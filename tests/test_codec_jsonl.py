"""Log entries to JSON Lines records."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zmqdash.codec import (
    CodecError,
    JsonLines,
    entry_to_json_line,
    entry_to_record,
    frame_from_json,
    frame_to_json,
    iso_time,
)
from zmqdash.engine.ring import ERROR, EVENT, IN, INFO, OUT, EventInfo

TS = 1_700_000_000.25


def test_frame_to_json() -> None:
    assert frame_to_json(b"hello") == "hello"
    assert frame_to_json(b"") == ""
    assert frame_to_json(b"\x1b[2J") == "\x1b[2J"  # valid UTF-8: JSON escapes the control
    assert frame_to_json("日本".encode()) == "日本"
    assert frame_to_json(b"\xff\x00") == {"b64": "/wA="}
    assert frame_to_json(memoryview(b"mv")) == "mv"


def test_frame_from_json() -> None:
    assert frame_from_json("hello") == b"hello"
    assert frame_from_json({"b64": "/wA="}) == b"\xff\x00"
    for bad in (None, 1, [], {}, {"b64": 1}, {"hex": "00"}):
        with pytest.raises(CodecError, match="a frame must be"):
            frame_from_json(bad)
    with pytest.raises(CodecError, match="not valid base64"):
        frame_from_json({"b64": "**"})
    with pytest.raises(CodecError, match="not valid Unicode"):
        frame_from_json("\ud800")


@given(st.binary())
def test_frame_round_trip(data: bytes) -> None:
    assert frame_from_json(frame_to_json(data)) == data
    # and through an actual ASCII JSON text
    text = json.dumps(frame_to_json(data), ensure_ascii=True)
    assert text.isascii()
    assert frame_from_json(json.loads(text)) == data


def test_iso_time() -> None:
    text = iso_time(TS)
    parsed = datetime.fromisoformat(text)
    assert parsed.timestamp() == TS
    assert parsed.utcoffset() is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.250[+-]\d\d:\d\d", text), text


def test_record_in() -> None:
    entry = (7, TS, IN, [b"topic", b"\xff\x01", b""], None)
    record = entry_to_record(entry, "sub1", "SUB")
    assert list(record) == ["socket", "type", "seq", "ts", "time", "kind", "frames", "size"]
    assert record["socket"] == "sub1"
    assert record["type"] == "SUB"
    assert record["seq"] == 7
    assert record["ts"] == TS
    assert record["time"] == iso_time(TS)
    assert record["kind"] == "in"
    assert record["frames"] == ["topic", {"b64": "/wE="}, ""]
    assert record["size"] == 7


def test_record_out() -> None:
    record = entry_to_record((0, TS, OUT, [b"hi"], None), "push", "PUSH")
    assert record["kind"] == "out"
    assert record["frames"] == ["hi"]
    assert record["size"] == 2


def test_record_event() -> None:
    info = EventInfo("CONNECT_RETRIED", "tcp://127.0.0.1:5555", 200, "retry in 200 ms", 12)
    record = entry_to_record((3, TS, EVENT, [], info), "req", "REQ")
    assert list(record)[6:] == ["event", "endpoint", "value", "detail", "count"]
    assert record["event"] == "CONNECT_RETRIED"
    assert record["endpoint"] == "tcp://127.0.0.1:5555"
    assert record["value"] == 200
    assert record["detail"] == "retry in 200 ms"
    assert record["count"] == 12
    assert "frames" not in record


@pytest.mark.parametrize("kind", [ERROR, INFO])
def test_record_text(kind: str) -> None:
    record = entry_to_record((1, TS, kind, [], "Address already in use"), "rep", "REP")
    assert record["kind"] == kind
    assert record["text"] == "Address already in use"
    assert list(record)[6:] == ["text"]


def test_json_line_is_ascii_and_terminal_safe() -> None:
    entry = (5, TS, IN, [b"\x1b]52;c;aGk=\x07", "日本\u202e".encode(), b"\x9b\xff"], None)
    line = entry_to_json_line(entry, "sub\x1b", "SUB")
    assert line.isascii()
    assert "\n" not in line
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in line)
    record = json.loads(line)
    assert record == entry_to_record(entry, "sub\x1b", "SUB")
    assert [frame_from_json(f) for f in record["frames"]] == entry[3]


def test_json_line_example() -> None:
    line = entry_to_json_line((42, TS, IN, [b"weather", b'{"t": 21.5}'], None), "sub", "SUB")
    assert line.startswith('{"socket": "sub", "type": "SUB", "seq": 42, "ts": 1700000000.25, ')
    assert line.endswith('"kind": "in", "frames": ["weather", "{\\"t\\": 21.5}"], "size": 18}')


def test_json_line_event() -> None:
    info = EventInfo("BIND_FAILED", "tcp://*:5555", 98, "Address already in use")
    record = json.loads(entry_to_json_line((0, TS, EVENT, [], info), "pub", "PUB"))
    assert record["event"] == "BIND_FAILED"
    assert record["count"] == 1


_frames = st.lists(st.binary(max_size=40) | st.text(max_size=20).map(
    lambda t: t.encode("utf-8", "surrogatepass")), max_size=4).map(tuple)
_entries = st.one_of(
    st.tuples(st.integers(0, 2**40), st.floats(0, 4e9), st.sampled_from([IN, OUT]), _frames,
              st.none(), st.integers(0, 100)),
    st.tuples(st.integers(0, 2**40), st.floats(0, 4e9), st.sampled_from([ERROR, INFO]),
              st.just(()), st.text(max_size=20), st.just(0)),
    st.tuples(st.integers(0, 2**40), st.floats(0, 4e9), st.just(EVENT), st.just(()),
              st.builds(EventInfo, st.text(max_size=8), st.text(max_size=8),
                        st.integers(0, 99)), st.just(0)),
)


@given(st.lists(_entries, max_size=5), st.text(max_size=10), st.sampled_from(["PULL", "SUB"]))
def test_json_lines_in_bulk_are_json_dumps_of_the_records(entries, socket, kind) -> None:
    writer = JsonLines(socket, kind)
    expected = [json.dumps(entry_to_record(e, socket, kind), ensure_ascii=True)
                for e in entries]
    assert [writer.line(e) for e in entries] == expected
    assert writer.lines(entries) == "".join(line + "\n" for line in expected)
    assert [entry_to_json_line(e, socket, kind) for e in entries] == expected


def test_json_lines_of_a_batch_sharing_a_timestamp() -> None:
    writer = JsonLines("s", "PULL")
    batch = [(i, TS, IN, (f"m{i}".encode(), b"\xff"), None, 4) for i in range(3)]
    lines = writer.lines(batch).splitlines()
    assert [json.loads(line)["frames"] for line in lines] == [
        [f"m{i}", {"b64": "/w=="}] for i in range(3)]
    assert {json.loads(line)["time"] for line in lines} == {iso_time(TS)}
