"""A network namespace of the test's own, so multicast never reaches the host's network.

:class:`Netns` starts a holder process in a new network namespace (``unshare -n``, root only)
whose only interface is its loopback, brought up with ``ip link set lo up``. Processes join
it with ``nsenter --net=...`` (:meth:`Netns.command`); the test's own thread can step in and
out with :meth:`Netns.entered` (``setns``), and threads it starts inside stay inside, as do
libzmq's I/O threads made from them. Killing the holder ends the namespace once the last
process in it is gone.

Where namespaces cannot be made (not root, no unshare, a sandbox that forbids them), or pyzmq's
libzmq has no multicast, :func:`require` skips the test saying why; with
``ZMQDASH_REQUIRE_MULTICAST=1`` (CI's multicast environment) it fails instead, so a broken
set-up cannot pass as skipped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import subprocess
import time

import pytest

CLONE_NEWNET = 0x40000000
#: a group and ports for the tests; the namespace is private, so any would do
GROUP = "239.192.1.1"


def _skip(reason: str):
    if os.environ.get("ZMQDASH_REQUIRE_MULTICAST", "") not in ("", "0"):
        pytest.fail(f"multicast tests required here, but: {reason}")
    pytest.skip(reason)


def require(*transports: str) -> None:
    """Skip (or fail, see above) unless namespaces can be made and libzmq has ``transports``."""
    from zmqdash.engine import capabilities

    missing = [t for t in transports if not capabilities.has(t)]
    if missing:
        _skip(f"this pyzmq's libzmq has no {', '.join(missing)} (pyzmq's wheels never do; "
              "see README, Multicast: CI runs these in .venv-mcast)")
    if os.geteuid() != 0:
        _skip("making a network namespace needs root")
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            _skip(f"{tool} is not installed (util-linux, iproute2)")


class Netns:
    def __init__(self) -> None:
        self.holder = subprocess.Popen(
            ["unshare", "--net", "sh", "-c", "ip link set lo up && echo ready && exec sleep 600"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        line = self.holder.stdout.readline()
        if line.strip() != b"ready":
            err = self.holder.stderr.read().decode(errors="replace").strip()
            self.close()
            _skip(f"cannot make a network namespace: {err or 'unshare failed'}")
        self.path = f"/proc/{self.holder.pid}/ns/net"

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace (nsenter execs it: the pid stays the same)."""
        return ["nsenter", f"--net={self.path}", "--", *argv]

    @contextlib.contextmanager
    def entered(self):
        """Move this thread into the namespace for the block (threads started there stay)."""
        libc = ctypes.CDLL(None, use_errno=True)
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        there = os.open(self.path, os.O_RDONLY)
        try:
            if libc.setns(there, CLONE_NEWNET) != 0:
                _skip(f"setns: {os.strerror(ctypes.get_errno())}")
            try:
                yield self
            finally:
                if libc.setns(home, CLONE_NEWNET) != 0:  # pragma: no cover
                    raise OSError(ctypes.get_errno(), "could not leave the test's namespace")
        finally:
            os.close(home)
            os.close(there)

    def members(self, group: str = GROUP) -> int:
        """How many sockets in the namespace have joined ``group`` (the kernel's IGMP table,
        read from inside: /proc/PID/net is that process's namespace)."""
        packed = "".join(f"{int(b):02X}" for b in reversed(group.split(".")))
        with open(f"/proc/{self.holder.pid}/net/igmp") as f:
            for line in f:
                parts = line.split()
                if parts and parts[0] == packed:
                    return int(parts[1])
        return 0

    def wait_members(self, n: int, group: str = GROUP, timeout: float = 10.0) -> None:
        """Wait until ``n`` sockets have joined ``group``: then what is sent to it arrives."""
        deadline = time.monotonic() + timeout
        while self.members(group) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{group}: {self.members(group)} members after "
                                     f"{timeout:g} s, wanted {n}")
            time.sleep(0.02)

    def close(self) -> None:
        if self.holder.poll() is None:
            self.holder.kill()
        self.holder.wait(timeout=5)
        for stream in (self.holder.stdout, self.holder.stderr):
            stream.close()
