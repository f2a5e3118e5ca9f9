"""Which process holds a TCP port, where the operating system tells (Linux ``/proc``).

Used once when a bind fails with "address already in use", so the hint can name the culprit
(on a thread of its own: looking through every process takes tens of milliseconds).
Reading ``/proc/net/tcp`` finds the listening socket's inode; the process is the one with a
descriptor on that inode. Another user's processes are invisible without privileges, and other
systems have no ``/proc``: then the answer is None and the hint says the OS did not tell.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

#: most time spent looking through processes' descriptors, in seconds
BUDGET = 1.0

_LISTEN = "0A"


@dataclass(frozen=True)
class Holder:
    pid: int
    name: str  # the program's name (comm)
    command: str  # its command line, spaces between arguments ("" if unreadable)

    def describe(self) -> str:
        """``python3 (pid 1234: python3 server.py)``, not yet terminal-safe."""
        shown = self.command if len(self.command) <= 80 else self.command[:79] + "…"
        return f"{self.name} (pid {self.pid}{': ' + shown if shown else ''})"


def listening_inodes(port: int, root: str = "/proc") -> set[str]:
    """Inodes of TCP sockets listening on ``port`` (IPv4 and IPv6, any address)."""
    found = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            with open(os.path.join(root, table)) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) < 10 or fields[3] != _LISTEN:
                        continue
                    local = fields[1]
                    if int(local.rsplit(":", 1)[1], 16) == port:
                        found.add(fields[9])
        except (OSError, ValueError, IndexError):
            continue
    return found


def holder(port: int, root: str = "/proc", budget: float = BUDGET) -> Holder | None:
    """The process listening on TCP ``port``, or None if the OS does not say (in time)."""
    inodes = listening_inodes(port, root)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    deadline = time.monotonic() + budget
    try:
        # newest first: the holder is most often a program started lately
        pids = sorted((p for p in os.listdir(root) if p.isdigit()), key=int, reverse=True)
    except OSError:
        return None
    for pid in pids:
        if time.monotonic() > deadline:
            return None
        fd_dir = os.path.join(root, pid, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours to look at
        for fd in fds:
            try:
                if os.readlink(os.path.join(fd_dir, fd)) in wanted:
                    return _describe(int(pid), root)
            except OSError:
                continue
    return None


def _describe(pid: int, root: str) -> Holder:
    def read(name: str) -> str:
        try:
            with open(os.path.join(root, str(pid), name), "rb") as f:
                return f.read(4096).decode("utf-8", "replace")
        except OSError:
            return ""

    name = read("comm").strip() or "?"
    # paths as their last part: "python server.py 5555" says more in a line than the full paths
    command = " ".join(os.path.basename(part) if part.startswith("/") else part
                       for part in read("cmdline").split("\0") if part)
    return Holder(pid, name, command)
