"""Every message path of the command line, fed text that carries terminal escapes.

Each case puts :data:`hostile.EVIL` (an OSC title sequence, a C1 CSI, a bidi override, a
zero-width space and markup) where a user or a file can put text: session file keys and values,
file names, command-line values, endpoints, folder names. The command runs in this process with
its file descriptors captured, and whatever it prints must hold no raw control, format or
separator character, while still showing the text (escaped), or naming the character it refused,
where it names the problem.
"""

from __future__ import annotations

import ast
import os
import sys
import textwrap
from pathlib import Path

import pytest
from hostile import EVIL, EVIL_NAME, SEEN, assert_terminal_safe, decode

import zmqdash.cli
from zmqdash.cli.main import run as cli_run


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ZMQDASH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def toml_str(text: str) -> str:
    """``text`` as a TOML basic string (control characters as \\u escapes)."""
    out = []
    for c in text:
        if c in '"\\' or ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


E = toml_str(EVIL)


def invoke(capfdbinary, argv: list[str]) -> tuple[int, str, str]:
    try:
        code = cli_run(argv)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    out, err = capfdbinary.readouterr()
    return code, decode(out), decode(err)


def check(capfdbinary, argv, *, code, shown=True):
    got, out, err = invoke(capfdbinary, argv)
    assert_terminal_safe(out, "stdout")
    assert_terminal_safe(err, "stderr")
    if code is not None:
        assert got == code, (got, out, err)
    else:
        assert got in (0, 1, 2), (got, out, err)
    if shown:  # the message shows the text, escaped, or names the character it refused
        assert SEEN.lower() in (out + err).lower() or "U+001B" in out + err, (out, err)
    return out, err


# -- zmqdash run: a session file's keys, values and name ----------------------------------------

SOCKET = 'version = 1\n[[socket]]\nname = "a"\ntype = "PUB"\n'

SESSION_FILES = {
    "option name": SOCKET + f"[socket.options]\n{E} = 1\n",
    "option value": SOCKET + f"[socket.options]\nlinger = {E}\n",
    "bytes option value": SOCKET + f'[socket.options]\nrouting_id = {toml_str("hex:" + EVIL)}\n',
    "socket type": f'version = 1\n[[socket]]\nname = "a"\ntype = {E}\n',
    "socket name": f'version = 1\n[[socket]]\nname = {E}\ntype = "PUB"\n',
    "session name": f'version = 1\nname = {E}\n',
    "bind": SOCKET + f"bind = [{E}]\n",
    "bind port": SOCKET + f"bind = [{toml_str('tcp://127.0.0.1:' + EVIL)}]\n",
    "connect transport": SOCKET + f"connect = [{toml_str(EVIL + '://x')}]\n",
    "format": SOCKET + f"format = {E}\n",
    "top-level key": f"version = 1\n{E} = 1\n",
    "socket key": SOCKET + f"{E} = 1\n",
    "subscription": f'version = 1\n[[socket]]\nname = "a"\ntype = "SUB"\n'
                    f'subscribe = [{toml_str("hex:" + EVIL)}]\n',
    "reply template": f'version = 1\n[[socket]]\nname = "a"\ntype = "REP"\n'
                      f'reply = [{toml_str("hex:" + EVIL)}]\n',
    "repeat template": SOCKET + f'[[socket.repeat]]\nframes = [{toml_str("hex:" + EVIL)}]\n'
                                "interval_ms = 10\n",
    "repeat peer": 'version = 1\n[[socket]]\nname = "a"\ntype = "ROUTER"\n'
                   f'[[socket.repeat]]\nframes = ["x"]\ninterval_ms = 10\n'
                   f'peer = {toml_str("hex:" + EVIL)}\n',
    "version": f"version = {E}\n",
    "raw control character (not TOML)": f'version = 1\nx = "{EVIL}"\n',
    "inproc endpoint in use": 'version = 1\n'
                              f'[[socket]]\nname = "a"\ntype = "PAIR"\n'
                              f'bind = [{toml_str("inproc://" + EVIL)}]\n'
                              f'[[socket]]\nname = "b"\ntype = "PAIR"\n'
                              f'bind = [{toml_str("inproc://" + EVIL)}]\n',
}


@pytest.mark.parametrize("case", SESSION_FILES)
def test_run_a_session_file(case, tmp_path, home, capfdbinary):
    path = tmp_path / "evil.toml"
    path.write_text(SESSION_FILES[case], encoding="utf-8")
    # a wrong type is named, not echoed
    check(capfdbinary, ["run", str(path), "--timeout", "0.2"], code=1, shown=case != "version")


def test_run_an_ipc_endpoint_that_cannot_be_bound(tmp_path, ipc_dir, home, capfdbinary):
    ep = f"ipc://{ipc_dir}/missing/{EVIL_NAME}.sock"
    path = tmp_path / "evil.toml"
    path.write_text(SOCKET + f"bind = [{toml_str(ep)}]\n", encoding="utf-8")
    check(capfdbinary, ["run", str(path), "--timeout", "0.2"], code=1)


@pytest.mark.parametrize("jsonl", [False, True], ids=["text", "jsonl"])
def test_run_prints_events_of_an_ipc_endpoint_named_with_escapes(jsonl, tmp_path, ipc_dir, home,
                                                                 capfdbinary):
    ep = f"ipc://{ipc_dir}/{EVIL_NAME}.sock"
    path = tmp_path / "evil.toml"
    path.write_text(SOCKET.replace("PUB", "PULL") + f"bind = [{toml_str(ep)}]\n",
                    encoding="utf-8")
    argv = ["run", str(path), "--timeout", "0.3"] + (["--jsonl"] if jsonl else [])
    out, _ = check(capfdbinary, argv, code=0)
    assert "LISTENING" in out or "listening" in out.lower()


@pytest.mark.parametrize("content", [
    b"version = 1\n[[socket]]\n",  # a socket without a name or a type
    b"\xff\xfe not UTF-8",
    b"",
], ids=["invalid", "not-utf8", "empty"])
def test_run_names_a_file_whose_name_holds_escapes(content, tmp_path, home, capfdbinary):
    path = tmp_path / f"{EVIL_NAME}.toml"
    path.write_bytes(content)
    check(capfdbinary, ["run", str(path)], code=1)


def test_run_an_unknown_session_lists_saved_names(tmp_path, home, capfdbinary):
    folder = home / "data" / "sessions"
    folder.mkdir(parents=True)
    (folder / f"{EVIL_NAME}.toml").write_text(SOCKET)
    check(capfdbinary, ["run", "nothing-" + EVIL_NAME], code=1)


def test_run_with_a_home_folder_named_with_escapes(tmp_path, monkeypatch, capfdbinary):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / EVIL_NAME))
    monkeypatch.chdir(tmp_path)
    check(capfdbinary, ["run", "nothing"], code=1)


@pytest.mark.parametrize("flag", ["--count", "--timeout"])
def test_run_a_bad_number(flag, home, capfdbinary):
    check(capfdbinary, ["run", "x", flag, EVIL], code=2)


# -- zmqdash cat: values on the command line ----------------------------------------------------

CAT_USAGE = {
    "type": [EVIL, "-b", "tcp://127.0.0.1:*"],
    "bind": ["PUB", "-b", EVIL],
    "connect port": ["PUB", "-c", "tcp://127.0.0.1:" + EVIL],
    "option name": ["PUB", "-b", "tcp://127.0.0.1:*", "-o", EVIL + "=1"],
    "option value": ["PUB", "-b", "tcp://127.0.0.1:*", "-o", "linger=" + EVIL],
    "option without value": ["PUB", "-b", "tcp://127.0.0.1:*", "-o", EVIL],
    "bytes option value": ["PUB", "-b", "tcp://127.0.0.1:*", "-o", "routing_id=hex:" + EVIL],
    "subscription": ["SUB", "-c", "tcp://127.0.0.1:5", "-s", "hex:" + EVIL],
    "send": ["PUSH", "-c", "tcp://127.0.0.1:5", "--send", "hex:" + EVIL],
    "format": ["PULL", "-b", "tcp://127.0.0.1:*", "-f", EVIL],
    "count": ["PULL", "-b", "tcp://127.0.0.1:*", "-n", EVIL],
    "timeout": ["PULL", "-b", "tcp://127.0.0.1:*", "-t", EVIL],
    "extra argument": ["PULL", "-b", "tcp://127.0.0.1:*", EVIL],
    "unknown flag": ["PULL", "--" + EVIL],
}


@pytest.mark.parametrize("case", CAT_USAGE)
def test_cat_usage_errors(case, home, capfdbinary):
    check(capfdbinary, ["cat", *CAT_USAGE[case]], code=2)


def test_cat_an_ipc_endpoint_that_cannot_be_bound(ipc_dir, home, capfdbinary):
    ep = f"ipc://{ipc_dir}/missing/{EVIL_NAME}.sock"
    check(capfdbinary, ["cat", "PULL", "-b", ep, "-t", "0.2"], code=1)


def test_cat_verbose_events_of_an_endpoint_named_with_escapes(ipc_dir, home, capfdbinary):
    ep = f"ipc://{ipc_dir}/{EVIL_NAME}.sock"
    _, err = check(capfdbinary, ["cat", "PULL", "-b", ep, "-t", "0.3", "-v"], code=0)
    assert "bound" in err


def test_cat_a_stdin_line_it_cannot_read(home, capfdbinary, monkeypatch):
    r, w = os.pipe()
    os.write(w, f"hex:{EVIL}\n".encode())
    os.close(w)
    with os.fdopen(r, "rb") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        check(capfdbinary, ["cat", "PUSH", "-b", "tcp://127.0.0.1:*", "--stdin-codec",
                            "-t", "0.2"], code=1)


@pytest.mark.parametrize("option", ["curve_secretkey", "plain_password", "socks_password"])
@pytest.mark.parametrize("value", ["abc" + EVIL, "hex:zz" + EVIL])
def test_no_message_echoes_a_secret(option, value, tmp_path, home, capfdbinary):
    path = tmp_path / "secret.toml"
    path.write_text(SOCKET + f"[socket.options]\n{option} = {toml_str(value)}\n")
    for argv in (["cat", "PUB", "-b", "tcp://127.0.0.1:*", "-o", f"{option}={value}",
                  "--no-stdin"], ["run", str(path), "--timeout", "0.2"]):
        got, out, err = invoke(capfdbinary, argv)
        assert_terminal_safe(out + err)
        assert "abc" not in err and "zz" not in err and SEEN not in err, err
        # a password is any text; a key or a hex: that is not one is refused, saying so
        if got or option == "curve_secretkey" or value.startswith("hex:"):
            assert got in (1, 2) and "not shown" in err, err


# -- zmqdash sessions, locate, open and zmqdash itself ------------------------------------------


@pytest.mark.parametrize("paths", [False, True], ids=["names", "paths"])
def test_sessions_lists_file_names_with_escapes(paths, home, capfdbinary):
    folder = home / "data" / "sessions"
    folder.mkdir(parents=True)
    (folder / f"{EVIL_NAME}.toml").write_text(SOCKET)
    out, _ = check(capfdbinary, ["sessions"] + (["--paths"] if paths else []), code=0)
    assert SEEN in out


@pytest.mark.parametrize("command", ["sessions", "locate"])
def test_a_home_folder_named_with_escapes(command, tmp_path, monkeypatch, capfdbinary):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path / EVIL_NAME))
    check(capfdbinary, [command], code=0)


def test_open_an_unknown_session(home, capfdbinary):
    check(capfdbinary, ["open", EVIL_NAME], code=1)


def test_open_a_file_it_cannot_load(tmp_path, home, capfdbinary):
    path = tmp_path / f"{EVIL_NAME}.toml"
    path.write_text(textwrap.dedent(SESSION_FILES["option name"]))
    check(capfdbinary, ["open", str(path)], code=1)


# -- zmqdash proxy, keygen and doctor -------------------------------------------------------

PROXY_USAGE = {
    "kind": [EVIL, "@inproc://a", "@inproc://b"],
    "frontend": ["streamer", "@" + EVIL, "@tcp://127.0.0.1:*"],
    "backend": ["streamer", "@tcp://127.0.0.1:*", ">tcp://127.0.0.1:" + EVIL],
    "option": ["streamer", "@tcp://127.0.0.1:*", "@tcp://127.0.0.1:*",
               "--frontend-option", EVIL + "=1"],
}


@pytest.mark.parametrize("case", PROXY_USAGE)
def test_proxy_usage_errors(case, home, capfdbinary):
    check(capfdbinary, ["proxy", *PROXY_USAGE[case]], code=2)


def test_proxy_an_ipc_endpoint_that_cannot_be_bound(ipc_dir, home, capfdbinary):
    ep = f"@ipc://{ipc_dir}/missing/{EVIL_NAME}.sock"
    check(capfdbinary, ["proxy", "streamer", ep, "@tcp://127.0.0.1:*", "-t", "0.2"], code=1)


@pytest.mark.parametrize("argv", [["keygen", EVIL_NAME, "-d", "x"], ["keygen", "k", "-d", EVIL]],
                         ids=["name", "folder"])
def test_keygen_names_with_escapes(argv, tmp_path, home, capfdbinary):
    check(capfdbinary, argv, code=None)


def test_doctor_with_a_terminal_named_with_escapes(home, monkeypatch, capfdbinary):
    monkeypatch.setenv("TERM", EVIL_NAME)
    monkeypatch.setenv("COLORTERM", EVIL_NAME)
    check(capfdbinary, ["doctor"], code=None, shown=False)


@pytest.mark.parametrize("argv", [[EVIL], ["--" + EVIL]], ids=["command", "flag"])
def test_zmqdash_usage_errors(argv, home, capfdbinary):
    check(capfdbinary, argv, code=2)


def test_only_the_messages_module_prints():
    # every diagnostic goes through zmqdash.cli.messages, which escapes the whole line; a print
    # anywhere else in the command line could bypass it
    found = []
    for path in sorted(Path(zmqdash.cli.__file__).parent.glob("*.py")):
        if path.name == "messages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print" or \
                    isinstance(func, ast.Attribute) and func.attr == "write" and \
                    isinstance(func.value, ast.Attribute) and func.value.attr in ("stdout",
                                                                                  "stderr"):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, f"printing outside zmqdash/cli/messages.py: {found}"
