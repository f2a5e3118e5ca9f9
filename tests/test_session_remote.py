"""Sessions with connects through SSH and CURVE/PLAIN sockets: the file form, what is never
written (a secret nobody asked to keep), 0600 when one is, and rebuilding them in an engine."""

from __future__ import annotations

import os
import stat

import pytest
import zmq
from conftest import wait_received, wait_until

from zmqdash.engine import commands as C
from zmqdash.engine.credentials import CLIENT, CURVE, PLAIN, SERVER, Credentials
from zmqdash.engine.keys import write_key_pair
from zmqdash.session import Session, SessionError, SocketSpec, apply, capture, load, parse_toml
from zmqdash.session import save as save_session


def text(body: str) -> str:
    return "version = 1\n\n[[socket]]\nname = \"s\"\ntype = \"REQ\"\n" + body


def test_a_connect_through_ssh_is_an_inline_table_and_round_trips(tmp_path):
    session = parse_toml(text(
        'connect = ["tcp://127.0.0.1:1", { endpoint = "tcp://10.0.0.5:5555", via = '
        '"ops@bastion:2222" }, { endpoint = "ipc:///run/app.sock", via = "lab" }]\n'), "x")
    sock = session.sockets[0]
    assert sock.connect == ["tcp://127.0.0.1:1", "tcp://10.0.0.5:5555", "ipc:///run/app.sock"]
    assert sock.via == {"tcp://10.0.0.5:5555": "ops@bastion:2222", "ipc:///run/app.sock": "lab"}
    path = tmp_path / "x.toml"
    save_session(session, path)
    assert load(path) == session
    assert '{ endpoint = "tcp://10.0.0.5:5555", via = "ops@bastion:2222" }' in path.read_text()


@pytest.mark.parametrize("body, where, words", [
    ('connect = [{ endpoint = "tcp://h:1", via = "-oProxyCommand=touch x" }]\n',
     "socket[0].connect[0].via", "would be read as an ssh option"),
    ('connect = [{ endpoint = "inproc://x", via = "lab" }]\n', "socket[0].connect[0].endpoint",
     "only tcp:// and ipc://"),
    ('connect = [{ endpoint = "ipc://rel.sock", via = "lab" }]\n',
     "socket[0].connect[0].endpoint", "absolute path"),
    ('connect = [{ endpoint = "tcp://h:1", via = "a b" }]\n', "socket[0].connect[0].via",
     "spaces"),
    ('connect = [{ endpoint = "tcp://h:1", viaa = "lab" }]\n', "socket[0].connect[0].viaa",
     "did you mean 'via'"),
    ('connect = [{ via = "lab" }]\n', "socket[0].connect[0].endpoint", "expected endpoint"),
    ('[socket.curve]\nrole = "boss"\n', "socket[0].curve", "server or a client"),
    ('[socket.curve]\nrole = "client"\n', "socket[0].curve", "needs the server's public key"),
    ('[socket.curve]\nrole = "server"\nsecret_key = "short"\n', "socket[0].curve.secret_key",
     "40 characters of Z85"),
    ('[socket.plain]\nrole = "client"\nusername = "u"\npassword_file = "~/.ssh/id_rsa"\n',
     "socket[0].plain.password_file", "not a path"),
    ('[socket.plain]\nrole = "client"\nusername = "u"\npassword_file = "/etc/passwd"\n',
     "socket[0].plain.password_file", "not a path"),
    ('[socket.curve]\nrole = "server"\nsecret_key_file = "k"\n[socket.plain]\nrole = "server"\n',
     "socket[0].plain", "CURVE or PLAIN, not both"),
    ('[socket.curve]\nrole = "server"\nsecret_key_file = "k"\nallow = ["nope"]\n',
     "socket[0].curve", "not an IP address"),
])
def test_mistakes_name_their_key(body, where, words):
    with pytest.raises(SessionError) as err:
        parse_toml(text(body), "x")
    assert err.value.where == where and words in err.value.problem, str(err.value)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_typed_secret_is_written_only_when_asked_and_then_0600(tmp_path):
    _, secret = zmq.curve_keypair()
    secret = secret.decode()
    server = SocketSpec("srv", "REP", bind=["tcp://127.0.0.1:*"],
                        security=Credentials(CURVE, SERVER, secret_key=secret))
    path = tmp_path / "s.toml"
    save_session(Session("s", [server]), path)
    assert secret not in path.read_text() and "secret_key =" not in path.read_text()
    assert "# the secret key was typed in the dashboard and is not kept here" in path.read_text()
    assert load(path).sockets[0].security.secret_key == ""  # the file opens; securing says why
    assert _mode(path) == 0o666 & ~_umask()  # an ordinary file: nothing secret in it
    server.security = Credentials(CURVE, SERVER, secret_key=secret, embed_secret=True)
    save_session(Session("s", [server]), path)
    assert f'secret_key = "{secret}"' in path.read_text()
    assert _mode(path) == 0o600
    assert load(path).sockets[0].security == server.security  # read back: still embedded
    plain = SocketSpec("c", "REQ", connect=["tcp://127.0.0.1:1"],
                       security=Credentials(PLAIN, CLIENT, username="ops", password="pw!"))
    save_session(Session("p", [plain]), tmp_path / "p.toml")
    assert "pw!" not in (tmp_path / "p.toml").read_text()
    plain.security = Credentials(PLAIN, CLIENT, username="ops", password="pw!",
                                 embed_secret=True)
    save_session(Session("p", [plain]), tmp_path / "p.toml")
    assert 'password = "pw!"' in (tmp_path / "p.toml").read_text()
    assert _mode(tmp_path / "p.toml") == 0o600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_session_of_curve_sockets_by_key_names_is_built_and_captured_again(
        engine, tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    keys = tmp_path / "config" / "keys"
    write_key_pair(keys, "server")
    write_key_pair(keys / "clients", "laptop")
    (keys / "clients" / "laptop.key_secret").rename(keys / "laptop.key_secret")
    session = parse_toml(f'''version = 1

[[socket]]
name = "srv"
type = "REP"
bind = ["ipc://{tmp_path}/s.sock"]
reply = []

[socket.curve]
role = "server"
secret_key_file = "server"
allow_keys = ["clients"]

[[socket]]
name = "cli"
type = "REQ"
connect = ["ipc://{tmp_path}/s.sock"]

[socket.curve]
role = "client"
server_key = "server"
secret_key_file = "laptop"
''', "lab")
    assert apply(engine, session) == []
    engine.call(C.Send("cli", (b"over curve",)))
    assert wait_received(engine, "cli", 1) == [[b"over curve"]]
    wait_until(engine, lambda: engine.view("cli").endpoints[0].handshake == "CURVE handshake ok")
    again = capture(engine, "lab")
    assert [s.security for s in again.sockets] == [s.security for s in session.sockets]


def test_a_socket_whose_key_is_missing_is_not_bound_without_it(engine, tmp_path):
    kept_nothing = Session("y", [SocketSpec("srv2", "REP", bind=["tcp://127.0.0.1:*"],
                                            security=Credentials(CURVE, SERVER))])
    errors = apply(engine, kept_nothing)
    assert len(errors) == 1 and "keeps a typed one only when asked" in errors[0], errors
    assert engine.view("srv2").endpoints == ()
    session = Session("x", [SocketSpec(
        "srv", "REP", bind=["tcp://127.0.0.1:*"],
        security=Credentials(CURVE, SERVER, secret_key=str(tmp_path / "gone.key_secret")))])
    errors = apply(engine, session)
    assert len(errors) == 1 and "nor an existing key file" in errors[0], errors
    assert engine.view("srv").endpoints == ()  # never listening unencrypted


def test_show_as_code_has_the_tunnel_and_the_security_but_never_a_typed_secret():
    from zmqdash.session.as_code import socket_as_code

    _, secret = zmq.curve_keypair()
    client = SocketSpec("c", "REQ", connect=["tcp://127.0.0.1:5555"],
                        via={"tcp://127.0.0.1:5555": "ops@bastion"},
                        security=Credentials(CURVE, CLIENT, server_key="server",
                                             secret_key="laptop"))
    code = socket_as_code(client)
    assert "--ssh ops@bastion" in code.command
    assert "--curve-client server --curve-secret laptop" in code.command
    assert any("leaves out the socket's CURVE security" in note for note in code.notes)
    server = SocketSpec("s", "REP", bind=["tcp://*:5555"],
                        security=Credentials(CURVE, SERVER, secret_key=secret.decode(),
                                             allow=("10.0.0.0/8",), allow_keys=("clients",)))
    code = socket_as_code(server)
    assert secret.decode() not in code.command + code.program + " ".join(code.notes)
    assert "--curve-server SECRET_KEY_FILE" in code.command
    assert "--allow-keys clients" in code.command and "--allow 10.0.0.0/8" in code.command
    plain = SocketSpec("p", "REQ", connect=["tcp://127.0.0.1:1"],
                       security=Credentials(PLAIN, CLIENT, username="ops", password="pw!"))
    code = socket_as_code(plain)
    assert "--plain-client ops" in code.command and "pw!" not in code.command
