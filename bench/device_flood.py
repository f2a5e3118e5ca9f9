"""Devices end to end: zmqdash's streamer, queue and forwarder against ``zmq.proxy()``.

Every device runs in a process of its own, between a producer process and consumer processes,
over tcp loopback, all in one run:

- (a) a bare ``zmq.proxy()``: the baseline;
- (b) ``zmqdash proxy KIND`` (no tap), the command line;
- (c) the device in the dashboard's engine (``Engine``, ring of 10,000 entries) with the tap on,
  every message written into its log as it crosses.

Three measures:

- **streamer**: a PUSH sends COUNT 64-byte messages as fast as it can to the device's PULL
  frontend; a PULL takes them from its PUSH backend. msg/s at the consumer, first to last
  message. Also the same two processes connected directly, with no device.
- **queue**: a REQ client makes round trips through the device's ROUTER/DEALER to a REP echo
  worker. Round trips a second. Also (p) the least a device written in Python does: a
  ``zmq.Poller`` loop of ``send_multipart(recv_multipart())``, for the cost of a round trip
  through any Python loop against ``zmq.proxy()``'s C loop.
- **forwarder**: a PUB sends messages through the device's XSUB/XPUB to two SUBs (high-water
  marks unlimited, so none is dropped); msg/s at the slower subscriber.

Every message is counted on each side (producer, device, consumers) and a run where they
differ is reported. Prints each run and the median ratios (b)/(a) and (c)/(a).

    python bench/device_flood.py                  # 1,000,000 messages, three runs
    python bench/device_flood.py --count 200000 --runs 1
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

DEADLINE = 180.0  # seconds: no single measure may take longer
SIZE = 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the devices (each in its own process) --------------------------------------------------------

KIND_TYPES = {"streamer": ("PULL", "PUSH"), "queue": ("ROUTER", "DEALER"),
              "forwarder": ("XSUB", "XPUB")}
ZMQ_KINDS = {"streamer": "STREAMER", "queue": "QUEUE", "forwarder": "FORWARDER"}


def bare_proxy(kind: str, front: str, back: str, hwm: int | None, ready) -> None:
    import zmq

    ctx = zmq.Context()
    ftype, btype = KIND_TYPES[kind]
    f, b = ctx.socket(getattr(zmq, ftype)), ctx.socket(getattr(zmq, btype))
    if hwm is not None:
        for s in (f, b):
            s.sndhwm = s.rcvhwm = hwm
    f.bind(front)
    b.bind(back)
    ready.set()
    try:
        zmq.proxy(f, b)
    except zmq.ContextTerminated:
        pass


def python_loop(kind: str, front: str, back: str, hwm: int | None, ready) -> None:
    """The least a device in Python does: poll both sides, move one message at a time."""
    import zmq

    ctx = zmq.Context()
    ftype, btype = KIND_TYPES[kind]
    f, b = ctx.socket(getattr(zmq, ftype)), ctx.socket(getattr(zmq, btype))
    f.bind(front)
    b.bind(back)
    ready.set()
    poller = zmq.Poller()
    poller.register(f, zmq.POLLIN)
    poller.register(b, zmq.POLLIN)
    while True:
        for sock, _ in poller.poll():
            if sock is f:
                b.send_multipart(f.recv_multipart())
            else:
                f.send_multipart(b.recv_multipart())


def engine_device(kind: str, front: str, back: str, hwm: int | None, ready, done, results) -> None:
    from zmqdash.engine import Engine
    from zmqdash.engine.devices import DeviceCreate

    opts = () if hwm is None else (("sndhwm", hwm), ("rcvhwm", hwm))
    with Engine(ring_capacity=10_000) as engine:
        engine.call(DeviceCreate("bench", kind, ("@" + front,), ("@" + back,), tap=True,
                                 frontend_options=opts, backend_options=opts))
        view = engine.devices()["bench"]
        ready.set()
        done.wait(DEADLINE)
        s = view.stats
        results.put(("device", s.f2b_msgs, s.b2f_msgs, view.log.total))


class Device:
    """One device variant, started and stopped around a measure."""

    def __init__(self, variant: str, kind: str, hwm: int | None = None) -> None:
        self.variant, self.kind, self.hwm = variant, kind, hwm
        self.front = f"tcp://127.0.0.1:{free_port()}"
        self.back = f"tcp://127.0.0.1:{free_port()}"
        self.counts: tuple[int, int] | None = None  # (f>b, b>f) as the device counted them
        self.tapped: int | None = None

    def start(self) -> None:
        if self.variant == "direct":
            return
        if self.variant in ("a", "p"):
            ready = mp.Event()
            self.proc = mp.Process(target=bare_proxy if self.variant == "a" else python_loop,
                                   args=(self.kind, self.front, self.back, self.hwm, ready),
                                   daemon=True)
            self.proc.start()
            ready.wait(30)
        elif self.variant == "b":
            args = [sys.executable, "-m", "zmqdash", "proxy", self.kind, "@" + self.front,
                    "@" + self.back, "--stats"]
            if self.hwm is not None:
                for side in ("frontend", "backend"):
                    args += [f"--{side}-option", f"sndhwm={self.hwm}", f"--{side}-option",
                             f"rcvhwm={self.hwm}"]
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         text=True)
            for line in self.proc.stderr:
                if "running" in line:
                    break
        else:
            ready, self.done, self.results = mp.Event(), mp.Event(), mp.Queue()
            self.proc = mp.Process(target=engine_device,
                                   args=(self.kind, self.front, self.back, self.hwm, ready,
                                         self.done, self.results), daemon=True)
            self.proc.start()
            ready.wait(30)

    def stop(self) -> None:
        if self.variant in ("a", "p"):
            self.proc.kill()
            self.proc.join(10)
        elif self.variant == "b":
            self.proc.send_signal(signal.SIGINT)
            err = self.proc.stderr.read()
            self.proc.wait(30)
            last = err.strip().splitlines()[-1]
            f2b = int(last.split("frontend->backend ")[1].split()[0].replace(",", ""))
            b2f = 0
            if "backend->frontend " in last:
                b2f = int(last.split("backend->frontend ")[1].split()[0].replace(",", ""))
            self.counts = (f2b, b2f)
        elif self.variant == "c":
            self.done.set()
            _, f2b, b2f, tapped = self.results.get(timeout=30)
            self.counts, self.tapped = (f2b, b2f), tapped
            self.proc.join(10)

    @property
    def producer_endpoint(self) -> str:
        return self.front

    @property
    def consumer_endpoint(self) -> str:
        return self.front if self.variant == "direct" else self.back


# -- peers -------------------------------------------------------------------------------------


def pusher(endpoint: str, count: int, go) -> None:
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.connect(endpoint)
    go.wait(30)
    payload = b"x" * SIZE
    send = sock.send
    for _ in range(count):
        send(payload)
    sock.close(linger=-1)
    ctx.term()


def puller(endpoint: str, count: int, bind: bool, ready, results) -> None:
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.rcvtimeo = int(DEADLINE * 1000)
    sock.bind(endpoint) if bind else sock.connect(endpoint)
    ready.set()
    got = 0
    try:
        sock.recv()
        got = 1
        t0 = time.perf_counter()
        recv = sock.recv
        for _ in range(count - 1):
            recv()
            got += 1
        elapsed = time.perf_counter() - t0
    except zmq.Again:
        elapsed = float("nan")
    results.put((got, elapsed))
    sock.close(0)
    ctx.term()


def requester(endpoint: str, count: int, results) -> None:
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.rcvtimeo = int(DEADLINE * 1000)
    sock.connect(endpoint)
    payload = b"x" * SIZE
    sock.send(payload)  # the first trip finds the way (connections, the worker)
    sock.recv()
    t0 = time.perf_counter()
    done = 0
    try:
        for _ in range(count):
            sock.send(payload)
            sock.recv()
            done += 1
    except zmq.Again:
        pass
    results.put((done, time.perf_counter() - t0))
    sock.close(0)
    ctx.term()


def echo_worker(endpoint: str) -> None:
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.connect(endpoint)
    while True:
        sock.send(sock.recv())


def publisher(endpoint: str, count: int, subscribed) -> None:
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUB)
    sock.sndhwm = 0
    sock.connect(endpoint)
    # until both subscribers have heard a probe, the path through the device is not there yet
    while not subscribed.wait(0.01):
        sock.send(b"p")
    payload = b"d" + b"x" * (SIZE - 1)
    send = sock.send
    for _ in range(count):
        send(payload)
    sock.close(linger=-1)
    ctx.term()


def subscriber(endpoint: str, count: int, heard, results) -> None:
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.rcvhwm = 0
    sock.rcvtimeo = int(DEADLINE * 1000)
    sock.subscribe(b"")
    sock.connect(endpoint)
    got = 0
    try:
        while sock.recv() == b"p":
            heard.release()
        heard.release()
        got = 1
        t0 = time.perf_counter()
        recv = sock.recv
        while got < count:
            if recv()[:1] == b"d":
                got += 1
        elapsed = time.perf_counter() - t0
    except zmq.Again:
        elapsed = float("nan")
    results.put((got, elapsed))
    sock.close(0)
    ctx.term()


# -- measures ------------------------------------------------------------------------------------


def run_streamer(variant: str, count: int) -> tuple[float, str]:
    dev = Device(variant, "streamer")
    dev.start()
    ready, go, results = mp.Event(), mp.Event(), mp.Queue()
    consumer = mp.Process(target=puller, args=(dev.consumer_endpoint, count,
                                               variant == "direct", ready, results), daemon=True)
    consumer.start()
    ready.wait(30)
    producer = mp.Process(target=pusher, args=(dev.producer_endpoint, count, go), daemon=True)
    producer.start()
    go.set()
    got, elapsed = results.get(timeout=DEADLINE)
    producer.join(30)
    consumer.join(30)
    dev.stop()
    note = _counted(count, got, dev, (count, 0))
    return (got - 1) / elapsed, note


def run_queue(variant: str, count: int) -> tuple[float, str]:
    dev = Device(variant, "queue")
    dev.start()
    worker = mp.Process(target=echo_worker, args=(dev.back,), daemon=True)
    worker.start()
    results = mp.Queue()
    client = mp.Process(target=requester, args=(dev.front, count, results), daemon=True)
    client.start()
    done, elapsed = results.get(timeout=DEADLINE)
    client.join(30)
    worker.kill()
    worker.join(10)
    dev.stop()
    note = _counted(count, done, dev, (count + 1, count + 1))
    return done / elapsed, note


def run_forwarder(variant: str, count: int) -> tuple[float, str]:
    dev = Device(variant, "forwarder", hwm=0)
    dev.start()
    heard, results = mp.Semaphore(0), mp.Queue()
    subs = [mp.Process(target=subscriber, args=(dev.back, count, heard, results), daemon=True)
            for _ in range(2)]
    for s in subs:
        s.start()
    subscribed = mp.Event()
    producer = mp.Process(target=publisher, args=(dev.front, count, subscribed), daemon=True)
    producer.start()
    for _ in range(2):
        heard.acquire(timeout=30)
    subscribed.set()
    outcomes = [results.get(timeout=DEADLINE) for _ in subs]
    producer.join(30)
    for s in subs:
        s.join(30)
    dev.stop()
    got = min(g for g, _ in outcomes)
    note = _counted(count, got, dev, None)
    return (got - 1) / max(e for _, e in outcomes), note


def _counted(count: int, got: int, dev: Device, expected: tuple[int, int] | None) -> str:
    """"" when every message was counted on each side, else what differed."""
    problems = []
    if got != count:
        problems.append(f"consumer got {got:,} of {count:,}")
    if dev.counts is not None and expected is not None and dev.counts != expected:
        problems.append(f"device counted {dev.counts}, expected {expected}")
    if dev.counts is not None and expected is None and dev.counts[0] < count:
        problems.append(f"device forwarded {dev.counts[0]:,} of at least {count:,}")
    if dev.tapped is not None and dev.counts is not None and dev.tapped < sum(dev.counts):
        problems.append(f"tap has {dev.tapped:,} entries for {sum(dev.counts):,} messages")
    return "; ".join(problems)


MEASURES = {"streamer": run_streamer, "queue": run_queue, "forwarder": run_forwarder}
LABELS = {"direct": "no device", "a": "(a) zmq.proxy()", "b": "(b) zmqdash proxy",
          "c": "(c) engine, tap on", "p": "(p) Python poll loop"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000,
                        help="messages for the streamer (default 1,000,000)")
    parser.add_argument("--trips", type=int, default=20_000,
                        help="round trips for the queue (default 20,000)")
    parser.add_argument("--pub-count", type=int, default=300_000,
                        help="messages for the forwarder (default 300,000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=sorted(MEASURES), action="append",
                        help="run only this measure (repeatable)")
    args = parser.parse_args()
    from zmqdash.engine import forwardpath

    print(f"{os.cpu_count()} CPUs; forward path: "
          f"{'compiled' if forwardpath.compiled() else 'pure Python'}; {SIZE}-byte messages "
          "over tcp loopback", flush=True)
    sizes = {"streamer": args.count, "queue": args.trips, "forwarder": args.pub_count}
    unit = {"streamer": "msg/s", "queue": "round trips/s", "forwarder": "msg/s per subscriber"}
    for name in args.only or ("streamer", "queue", "forwarder"):
        variants = {"streamer": ["direct", "a", "b", "c"], "queue": ["a", "b", "c", "p"]}.get(
            name, ["a", "b", "c"])
        ratios: dict[str, list[float]] = {"b": [], "c": [], "p": []}
        print(f"\n{name}: {sizes[name]:,} ({unit[name]})", flush=True)
        for run in range(1, args.runs + 1):
            rates = {}
            for variant in variants:
                rate, note = MEASURES[name](variant, sizes[name])
                rates[variant] = rate
                shown = f"  run {run}  {LABELS[variant]:<20} {rate:>12,.0f}"
                print(shown + (f"   NOT ALL COUNTED: {note}" if note else ""), flush=True)
            shown = [v for v in ("b", "c", "p") if v in rates]
            for v in shown:
                ratios[v].append(rates[v] / rates["a"])
            print(f"  run {run}  " + "   ".join(f"({v})/(a) {rates[v] / rates['a']:.2f}"
                                               for v in shown), flush=True)
        print("  median  " + "   ".join(f"({v})/(a) {statistics.median(ratios[v]):.2f}"
                                        for v in ("b", "c", "p") if ratios[v])
              + "   (goals: (b) 0.9 and (c) 0.8)", flush=True)


if __name__ == "__main__":
    main()
