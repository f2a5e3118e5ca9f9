"""``zmqdash keygen``: CURVE key pairs in files others can read (czmq's and zmq.auth's)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import zmq
import zmq.auth
from conftest import child_env


def keygen(*args: str, home, umask: int | None = None) -> subprocess.CompletedProcess:
    env = child_env()
    env["ZMQDASH_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "zmqdash", "keygen", *args], capture_output=True, text=True,
        env=env, timeout=20, preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def test_keygen_writes_a_pair_in_the_config_folder_secret_0600(tmp_path):
    result = keygen("server", home=tmp_path, umask=0)  # even with a umask that takes nothing
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "config" / "keys"
    public_file, secret_file = folder / "server.key", folder / "server.key_secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(public_file.stat().st_mode) == 0o644
    public, none = zmq.auth.load_certificate(public_file)
    assert none is None
    public2, secret = zmq.auth.load_certificate(secret_file)
    assert public == public2 and zmq.curve_public(secret) == public
    assert result.stdout == public.decode() + "\n"  # the public key alone on stdout
    assert str(public_file) in result.stderr and str(secret_file) in result.stderr
    assert secret.decode() not in result.stdout + result.stderr
    assert zmq.auth.load_certificates(folder) == {public: True}  # a folder zmq.auth reads


def test_keygen_never_overwrites_unless_forced_and_writes_where_told(tmp_path):
    assert keygen("a", home=tmp_path).returncode == 0
    before = (tmp_path / "config" / "keys" / "a.key_secret").read_bytes()
    again = keygen("a", home=tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert (tmp_path / "config" / "keys" / "a.key_secret").read_bytes() == before
    forced = keygen("a", "--force", home=tmp_path)
    assert forced.returncode == 0
    assert (tmp_path / "config" / "keys" / "a.key_secret").read_bytes() != before
    elsewhere = keygen("b", "--dir", str(tmp_path / "mine"), home=tmp_path)
    assert elsewhere.returncode == 0
    assert (tmp_path / "mine" / "b.key").exists() and (tmp_path / "mine" / "b.key_secret").exists()


def test_keygen_without_a_name_uses_the_host_name_and_bad_names_are_refused(tmp_path):
    result = keygen(home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "config" / "keys").glob("*.key_secret"))) == 1
    for bad in ("../up", ".hidden", "a\x1bb"):
        refused = keygen(bad, home=tmp_path)
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
        assert "\x1b" not in refused.stderr
