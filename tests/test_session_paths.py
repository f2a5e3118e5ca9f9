"""Where sessions live, finding one by name or path, and remembering the last one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zmqdash.session import Session, SessionError, SocketSpec, paths, save


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ZMQDASH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def _save(name: str, mtime: float | None = None) -> Path:
    path = paths.session_path(name, create_dir=True)
    save(Session(name, [SocketSpec("a", "PAIR", bind=[f"inproc://{name}"])]), path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_home_variable_puts_everything_under_one_folder(home):
    assert paths.config_dir() == home / "config"
    assert paths.data_dir() == home / "data"
    assert paths.sessions_dir() == home / "data" / "sessions"
    assert paths.state_file() == home / "config" / "state.toml"
    assert paths.session_path("lab") == home / "data" / "sessions" / "lab.toml"


def test_relative_home_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZMQDASH_HOME", "rel")
    assert paths.config_dir() == tmp_path / "rel" / "config"


def test_platform_folders_without_the_variable(monkeypatch):
    monkeypatch.delenv("ZMQDASH_HOME", raising=False)
    assert paths.config_dir().name == "zmqdash"
    assert paths.sessions_dir().parent.name == "zmqdash"
    monkeypatch.setenv("ZMQDASH_HOME", "  ")  # blank counts as unset
    assert paths.config_dir().name == "zmqdash"


def test_nothing_is_created_by_looking(home):
    assert paths.list_sessions() == []
    assert paths.last_session() is None
    paths.session_path("lab")
    assert not home.exists()


def test_list_sessions_newest_first_and_only_sessions(home):
    _save("old", 1_000_000)
    _save("new", 3_000_000)
    _save("mid", 2_000_000)
    folder = paths.sessions_dir()
    (folder / "mid.toml.bak").write_text("x")
    (folder / ".mid.toml.abc.tmp").write_text("x")
    (folder / "notes.txt").write_text("x")
    (folder / "dir.toml").mkdir()
    listed = paths.list_sessions()
    assert [(name, p.name, mtime) for name, p, mtime in listed] == [
        ("new", "new.toml", 3_000_000),
        ("mid", "mid.toml", 2_000_000),
        ("old", "old.toml", 1_000_000),
    ]


@pytest.mark.parametrize("bad", ["", " ", "a/b", "../x", ".hidden", "a\x00b", "tab\there"])
def test_bad_session_names(home, bad):
    with pytest.raises(SessionError):
        paths.session_path(bad)


def test_resolve_a_saved_name(home):
    saved = _save("lab")
    assert paths.resolve("lab") == saved
    assert paths.resolve("lab.toml") == saved  # no such file here, so the saved one


def test_resolve_paths(home, tmp_path):
    here = tmp_path / "here.toml"
    here.write_text("version = 1\n")
    assert paths.resolve("here.toml") == Path("here.toml")
    assert paths.resolve(str(here)) == here
    assert paths.resolve(here) == here
    assert paths.resolve("./here.toml") == Path("here.toml")
    with pytest.raises(SessionError) as info:
        paths.resolve("sub/missing.toml")
    assert str(info.value) == "sub/missing.toml: no such file"


def test_a_file_in_the_current_folder_wins_over_a_saved_name_with_toml(home, tmp_path):
    _save("lab")
    (tmp_path / "lab.toml").write_text("version = 1\n")
    assert paths.resolve("lab.toml") == Path("lab.toml")
    assert paths.resolve("lab") == paths.session_path("lab")  # a bare name is a saved one


def test_a_bare_name_falls_back_to_a_file(home, tmp_path):
    (tmp_path / "topology").write_text("version = 1\n")
    assert paths.resolve("topology") == Path("topology")


def test_unknown_name_lists_what_exists(home):
    with pytest.raises(SessionError) as info:
        paths.resolve("lab")
    assert str(info.value) == (
        f"no session or file named 'lab' (there are no saved sessions in {paths.sessions_dir()})"
    )
    _save("alpha", 1_000_000)
    _save("beta", 2_000_000)
    with pytest.raises(SessionError) as info:
        paths.resolve("lab")
    assert str(info.value) == "no session or file named 'lab' (saved sessions: beta, alpha)"


def test_remember_the_last_session(home, tmp_path):
    saved = _save("lab")
    assert paths.remember(saved) is True
    assert paths.last_session() == saved
    (tmp_path / "rel.toml").write_text("version = 1\n")
    assert paths.remember("rel.toml")
    assert paths.last_session() == tmp_path / "rel.toml"  # kept as an absolute path
    (tmp_path / "rel.toml").unlink()
    assert paths.last_session() is None  # gone: nothing to reopen


def test_odd_names_survive_the_state_file(home, tmp_path):
    odd = tmp_path / 'quote " back \\ slash ✓.toml'
    odd.write_text("version = 1\n")
    paths.remember(odd)
    assert paths.last_session() == odd


@pytest.mark.parametrize("content, problem", [
    (b"\xff\x00garbage", "damaged: not a text file (invalid UTF-8)"),
    (b"last_session = /x.toml\n", "line 1, column 16: damaged: not valid TOML: invalid value"),
    (b"last_session = 5\n", "last_session: damaged: expected the path of a session file"),
])
def test_a_damaged_state_file_says_so(home, content, problem):
    # it used to be ignored without a word
    paths.state_file().parent.mkdir(parents=True)
    paths.state_file().write_bytes(content)
    with pytest.raises(SessionError) as err:
        paths.last_session()
    assert str(err.value).startswith(f"{paths.state_file()}: {problem}"), str(err.value)
    paths.state_file().write_text("other = 1\n")  # nothing remembered: nothing to say
    assert paths.last_session() is None


def test_remember_is_best_effort(home, monkeypatch):
    home.mkdir()
    (home / "config").write_text("a file where the folder should be")
    assert paths.remember(home / "x.toml") is False
