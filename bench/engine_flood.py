"""Engine receive throughput against a raw pyzmq recv() loop, in the same run.

A separate process PUSHes N messages of a given size over tcp loopback as fast as it can; the
receiver is either a plain ``recv()`` loop or a PULL socket owned by the zmqdash engine (ring
buffer of 10,000 entries). Prints msg/s for both, the ratio, and peak RSS of this process.

    python bench/engine_flood.py                 # 1,000,000 messages of 64 B and of 1 KiB
    python bench/engine_flood.py --count 200000  # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

import zmq

from zmqdash.engine import Engine
from zmqdash.engine import commands as C

DEADLINE = 120.0  # seconds: no single run may take longer
POLL_INTERVAL = 0.001  # how often the consumer looks at the counters (the dashboard: 0.1 s)


def pusher(endpoint: str, count: int, size: int, ready) -> None:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.connect(endpoint)
    ready.wait(10)
    payload = b"x" * size
    send = sock.send
    for _ in range(count):
        send(payload)
    sock.close(linger=-1)  # deliver everything before exiting
    ctx.term()


def start_pusher(endpoint: str, count: int, size: int):
    ready = mp.Event()
    proc = mp.Process(target=pusher, args=(endpoint, count, size, ready), daemon=True)
    proc.start()
    return proc, ready


def raw(count: int, size: int) -> float:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    endpoint = sock.bind("tcp://127.0.0.1:0").addr
    proc, ready = start_pusher(endpoint, count, size)
    ready.set()
    recv = sock.recv
    sock.rcvtimeo = int(DEADLINE * 1000)
    recv()
    t0 = time.perf_counter()
    for _ in range(count - 1):
        recv()
    elapsed = time.perf_counter() - t0
    proc.join(10)
    sock.close(0)
    ctx.term()
    return (count - 1) / elapsed


def engine(count: int, size: int) -> float:
    with Engine() as eng:
        eng.call(C.Create("pull", "PULL"))
        endpoint = eng.call(C.Bind("pull", "tcp://127.0.0.1:*"))
        stats = eng.view("pull").stats
        proc, ready = start_pusher(endpoint, count, size)
        ready.set()
        gen = eng.generation
        deadline = time.monotonic() + DEADLINE
        while stats.msgs_in < 1 and time.monotonic() < deadline:
            gen = eng.wait_for_change(gen, 1.0)
        t0 = time.perf_counter()
        first = stats.msgs_in
        # look at the counters the way the dashboard does: on a timer, not per message
        while stats.msgs_in < count and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
        elapsed = time.perf_counter() - t0
        got = stats.msgs_in
        proc.join(10)
    if got != count:
        raise SystemExit(f"engine counted {got} of {count} messages")
    return (got - first) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="64,1024")
    args = parser.parse_args()
    print(f"{'size':>6} {'raw msg/s':>12} {'engine msg/s':>13} {'ratio':>6}")
    for size in (int(s) for s in args.sizes.split(",")):
        r = raw(args.count, size)
        e = engine(args.count, size)
        print(f"{size:>6} {r:>12,.0f} {e:>13,.0f} {e / r:>6.2f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the receiving process: {rss:.0f} MiB ({args.count:,} messages per run)")


if __name__ == "__main__":
    main()
