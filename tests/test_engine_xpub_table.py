"""An XPUB's live subscription table, against real SUB processes."""

from __future__ import annotations

import signal

from conftest import create, entries, wait_until

from zmqdash.engine import EVENT, IN
from zmqdash.engine import commands as C
from zmqdash.engine.subscriptions import SubscriptionChange, prefix_text


def _xpub(engine, *options, endpoint: str = "tcp://127.0.0.1:*") -> str:
    create(engine, "xpub", "XPUB", *options)
    return engine.call(C.Bind("xpub", endpoint))


def _table(engine):
    return engine.view("xpub").subscribers


def _rows(engine) -> dict[bytes, tuple[str, ...]]:
    return {row.prefix: row.peers for row in _table(engine).rows}


def _wait_rows(engine, want: dict[bytes, set[str]], what: str = ""):
    wait_until(engine, lambda: {p: set(peers) for p, peers in _rows(engine).items()} == want,
               what=what or f"rows {want} (have {_rows(engine)})")


def _changes(engine) -> list[SubscriptionChange]:
    return [e[4] for e in entries(engine.view("xpub"), EVENT)
            if isinstance(e[4], SubscriptionChange)]


def _subscriber(spawn_peer, endpoint: str, *prefixes: str):
    peer = spawn_peer("subscriber", "connect", endpoint, *prefixes, stdin=True)
    at = peer.read_line()
    assert at.startswith("at "), at
    peer.label = at[3:]
    return peer


def test_subscribe_again_unsubscribe_and_sigkill(engine, spawn_peer):
    ep = _xpub(engine)
    one = _subscriber(spawn_peer, ep)
    two = _subscriber(spawn_peer, ep)
    wait_until(engine, lambda: _table(engine).peers == 2, what="two peers")
    assert _table(engine).rows == ()
    assert one.command("sub weather") == "ok"
    # two connections do not keep order between them: the first is in before the second asks
    _wait_rows(engine, {b"weather": {one.label}})
    assert two.command("sub weather") == "ok"
    _wait_rows(engine, {b"weather": {one.label, two.label}})
    row = _table(engine).rows[0]
    assert row.holders == 2 and row.peers[0] == one.label  # in the order they subscribed

    assert one.command("sub weather") == "ok"  # again: still two holders, and said so
    wait_until(engine, lambda: any(c.again for c in _changes(engine)), what="a repeat")
    again = [c for c in _changes(engine) if c.again]
    assert [(c.peer, c.holders) for c in again] == [(one.label, 2)]
    assert _table(engine).holders(b"weather") == 2

    assert two.command("unsub weather") == "ok"
    _wait_rows(engine, {b"weather": {one.label}})
    assert one.command("sub news") == "ok"
    _wait_rows(engine, {b"weather": {one.label}, b"news": {one.label}})

    one.proc.send_signal(signal.SIGKILL)
    one.proc.wait()
    _wait_rows(engine, {}, "the killed peer's rows to go")
    assert _table(engine).peers == 1
    gone = [c for c in _changes(engine) if c.gone]
    assert sorted((c.prefix, c.peer, c.holders) for c in gone) == [
        (b"news", one.label, 0), (b"weather", one.label, 0)]
    log = [(c.event, c.prefix, c.peer, c.holders) for c in _changes(engine)]
    assert log[:3] == [("subscribe", b"weather", one.label, 1),
                       ("subscribe", b"weather", two.label, 2),
                       ("subscribe", b"weather", one.label, 2)]
    assert ("unsubscribe", b"weather", two.label, 1) in log


def test_two_subscribers_on_one_prefix_leave_one_by_one(engine, spawn_peer):
    ep = _xpub(engine)
    one = _subscriber(spawn_peer, ep, "1")
    two = _subscriber(spawn_peer, ep, "1")
    _wait_rows(engine, {b"1": {one.label, two.label}})
    two.proc.stdin.close()  # a clean exit: the SUB closes its socket
    two.proc.wait(timeout=10)
    _wait_rows(engine, {b"1": {one.label}})
    one.proc.kill()
    _wait_rows(engine, {})
    wait_until(engine, lambda: _table(engine).peers == 0, what="no peers")


def test_byte_prefixes_and_everything(engine, spawn_peer):
    ep = _xpub(engine)
    peer = _subscriber(spawn_peer, ep)
    for p in ("hex:00ff", "hex:1b5b33316d", "*", "hex:2a"):
        assert peer.command(f"sub {p}") == "ok"
    _wait_rows(engine, {b"\x00\xff": {peer.label}, b"\x1b[31m": {peer.label},
                        b"": {peer.label}, b"*": {peer.label}})
    shown = [prefix_text(row.prefix) for row in _table(engine).rows]
    assert shown == ["*", "hex:00ff", "hex:1b5b33316d", "text:*"]  # sorted by bytes
    described = [c.describe() for c in _changes(engine)]
    assert all("\x1b" not in d for d in described)
    assert f"subscribe hex:00ff from {peer.label} (1 holder)" in described


def test_the_log_gets_what_the_xpub_options_ask_for(engine, spawn_peer):
    """The socket runs verboser for the table; its log shows only what its own options pass."""
    ep = _xpub(engine)
    one = _subscriber(spawn_peer, ep, "a")
    two = _subscriber(spawn_peer, ep, "a")
    _wait_rows(engine, {b"a": {one.label, two.label}})
    assert one.command("unsub a") == "ok"
    _wait_rows(engine, {b"a": {two.label}})
    assert two.command("unsub a") == "ok"
    _wait_rows(engine, {})
    wait_until(engine, lambda: len(_received(engine)) == 2, what="two messages")
    assert _received(engine) == [b"\x01a", b"\x00a"]  # a plain XPUB: first in, last out

    engine.call(C.Close("xpub"))
    ep = _xpub(engine, ("xpub_verbose", "1"))
    three = _subscriber(spawn_peer, ep, "b")
    four = _subscriber(spawn_peer, ep, "b")
    _wait_rows(engine, {b"b": {three.label, four.label}})
    assert three.command("unsub b") == "ok"
    _wait_rows(engine, {b"b": {four.label}})
    four.proc.kill()
    _wait_rows(engine, {})
    wait_until(engine, lambda: len(_received(engine)) == 3, what="three messages")
    assert _received(engine) == [b"\x01b", b"\x01b", b"\x00b"]
    assert ("xpub_verbose", "1") in engine.view("xpub").options


def _received(engine) -> list[bytes]:
    return [e[3][0] for e in entries(engine.view("xpub"), IN)]


def test_ipc_peers_are_named_by_process(engine, spawn_peer, tmp_path):
    ep = _xpub(engine, endpoint=f"ipc://{tmp_path}/x.sock")
    peer = _subscriber(spawn_peer, ep, "x")
    assert peer.label == f"ipc pid {peer.proc.pid}"
    _wait_rows(engine, {b"x": {peer.label}})
    peer.proc.kill()
    _wait_rows(engine, {})


def test_inproc_subscribers_share_one_anonymous_peer(engine):
    _xpub(engine, endpoint="inproc://table")
    create(engine, "sub", "SUB")
    engine.call(C.Connect("sub", "inproc://table"))
    engine.call(C.Subscribe("sub", b"k"))
    wait_until(engine, lambda: _rows(engine) == {b"k": ("inproc",)}, what="the inproc row")
    assert _table(engine).anonymous
    engine.call(C.Unsubscribe("sub", b"k"))
    wait_until(engine, lambda: _rows(engine) == {}, what="the row to go")


def test_changes_and_the_table_as_json_records():
    from zmqdash.codec import entry_to_record, table_to_record
    from zmqdash.engine.subscriptions import SubscriptionRow, SubscriptionTable

    change = SubscriptionChange("unsubscribe", "tcp://127.0.0.1:5556", 1, prefix=b"\xff",
                                peer="127.0.0.1:40000", holders=1, gone=True)
    rec = entry_to_record((7, 1.5, EVENT, (), change, 0), "hub", "XPUB")
    assert {k: rec[k] for k in ("kind", "event", "prefix", "peer", "holders", "gone", "again")} \
        == {"kind": "event", "event": "unsubscribe", "prefix": {"b64": "/w=="},
            "peer": "127.0.0.1:40000", "holders": 1, "gone": True, "again": False}
    table = SubscriptionTable((SubscriptionRow(b"", ("a:1",)),
                               SubscriptionRow(b"w", ("a:1", "b:2"))), peers=3)
    rec = table_to_record(table, "hub", "XPUB", 1.5)
    assert (rec["kind"], rec["prefixes"], rec["peers"]) == ("subscriptions", 2, 3)
    assert rec["rows"] == [{"prefix": "", "holders": 1, "peers": ["a:1"]},
                           {"prefix": "w", "holders": 2, "peers": ["a:1", "b:2"]}]
