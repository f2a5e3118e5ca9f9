"""The session file format: round trips, and a clear message for every kind of bad file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zmqdash.codec import bytes_to_prefix, escape_text
from zmqdash.session import (
    RepeatSpec,
    Session,
    SessionError,
    SocketSpec,
    demo_session,
    dumps,
    load,
    parse_toml,
    save,
    to_toml,
)
from zmqdash.session.model import SOCKET_TYPE_NAMES

# -- strategies ----------------------------------------------------------------------------------


def _safe_name(text: str) -> bool:
    return bool(text.strip()) and all(c == "\\" or escape_text(c) == c for c in text)


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=16
).filter(_safe_name)
# any text a frame or snippet may hold (controls included: the file escapes them)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)
ports = st.integers(min_value=1, max_value=65535)
ident = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)

bind_endpoints = st.one_of(
    ports.map(lambda p: f"tcp://127.0.0.1:{p}"),
    st.just("tcp://*:*"),
    st.just("tcp://127.0.0.1:*"),
    ident.map(lambda n: f"inproc://{n}"),
    ident.map(lambda n: f"ipc:///tmp/{n}.sock"),
)
connect_endpoints = st.one_of(
    ports.map(lambda p: f"tcp://127.0.0.1:{p}"),
    ports.map(lambda p: f"tcp://[::1]:{p}"),
    ident.map(lambda n: f"inproc://{n}"),
)
int_options = st.sampled_from(["linger", "sndhwm", "rcvhwm", "reconnect_ivl", "immediate"])
# byte options are written in the prefix syntax (which never names a file)
byte_values = st.binary(max_size=12).map(bytes_to_prefix)
options = st.dictionaries(
    st.one_of(int_options, st.sampled_from(["routing_id", "curve_secretkey", "plain_password"])),
    st.one_of(st.integers(min_value=-1, max_value=10**9), byte_values),
    max_size=4,
).map(lambda d: {k: (v if k in ("routing_id", "curve_secretkey", "plain_password")
                     else (v if isinstance(v, int) else len(v))) for k, v in d.items()})
# frames the engine sends by itself never name a file: a leading @ is written @@
templates = texts.map(lambda t: "@" + t if t.startswith("@") else t)


@st.composite
def sockets(draw, name):
    type_ = draw(st.sampled_from(SOCKET_TYPE_NAMES))
    repeat = []
    if type_ not in ("SUB", "PULL"):
        for _ in range(draw(st.integers(0, 2))):
            frames = draw(st.lists(templates, min_size=1, max_size=3))
            peer = draw(st.binary(max_size=6)) if type_ == "ROUTER" else None
            repeat.append(RepeatSpec(
                frames=frames,
                interval_ms=draw(st.integers(1, 10**7)),
                count=draw(st.one_of(st.none(), st.integers(1, 10**6))),
                peer=peer,
            ))
    return SocketSpec(
        name=name,
        type=type_,
        bind=draw(st.lists(bind_endpoints, max_size=2)),
        connect=draw(st.lists(connect_endpoints, max_size=2)),
        subscribe=draw(st.lists(st.binary(max_size=8), max_size=3, unique=True))
        if type_ in ("SUB", "XSUB") else [],
        options=draw(options),
        format=draw(st.sampled_from(["auto", "text", "hex", "json"])),
        repeat=repeat,
        snippets=draw(st.lists(texts, max_size=3)),
        reply=draw(st.one_of(st.none(), st.lists(templates, max_size=2)))
        if type_ in ("REP", "ROUTER") else None,
    )


@st.composite
def sessions(draw):
    socket_names = draw(st.lists(names, max_size=5, unique=True))
    return Session(
        name=draw(names),
        sockets=[draw(sockets(name)) for name in socket_names],
    )


# -- round trips ---------------------------------------------------------------------------------


@given(sessions())
@settings(max_examples=300, deadline=None)
def test_text_round_trip(session):
    session.validate()
    assert parse_toml(to_toml(session, stem="file"), "file") == session


@given(sessions())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_save_then_load_gives_the_same_session(session):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "saved.toml"
        save(session, path)
        assert load(path) == session
        # saving what was loaded writes the same bytes
        save(load(path), path)
        assert path.read_bytes() == (Path(tmp) / "saved.toml.bak").read_bytes()


def test_binary_subscriptions_and_unicode_survive(tmp_path):
    session = Session("état", [
        SocketSpec("sub ✓", "SUB", connect=["tcp://127.0.0.1:5555"],
                   subscribe=[b"", b"\x00\xff", b"hex:literal", b"1", "ü".encode()]),
        SocketSpec("ροή", "PUB", bind=["tcp://*:5555"], options={"linger": 0, "sndhwm": 10},
                   repeat=[RepeatSpec(["tick {seq}", "hex:00"], 250, count=3)]),
    ])
    path = tmp_path / "x.toml"
    save(session, path)
    text = path.read_text()
    assert 'subscribe = ["", "hex:00ff", "text:hex:literal", "1", "ü"]' in text
    assert 'name = "état"' in text  # differs from the file name, so it is written
    assert load(path) == session


def test_the_name_comes_from_the_file_unless_written(tmp_path):
    session = Session("lab", [SocketSpec("a", "PAIR", bind=["inproc://a"])])
    save(session, tmp_path / "lab.toml")
    assert "name = \"lab\"" not in (tmp_path / "lab.toml").read_text()
    assert load(tmp_path / "lab.toml").name == "lab"
    (tmp_path / "lab.toml").rename(tmp_path / "copy.toml")
    assert load(tmp_path / "copy.toml").name == "copy"


def test_written_layout_is_readable():
    session = Session("s", [
        SocketSpec("server", "REP", bind=["tcp://127.0.0.1:5555"], reply=["Echo: {body}"],
                   options={"linger": 0, "routing_id": "srv"}, format="text"),
        SocketSpec("client", "REQ", connect=["tcp://127.0.0.1:5555"],
                   repeat=[RepeatSpec(["Hello #{seq}"], 1000)]),
    ])
    text = to_toml(session, stem="s")
    assert text.splitlines()[2:] == [
        "version = 1",
        "",
        "[[socket]]",
        'name = "server"',
        'type = "REP"',
        'bind = ["tcp://127.0.0.1:5555"]',
        'format = "text"',
        'reply = ["Echo: {body}"]',
        "",
        "[socket.options]",
        "linger = 0",
        'routing_id = "srv"',
        "",
        "[[socket]]",
        'name = "client"',
        'type = "REQ"',
        'connect = ["tcp://127.0.0.1:5555"]',
        "",
        "[[socket.repeat]]",
        'frames = ["Hello #{seq}"]',
        "interval_ms = 1000",
    ]


def test_long_arrays_go_one_item_a_line():
    eps = [f"tcp://127.0.0.1:{5550 + i}" for i in range(6)]
    text = to_toml(Session("s", [SocketSpec("a", "PUB", bind=eps)]), stem="s")
    assert "bind = [\n    \"tcp://127.0.0.1:5550\",\n" in text
    assert parse_toml(text, "s").sockets[0].bind == eps


def test_hand_written_shorthands():
    session = parse_toml(
        'version = 1\n[[socket]]\nname = "s"\ntype = "sub"\nconnect = "tcp://127.0.0.1:1"\n'
        'subscribe = "1"\nformat = "HEX"\n[socket.options]\nimmediate = true\n'
        '[[socket]]\nname = "p"\ntype = "pub"\n[socket.repeat]\nframes = "x"\ninterval_ms = 5\n',
        "f",
    )
    sub, pub = session.sockets
    assert (sub.type, sub.connect, sub.subscribe, sub.format) == (
        "SUB", ["tcp://127.0.0.1:1"], [b"1"], "hex")
    assert sub.options == {"immediate": 1}
    assert pub.repeat == [RepeatSpec(["x"], 5)]


def test_reply_empty_means_echo_and_absent_means_off():
    text = 'version = 1\n[[socket]]\nname = "r"\ntype = "REP"\nreply = []\n'
    assert parse_toml(text, "f").sockets[0].reply == []
    text = 'version = 1\n[[socket]]\nname = "r"\ntype = "REP"\n'
    assert parse_toml(text, "f").sockets[0].reply is None


def test_the_demo_is_valid_and_round_trips():
    demo = demo_session()
    demo.validate()
    assert parse_toml(dumps(demo), "other") == demo
    assert {s.type for s in demo.sockets} >= {"REQ", "REP", "PUB", "SUB", "PUSH", "PULL",
                                              "PAIR", "ROUTER", "DEALER"}


# -- bad files -----------------------------------------------------------------------------------

HEAD = 'version = 1\n[[socket]]\nname = "a"\n'

BAD_FILES = [
    # (file content, expected message after the file name)
    ("", "the file is empty (a session file starts with 'version = 1')"),
    ("  \n\n\t\n", "the file is empty (a session file starts with 'version = 1')"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not a TOML session file"),
    (b"version = 1\n\xff\xfe\xfa oops",
     "line 2: not a text file (invalid UTF-8), not a TOML session file"),
    (HEAD + "type = REP\n",
     'line 4, column 8: not valid TOML: invalid value (text goes in quotes, e.g. type = "REP")'),
    ("version = 1\n[[socket]\n",
     "line 2, column 9: not valid TOML: expected ']]' at the end of an array declaration"),
    ('version = 1\nname = "x\n', "line 2, column 10: not valid TOML: illegal character U+000A"),
    ("version = 1\nversion = 1\n", "line 2, column 12: not valid TOML: cannot overwrite a value"),
    ("# only a comment\n", "no settings in the file (a session starts with 'version = 1')"),
    ('[[socket]]\nname = "a"\ntype = "REP"\n',
     "version: missing 'version = 1' (the session format version)"),
    ("version = 2\n",
     "version: this file is session format version 2, made by a newer zmqdash; this one reads "
     "up to version 1 (upgrade zmqdash to open it)"),
    ('version = "1"\n', "version: expected a whole number, not a string"),
    ("version = 0\n", "version: there is no session format version 0"),
    ("version = 1\nsockets = []\n", "sockets: unknown key 'sockets'; did you mean 'socket'?"),
    ('version = 1\nname = 3\n', "name: expected a string, not a whole number"),
    ("version = 1\n[socket]\nname = 'a'\n",
     "socket: expected [[socket]] tables (with double brackets)"),
    ("version = 1\n[[socket]]\ntype = 'REP'\n", "socket[0]: missing key 'name'"),
    (HEAD, "socket[0]: missing key 'type'"),
    (HEAD + "type = 'REPLY'\n", "socket[0].type: unknown socket type 'REPLY' (did you mean REP?)"),
    (HEAD + "type = 'BUS'\n",
     "socket[0].type: unknown socket type 'BUS' (one of REQ, REP, PUB, SUB, PUSH, PULL, PAIR, "
     "ROUTER, DEALER, XPUB, XSUB)"),
    (HEAD + "type = 5\n", "socket[0].type: expected a string, not a whole number"),
    (HEAD + "type = 'REP'\nbind = 5555\n",
     "socket[0].bind: expected an array of strings, not a whole number"),
    (HEAD + "type = 'REP'\nbind = ['tcp://127.0.0.1:1', 2]\n",
     "socket[0].bind[1]: expected a string, not a whole number"),
    (HEAD + "type = 'REP'\nbnd = []\n", "socket[0].bnd: unknown key 'bnd'; did you mean 'bind'?"),
    (HEAD + "type = 'REP'\nbind = ['tcp://127.0.0.1']\n",
     "socket[0].bind[0]: bind tcp://127.0.0.1: tcp needs a port, e.g. tcp://127.0.0.1:5555"),
    (HEAD + "type = 'REP'\nbind = ['localhost:5555']\n",
     "socket[0].bind[0]: bind localhost:5555: not an endpoint; expected transport://address, "
     "e.g. tcp://127.0.0.1:5555, ipc:///tmp/feed.sock or inproc://name"),
    (HEAD + "type = 'REQ'\nconnect = ['tcp://127.0.0.1:*']\n",
     "socket[0].connect[0]: connect tcp://127.0.0.1:*: a wildcard port only makes sense for "
     "bind"),
    (HEAD + "type = 'REQ'\nconnect = ['tcp://127.0.0.1:70000']\n",
     "socket[0].connect[0]: connect tcp://127.0.0.1:70000: port must be a number from 1 to "
     "65535, or * to bind"),
    (HEAD + "type = 'REQ'\n" + '[[socket]]\nname = "a"\ntype = "REP"\n',
     "socket[1].name: duplicate socket name 'a' (also socket[0])"),
    ('version = 1\n[[socket]]\nname = " "\ntype = "REP"\n', "socket[0].name: the socket name "
     "is empty"),
    ('version = 1\n[[socket]]\nname = "a\\u001b[2J"\ntype = "REP"\n',
     "socket[0].name: the socket name holds a character that does not show as itself "
     "(U+001B)"),
    ('version = 1\n[[socket]]\nname = "a\\u200b"\ntype = "REP"\n',
     "socket[0].name: the socket name holds a character that does not show as itself "
     "(U+200B)"),
    (HEAD + "type = 'REP'\nformat = 'xml'\n",
     "socket[0].format: unknown format 'xml' (one of auto, text, hex, json)"),
    (HEAD + "type = 'PUB'\nsubscribe = ['1']\n",
     "socket[0].subscribe: only SUB and XSUB sockets take subscriptions, not PUB"),
    (HEAD + "type = 'SUB'\nsubscribe = ['a', 'b', 'hex:61']\n",
     "socket[0].subscribe[2]: the same prefix twice (also subscribe[0])"),
    (HEAD + "type = 'SUB'\nsubscribe = ['hex:zz']\n",
     "socket[0].subscribe[0]: hex: invalid character 'z' at position 5"),
    (HEAD + "type = 'SUB'\nsubscribe = ['@/etc/passwd']\n",
     "socket[0].subscribe[0]: a file (@path) cannot be used here; write @@ or text:@ for a "
     "literal '@'"),
    (HEAD + "type = 'REQ'\nreply = ['x']\n",
     "socket[0].reply: only REP and ROUTER sockets auto-reply, not REQ"),
    (HEAD + "type = 'REP'\n[socket.options]\nlingr = 0\n",
     "socket[0].options.lingr: unknown socket option 'lingr'; did you mean linger?"),
    (HEAD + "type = 'REP'\n[socket.options]\nlinger = 'soon'\n",
     "socket[0].options.linger: option linger takes a whole number (or true/false), not 'soon'"),
    (HEAD + "type = 'REP'\n[socket.options]\nlinger = 1.5\n",
     "socket[0].options.linger: an option value must be a string, a whole number or "
     "true/false, not a decimal number"),
    (HEAD + "type = 'REP'\noptions = 3\n",
     "socket[0].options: expected a table ([socket.options]), not a whole number"),
    (HEAD + "type = 'PULL'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = 10\n",
     "socket[0].repeat: a PULL socket cannot send, so it cannot repeat-send"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = ['x']\n",
     "socket[0].repeat[0]: missing key 'interval_ms'"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = 0\n",
     "socket[0].repeat[0].interval_ms: the interval (ms) must be at least 1, not 0"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = '1s'\n",
     "socket[0].repeat[0].interval_ms: expected a whole number of milliseconds, not a string"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = []\ninterval_ms = 5\n",
     "socket[0].repeat[0].frames: a repeat-sender needs at least one frame"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = 5\ncount = 0\n",
     "socket[0].repeat[0].count: the count must be at least 1, not 0 (leave it out to repeat "
     "until stopped)"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = 5\nevery = 1\n",
     "socket[0].repeat[0].every: unknown key 'every' (known: frames, interval_ms, count, peer)"),
    (HEAD + "type = 'ROUTER'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = 5\n",
     "socket[0].repeat[0].peer: a ROUTER's repeat-sender needs a peer (or the peer's identity "
     "as its first frame)"),
    (HEAD + "type = 'DEALER'\n[[socket.repeat]]\nframes = ['x']\ninterval_ms = 5\npeer = 'p'\n",
     "socket[0].repeat[0].peer: only a ROUTER's repeat-sender names a peer"),
    (HEAD + "type = 'PUB'\n[[socket.repeat]]\nframes = ['@/etc/passwd']\ninterval_ms = 5\n",
     "socket[0].repeat[0].frames[0]: a session file never reads other files: put the payload "
     "in the file with hex: or b64:, or write @@ for a literal @"),
    (HEAD + "type = 'REP'\nreply = ['@~/.ssh/id_rsa']\n",
     "socket[0].reply[0]: a session file never reads other files: put the payload in the file "
     "with hex: or b64:, or write @@ for a literal @"),
    (HEAD + "type = 'DEALER'\n[socket.options]\nrouting_id = '@/etc/hostname'\n",
     "socket[0].options.routing_id: option routing_id: a file (@path) cannot be used here; "
     "write @@ or text:@ for a literal '@'"),
    (HEAD + "type = 'PUB'\nsnippets = [1]\n",
     "socket[0].snippets[0]: expected a string, not a whole number"),
    (HEAD + "type = 'PUB'\nbind = 2024-01-01\n",
     "socket[0].bind: expected an array of strings, not a date/time"),
]


@pytest.mark.parametrize("content, message", BAD_FILES,
                         ids=[str(i) for i in range(len(BAD_FILES))])
def test_bad_file_gives_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    before = _snapshot(tmp_path)
    with pytest.raises(SessionError) as info:
        load(path)
    assert str(info.value) == f"{path}: {message}"
    assert info.value.file == str(path)
    assert _snapshot(tmp_path) == before  # loading never writes


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SessionError, match=r"nope\.toml: cannot read: No such file"):
        load(tmp_path / "nope.toml")
    with pytest.raises(SessionError, match=r": cannot read: Is a directory"):
        load(tmp_path)


def test_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.toml"
    with open(path, "wb") as f:
        f.write(b"version = 1\n")
        f.truncate(9 << 20)
    with pytest.raises(SessionError, match="too large for a session file"):
        load(path)


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeffversion = 1\n".encode())
    assert load(path) == Session("bom", [])


def test_an_empty_session_is_valid(tmp_path):
    save(Session("empty", []), tmp_path / "empty.toml")
    assert load(tmp_path / "empty.toml") == Session("empty", [])


def _snapshot(folder: Path) -> dict[str, tuple[float, bytes]]:
    return {
        name: (os.stat(folder / name).st_mtime_ns, (folder / name).read_bytes())
        for name in sorted(os.listdir(folder))
        if (folder / name).is_file()
    }


@pytest.mark.parametrize("doc", ["docs/sessions.md", "README.md"])
def test_the_documented_example_loads(doc):
    text = (Path(__file__).resolve().parent.parent / doc).read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    session = parse_toml(block, "lab")
    assert [(s.name, s.type) for s in session.sockets] == [
        ("server", "REP"), ("client", "REQ"), ("updates", "SUB"), ("hub", "ROUTER")]
    assert session.socket("updates").subscribe == [b"1", b"\x00\xff"]
    assert session.socket("hub").repeat[0].peer == b"worker-1"
    assert session.socket("hub").options == {"router_mandatory": 1}
