"""Driving the dashboard in a real terminal: tmux on a private server, read with capture-pane."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).parent.parent
#: typed to prove where the focus is (see Tmux.type_into)
MARK = "¤"
TMUX = shutil.which("tmux") or "/usr/bin/tmux"


class Tmux:
    """One tmux server of our own (``-L``), one window running one command."""

    def __init__(self, width: int = 120, height: int = 40,
                 wrap: Callable[[list[str]], list[str]] | None = None) -> None:
        self.server = f"zmqdash-test-{uuid.uuid4().hex[:8]}"
        self.width = width
        self.height = height
        self.target = "dash"
        #: runs tmux inside something, e.g. a network namespace (the server stays there)
        self.wrap = wrap or (lambda argv: argv)

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(self.wrap([TMUX, "-L", self.server, *args]), capture_output=True,
                              text=True, check=check, timeout=10)

    def start(self, command: list[str], env: dict[str, str] | None = None) -> None:
        env_args: list[str] = []
        for key, value in (env or {}).items():
            env_args += ["-e", f"{key}={value}"]
        shell = " ".join(_quote(part) for part in command)
        # The size is fixed in the server's configuration: with no client attached, tmux
        # otherwise falls back to 80x24 as soon as keys are sent before the program started.
        config = Path(tempfile.gettempdir()) / f"{self.server}.conf"
        config.write_text(
            f"set -g default-size {self.width}x{self.height}\n"
            "set -g remain-on-exit on\n"
            # a program's clipboard writes (OSC 52) become tmux paste buffers we can read
            "set -s set-clipboard on\n"
        )
        self._config = config
        self._tmux("-f", str(config), "new-session", "-d", "-s", self.target,
                   "-x", str(self.width), "-y", str(self.height), *env_args,
                   f"cd {_quote(str(REPO))} && exec {shell}")

    def screen(self, escapes: bool = False) -> str:
        args = ["capture-pane", "-p", "-t", self.target]
        if escapes:
            args.append("-e")
        return self._tmux(*args).stdout

    def keys(self, *keys: str) -> None:
        """tmux key names (Enter, Tab, Down, C-l ...)."""
        self._tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Literal text."""
        self._tmux("send-keys", "-t", self.target, "-l", text)

    def clipboard(self) -> str:
        """What the program last copied with OSC 52 (tmux's newest paste buffer), or ""."""
        return self._tmux("show-buffer", check=False).stdout

    def pane(self, field: str) -> str:
        return self._tmux("display-message", "-p", "-t", self.target,
                          f"#{{{field}}}").stdout.strip()

    @property
    def pid(self) -> int:
        return int(self.pane("pane_pid"))

    @property
    def dead(self) -> bool:
        return self.pane("pane_dead") == "1"

    def wait(self, predicate: Callable[[str], object], timeout: float = 15.0,
             what: str = "") -> str:
        """Poll the screen until ``predicate(screen)`` is true; return that screen."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what or predicate}; the screen was:\n{text}")
            time.sleep(0.05)

    def type_into(self, row: str, text: str, *, before: tuple[str, ...] = (),
                  timeout: float = 10.0) -> None:
        """Type ``text`` into the field on the row starting with ``row`` (a label).

        A terminal delivers keys faster than Textual moves the focus: characters typed right
        after a Tab can reach the field being left. So the focus is proved first: a marker is
        typed until it shows on the wanted row, then erased, then the text goes in.
        """
        if before:
            self.keys(*before)
        pattern = re.compile(re.escape(row) + r"\s*" + re.escape(MARK))
        deadline = time.monotonic() + timeout
        while True:
            self.type(MARK)
            try:
                self.wait(lambda s: pattern.search(s), timeout=1.0, what=f"focus on {row}")
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
        shown = re.compile(re.escape(row) + r"\s*" + re.escape(text[:30]))
        for attempt in range(3):
            self.keys("C-u")  # erase the marker(s): delete everything left of the cursor
            self.type(text)
            try:
                self.wait(lambda s: shown.search(s), timeout=2.0, what=f"{text!r} on {row}")
                return
            except AssertionError:
                if attempt == 2:
                    raise

    def wait_for_text(self, needle: str, timeout: float = 15.0) -> str:
        return self.wait(lambda s: needle in s, timeout, repr(needle))

    def control(self) -> TmuxControl:
        """A control-mode connection to this server (see :class:`TmuxControl`)."""
        return TmuxControl(self)

    def kill(self) -> None:
        self._tmux("kill-server", check=False)
        tmpdir = os.environ.get("TMUX_TMPDIR") or "/tmp"
        (Path(tmpdir) / f"tmux-{os.getuid()}" / self.server).unlink(missing_ok=True)
        config = getattr(self, "_config", None)
        if config is not None:
            config.unlink(missing_ok=True)


class TmuxControl:
    """One tmux control-mode client (``tmux -C``): commands go over one pipe, so looking at the
    screen or pressing a key starts no process. :class:`Tmux` starts a tmux client for every
    look; polled every few milliseconds, those clients load the machine they measure.

    The same ``screen()`` and ``keys()`` as :class:`Tmux`. The client is attached with
    ``-f no-output`` (tmux 3.2+) so the pane's output is not copied to it; an older tmux
    refuses the flag, and then the copies (``%output`` lines between replies) are skipped.
    """

    def __init__(self, tmux: Tmux, timeout: float = 10.0) -> None:
        self.target = tmux.target
        self.timeout = timeout
        try:
            self._attach(tmux, "-f", "no-output")
        except EOFError:
            self.close()
            self._attach(tmux)

    def _attach(self, tmux: Tmux, *flags: str) -> None:
        self._proc = subprocess.Popen(
            [TMUX, "-L", tmux.server, "-C", "attach-session", "-t", tmux.target, *flags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._buffer = b""
        self._reply()  # attaching answers with an empty block

    def _line(self, deadline: float) -> bytes:
        import select

        out = self._proc.stdout
        while b"\n" not in self._buffer:
            if not select.select([out], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise TimeoutError("tmux did not answer in time")
            chunk = os.read(out.fileno(), 65536)
            if not chunk:
                raise EOFError("the tmux control client ended")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _reply(self) -> str:
        deadline = time.monotonic() + self.timeout
        line = self._line(deadline)
        while not line.startswith(b"%begin "):
            line = self._line(deadline)  # a notification between replies
        # the reply ends with %end (or %error) and the same time and command number as its
        # %begin: a line of the pane's own text cannot pass for it
        stamp = line.split()[1:3]
        lines: list[bytes] = []
        while True:
            line = self._line(deadline)
            words = line.split()
            if words[:1] in ([b"%end"], [b"%error"]) and words[1:3] == stamp:
                text = b"\n".join(lines).decode("utf-8", "replace")
                if words[0] == b"%error":
                    raise RuntimeError(f"tmux: {text}")
                return text
            lines.append(line)

    def command(self, *args: str) -> str:
        """Run one tmux command; its output."""
        self._proc.stdin.write(" ".join(_quote(a) for a in args).encode() + b"\n")
        self._proc.stdin.flush()
        return self._reply()

    def screen(self) -> str:
        return self.command("capture-pane", "-p", "-t", self.target) + "\n"

    def keys(self, *keys: str) -> None:
        self.command("send-keys", "-t", self.target, *keys)

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()

    def __enter__(self) -> TmuxControl:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def dashboard_command() -> list[str]:
    """How to launch the dashboard: ``python -m zmqdash`` (no arguments: an empty dashboard
    when there is no last session)."""
    return [sys.executable, "-m", "zmqdash"]


def dashboard_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        "ZMQDASH_HOME": str(home),
        "PYTHONPATH": str(REPO),
        "TEXTUAL_ANIMATIONS": "none",
    }
    env.update(extra)
    return env


def exited(pid: int) -> bool:
    """True once ``pid`` has ended (a zombie tmux has not reaped yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if exited(pid):
            return True
        time.sleep(0.02)
    return False
