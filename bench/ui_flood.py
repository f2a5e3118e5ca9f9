"""The dashboard under a flood, in a real terminal: figures, not a pass/fail test.

zmqdash runs inside tmux at 120x40 with one PULL panel; a separate process PUSHes 64-byte
messages at it at 50k, 200k and 400k msg/s offered, 10 s each, after a phase with nothing flowing
(one message). For each rate it reports:

- messages sent (accepted by the PUSH) and counted by the panel (the exact counter on screen);
- how old the newest message on screen is (each payload carries its send time), p50 and max;
- key-press-to-screen latency (``t`` changes the display format shown under the panel), p50/p95;
- the dashboard's CPU (% of one core) and peak RSS;
- bytes the dashboard wrote to the terminal per second (``tmux pipe-pane``).

Then: how long ``q`` takes to quit during a 400k msg/s flood, idle CPU with 20 idle sockets,
and the time to the first frame (launch to tabs and footer on screen).

Every look at the screen and every key press while timing goes over one tmux control-mode
connection (``TmuxControl``): a look costs tmux about 0.1 ms and starts no process. Starting a
tmux client per look (2 ms each, every few ms while a key is timed) loaded the two cores the
dashboard and the sender share, and added its own delay to every key it timed.

    python bench/ui_flood.py               # everything, about two minutes
    python bench/ui_flood.py --seconds 3   # shorter floods
    python bench/ui_flood.py --rates 50000
    python bench/ui_flood.py --probe spawn  # the earlier probe, to compare

Goals: every message counted, newest on screen < 0.5 s old, key p95 < 50 ms, RSS < 120 MB,
terminal output < 100 KB/s, idle CPU < 1 % with 20 sockets, first frame < 0.5 s.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from tmux_support import Tmux, TmuxControl, exited, wait_gone  # noqa: E402

SIZE = 64
TICK = os.sysconf("SC_CLK_TCK")
PAYLOAD = re.compile(r"(\d{12}) (\d{19}) ")
FORMATS = ("auto", "text", "hex", "json")


# -- the flooding peer (run as a separate process) --------------------------------------------


def flood_main() -> None:
    """Bind a PUSH, print the endpoint; then for every "RATE SECONDS" line on stdin, send
    64-byte messages at that rate for that long and print how many were sent."""
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.linger = 0
    sock.sndhwm = 100_000
    sock.bind("tcp://127.0.0.1:*")
    print(sock.last_endpoint.decode(), flush=True)
    send = sock.send
    seq = 0
    pad = b"." * SIZE
    for line in sys.stdin:
        rate, seconds = float(line.split()[0]), float(line.split()[1])
        start = time.perf_counter()
        sent = 0
        while True:
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
            due = int(rate * elapsed) + 1
            if sent >= due:
                time.sleep(0.0005)
                continue
            now = time.time_ns()
            for _ in range(min(due - sent, 2000)):
                seq += 1
                send((b"%012d %019d " % (seq, now) + pad)[:SIZE])
                sent += 1
        print(f"sent {sent} {time.perf_counter() - start:.3f}", flush=True)


# -- measuring the dashboard -------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def counted(screen: str) -> int | None:
    match = re.search(r"in[ \u00a0]([\d,]+)", screen.split("sink · PULL", 1)[-1])
    return int(match.group(1).replace(",", "")) if match else None


def shown_format(screen: str) -> str | None:
    match = re.search(r"(?:following|paused[^·]*) · (auto|text|hex|json)", screen)
    return match.group(1) if match else None


def newest_age(screen: str, since: float) -> float | None:
    """How old the newest message on screen is; None if none was sent after ``since`` (the
    screen still shows an earlier phase)."""
    stamps = [(int(seq), int(ns)) for seq, ns in PAYLOAD.findall(screen)]
    if not stamps:
        return None
    sent = max(stamps)[1] / 1e9
    return time.time() - sent if sent >= since else None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


#: how the bench looks and types: "control" (one tmux control-mode connection) or "spawn" (a
#: tmux client per look and key, as the probe did before; kept to compare the two)
PROBE = {"kind": "control"}


def open_probe(tmux: Tmux):
    """A context manager giving what to look and type with (see PROBE)."""
    from contextlib import nullcontext

    return tmux.control() if PROBE["kind"] == "control" else nullcontext(tmux)


POLL_PAUSE = 0.002  # seconds between looks at the screen while timing a key press
KEY_EVERY = 0.25  # seconds between timed key presses during a flood (about 35 in 10 s)


def key_latency(probe: TmuxControl, timeout: float = 5.0) -> float | None:
    """Press t and time until the next format shows under the panel."""
    before = shown_format(probe.screen())
    if before is None:
        return None
    wanted = FORMATS[(FORMATS.index(before) + 1) % len(FORMATS)]
    start = time.perf_counter()
    probe.keys("t")
    while time.perf_counter() - start < timeout:
        if shown_format(probe.screen()) == wanted:
            return time.perf_counter() - start
        time.sleep(POLL_PAUSE)  # back to back, the looks would keep tmux itself busy
    return None


def first_frame(tmux: Tmux, command: list[str], env: dict, ready, timeout: float = 20) -> float:
    """Seconds from launching ``command`` in tmux until ``ready(screen)`` (polled every 5 ms)."""
    start = time.perf_counter()
    tmux.start(command, env)
    with open_probe(tmux) as probe:
        while not ready(probe.screen()):
            if time.perf_counter() - start > timeout:
                raise SystemExit("the dashboard did not draw its first frame in time")
            time.sleep(0.005)
    return time.perf_counter() - start


# the same key probe on a bare Textual app whose t changes one label: what the probe itself,
# tmux and Textual take, with nothing else running
BARE_TOGGLE = (
    "from textual.app import App\n"
    "from textual.widgets import Footer, Static\n"
    "FORMATS = ('auto', 'text', 'hex', 'json')\n"
    "class Bare(App):\n"
    "    BINDINGS = [('t', 'cycle', 'Format'), ('q', 'quit', 'Quit')]\n"
    "    shown = 0\n"
    "    def compose(self):\n"
    "        self.label = Static('following · auto')\n"
    "        yield self.label\n"
    "        yield Footer()\n"
    "    def action_cycle(self):\n"
    "        self.shown += 1\n"
    "        self.label.update('following · ' + FORMATS[self.shown % 4])\n"
    "Bare().run()\n"
)


def bare_key_latency(presses: int = 30) -> list[float]:
    tmux = Tmux(120, 40)
    try:
        first_frame(tmux, [sys.executable, "-c", BARE_TOGGLE], {}, lambda s: "following" in s)
        found = []
        with open_probe(tmux) as probe:
            for _ in range(presses):
                latency = key_latency(probe)
                if latency is not None:
                    found.append(latency)
                time.sleep(0.1)
        return found
    finally:
        tmux.kill()


BARE_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Footer, Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('Request/Reply')\n"
    "        yield Footer()\n"
    "    BINDINGS = [('q', 'quit', 'Quit')]\n"
    "Bare().run()\n"
)


def launch(tmux: Tmux, home: Path, *args: str, pipe_to: Path | None = None) -> float:
    env = {"ZMQDASH_HOME": str(home), "PYTHONPATH": str(REPO)}
    took = first_frame(tmux, [sys.executable, "-m", "zmqdash", *args], env,
                       lambda s: "Request/Reply" in s and "Quit" in s)
    if pipe_to is not None:
        tmux._tmux("pipe-pane", "-o", "-t", tmux.target, f"cat >> {pipe_to}")
    return took


def write_session(path: Path, sockets: list[dict]) -> None:
    lines = ["version = 1", ""]
    for sock in sockets:
        lines.append("[[socket]]")
        for key, value in sock.items():
            if isinstance(value, list):
                lines.append(f"{key} = [{', '.join(repr(v) for v in value)}]".replace("'", '"'))
            else:
                lines.append(f'{key} = "{value}"')
        lines.append("")
    path.write_text("\n".join(lines))


def flood_phase(probe: TmuxControl, pid: int, flooder, rate: int, seconds: float,
                pipe: Path) -> dict:
    screen = probe.screen()
    start_count = counted(screen) or 0
    cpu0, bytes0, t0 = cpu_seconds(pid), pipe.stat().st_size, time.perf_counter()
    phase_start = time.time()
    flooder.stdin.write(f"{rate} {seconds}\n")
    flooder.stdin.flush()
    ages: list[float] = []
    keys: list[float] = []
    missed_keys = 0
    next_key = time.perf_counter() + 0.5  # then a key every KEY_EVERY s
    while time.perf_counter() - t0 < seconds:
        screen = probe.screen()
        if shown_format(screen) != "hex":
            age = newest_age(screen, phase_start)
            if age is not None:
                ages.append(age)
        if time.perf_counter() >= next_key:
            latency = key_latency(probe)
            if latency is None:
                missed_keys += 1
            else:
                keys.append(latency)
            next_key = time.perf_counter() + KEY_EVERY
        time.sleep(0.05)
    reply = flooder.stdout.readline().split()
    sent, send_time = int(reply[1]), float(reply[2])
    elapsed = time.perf_counter() - t0
    cpu = (cpu_seconds(pid) - cpu0) / elapsed * 100
    out_bytes = pipe.stat().st_size - bytes0
    # let the panel drain the backlog, then read the exact counter
    deadline = time.perf_counter() + 30
    total = counted(probe.screen()) or 0
    while total - start_count < sent and time.perf_counter() < deadline:
        time.sleep(0.1)
        total = counted(probe.screen()) or total
    return {
        "rate": rate, "sent": sent, "counted": total - start_count,
        "offered_rate": sent / send_time, "age_p50": percentile(ages, 50),
        "age_max": max(ages) if ages else float("nan"), "key_p50": percentile(keys, 50),
        "key_p95": percentile(keys, 95), "keys": len(keys), "missed_keys": missed_keys,
        "cpu": cpu, "rss": peak_rss_mb(pid), "term_kbs": out_bytes / elapsed / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="0,50000,200000,400000",
                        help="msg/s offered, one phase each (0: nothing flows but one message)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--probe", choices=("control", "spawn"), default="control",
                        help="look and type over one tmux control-mode connection (default), "
                             "or start a tmux client for each look and key, as before")
    parser.add_argument("--flood", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood:
        flood_main()
        return
    rates = [int(r) for r in args.rates.split(",") if r]
    PROBE["kind"] = args.probe
    work = Path(tempfile.mkdtemp(prefix="zmqdash-bench-"))
    home = work / "home"

    # bytecode compiled first, as pip does when it installs a package (an editable install
    # compiles on the first run instead)
    compileall.compile_dir(REPO / "zmqdash", quiet=1)
    print("first frame (launch to tabs and footer on screen):")
    firsts, bares = [], []
    for _ in range(5):
        tmux = Tmux(120, 40)
        try:
            firsts.append(launch(tmux, home))
        finally:
            tmux.kill()
        tmux = Tmux(120, 40)
        try:
            bares.append(first_frame(tmux, [sys.executable, "-c", BARE_APP], {},
                                     lambda s: "Request/Reply" in s and "Quit" in s))
        finally:
            tmux.kill()
    print(f"  zmqdash {' '.join(f'{t * 1000:.0f}' for t in firsts)} ms; a bare Textual app "
          f"{' '.join(f'{t * 1000:.0f}' for t in bares)} ms")

    bare_keys = bare_key_latency()
    print(f"  key probe on a bare Textual app: p50 {percentile(bare_keys, 50) * 1000:.0f} ms, "
          f"p95 {percentile(bare_keys, 95) * 1000:.0f} ms")

    flooder = subprocess.Popen([sys.executable, __file__, "--flood"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, bufsize=1)
    endpoint = flooder.stdout.readline().strip()
    session = work / "flood.toml"
    write_session(session, [{"name": "sink", "type": "PULL", "connect": [endpoint]}])
    pipe = work / "terminal.out"
    pipe.touch()
    tmux = Tmux(120, 40)
    results = []
    try:
        launch(tmux, home, "open", str(session), pipe_to=pipe)
        pid = tmux.pid
        tmux.keys("3")
        tmux.wait(lambda s: "sink · PULL" in s and "connected" in s, timeout=20,
                  what="the PULL panel, connected")
        with open_probe(tmux) as probe:
            for rate in rates:
                print(f"flooding {rate:,} msg/s for {args.seconds:g} s ...", flush=True)
                results.append(flood_phase(probe, pid, flooder, rate, args.seconds, pipe))
            # quit in the middle of a flood
            flooder.stdin.write(f"{max(rates)} 4\n")
            flooder.stdin.flush()
            time.sleep(1.5)
            # a display format other than the saved one is an unsaved change, so q asks first
            # (the key probe may have cycled the format back to the saved one)
            if shown_format(probe.screen()) == "auto":
                probe.keys("t")
                tmux.wait(lambda s: shown_format(s) not in (None, "auto"), timeout=20,
                          what="another display format")
            probe.keys("q")
            tmux.wait(lambda s: "Quit without saving?" in s, timeout=20, what="the quit question")
            start = time.perf_counter()
            probe.keys("y")
            quit_ok = wait_gone(pid, 20)
            quit_time = time.perf_counter() - start
        flood_pid = pid
    finally:
        tmux.kill()
        flooder.kill()
        flooder.wait()

    # idle: 20 sockets, nothing flowing
    pairs = [("REQ", "REP"), ("PUB", "SUB"), ("PUSH", "PULL"), ("PAIR", "PAIR"),
             ("DEALER", "ROUTER")]
    sockets = []
    for i in range(20):
        a, b = pairs[(i // 2) % len(pairs)]
        kind, role = (a, "connect") if i % 2 else (b, "bind")
        sock = {"name": f"idle{i:02d}", "type": kind, role: [f"inproc://idle{i // 2}"]}
        sockets.append(sock)
    idle_session = work / "idle.toml"
    write_session(idle_session, sockets)
    tmux = Tmux(120, 40)
    try:
        launch(tmux, home, "open", str(idle_session))
        pid = tmux.pid
        tmux.wait(lambda s: "20 sockets" in s.replace("\u00a0", " "), timeout=20,
                  what="20 sockets")
        time.sleep(2)  # settle after start-up
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        time.sleep(10)
        idle_cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) * 100
        idle_rss = peak_rss_mb(pid)
    finally:
        tmux.kill()

    print()
    print(f"{'offered/s':>10} {'sent/s':>9} {'sent':>10} {'counted':>10} {'age p50':>8} "
          f"{'age max':>8} {'key p50':>8} {'key p95':>8} {'CPU %':>6} {'RSS MB':>7} "
          f"{'term KB/s':>9}")
    for r in results:
        # with nothing flowing, the newest message is simply the one sent at the start
        ages = (f"{r['age_p50']:>7.2f}s {r['age_max']:>7.2f}s" if r["rate"]
                else f"{'-':>8} {'-':>8}")
        print(f"{r['rate']:>10,} {r['offered_rate']:>9,.0f} {r['sent']:>10,} "
              f"{r['counted']:>10,} {ages} "
              f"{r['key_p50'] * 1000:>6.0f}ms {r['key_p95'] * 1000:>6.0f}ms {r['cpu']:>6.0f} "
              f"{r['rss']:>7.0f} {r['term_kbs']:>9.1f}")
        if r["missed_keys"]:
            print(f"{'':>10} ({r['missed_keys']} key presses not seen within 5 s)")
    print()
    verdict = "quit" if quit_ok and exited(flood_pid) else "did NOT quit"
    print(f"quit (q, then y) during a {max(rates):,} msg/s flood: {verdict} in "
          f"{quit_time:.2f} s after the y")
    print(f"idle, 20 sockets: CPU {idle_cpu:.2f} % of one core, RSS {idle_rss:.0f} MB")
    print(f"first frame: median {statistics.median(firsts) * 1000:.0f} ms (a bare Textual app "
          f"with a footer: {statistics.median(bares) * 1000:.0f} ms)")
    bare_p50, bare_p95 = (percentile(bare_keys, p) * 1000 for p in (50, 95))
    print(f"key probe on a bare Textual app, nothing flowing: p50 {bare_p50:.0f} ms, "
          f"p95 {bare_p95:.0f} ms (tmux send-keys and capture-pane round trips included)")
    print(f"timed key presses per phase: {', '.join(str(r['keys']) for r in results)}")


if __name__ == "__main__":
    main()
