"""A real sshd on loopback, of our own: host and user keys in a temporary folder, nothing of the
machine's ssh configuration used. The tests log in as the user running them."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def available() -> bool:
    return os.path.exists(SSHD) and shutil.which("ssh") is not None \
        and shutil.which("ssh-keygen") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    """``with Sshd(folder) as sshd: sshd.client("cmd")`` is the ssh command line that runs
    ``cmd`` on a new terminal of this machine, through the server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.user = getpass.getuser()
        self.port = 0
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> Sshd:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(folder / name)], check=True, timeout=30)
        (folder / "authorized_keys").write_bytes((folder / "user_key.pub").read_bytes())
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        for _attempt in range(3):
            self.port = _free_port()
            (folder / "sshd_config").write_text(
                f"ListenAddress 127.0.0.1:{self.port}\n"
                f"HostKey {folder / 'host_key'}\n"
                f"AuthorizedKeysFile {folder / 'authorized_keys'}\n"
                f"PidFile {folder / 'sshd.pid'}\n"
                "StrictModes no\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                "PubkeyAuthentication yes\n"
                "PermitRootLogin prohibit-password\n"
                "UsePAM no\n"
                "PrintMotd no\n"
                "PrintLastLog no\n"
            )
            proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(folder / "sshd_config")],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            said = []
            deadline = time.monotonic() + 20
            for line in proc.stderr:  # sshd says when it listens, or why it cannot
                said.append(line)
                if "Server listening" in line or time.monotonic() > deadline:
                    break
            if said and "Server listening" in said[-1]:
                self._proc = proc
                return self
            proc.kill()
            proc.wait()
        raise RuntimeError("sshd did not start: " + "".join(said))

    def client(self, remote_command: str) -> list[str]:
        return [
            "ssh", "-tt", "-F", "/dev/null", "-p", str(self.port),
            "-i", str(self.folder / "user_key"),
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            f"{self.user}@127.0.0.1", remote_command,
        ]

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stderr.close()


class TunnelHosts:
    """An ssh configuration for tunnels through an :class:`Sshd`: host aliases, each a way a
    tunnel can go or fail, and ``command``, the ``ZMQDASH_SSH_COMMAND`` that uses it.

    - ``lab``: logs in (the server's host key is known, the user's key accepted)
    - ``stranger``: the host key is not known
    - ``changed``: a different key is on record for the host
    - ``nokey``: logs in with a key the server does not accept
    - ``closed``: nothing listens for SSH there
    """

    def __init__(self, sshd: Sshd) -> None:
        folder = sshd.folder
        self.folder = folder
        host_key = (folder / "host_key.pub").read_text().split()
        other_key = (folder / "user_key.pub").read_text().split()
        known = folder / "known_hosts"
        known.write_text(f"[127.0.0.1]:{sshd.port} {host_key[0]} {host_key[1]}\n")
        (folder / "known_empty").write_text("")
        (folder / "known_changed").write_text(
            f"[127.0.0.1]:{sshd.port} {other_key[0]} {other_key[1]}\n")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        str(folder / "stranger_key")], check=True, timeout=30)

        def host(alias: str, known_file: Path, key: Path, port: int) -> str:
            return (f"Host {alias}\n  HostName 127.0.0.1\n  Port {port}\n  User {sshd.user}\n"
                    f"  IdentityFile {key}\n  IdentitiesOnly yes\n"
                    f"  UserKnownHostsFile {known_file}\n  GlobalKnownHostsFile /dev/null\n"
                    "  PasswordAuthentication no\n  KbdInteractiveAuthentication no\n")

        user_key = folder / "user_key"
        self.config = folder / "ssh_config"
        self.config.write_text(
            host("lab", known, user_key, sshd.port)
            + host("stranger", folder / "known_empty", user_key, sshd.port)
            + host("changed", folder / "known_changed", user_key, sshd.port)
            + host("nokey", known, folder / "stranger_key", sshd.port)
            + host("closed", known, user_key, _free_port())
        )
        self.command = f"ssh -F {self.config}"

    def processes(self) -> list[int]:
        """Ids of running ssh processes that use this configuration (none should outlive what
        started them)."""
        return ssh_processes(str(self.config))


def ssh_processes(marker: str) -> list[int]:
    """Ids of live ssh processes whose command line holds ``marker`` (zombies are not counted;
    nor is, say, a tmux whose environment mentions the marker)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        state = stat.rsplit(b")", 1)[-1].split()[0] if b")" in stat else b"?"
        program = os.path.basename(cmdline.split(b"\0", 1)[0])
        if program == b"ssh" and marker.encode() in cmdline and state != b"Z":
            found.append(int(entry))
    return found
