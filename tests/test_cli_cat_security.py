"""``zmqdash cat`` with CURVE and PLAIN, against separate pyzmq processes (tests/peers)."""

from __future__ import annotations

import zmq
from conftest import read_line, run_cat, wait_or_dump

from zmqdash.engine.keys import write_key_pair


def pair() -> tuple[str, str]:
    public, secret = zmq.curve_keypair()
    return public.decode(), secret.decode()


def test_cat_curve_client_reaches_a_pyzmq_curve_server(spawn_peer):
    public, secret = pair()
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    result = run_cat("REQ", "-c", peer.endpoint, "--curve-client", public, "--send", "hi", "-v")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Echo: hi\n"
    assert b"CURVE handshake ok" in result.stderr


def test_a_key_that_starts_with_a_dash_is_a_key_not_an_option(spawn_peer):
    # one Z85 key in 85 starts with "-": argparse took it for an option and cat said
    # "--curve-client: expected one argument"
    for _ in range(20_000):
        public, secret = pair()
        if public.startswith("-"):
            break
    assert public.startswith("-")
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    result = run_cat("REQ", "-c", peer.endpoint, "--curve-client", public, "--send", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Echo: hi\n"


def test_a_pyzmq_curve_client_reaches_cat_as_a_curve_server_by_key_name(
        spawn_peer, start_cat, tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    _, _, public = write_key_pair(tmp_path / "config" / "keys", "server")
    cat = start_cat("REP", "-b", "tcp://127.0.0.1:*", "--curve-server", "server",
                    "--reply", "Echo: {body}", "--count", "1")
    line = read_line(cat.stderr).strip()  # the socket's security first, then the bind
    assert line == f"zmqdash cat: CURVE server · key {public}"
    real = read_line(cat.stderr).strip().removeprefix("zmqdash cat: bound ")
    peer = spawn_peer("curve_client", "connect", real, public)
    assert peer.read_line() == "Echo: hello"
    assert wait_or_dump(cat, 10) == 0
    assert cat.stdout.read() == b"hello\n"


def test_cat_says_wrong_server_key_once_and_exits_1(spawn_peer):
    public, secret = pair()
    wrong, _ = pair()
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    result = run_cat("REQ", "-c", peer.endpoint, "--curve-client", wrong, "--send", "hi",
                     "--timeout", "1.5", "-v")
    assert result.returncode == 1
    err = result.stderr.decode()
    # the client retries every 100-200 ms; the loop is one line, not ten (and the hint that
    # explains it, printed once, is a line of its own)
    lines = err.splitlines()
    events = [line for line in lines if "wrong server key" in line and " hint: " not in line]
    hints = [line for line in lines if "wrong server key" in line and " hint: " in line]
    assert len(events) == 1, err
    assert len(hints) <= 1, err
    assert "no reply within 1.5 s" in err


def test_cat_plain_client_with_a_password_file(spawn_peer, start_cat, tmp_path):
    users = tmp_path / "users"
    users.write_text("ops:pa55word\n")
    server = start_cat("REP", "-b", "tcp://127.0.0.1:*", "--plain-server", "--plain-users",
                       str(users))
    read_line(server.stderr)
    real = read_line(server.stderr).strip().removeprefix("zmqdash cat: bound ")
    pw = tmp_path / "pw"
    pw.write_text("pa55word\n")
    ok = run_cat("REQ", "-c", real, "--plain-client", "ops", "--plain-password-file", str(pw),
                 "--send", "hi")
    assert ok.returncode == 0 and ok.stdout == b"hi\n", ok.stderr
    pw.write_text("guess\n")
    refused = run_cat("REQ", "-c", real, "--plain-client", "ops", "--plain-password-file",
                      str(pw), "--send", "hi", "--timeout", "1", "-v")
    assert refused.returncode == 1
    assert b"user name or password not accepted" in refused.stderr
    assert b"guess" not in refused.stderr and b"pa55word" not in refused.stderr


def test_usage_mistakes_exit_2_in_one_line_without_echoing_secrets(tmp_path):
    secret = pair()[1]
    bad_secret = secret[:-1] + "~"  # not Z85
    cases = [
        ("--curve-server", bad_secret, "-b", "tcp://127.0.0.1:*"),
        ("--curve-client", pair()[0], "--curve-server", secret, "-c", "tcp://127.0.0.1:1"),
        ("--curve-secret", secret, "-c", "tcp://127.0.0.1:1"),
        ("--allow", "127.0.0.1", "-b", "tcp://127.0.0.1:*"),
        ("--curve-server", secret, "--allow", "not-an-ip", "-b", "tcp://127.0.0.1:*"),
        ("--curve-server", str(tmp_path / "nofile"), "-b", "tcp://127.0.0.1:*"),
        ("--plain-client", "ops", "-c", "tcp://127.0.0.1:1"),
        ("--ssh", "-oProxyCommand=touch /tmp/pwned", "-c", "tcp://127.0.0.1:1"),
        ("--ssh", "lab", "-b", "tcp://127.0.0.1:*"),
        ("--ssh", "lab", "-c", "inproc://x"),
        ("--ssh", "lab", "-c", "ipc://relative.sock"),
    ]
    for args in cases:
        result = run_cat("REP" if "-b" in args else "REQ", *args)
        err = result.stderr.decode()
        assert result.returncode == 2, (args, err)
        assert err.count("\n") == 1 and err.startswith("zmqdash cat: "), (args, err)
        assert secret not in err and bad_secret not in err, (args, err)


def test_a_plain_client_against_a_curve_server_says_what_it_likely_means(spawn_peer):
    _, secret = pair()
    peer = spawn_peer("curve_server", "bind", "tcp://127.0.0.1:*", secret)
    quiet = run_cat("REQ", "-c", peer.endpoint, "--send", "hi", "--timeout", "1.5")
    assert quiet.returncode == 1
    err = quiet.stderr.decode()
    # it used to say only "no reply within 2 s"
    assert "no reply within 1.5 s" in err and "CURVE" in err, err
    loud = run_cat("REQ", "-c", peer.endpoint, "--send", "hi", "--timeout", "1.5", "-v")
    err = loud.stderr.decode()
    handshake = [line for line in err.splitlines() if "HANDSHAKE" in line]
    assert 1 <= len(handshake) <= 2, err  # folded, not a stream
    assert all("CURVE" in line for line in handshake), err
