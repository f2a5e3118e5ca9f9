"""Engine receive throughput against a raw pyzmq recv() loop, in the same run.

A separate process PUSHes N messages of a given size over tcp loopback as fast as it can; the
receiver is a plain ``recv()`` loop, a ``recv_multipart()`` loop (what a receiver that must not
split multipart messages writes), or a PULL socket owned by the zmqdash engine (ring buffer of
10,000 entries), once receiving with the compiled helper and once in pure Python. Prints msg/s
for each, each engine's ratio to ``recv()`` and to ``recv_multipart()``, and peak RSS.

    python bench/engine_flood.py                 # 1,000,000 messages of 64 B and of 1 KiB
    python bench/engine_flood.py --count 200000  # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

import zmq

from zmqdash.engine import Engine, recvpath
from zmqdash.engine import commands as C

DEADLINE = 120.0  # seconds: no single run may take longer
POLL_INTERVAL = 0.1  # how often the consumer looks at the counters, as the dashboard does


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


def raw(count: int, size: int, multipart: bool = False) -> float:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    endpoint = sock.bind("tcp://127.0.0.1:0").addr
    proc, ready = start_pusher(endpoint, count, size)
    ready.set()
    recv = sock.recv_multipart if multipart else sock.recv
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
        ring = eng.view("pull").log
        gen = eng.generation
        deadline = time.monotonic() + DEADLINE
        while stats.msgs_in < 1 and time.monotonic() < deadline:
            gen = eng.wait_for_change(gen, 1.0)
        first = ring.get(0)
        # look at the counters the way the dashboard does: on a timer, not per message
        while stats.msgs_in < count and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
        got = stats.msgs_in
        last = ring.get(ring.total - 1)
        # entry timestamps are taken once per received batch by the poller thread itself
        elapsed = last[1] - first[1]
        proc.join(10)
    if got != count:
        raise SystemExit(f"engine counted {got} of {count} messages")
    return (got - 1) / elapsed


def engine_with(compiled: bool, count: int, size: int) -> float | None:
    """The engine's msg/s receiving with the compiled helper or in Python (None: no helper)."""
    was = recvpath.COMPILED
    try:
        if recvpath.use(compiled) != compiled:
            return None
        return engine(count, size)
    finally:
        recvpath.use(was)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="64,1024")
    args = parser.parse_args()
    if recvpath.use(True):
        print("engine compiled: the _recvbatch helper")
    else:
        print(f"engine compiled: not available ({recvpath.LOAD_ERROR})")
    heads = ("recv()", "multipart", "compiled", "/recv", "/multi", "pure", "/recv", "/multi")
    print(f"{'size':>6}" + "".join(f" {h:>10}" for h in heads) + "   (msg/s and ratios)")
    for size in (int(s) for s in args.sizes.split(",")):
        r = raw(args.count, size)
        m = raw(args.count, size, multipart=True)
        row = f"{size:>6} {r:>10,.0f} {m:>10,.0f}"
        for compiled in (True, False):
            e = engine_with(compiled, args.count, size)
            row += (f" {'n/a':>10} {'':>10} {'':>10}" if e is None
                    else f" {e:>10,.0f} {e / r:>10.2f} {e / m:>10.2f}")
        print(row, flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the receiving process: {rss:.0f} MiB ({args.count:,} messages per run)")


if __name__ == "__main__":
    main()
