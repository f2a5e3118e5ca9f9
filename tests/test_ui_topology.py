"""The overview's map without a screen: links between our own sockets, outside peers, columns
by the direction of flow, and the drawing (box characters, or ASCII for a vt100)."""

from __future__ import annotations

from rich.style import Style

from zmqdash.engine import socket_types
from zmqdash.engine.devices.state import DeviceView
from zmqdash.engine.ring import Ring
from zmqdash.engine.state import BIND, CONNECT, CONNECTED, LISTENING, EndpointState, SocketView
from zmqdash.ui import map_canvas, topology
from zmqdash.ui.map_canvas import ASCII, UNICODE, Figures, charset_for, sparkline


def sock(name, kind, *eps):
    view = SocketView(name, kind, Ring(10))
    view.endpoints = tuple(eps)
    return view


def bind(ep, peers=0, resolved=""):
    return EndpointState(ep, BIND, LISTENING, peers=peers, resolved=resolved or ep)


def connect(ep, peers=1):
    return EndpointState(ep, CONNECT, CONNECTED, peers=peers, resolved=ep)


def device(name, kind, front, back):
    return DeviceView(name, kind, Ring(10), sock("f", "?", *front), sock("b", "?", *back))


def test_addresses_meet_whatever_name_this_machine_goes_by() -> None:
    key = topology.address_key
    assert key("tcp://*:5555") == key("tcp://127.0.0.1:5555") == key("tcp://localhost:5555")
    assert key("tcp://[::1]:5555") == key("tcp://0.0.0.0:5555")
    assert key("tcp://10.0.0.7:5555") != key("tcp://127.0.0.1:5555")
    assert key("tcp://127.0.0.1:5555") != key("tcp://127.0.0.1:5556")
    assert key("ipc:///tmp/a") != key("ipc:///tmp/b")
    assert key("inproc://x") == key("inproc://x") != key("ipc://x")


def test_senders_go_left_receivers_right_and_links_follow_the_flow() -> None:
    layout = topology.build([
        sock("worker", "PULL", bind("tcp://*:5557", peers=1, resolved="tcp://0.0.0.0:5557")),
        sock("vent", "PUSH", connect("tcp://127.0.0.1:5557")),
        sock("server", "REP", bind("inproc://rr")),
        sock("client", "REQ", connect("inproc://rr")),
        sock("right", "PAIR", connect("inproc://p")),
        sock("left", "PAIR", bind("inproc://p")),
    ], [])
    col = {n.name: n.column for n in layout.real_nodes()}
    assert col == {"vent": 0, "worker": 1, "client": 0, "server": 1, "right": 0, "left": 1}
    assert {(lk.source, lk.target) for lk in layout.links} == {
        ("s:vent", "s:worker"), ("s:client", "s:server"), ("s:right", "s:left")}
    # the PULL's one peer is our PUSH: nobody outside
    assert all(n.outside_in == n.outside_out == 0 for n in layout.real_nodes())
    # rows follow the links: each pair side by side
    rows = {n.name: n.row for n in layout.real_nodes()}
    assert rows["vent"] == rows["worker"] and rows["client"] == rows["server"]


def test_links_follow_the_socket_types_table_whichever_side_binds() -> None:
    for sender, receiver in sorted(socket_types.FLOWS):
        for binds in (sender, receiver):
            layout = topology.build([
                sock("s", sender, bind("inproc://x") if binds == sender else connect("inproc://x")),
                sock("r", receiver,
                     bind("inproc://x") if binds == receiver else connect("inproc://x")),
            ], [])
            assert [(lk.source, lk.target) for lk in layout.links] == [("s:s", "s:r")], \
                (sender, receiver, binds)
    # between equals, the connecting side goes first: clients left, servers right
    for connects, binds in (("DEALER", "ROUTER"), ("ROUTER", "DEALER"), ("PAIR", "PAIR")):
        layout = topology.build([sock("b", binds, bind("inproc://x")),
                                 sock("c", connects, connect("inproc://x"))], [])
        assert [(lk.source, lk.target) for lk in layout.links] == [("s:c", "s:b")]


def test_outside_peers_are_counted_on_the_side_they_talk_from() -> None:
    layout = topology.build([
        sock("sink", "PULL", bind("tcp://*:5557", peers=3, resolved="tcp://0.0.0.0:5557")),
        sock("vent", "PUSH", connect("tcp://127.0.0.1:5557")),  # one of the three is ours
        sock("feed", "PUB", bind("tcp://127.0.0.1:6000", peers=2)),
        sock("remote", "SUB", connect("tcp://10.0.0.7:6001")),  # reaches no bind of ours
        sock("nobody", "PUSH", connect("tcp://127.0.0.1:9", peers=0)),  # not connected
    ], [])
    nodes = {n.name: n for n in layout.real_nodes()}
    assert (nodes["sink"].outside_in, nodes["sink"].outside_out) == (2, 0)
    assert (nodes["feed"].outside_in, nodes["feed"].outside_out) == (0, 2)
    assert (nodes["remote"].outside_in, nodes["remote"].outside_out) == (1, 0)
    assert nodes["nobody"].outside_in == nodes["nobody"].outside_out == 0


def test_a_device_sits_between_and_long_links_pass_through_waypoints() -> None:
    layout = topology.build([
        sock("pub", "PUB", connect("inproc://front")),
        sock("sub", "SUB", connect("inproc://back")),
        sock("direct", "SUB", connect("inproc://pub2")),
        sock("pub2", "PUB", bind("inproc://pub2")),
    ], [device("fwd", "forwarder", [bind("inproc://front")], [bind("inproc://back")])])
    col = {n.name: n.column for n in layout.real_nodes()}
    assert col["pub"] == 0 and col["fwd"] == 1 and col["sub"] == 2
    assert ("s:pub", "d:fwd") in {(lk.source, lk.target) for lk in layout.links}
    assert ("d:fwd", "s:sub") in {(lk.source, lk.target) for lk in layout.links}
    assert col["pub2"] == 0 and col["direct"] == 1  # a pair of its own


def test_a_link_across_a_column_goes_through_a_waypoint() -> None:
    layout = topology.build([
        sock("src", "PUSH", connect("inproc://in"), connect("inproc://side")),
        sock("dst", "PULL", connect("inproc://out"), bind("inproc://side")),
    ], [device("mid", "streamer", [bind("inproc://in")], [bind("inproc://out")])])
    col = {n.key: n.column for n in layout.nodes.values()}
    assert col["s:src"] == 0 and col["d:mid"] == 1 and col["s:dst"] == 2
    waypoints = [n for n in layout.nodes.values() if n.dummy]
    assert [w.column for w in waypoints] == [1]
    pairs = {(lk.source, lk.target) for lk in layout.links}
    assert ("s:src", waypoints[0].key) in pairs and (waypoints[0].key, "s:dst") in pairs
    # every link now joins neighbouring columns
    assert all(col[lk.target] - col[lk.source] == 1 for lk in layout.links)


def test_a_cycle_does_not_hang_the_layout() -> None:
    # two PAIRs each binding what the other connects to
    layout = topology.build([
        sock("a", "PAIR", bind("inproc://1"), connect("inproc://2")),
        sock("b", "PAIR", bind("inproc://2"), connect("inproc://1")),
    ], [])
    assert len(layout.real_nodes()) == 2


def styles() -> dict:
    base = Style()
    return {k: base for k in ("base", "line", "box", "selected", "title", "dim", "spark",
                               "stub")}


def text_of(drawing) -> list[str]:
    return ["".join(seg.text for seg in row) for row in drawing.rows]


def test_the_drawing_in_box_characters_and_in_ascii() -> None:
    layout = topology.build([
        sock("vent", "PUSH", connect("tcp://127.0.0.1:5557")),
        sock("worker", "PULL", bind("tcp://*:5557", peers=2, resolved="tcp://0.0.0.0:5557")),
    ], [])
    figs = {"s:vent": Figures((0, 1, 2, 3), 0, 12_000), "s:worker": Figures((3, 2), 12_000, 0)}
    fancy = text_of(map_canvas.draw(layout, figs, "s:vent", UNICODE, styles()))
    assert any("┏━ vent" in row for row in fancy) and any("╭─ worker" in row for row in fancy)
    assert any("─▶│" in row for row in fancy)  # the link arrives with an arrow
    assert any("1○─" in row for row in fancy)  # one outside peer sends to the worker
    assert any("in 0/s out 12k/s" in row for row in fancy)
    plain = text_of(map_canvas.draw(layout, figs, "s:vent", ASCII, styles()))
    assert all(row.isascii() for row in plain)
    assert any("-> " in row or "->|" in row for row in plain)
    assert any("#= vent" in row for row in plain)


def test_a_line_into_a_box_never_runs_into_the_line_out_of_its_row_neighbour() -> None:
    # boxes of one map row share their text rows: were lines to come into a box's left side
    # on the row lines leave its left neighbour's right side, the two would join in a
    # junction (the PUB->SUB line merging into the PUSH->PULL line below it)
    layout = topology.build([
        sock("pub", "PUB", bind("tcp://*:5556", peers=2, resolved="tcp://0.0.0.0:5556")),
        sock("sub-a", "SUB", connect("tcp://127.0.0.1:5556")),
        sock("sub-b", "SUB", connect("tcp://127.0.0.1:5556")),
        sock("push", "PUSH", bind("tcp://*:5557", peers=1, resolved="tcp://0.0.0.0:5557")),
        sock("pull", "PULL", connect("tcp://127.0.0.1:5557")),
        sock("client", "REQ", connect("inproc://rr")),
        sock("server", "REP", bind("inproc://rr")),
    ], [device("hub", "forwarder", [connect("tcp://127.0.0.1:5556")],
               [bind("tcp://*:5558")])])
    drawing = map_canvas.draw(layout, {}, None, UNICODE, styles())
    rows = text_of(drawing)
    cell = lambda x, y: rows[y][x] if 0 <= y < len(rows) and 0 <= x < len(rows[y]) else " "  # noqa: E731
    into, out_of = set(), set()
    for x, y, w, _h in drawing.boxes.values():
        for dy in range(map_canvas.BOX_H):
            if cell(x - 1, y + dy) == UNICODE.arrow:
                into.add(dy)
            if cell(x + w, y + dy) in "─┐┘┬┴┼":
                out_of.add(dy)
    assert len(into) == len(out_of) == 1 and not into & out_of, (into, out_of)
    assert sum(row.count(UNICODE.arrow) for row in rows) == len(layout.links) - sum(
        1 for lk in layout.links if layout.nodes[lk.target].dummy)


def test_charset_follows_the_terminal() -> None:
    assert charset_for("vt100") is ASCII and charset_for("vt220") is ASCII
    assert charset_for("dumb") is ASCII
    assert charset_for("xterm-256color") is UNICODE and charset_for("screen") is UNICODE


def test_sparkline_squeezes_a_minute_into_its_width() -> None:
    values = tuple([0] * 30 + [10] * 30)
    line = sparkline(values, 10, UNICODE)
    assert len(line) == 10 and line[:5] == "     " and line[5:] == "█" * 5
    assert sparkline((1, 100), 2, UNICODE) == "▁█"  # anything above nothing shows
    assert sparkline((), 4, UNICODE) == "    "
    assert set(sparkline(tuple(range(60)), 20, ASCII)) <= set(ASCII.spark)
