"""The shape of a session for the overview's map: who talks to whom, and where each goes.

From the engine's views (sockets and devices) it finds the links between zmqdash's own sockets
(one binds, the other connects to the same address; inproc included), the peers outside it
(an endpoint's peer count beyond those links), and lays the nodes out in columns by the
direction of flow: senders on the left, receivers on the right, a device between the two.
Pure data and arithmetic: no Textual, so the layout is tested on its own. It is recomputed
only when :func:`topology_key` changes (sockets made, closed or renamed, an endpoint's state or
peer count), never per frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import socket_types

#: where data goes between two socket types, sender first (request/reply: the asking side)
FLOWS = socket_types.FLOWS
#: types that start the flow: a socket linked to nobody of ours is put left if it sends
SENDERS = socket_types.FLOW_SOURCES
#: host names that all mean this machine, for matching a connect to a bind
LOCAL_HOSTS = frozenset({"*", "0.0.0.0", "127.0.0.1", "localhost", "::", "[::]", "::1",
                         "[::1]", "[*]"})


@dataclass(frozen=True)
class Port:
    """One endpoint of a node: ``kind`` is the socket type on that side (a device has two)."""

    role: str  # bind or connect
    address: tuple  # the key that matches a bind with a connect (see address_key)
    kind: str
    side: str  # "" for a socket; frontend or backend for a device
    peers: int
    linked: bool  # connected, listening or attached


@dataclass
class Node:
    key: str  # "s:NAME" or "d:NAME"
    name: str
    kind: str  # socket type, or device kind
    device: bool
    ports: list[Port] = field(default_factory=list)
    column: int = 0
    row: int = 0  # slot within the column
    outside_in: int = 0  # peers outside zmqdash that send to it (drawn on its left)
    outside_out: int = 0  # peers outside zmqdash it sends to (drawn on its right)
    dummy: bool = False  # a waypoint of a link that crosses more than one column


@dataclass(frozen=True)
class Link:
    source: str  # node keys, data going source -> target
    target: str
    address: tuple


@dataclass
class Layout:
    nodes: dict[str, Node]
    links: list[Link]  # between neighbouring columns (long links go through waypoints)
    columns: list[list[str]]  # node keys, top to bottom

    def real_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if not n.dummy]


def address_key(endpoint: str) -> tuple:
    """What makes a connect meet a bind: the transport and address, with every name of this
    machine folded into one (a bind to ``*`` serves a connect to 127.0.0.1)."""
    transport, sep, rest = endpoint.partition("://")
    if not sep:
        return ("?", endpoint)
    if transport in ("tcp", "ws", "wss", "tipc"):
        host, _, port = rest.rpartition(":")
        host = host.lower()
        return (transport, "local" if host in LOCAL_HOSTS else host, port)
    return (transport, rest)


def topology_key(sockets, devices) -> tuple:
    """Changes whenever the map must be laid out again (cheap: identities of whole-replaced
    tuples)."""
    return (tuple((id(v), v.name, v.endpoints) for v in sockets),
            tuple((id(d), d.name, d.frontend.endpoints, d.backend.endpoints, d.state)
                  for d in devices))


def _ports(endpoints, kind: str, side: str) -> list[Port]:
    from ..engine.state import ATTACHED, CONNECTED, LISTENING

    out = []
    for ep in endpoints:
        if ep.state == "failed":
            continue
        shown = ep.resolved or ep.endpoint
        out.append(Port(ep.role, address_key(shown), kind, side, ep.peers,
                        ep.state in (CONNECTED, LISTENING, ATTACHED)))
    return out


def build(sockets, devices) -> Layout:
    """Nodes, links and the columns they go in, for these socket and device views."""
    nodes: dict[str, Node] = {}
    for view in sockets:
        node = Node(f"s:{view.name}", view.name, view.type, False)
        node.ports = _ports(view.endpoints, view.type, "")
        nodes[node.key] = node
    from ..engine.devices.spec import KINDS

    for dev in devices:
        kind = KINDS.get(dev.kind)
        front, back = (kind.frontend, kind.backend) if kind else ("?", "?")
        node = Node(f"d:{dev.name}", dev.name, dev.kind, True)
        node.ports = (_ports(dev.frontend.endpoints, front, "frontend")
                      + _ports(dev.backend.endpoints, back, "backend"))
        nodes[node.key] = node
    links = _links(nodes)
    _outside(nodes, links)
    columns = _columns(nodes, links)
    return _route(nodes, links, columns)


def _flows(a: Port, b: Port) -> bool | None:
    """Whether data goes from the side of ``a`` to the side of ``b`` (None: not known by type)."""
    if a.side == "frontend" or b.side == "backend":
        return False  # into a device's frontend, out of its backend
    if a.side == "backend" or b.side == "frontend":
        return True
    if (a.kind, b.kind) in FLOWS:
        return True
    if (b.kind, a.kind) in FLOWS:
        return False
    return None


def _links(nodes: dict[str, Node]) -> list[Link]:
    binds: dict[tuple, list[tuple[Node, Port]]] = {}
    for node in nodes.values():
        for port in node.ports:
            if port.role == "bind":
                binds.setdefault(port.address, []).append((node, port))
    links = []
    seen = set()
    for node in nodes.values():
        for port in node.ports:
            if port.role != "connect":
                continue
            for other, bound in binds.get(port.address, ()):
                if other is node:
                    continue
                forward = _flows(port, bound)
                if forward is None:
                    forward = True  # the connecting side first: clients left, servers right
                link = Link(node.key, other.key, port.address) if forward else \
                    Link(other.key, node.key, port.address)
                if (link.source, link.target, link.address) not in seen:
                    seen.add((link.source, link.target, link.address))
                    links.append(link)
    return links


def _outside(nodes: dict[str, Node], links: list[Link]) -> None:
    """Count each node's peers that are not zmqdash's own: a bind's peers beyond our sockets
    connected to it, and a connect that reaches no bind of ours. They are drawn on the side
    they talk from: left of what receives from them, right of what sends to them."""
    binds_here = {(node.key, port.address) for node in nodes.values() for port in node.ports
                  if port.role == "bind"}
    own_linked: dict[tuple, int] = {}  # (binder key, address) -> our sockets connected to it
    for node in nodes.values():
        for port in node.ports:
            if port.role != "connect" or not port.linked:
                continue
            for binder in nodes.values():
                if binder is not node and (binder.key, port.address) in binds_here:
                    key = (binder.key, port.address)
                    own_linked[key] = own_linked.get(key, 0) + 1
    binders: dict[tuple, set[str]] = {}
    for binder_key, address in binds_here:
        binders.setdefault(address, set()).add(binder_key)
    for node in nodes.values():
        for port in node.ports:
            if port.role == "bind":
                outside = max(0, port.peers - own_linked.get((node.key, port.address), 0))
            elif binders.get(port.address, set()) - {node.key}:
                outside = 0  # it reaches a socket of ours: a link, not an outside peer
            else:
                outside = 1 if port.linked and port.peers else 0
            if not outside:
                continue
            if port.side:
                sends = port.side == "backend"
            else:
                sends = port.kind in SENDERS
            if sends:
                node.outside_out += outside
            else:
                node.outside_in += outside


def _columns(nodes: dict[str, Node], links: list[Link]) -> list[list[str]]:
    """Longest-path layering (cycles broken where found), then each column ordered to follow
    its neighbours (two barycenter sweeps)."""
    order = list(nodes)
    succ: dict[str, list[str]] = {k: [] for k in order}
    for link in links:
        if link.target not in succ[link.source]:
            succ[link.source].append(link.target)
    # break cycles: drop edges that go back to a node on the current path
    state: dict[str, int] = {}
    keep: dict[str, list[str]] = {k: [] for k in order}

    def visit(k: str) -> None:
        state[k] = 1
        for t in succ[k]:
            if state.get(t) == 1:
                continue  # a back edge: ignored for layering
            keep[k].append(t)
            if t not in state:
                visit(t)
        state[k] = 2

    for k in order:
        if k not in state:
            visit(k)
    layer: dict[str, int] = {}

    def depth(k: str) -> int:
        if k in layer:
            return layer[k]
        preds = [p for p in order if k in keep[p]]
        layer[k] = 0  # guards the (impossible, cycles are cut) recursion
        layer[k] = max((depth(p) + 1 for p in preds), default=0)
        return layer[k]

    for k in order:
        depth(k)
    linked = {link.source for link in links} | {link.target for link in links}
    deepest = max([layer[k] for k in linked], default=0)
    for k in order:
        if k in linked:
            continue
        node = nodes[k]
        receives = not node.device and node.kind not in SENDERS
        if receives and (deepest or any(nodes[o].kind in SENDERS for o in order
                                        if o not in linked and not nodes[o].device)):
            layer[k] = max(1, deepest)
        else:
            layer[k] = 0
    width = max(layer.values(), default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(width)]
    for k in order:
        columns[layer[k]].append(k)
    for k, col in layer.items():
        nodes[k].column = col
    return columns


def _route(nodes: dict[str, Node], links: list[Link], columns: list[list[str]]) -> Layout:
    """Waypoints for links across several columns, then the rows."""
    short: list[Link] = []
    count = 0
    for link in links:
        a, b = nodes[link.source], nodes[link.target]
        if b.column < a.column:  # a link against the flow (a cycle): drawn the other way round
            a, b = b, a
        if b.column == a.column:
            continue  # two of one column (a cycle cut): no line
        prev = a.key
        for col in range(a.column + 1, b.column):
            count += 1
            key = f"~{count}"
            nodes[key] = Node(key, "", "", False, column=col, dummy=True)
            columns[col].append(key)
            short.append(Link(prev, key, link.address))
            prev = key
        short.append(Link(prev, b.key, link.address))
    for _ in range(2):  # barycenter sweeps, left to right then right to left
        for col in range(1, len(columns)):
            _sort(columns[col], nodes, short, columns, col - 1, forward=True)
        for col in range(len(columns) - 2, -1, -1):
            _sort(columns[col], nodes, short, columns, col + 1, forward=False)
    for keys in columns:
        for i, k in enumerate(keys):
            nodes[k].row = i
    return Layout(nodes, short, columns)


def _sort(col: list[str], nodes, links: list[Link], columns, other: int, forward: bool) -> None:
    where = {k: i for i, k in enumerate(columns[other])}
    keep = {k: i for i, k in enumerate(col)}

    def center(k: str) -> float:
        near = [where[link.source] for link in links if forward and link.target == k
                and link.source in where]
        near += [where[link.target] for link in links if not forward and link.source == k
                 and link.target in where]
        return sum(near) / len(near) if near else keep[k]

    col.sort(key=lambda k: (center(k), keep[k]))
