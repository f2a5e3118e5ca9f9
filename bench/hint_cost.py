"""What the hints and the XPUB subscription table cost the engine, in figures and ratios.

1. A PULL in the engine takes N messages PUSHed by another process, with the hints worked
   out on their usual timer (twice a second) and with their timer put out of reach, alternated
   in one run: the ratio says what the hints cost per message (they should cost nothing:
   they look at counters, never at messages).
2. One evaluation of every hint of 20 idle sockets of every type (what the timer does twice a
   second), in microseconds.
3. An XPUB in the engine takes the subscribe/unsubscribe stream of another process's SUB
   (the table, the peer of each message, the log), against a raw pyzmq XPUB (verboser) that
   only receives it, in msg/s and the ratio.

    python bench/hint_cost.py                  # 1,000,000 messages, 5 rounds
    python bench/hint_cost.py --count 200000   # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time

import zmq

from zmqdash.engine import Engine, hints, socket_types
from zmqdash.engine import commands as C
from zmqdash.engine.hints import Timing

DEADLINE = 120.0
OFF = Timing(interval=1e9)  # the hints' timer never comes round


def pusher(endpoint: str, count: int, ready) -> None:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.connect(endpoint)
    ready.wait(10)
    payload = b"x" * 64
    for _ in range(count):
        sock.send(payload)
    sock.close(linger=-1)
    ctx.term()


def flood(count: int, timing: Timing | None) -> tuple[float, float]:
    """msg/s into an engine PULL (entry timestamps, as bench/engine_flood.py measures), and
    the engine thread's CPU time per message in microseconds (steadier on a busy machine)."""
    with Engine(hint_timing=timing) as eng:
        eng.call(C.Create("pull", "PULL"))
        endpoint = eng.call(C.Bind("pull", "tcp://127.0.0.1:*"))
        for i in range(5):  # some company for the hints to look at
            eng.call(C.Create(f"idle{i}", ("SUB", "PUB", "REQ", "PAIR", "ROUTER")[i]))
        view = eng.view("pull")
        clock = time.pthread_getcpuclockid(eng.thread.ident)
        ready = mp.Event()
        proc = mp.Process(target=pusher, args=(endpoint, count, ready), daemon=True)
        proc.start()
        cpu0 = time.clock_gettime(clock)
        ready.set()
        deadline = time.monotonic() + DEADLINE
        gen = eng.generation
        while view.stats.msgs_in < 1 and time.monotonic() < deadline:
            gen = eng.wait_for_change(gen, 1.0)
        while view.stats.msgs_in < count and time.monotonic() < deadline:
            time.sleep(0.1)
        cpu = time.clock_gettime(clock) - cpu0
        ring = view.log
        elapsed = ring.get(ring.total - 1)[1] - ring.get(ring.first)[1]
        got = ring.total - ring.first
        proc.join(10)
        if view.stats.msgs_in != count:
            raise SystemExit(f"counted {view.stats.msgs_in} of {count}")
    return (got - 1) / elapsed, cpu / count * 1e6


def evaluation_cost(rounds: int = 200) -> float:
    """Microseconds for one evaluation of every hint of 20 sockets."""
    with Engine(hint_timing=OFF) as eng:
        types = socket_types.NAMES
        for i in range(20):
            kind = types[i % len(types)]
            eng.call(C.Create(f"s{i}", kind))
            eng.call(C.Bind(f"s{i}", "tcp://127.0.0.1:*"))
        socks = [eng.on_engine_thread(lambda n=f"s{i}": eng.record(n)) for i in range(20)]

        def once() -> float:
            t0 = time.perf_counter()
            now = time.monotonic()
            for s in socks:
                hints.evaluate(s, s.watch, socks, eng.hint_timing, now)
            return time.perf_counter() - t0

        # (on the test's thread while the engine idles: the same work the timer does)
        return statistics.median(once() for _ in range(rounds)) * 1e6


def flipper(endpoint: str, count: int, ready) -> None:
    """A SUB that subscribes and unsubscribes ``count`` times in all."""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.sndhwm = 0  # a subscription that meets a full queue is dropped: no limit here
    sock.connect(endpoint)
    ready.wait(10)
    time.sleep(0.2)  # connected before the stream starts (its first messages would wait)
    for i in range(count // 2):
        topic = b"topic-%d" % (i % 100)
        sock.subscribe(topic)
        sock.unsubscribe(topic)
    time.sleep(DEADLINE)  # keep the connection until the receiver is done (then killed)
    sock.close(0)
    ctx.term()


def raw_xpub(count: int) -> float:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.XPUB)
    sock.setsockopt(zmq.XPUB_VERBOSER, 1)
    sock.rcvhwm = 0
    endpoint = sock.bind("tcp://127.0.0.1:0").addr
    ready = mp.Event()
    proc = mp.Process(target=flipper, args=(endpoint, count, ready), daemon=True)
    proc.start()
    ready.set()
    sock.rcvtimeo = int(DEADLINE * 1000)
    sock.recv()
    t0 = time.perf_counter()
    for _ in range(count - 1):
        sock.recv()
    elapsed = time.perf_counter() - t0
    proc.kill()
    sock.close(0)
    ctx.term()
    return (count - 1) / elapsed


def engine_xpub(count: int) -> float:
    with Engine(hint_timing=OFF, ring_capacity=2 * count + 100) as eng:
        eng.call(C.Create("xpub", "XPUB", (("xpub_verboser", "1"), ("rcvhwm", "0"))))
        endpoint = eng.call(C.Bind("xpub", "tcp://127.0.0.1:*"))
        view = eng.view("xpub")
        ready = mp.Event()
        proc = mp.Process(target=flipper, args=(endpoint, count, ready), daemon=True)
        proc.start()
        ready.set()
        deadline = time.monotonic() + DEADLINE
        while view.stats.msgs_in < count and time.monotonic() < deadline:
            time.sleep(0.05)
        entries = [e for e in view.log.since(0) if e[2] == "in"]
        proc.kill()
        if len(entries) != count:
            raise SystemExit(f"the XPUB logged {len(entries)} of {count}")
        return (count - 1) / (entries[-1][1] - entries[0][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    on, off = [], []
    for _ in range(args.rounds):
        on.append(flood(args.count, None))
        off.append(flood(args.count, OFF))
    print(f"PULL flood, {args.count:,} x 64 B, {args.rounds} rounds each, alternated:")
    for label, runs in (("hints on (every 0.5 s)", on), ("hints off", off)):
        rates, cpus = [r for r, _ in runs], [c for _, c in runs]
        print(f"  {label:<22} {min(rates):>10,.0f} - {max(rates):>10,.0f} msg/s (median "
              f"{statistics.median(rates):,.0f}); engine CPU {statistics.median(cpus):.3f} "
              "us/msg (median)")
    rate = statistics.median(r for r, _ in on) / statistics.median(r for r, _ in off)
    cpu = statistics.median(c for _, c in on) / statistics.median(c for _, c in off)
    print(f"  on / off: msg/s {rate:.2f}, engine CPU per message {cpu:.2f}")
    print(f"one evaluation of every hint of 20 idle sockets: {evaluation_cost():,.0f} us "
          "(twice a second)")
    n = min(args.count, 200_000)
    r, e = raw_xpub(n), engine_xpub(n)
    print(f"XPUB taking {n:,} subscribes and unsubscribes: raw pyzmq {r:,.0f} msg/s, engine "
          f"with the table {e:,.0f} msg/s, ratio {e / r:.2f}")


if __name__ == "__main__":
    main()
