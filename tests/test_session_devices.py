"""Devices in sessions: the file format (round trip, and a clear message for each mistake),
applied to an engine and captured back, the demo's forwarder, and ``zmqdash run`` printing a
device's tap and events."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import child_env, wait_until

from zmqdash.engine import commands as C
from zmqdash.engine.devices import DevicePause
from zmqdash.session import (
    DeviceSpec,
    Session,
    SessionError,
    SocketSpec,
    apply,
    capture,
    close_all,
    demo_session,
    dumps,
    parse_toml,
)

FULL = """\
version = 1

[[socket]]
name = "worker"
type = "REP"
connect = ["inproc://back"]
reply = ["Echo: {body}"]

[[device]]
name = "broker"
kind = "queue"
frontend = ["@inproc://front", ">tcp://127.0.0.1:5999"]
backend = ["@inproc://back"]
tap = false
format = "hex"

[device.frontend_options]
rcvhwm = 10000

[device.backend_options]
sndhwm = 20000
"""


def test_a_device_round_trips_through_the_file():
    session = parse_toml(FULL, "lab")
    dev = session.devices[0]
    assert dev == DeviceSpec("broker", "queue", ["@inproc://front", ">tcp://127.0.0.1:5999"],
                             ["@inproc://back"], False, "hex", {"rcvhwm": 10000},
                             {"sndhwm": 20000})
    text = dumps(session)
    assert "[[device]]" in text and "tap = false" in text
    assert parse_toml(text, "lab") == session


def test_one_string_of_comma_separated_endpoints_is_taken_too():
    text = 'version = 1\n[[device]]\nname = "s"\nkind = "streamer"\n' \
           'frontend = "@inproc://a,>inproc://b"\nbackend = "inproc://c"\n'
    dev = parse_toml(text, "x").devices[0]
    assert (dev.frontend, dev.backend) == (["@inproc://a,>inproc://b"], ["inproc://c"])


@pytest.mark.parametrize("body, where, problem", [
    ('kind = "queu"\nfrontend = ["@inproc://a"]\nbackend = ["@inproc://b"]', "device[0].kind",
     "unknown device kind 'queu' (streamer, forwarder or queue); did you mean queue?"),
    ('kind = "queue"\nfrontend = ["@inproc://a"]\nbackend = []', "device[0]",
     "the backend has no endpoint"),
    ('kind = "queue"\nfrontend = ["@tcp://127.0.0.1:5"]\nbackend = [">tcp://127.0.0.1:5"]',
     "device[0]", "the frontend and the backend both name tcp://127.0.0.1:5"),
    ('kind = "queue"\nfrontend = ["@tcp://127.0.0.1"]\nbackend = ["@inproc://b"]',
     "device[0].frontend", "bind tcp://127.0.0.1: tcp needs a port"),
    ('kind = "queue"\nfrontend = ["@inproc://a"]', "device[0]", "missing key 'backend'"),
    ('kind = "queue"\nfrontend = ["@inproc://a"]\nbackend = ["@inproc://b"]\ntap = "yes"',
     "device[0].tap", "expected true or false, not a string"),
    ('kind = "queue"\nfrontend = ["@inproc://a"]\nbackend = ["@inproc://b"]\nfrontnd = []',
     "device[0].frontnd", "unknown key 'frontnd'; did you mean 'frontend'?"),
    ('kind = "queue"\nfrontend = ["@inproc://a"]\nbackend = ["@inproc://b"]\n'
     '[device.backend_options]\nsndhmw = 1', "device[0].backend_options.sndhmw",
     "unknown socket option 'sndhmw'; did you mean sndhwm?"),
])
def test_a_bad_device_is_one_message_with_its_key_path(body, where, problem):
    with pytest.raises(SessionError) as err:
        parse_toml(f'version = 1\n[[device]]\nname = "d"\n{body}\n', "x")
    assert err.value.where == where and err.value.problem.startswith(problem), str(err.value)


def test_duplicate_device_names_are_refused():
    dev = 'kind = "queue"\nfrontend = ["@inproc://{0}a"]\nbackend = ["@inproc://{0}b"]\n'
    text = "version = 1\n" + "".join(f'[[device]]\nname = "d"\n{dev.format(i)}' for i in "12")
    with pytest.raises(SessionError, match="duplicate device name 'd'"):
        parse_toml(text, "x")


def test_applied_devices_work_and_capture_reads_them_back(engine):
    session = parse_toml(FULL.replace(', ">tcp://127.0.0.1:5999"', ""), "lab")
    assert apply(engine, session) == []
    view = engine.devices()["broker"]
    assert view.state == "running" and not view.tap
    assert view.backend.options == (("sndhwm", "20000"),)
    # a client of our own through the queue to the session's worker
    engine.call(C.Create("client", "REQ"))
    engine.call(C.Connect("client", "inproc://front"))
    engine.call(C.Send("client", (b"ping",)))
    wait_until(engine, lambda: engine.view("client").stats.msgs_in == 1)
    assert view.stats.f2b_msgs == view.stats.b2f_msgs == 1
    engine.call(DevicePause("broker"))  # a state is not part of the topology
    back = capture(engine, "lab", device_extras={"broker": {"format": "hex"}})
    assert back.devices == session.devices
    assert close_all(engine) == [] and engine.devices() == {}


def test_a_device_whose_port_is_taken_is_reported_and_kept(engine):
    engine.call(C.Create("holder", "PULL"))
    taken = engine.call(C.Bind("holder", "tcp://127.0.0.1:*"))
    session = Session("lab", [], devices=[
        DeviceSpec("d", "streamer", ["@" + taken], ["@tcp://127.0.0.1:*"])])
    problems = apply(engine, session)
    assert problems == [f"d: frontend: bind {taken}: address already in use"]
    assert engine.devices()["d"].state == "stopped"
    assert capture(engine, "lab").devices == session.devices  # still the session's


def test_the_demo_has_a_forwarder_with_a_subscriber_behind_it(engine):
    session = demo_session()
    assert [d.kind for d in session.devices] == ["forwarder"]
    assert apply(engine, session) == []
    view = engine.devices()["proxy"]
    wait_until(engine, lambda: engine.view("far-subscriber").stats.msgs_in >= 2,
               what="updates through the forwarder")
    got = [e[3][0] for e in engine.view("far-subscriber").log.since(0) if e[2] == "in"]
    assert all(m.startswith(b"1-Update! >> #") for m in got)
    assert view.subscriptions == (b"1",) and view.stats.f2b_msgs >= 2
    tapped = [(e[2], e[3][0][:2]) for e in view.log.since(0) if e[2] in ("f>b", "b>f")]
    assert tapped[0] == ("b>f", b"\x011") and ("f>b", b"1-") in tapped
    assert ("f>b", b"2-") not in tapped  # only what is subscribed comes down


def test_sockets_and_devices_may_share_a_name():
    Session("x", [SocketSpec("hub", "PULL", bind=["inproc://a"])],
            devices=[DeviceSpec("hub", "queue", ["@inproc://b"], ["@inproc://c"])]).validate()


def test_zmqdash_run_prints_a_devices_tap_as_json_lines(tmp_path, spawn_peer):
    echo = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    path = tmp_path / "queue.toml"
    path.write_text(textwrap.dedent(f"""\
        version = 1

        [[socket]]
        name = "client"
        type = "REQ"
        connect = ["inproc://front"]

        [[socket.repeat]]
        frames = ["Hello #{{seq}}"]
        interval_ms = 20

        [[device]]
        name = "broker"
        kind = "queue"
        frontend = ["@inproc://front"]
        backend = [">{echo.endpoint}"]
    """))
    env = child_env()
    env["ZMQDASH_HOME"] = str(tmp_path / "home")
    recorded = tmp_path / "run.jsonl"
    out = subprocess.run([sys.executable, "-m", "zmqdash", "run", str(path), "--jsonl",
                          "--count", "6", "--record", str(recorded)], capture_output=True,
                         text=True, timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    # --record: the device's records, with their directions, in the same file as the socket's
    kept = [json.loads(line) for line in recorded.read_text().splitlines()]
    assert [(r["kind"], r["frames"][1:]) for r in kept
            if r.get("device") == "broker" and r["kind"] in ("f>b", "b>f")][:2] == [
        ("f>b", ["", "Hello #1"]), ("b>f", ["", "Echo: Hello #1"])]
    assert any(r.get("socket") == "client" and r["kind"] == "out" for r in kept)
    recs = [json.loads(line) for line in out.stdout.splitlines()]
    crossed = [r for r in recs if r["kind"] in ("f>b", "b>f")]
    assert [(r["kind"], r["frames"][1:]) for r in crossed][:2] == [
        ("f>b", ["", "Hello #1"]), ("b>f", ["", "Echo: Hello #1"])]
    assert all(r["device"] == "broker" and r["type"] == "queue" for r in crossed)
    assert {r["direction"] for r in crossed} == {"frontend->backend", "backend->frontend"}
    assert any(r.get("device") == "broker" and r["kind"] == "info"
               and r["text"].startswith("running: queue") for r in recs)
    text = subprocess.run([sys.executable, "-m", "zmqdash", "run", str(path), "--count", "4"],
                          capture_output=True, text=True, timeout=30, env=env)
    assert text.returncode == 0, text.stderr
    lines = [line for line in text.stdout.splitlines() if "  broker  " in line]
    assert any(" f>b " in line and "Hello #1" in line for line in lines), lines
