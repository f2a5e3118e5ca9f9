"""``zmqdash cat PULL`` as a whole process against a plain pyzmq receiver process, in one run.

Another process PUSHes N messages of 64 printable bytes over tcp loopback as fast as it can,
starting once the receiver is listening. Each receiver is a process of its own, timed from the
moment it says it is listening (its first line on stderr) to its exit:

- ``text``: ``zmqdash cat PULL -b ... -f text --count N > FILE`` against a plain loop of
  ``sock.recv()`` and ``sys.stdout.buffer.write(msg + b"\\n")`` writing to a file. Every line
  must be in the file.
- ``none``: ``zmqdash cat PULL -b ... -f none --count N`` against a plain ``recv()`` loop.

Prints msg/s for each and zmqdash's ratio to the plain process (goals: 0.8 for ``text``, 0.9
for ``none``), and where the zmqdash process spends its fixed cost (start to listening, the
last message to exit).

    python bench/cat_flood.py                  # 1,000,000 messages, three runs
    python bench/cat_flood.py --count 200000 --runs 1
"""

from __future__ import annotations

import argparse
import compileall
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEADLINE = 180.0  # seconds: no single receiver may take longer
SIZE = 64

#: the plain receiver: prints "listening ENDPOINT" on stderr, then receives COUNT messages,
#: writing each as a line to stdout unless the format is "none"
PLAIN = r"""
import sys, zmq
fmt, count = sys.argv[1], int(sys.argv[2])
ctx = zmq.Context()
sock = ctx.socket(zmq.PULL)
sock.linger = 0
endpoint = sock.bind("tcp://127.0.0.1:0").addr
print("listening", endpoint, file=sys.stderr, flush=True)
recv = sock.recv
if fmt == "none":
    for _ in range(count):
        recv()
else:
    write = sys.stdout.buffer.write
    for _ in range(count):
        write(recv() + b"\n")
    sys.stdout.buffer.flush()
sock.close(0)
ctx.term()
"""

PUSHER = r"""
import sys, zmq
endpoint, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = zmq.Context()
sock = ctx.socket(zmq.PUSH)
sock.connect(endpoint)
payload = (b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_" * 8)[:size]
send = sock.send
for _ in range(count):
    send(payload)
sock.close(linger=-1)
ctx.term()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _endpoint(line: str) -> str:
    """The endpoint in ``listening EP`` or ``zmqdash cat: bound EP``."""
    return line.strip().rsplit(" ", 1)[-1]


def run_one(cmd: list[str], count: int, out_path: Path | None) -> tuple[float, float, float]:
    """(seconds from listening to exit, seconds from start to listening, lines written)."""
    out = open(out_path, "wb") if out_path is not None else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                            env=_env())
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stderr, selectors.EVENT_READ)
        if not sel.select(30):
            raise SystemExit(f"no listening line from {cmd}")
        line = proc.stderr.readline().decode()
        listening = time.perf_counter()
        pusher = subprocess.Popen([sys.executable, "-c", PUSHER, _endpoint(line), str(count),
                                   str(SIZE)], env=_env())
        code = proc.wait(DEADLINE)
        done = time.perf_counter()
        pusher.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        if out_path is not None:
            out.close()
    if code != 0:
        raise SystemExit(f"{cmd[:4]} exited {code}: {proc.stderr.read().decode()[-500:]}")
    lines = 0
    if out_path is not None:
        with open(out_path, "rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
    return done - listening, listening - start, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    n = args.count
    zmqdash = [sys.executable, "-m", "zmqdash", "cat", "PULL", "-b", "tcp://127.0.0.1:*",
               "--count", str(n)]
    plain = [sys.executable, "-c", PLAIN]
    # bytecode compiled first, as pip does when it installs a package (an editable install
    # compiles on the first run instead, or on every run where PYTHONDONTWRITEBYTECODE is set)
    compileall.compile_dir(REPO / "zmqdash", quiet=1)
    print(f"{n:,} messages of {SIZE} B, PUSH -> PULL over tcp loopback; "
          "seconds from listening to exit")
    print(f"{'run':>3} {'format':>6} {'plain msg/s':>12} {'zmqdash msg/s':>14} {'ratio':>6} "
          f"{'zmqdash start':>14} {'plain start':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.txt"
        for run in range(1, args.runs + 1):
            for fmt in ("text", "none"):
                path = out if fmt == "text" else None
                # alternate which goes first, so neither always meets a warmer machine
                order = [("plain", plain + [fmt, str(n)]), ("zmqdash", zmqdash + ["-f", fmt])]
                if run % 2 == 0:
                    order.reverse()
                rates, starts = {}, {}
                for name, cmd in order:
                    secs, start, lines = run_one(cmd, n, path)
                    if path is not None and lines != n:
                        raise SystemExit(f"{name} wrote {lines:,} lines of {n:,}")
                    rates[name], starts[name] = n / secs, start
                ratio = rates["zmqdash"] / rates["plain"]
                print(f"{run:>3} {fmt:>6} {rates['plain']:>12,.0f} {rates['zmqdash']:>14,.0f} "
                      f"{ratio:>6.2f} {starts['zmqdash']:>13.3f}s {starts['plain']:>11.3f}s",
                      flush=True)


if __name__ == "__main__":
    main()
