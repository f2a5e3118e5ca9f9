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
