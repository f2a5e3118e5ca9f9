"""Saving is atomic, keeps a backup, never damages the old file, and protects secrets."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from zmqdash.session import RepeatSpec, Session, SessionError, SocketSpec, load, save, store


def _session(name="lab", greeting="hello") -> Session:
    return Session(name, [
        SocketSpec("server", "REP", bind=["tcp://127.0.0.1:5555"], reply=[greeting]),
        SocketSpec("client", "REQ", connect=["tcp://127.0.0.1:5555"],
                   repeat=[RepeatSpec(["ping {seq}"], 1000)]),
    ])


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "lab.toml"
    save(_session(), path)
    return path


def test_save_writes_and_keeps_a_backup(saved, tmp_path):
    first = saved.read_bytes()
    assert not (tmp_path / "lab.toml.bak").exists()
    save(_session(greeting="bonjour"), saved)
    assert (tmp_path / "lab.toml.bak").read_bytes() == first
    assert load(saved).socket("server").reply == ["bonjour"]
    save(_session(greeting="hallo"), saved)
    assert load(tmp_path / "lab.toml.bak").socket("server").reply == ["bonjour"]
    assert sorted(os.listdir(tmp_path)) == ["lab.toml", "lab.toml.bak"]


def test_backup_is_copied_where_hard_links_are_refused(saved, tmp_path, monkeypatch):
    first = saved.read_bytes()

    def no_links(src, dst, *a, **k):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    save(_session(greeting="bonjour"), saved)
    assert (tmp_path / "lab.toml.bak").read_bytes() == first
    assert sorted(os.listdir(tmp_path)) == ["lab.toml", "lab.toml.bak"]


@pytest.mark.parametrize("fail", ["replace", "fsync", "write", "link", "open"])
def test_failed_save_leaves_the_old_file_intact(saved, tmp_path, monkeypatch, fail):
    save(_session(greeting="second"), saved)  # so there is a backup too
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    disk_full = OSError(errno.ENOSPC, "No space left on device")

    def boom(*args, **kwargs):
        raise disk_full

    if fail == "write":
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def fileno(self):
                return self.f.fileno()

            def write(self, data):
                self.f.write(data[: len(data) // 2])  # a partial write, then the failure
                raise disk_full

            def flush(self):
                self.f.flush()

        monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(os, fail, boom)

    with pytest.raises(SessionError) as info:
        save(_session(greeting="third"), saved)
    assert str(info.value) == f"{saved}: cannot save: No space left on device"
    monkeypatch.undo()
    after = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    assert after == before  # byte for byte, and no temporary file left behind


def test_interrupted_save_leaves_no_temporary_file(saved, tmp_path, monkeypatch):
    before = saved.read_bytes()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(_session(greeting="other"), saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["lab.toml"]


def test_invalid_session_is_not_saved(saved):
    before = saved.read_bytes()
    bad = _session()
    bad.sockets[1].name = "server"
    with pytest.raises(SessionError) as info:
        save(bad, saved)
    assert str(info.value) == (
        f"{saved}: socket[1].name: not saved: duplicate socket name 'server' (also socket[0])"
    )
    assert saved.read_bytes() == before


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(SessionError, match=r"cannot save: folder .*nowhere does not exist"):
        save(_session(), tmp_path / "nowhere" / "x.toml")


def test_secret_keys_make_the_file_private(tmp_path):
    path = tmp_path / "secure.toml"
    session = _session()
    session.sockets[0].options = {"curve_server": 1,
                                  "curve_secretkey": "hex:" + "ab" * 32}
    save(session, path)
    assert _mode(path) == 0o600
    assert load(path) == session


@pytest.mark.parametrize("option", ["CURVE_SECRETKEY", "plain_password", "curve-secretkey",
                                    "socks_password", "SOCKS-PASSWORD", "wss_key_pem"])
def test_every_spelling_of_a_secret_counts(tmp_path, option):
    session = _session()
    session.sockets[1].options = {option: "x"}
    save(session, tmp_path / "s.toml")
    assert _mode(tmp_path / "s.toml") == 0o600


def test_plain_files_follow_the_umask_and_keep_their_mode(tmp_path):
    old = os.umask(0o022)
    try:
        save(_session(), tmp_path / "a.toml")
        assert _mode(tmp_path / "a.toml") == 0o644
        os.chmod(tmp_path / "a.toml", 0o640)
        save(_session(greeting="again"), tmp_path / "a.toml")
        assert _mode(tmp_path / "a.toml") == 0o640
    finally:
        os.umask(old)


def test_adding_a_secret_to_a_shared_file_makes_it_private(saved):
    os.chmod(saved, 0o644)
    session = _session()
    session.sockets[0].options = {"plain_password": "hunter2"}
    save(session, saved)
    assert _mode(saved) == 0o600


def test_saving_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    save(_session(), real / "lab.toml")
    link = tmp_path / "lab.toml"
    link.symlink_to(real / "lab.toml")
    save(_session(greeting="via link"), link)
    assert link.is_symlink()
    assert load(real / "lab.toml").socket("server").reply == ["via link"]
    assert (real / "lab.toml.bak").exists()


def test_dumps_matches_what_save_writes(saved):
    assert store.dumps(_session(), saved).encode() == saved.read_bytes()
