"""What recording costs: an engine PULL fed as fast as another process can push, without a
recording and while recording to a file, in the same run.

A separate process PUSHes N messages of 64 bytes over tcp loopback as fast as it can (its
sends block at the high-water mark, so nothing is lost); the receiver is a PULL socket in the
engine, (a) not recorded, (b) recorded to a file in a temporary folder, (c) recorded to
/dev/null (the cost of making the lines, without the disk's). Prints msg/s for each, the ratios
(b)/(a) and (c)/(a), the lines each file got against the messages counted, and how often the
disk fell behind (receiving then waits for it: the producer is held back, nothing is lost).

    python bench/record_flood.py                  # 1,000,000 messages
    python bench/record_flood.py --count 200000   # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time

import zmq

from zmqdash.engine import Engine
from zmqdash.engine import commands as C

DEADLINE = 300.0  # seconds: no single run may take longer


def pusher(endpoint: str, count: int, ready) -> None:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.connect(endpoint)
    ready.wait(10)
    payload = b"x" * 64
    send = sock.send
    for _ in range(count):
        send(payload)
    sock.close(linger=-1)
    ctx.term()


def run(count: int, record_to: str | None) -> tuple[float, int, int]:
    """msg/s received, lines written (or -1), times the disk fell behind."""
    with Engine() as eng:
        eng.call(C.Create("pull", "PULL"))
        endpoint = eng.call(C.Bind("pull", "tcp://127.0.0.1:*"))
        if record_to is not None:
            eng.call(C.RecordStart("pull", record_to))
        view = eng.view("pull")
        ready = mp.Event()
        proc = mp.Process(target=pusher, args=(endpoint, count, ready), daemon=True)
        proc.start()
        ready.set()
        deadline = time.monotonic() + DEADLINE
        gen = eng.generation
        while view.stats.msgs_in < 1 and time.monotonic() < deadline:
            gen = eng.wait_for_change(gen, 1.0)
        t0 = time.perf_counter()
        while view.stats.msgs_in < count and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        got = view.stats.msgs_in
        lines = pauses = -1
        if record_to is not None:
            rec = eng.call(C.RecordStop("pull"))
            rec.wait(DEADLINE)
            pauses = rec.pauses
            lines = rec.written
        proc.join(10)
    if got != count:
        raise SystemExit(f"the engine counted {got} of {count} messages")
    return (got - 1) / elapsed, lines, pauses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "flood.jsonl")
        plain, _, _ = run(args.count, None)
        disk, disk_lines, disk_pauses = run(args.count, path)
        size = os.path.getsize(path)
        null, null_lines, null_pauses = run(args.count, os.devnull)
    print(f"{args.count:,} messages of 64 B, pushed as fast as another process can")
    print(f"  (a) not recorded         {plain:>10,.0f} msg/s")
    print(f"  (b) recorded to a file   {disk:>10,.0f} msg/s  (b)/(a) {disk / plain:.2f}  "
          f"{disk_lines:,} lines ({size / 2**20:.0f} MiB), disk behind {disk_pauses} times")
    print(f"  (c) recorded to /dev/null{null:>10,.0f} msg/s  (c)/(a) {null / plain:.2f}  "
          f"{null_lines:,} lines, behind {null_pauses} times")
    print("  (each file holds the messages and the socket's own entries: a few more lines than"
          " messages)")


if __name__ == "__main__":
    main()
