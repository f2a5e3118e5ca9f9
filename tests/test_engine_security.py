"""CURVE and PLAIN in the engine, against separate pyzmq processes (tests/peers), and the ZAP
authenticator the engine runs in its own context: every handshake result in words."""

from __future__ import annotations

import pytest
import zmq
from conftest import entries, events, wait_received, wait_until

from zmqdash.engine import ERROR, EngineError
from zmqdash.engine import commands as C
from zmqdash.engine.credentials import CLIENT, CURVE, PLAIN, SERVER, Credentials
from zmqdash.engine.keys import write_key_pair


def pair() -> tuple[str, str]:
    public, secret = zmq.curve_keypair()
    return public.decode(), secret.decode()


def endpoint(engine, name):
    return engine.view(name).endpoints[0]


def curve_server(engine, name="srv", secret=None, **lists) -> str:
    """An engine REP that answers ``Echo: ...``, CURVE server; returns its real endpoint."""
    engine.call(C.Create(name, "REP"))
    engine.call(C.Secure(name, Credentials(CURVE, SERVER, secret_key=secret, **lists)))
    real = engine.call(C.Bind(name, "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply(name, ("Echo: {body}",)))
    return real


def curve_client(engine, name, real, server_key, secret="") -> None:
    engine.call(C.Create(name, "REQ"))
    engine.call(C.Secure(name, Credentials(CURVE, CLIENT, server_key=server_key,
                                           secret_key=secret)))
    engine.call(C.Connect(name, real))


def handshake_words(engine, name, expect: str = "") -> str:
    """The endpoint's handshake words once they hold ``expect`` (any words if empty): across
    processes a refusal can first show as the connection closing, then as the reason."""
    return wait_until(engine, lambda: expect in endpoint(engine, name).handshake
                      and endpoint(engine, name).handshake,
                      what=f"{name}'s handshake result {expect!r}")


# -- round trips with a separate pyzmq process, both directions -----------------------------------


def test_engine_client_talks_to_a_pyzmq_curve_server(engine, spawn_peer):
    public, secret = pair()
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    curve_client(engine, "cli", peer.endpoint, public)
    engine.call(C.Send("cli", (b"secret plans",)))
    assert wait_received(engine, "cli", 1) == [[b"Echo: secret plans"]]
    ep = endpoint(engine, "cli")
    assert ep.describe() == f"connect {peer.endpoint}: connected (1 peer) - CURVE handshake ok"
    view = engine.view("cli")
    assert view.security.server_key == public and len(view.security.public_key) == 40


def test_pyzmq_curve_client_talks_to_the_engine_server(engine, spawn_peer):
    public, secret = pair()
    client_public, client_secret = pair()
    real = curve_server(engine, secret=secret)
    peer = spawn_peer("curve_client", "connect", real, public, client_secret)
    assert peer.read_line() == "Echo: hello"
    assert handshake_words(engine, "srv") == "CURVE handshake ok"
    allowed = [e for e in events(engine.view("srv")) if e.event == "ZAP_ALLOWED"]
    assert allowed and client_public in allowed[0].detail  # who connected, by key


def test_a_key_file_works_as_well_as_z85_text(engine, spawn_peer, tmp_path):
    public_file, secret_file, public = write_key_pair(tmp_path, "server")
    real = curve_server(engine, secret=str(secret_file))
    curve_client(engine, "cli", real, str(public_file))
    engine.call(C.Send("cli", (b"x",)))
    assert wait_received(engine, "cli", 1) == [[b"Echo: x"]]
    assert engine.view("srv").security.public_key == public


# -- each failure in words, the retry loop folded -----------------------------------------------


def test_wrong_server_key_in_words_on_both_sides_and_the_loop_folded(engine, spawn_peer):
    public, secret = pair()
    wrong, _ = pair()
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    curve_client(engine, "cli", peer.endpoint, wrong)
    handshake_words(engine, "cli", "wrong server key")
    view = engine.view("cli")

    def failures():
        return [e for e in events(view) if e.event.startswith("HANDSHAKE_FAILED")]

    # the client retries every 100-200 ms: one entry whose count goes up
    wait_until(engine, lambda: failures() and failures()[0].count >= 3, what="three retries")
    assert len(failures()) == 1, [e.describe() for e in events(view)]
    assert "wrong server key" in failures()[0].describe()
    # the server side: an engine server, a pyzmq client with the wrong key
    _, secret2 = pair()
    real = curve_server(engine, "srv", secret=secret2)
    spawn_peer("curve_client", "connect", real, wrong)
    handshake_words(engine, "srv", "a peer failed the handshake: wrong server key")


def test_mechanism_mismatch_both_ways(engine, spawn_peer):
    public, secret = pair()
    secured = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    engine.call(C.Create("plain", "REQ"))
    engine.call(C.Connect("plain", secured.endpoint))
    words = handshake_words(engine, "plain", "mechanism mismatch")
    assert "this socket has none" in words
    open_server = spawn_peer("echo_rep", "bind", "tcp://127.0.0.1:*")
    curve_client(engine, "cli", open_server.endpoint, public)
    handshake_words(engine, "cli", "mechanism mismatch: this socket uses CURVE, the peer does not")


# -- ZAP: allow and deny by key and by address ---------------------------------------------------


def test_zap_allows_keys_from_a_folder_and_refuses_the_others(engine, spawn_peer, tmp_path):
    public, secret = pair()
    folder = tmp_path / "clients"
    _, good_file, good_public = write_key_pair(folder, "good")
    (folder / "good.key_secret").rename(tmp_path / "good.key_secret")  # only .key files there
    real = curve_server(engine, secret=secret, allow_keys=(str(folder),))
    good_secret = open(tmp_path / "good.key_secret").read().split('secret-key = "')[1][:40]
    ok = spawn_peer("curve_client", "connect", real, public, good_secret)
    assert ok.read_line() == "Echo: hello"
    curve_client(engine, "stranger", real, public)  # a new pair: not in the folder
    words = handshake_words(engine, "stranger", "client key not allowed")
    assert words.startswith("handshake refused")
    srv = engine.view("srv")
    wait_until(engine, lambda: "client key not allowed" in endpoint(engine, "srv").handshake)
    denied = [e for e in events(srv) if e.event == "ZAP_DENIED"]
    assert denied and engine.view("stranger").security.public_key in denied[0].detail
    # a key file added to the folder later is honoured without a restart
    _, _, later = write_key_pair(folder, "later")
    (folder / "later.key_secret").rename(tmp_path / "later.key_secret")
    later_secret = open(tmp_path / "later.key_secret").read().split('secret-key = "')[1][:40]
    assert spawn_peer("curve_client", "connect", real, public, later_secret).read_line() \
        == "Echo: hello"


def test_zap_deny_keys(engine, spawn_peer):
    public, secret = pair()
    bad_public, bad_secret = pair()
    real = curve_server(engine, secret=secret, deny_keys=(bad_public,))
    curve_client(engine, "bad", real, public, bad_secret)
    handshake_words(engine, "bad", "client key not allowed")
    curve_client(engine, "good", real, public)
    assert handshake_words(engine, "good") == "CURVE handshake ok"


@pytest.mark.parametrize("lists, allowed", [
    ({"deny": ("127.0.0.1",)}, False),
    ({"allow": ("127.0.0.2",)}, False),
    ({"allow": ("127.0.0.0/8",)}, True),
    ({"deny": ("10.0.0.0/8",)}, True),
])
def test_zap_by_address(engine, lists, allowed):
    public, secret = pair()
    real = curve_server(engine, secret=secret, **lists)
    curve_client(engine, "cli", real, public)
    if allowed:
        assert handshake_words(engine, "cli") == "CURVE handshake ok"
    else:
        words = handshake_words(engine, "cli", "address denied")
        assert words.startswith("handshake refused")
        wait_until(engine, lambda: endpoint(engine, "srv").handshake.startswith(
            "a peer failed the handshake: address denied"), what="the server's words")


# -- PLAIN ---------------------------------------------------------------------------------------


def test_plain_users_file_and_a_password_never_shown(engine, tmp_path):
    users = tmp_path / "users"
    users.write_text("# name:password\nops:s3cret-pw\n")
    engine.call(C.Create("srv", "REP"))
    engine.call(C.Secure("srv", Credentials(PLAIN, SERVER, users_file=str(users))))
    real = engine.call(C.Bind("srv", "tcp://127.0.0.1:*"))
    engine.call(C.AutoReply("srv", ()))
    pw_file = tmp_path / "pw"
    pw_file.write_text("s3cret-pw\n")
    engine.call(C.Create("good", "REQ"))
    engine.call(C.Secure("good", Credentials(PLAIN, CLIENT, username="ops",
                                             password_file=str(pw_file))))
    engine.call(C.Connect("good", real))
    engine.call(C.Send("good", (b"hi",)))
    assert wait_received(engine, "good", 1) == [[b"hi"]]
    assert handshake_words(engine, "good") == "PLAIN handshake ok"
    engine.call(C.Create("bad", "REQ"))
    creds = Credentials(PLAIN, CLIENT, username="ops", password="wrong-pw")
    engine.call(C.Secure("bad", creds))
    engine.call(C.Connect("bad", real))
    handshake_words(engine, "bad", "user name or password not accepted")
    wait_until(engine, lambda: "wrong user name or password" in
               endpoint(engine, "srv").handshake, what="the server's words")
    assert "wrong-pw" not in repr(creds) and "s3cret" not in repr(creds)
    for name in ("srv", "good", "bad"):
        for entry in entries(engine.view(name)):
            text = str(entry[4].describe() if hasattr(entry[4], "describe") else entry[4])
            assert "s3cret" not in text and "wrong-pw" not in text, text


# -- mistakes ------------------------------------------------------------------------------------


def test_mistakes_are_refused_in_words_and_never_quote_a_secret(engine, tmp_path):
    engine.call(C.Create("s", "REP"))
    typo = "x" * 39 + "~"  # 40 characters, not Z85
    with pytest.raises(EngineError) as err:
        engine.call(C.Secure("s", Credentials(CURVE, SERVER, secret_key=typo)))
    assert typo not in str(err.value) and "Z85" in str(err.value)
    slashed = "ab/" + "x" * 36 + "~"  # Z85 has '/': a mistyped secret can look like a path
    with pytest.raises(EngineError) as err:
        engine.call(C.Secure("s", Credentials(CURVE, SERVER, secret_key=slashed)))
    assert slashed not in str(err.value) and "may be a secret" in str(err.value)
    secret_file = tmp_path / "notakey"
    secret_file.write_text("password = hunter2\n")
    with pytest.raises(EngineError) as err:
        engine.call(C.Secure("s", Credentials(CURVE, SERVER, secret_key=str(secret_file))))
    assert "not a CURVE key file" in str(err.value) and "hunter2" not in str(err.value)
    with pytest.raises(EngineError, match="needs its secret key"):
        engine.call(C.Secure("s", Credentials(CURVE, SERVER)))
    with pytest.raises(EngineError, match="needs the server's public key"):
        engine.call(C.Secure("s", Credentials(CURVE, CLIENT)))
    with pytest.raises(EngineError, match="not an IP address"):
        engine.call(C.Secure("s", Credentials(CURVE, SERVER, secret_key=pair()[1],
                                              allow=("localhost-ish",))))
    with pytest.raises(EngineError, match="no such folder"):
        engine.call(C.Secure("s", Credentials(CURVE, SERVER, secret_key=pair()[1],
                                              allow_keys=(str(tmp_path / "missing"),))))
    engine.call(C.Bind("s", "tcp://127.0.0.1:*"))
    with pytest.raises(EngineError, match="before a socket binds or connects"):
        engine.call(C.Secure("s", Credentials(CURVE, SERVER, secret_key=pair()[1])))
    errors = [e[4] for e in entries(engine.view("s"), ERROR)]
    assert errors and not any(typo in text for text in errors)
