"""``zmqdash sessions``, ``zmqdash locate`` and loading what ``open``/``demo`` show."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime

import pytest

from zmqdash.cli import sessions as cli
from zmqdash.session import Session, SessionError, SocketSpec, paths, remember, save


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ZMQDASH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def zmqdash(home, *args):
    env = dict(os.environ, ZMQDASH_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "zmqdash", *args], capture_output=True,
                          text=True, env=env, timeout=30)


def _save(name: str, mtime: float) -> None:
    path = paths.session_path(name, create_dir=True)
    save(Session(name, [SocketSpec("a", "PAIR", bind=["inproc://a"])]), path)
    os.utime(path, (mtime, mtime))


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def test_sessions_lists_newest_first(home):
    now = time.time()
    _save("nightly-build", now - 86400)
    _save("lab", now)
    _save("old", now - 7 * 86400)
    result = zmqdash(home, "sessions")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"lab            {_stamp(now)}",
        f"nightly-build  {_stamp(now - 86400)}",
        f"old            {_stamp(now - 7 * 86400)}",
    ]
    with_paths = zmqdash(home, "sessions", "--paths")
    assert with_paths.stdout.splitlines()[0] == (
        f"lab            {_stamp(now)}  {paths.sessions_dir() / 'lab.toml'}")


def test_sessions_when_there_are_none(home):
    result = zmqdash(home, "sessions")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == (f"no saved sessions in {home / 'data' / 'sessions'} (save one "
                             "from the dashboard with Ctrl+S)\n")


def test_locate(home):
    result = zmqdash(home, "locate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"config:   {home / 'config'}",
        f"sessions: {home / 'data' / 'sessions'}",
        f"state:    {home / 'config' / 'state.toml'}",
        "(ZMQDASH_HOME is set)",
    ]
    assert not home.exists()  # looking creates nothing


def test_locate_without_the_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ZMQDASH_HOME"}
    env["HOME"] = str(tmp_path)
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_DATA_HOME", None)
    result = subprocess.run([sys.executable, "-m", "zmqdash", "locate"], capture_output=True,
                            text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"config:   {tmp_path / '.config' / 'zmqdash'}",
        f"sessions: {tmp_path / '.local' / 'share' / 'zmqdash' / 'sessions'}",
        f"state:    {tmp_path / '.config' / 'zmqdash' / 'state.toml'}",
    ]


def test_resolve_for_open(home, tmp_path):
    _save("lab", time.time())
    session, path = cli.resolve_for_open("lab")
    assert (session.name, path) == ("lab", paths.session_path("lab"))
    (tmp_path / "broken.toml").write_text("version = 9\n")
    with pytest.raises(SessionError, match=r"broken\.toml: version: this file is session "
                                           r"format version 9"):
        cli.resolve_for_open("broken.toml")
    with pytest.raises(SessionError, match="no session or file named 'nope' "
                                           r"\(saved sessions: lab\)"):
        cli.resolve_for_open("nope")


def test_last_for_open(home, tmp_path):
    assert cli.last_for_open() is None
    _save("lab", time.time())
    remember(paths.session_path("lab"))
    session, path = cli.last_for_open()
    assert (session.name, path) == ("lab", paths.session_path("lab"))
    paths.session_path("lab").write_text("garbage = \n")
    with pytest.raises(SessionError, match=r"lab\.toml: line 1"):
        cli.last_for_open()
    paths.session_path("lab").unlink()
    assert cli.last_for_open() is None


def test_demo_for_open_and_run(home):
    session, path = cli.demo_for_open()
    assert (session.name, path) == ("demo", None)
    assert cli.load_for_run("demo") == (session, None)
    _save("demo", time.time())  # a saved session of that name wins
    mine, path = cli.load_for_run("demo")
    assert path == paths.session_path("demo") and mine != session
    with pytest.raises(SessionError):
        cli.load_for_run("demo2")


def test_open_with_a_bad_file_is_one_line(home, tmp_path):
    (tmp_path / "bad.toml").write_text("version = 1\n[[socket]]\nname = 'x'\n")
    result = zmqdash(home, "open", "bad.toml")
    assert result.returncode == 1
    assert result.stderr == "zmqdash: bad.toml: socket[0]: missing key 'type'\n"
