"""What a session's size costs the dashboard, in a real terminal: figures, not a pass/fail test.

zmqdash opens a session of N idle sockets (inproc, spread over every tab) inside tmux at 120x40.
For N = 0, 3, 60 and 300 it reports, as the median of ``--runs`` launches:

- the first frame: launch to the tabs and the footer on screen;
- the first panel: launch to the first socket's panel on screen (for 0: to the first frame);
- all: launch to every socket counted in the status line; idle: launch to the dashboard's CPU
  staying under 10 % for half a second (everything built);
- RSS once idle, and RSS per socket above the empty one.

Then the flood: 300 sockets over the tabs, 50 of them PULLs that a separate process feeds at
1,000 msg/s each (50,000 msg/s in all, for ``--seconds``), with the flooded tab shown half of
the time: messages sent and counted (the status line's total), the dashboard's CPU and peak
RSS.

``--against DIR`` runs every case on another checkout too (say, a clone of main before a
change), launch for launch in the same run, and prints the ratios after/before:

    git clone -q /work/main /tmp/before
    python bench/ui_sessions.py --against /tmp/before

Goals: the first panel at 300 sockets within 1.2x of the first frame of the empty dashboard,
under 0.2 MB per idle socket.
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from tmux_support import Tmux, TmuxControl  # noqa: E402
from ui_flood import cpu_seconds, peak_rss_mb, write_session  # noqa: E402

#: one of each kind, in the order the tabs come (so every tab gets sockets)
KINDS = ("REQ", "REP", "PUB", "SUB", "PUSH", "PULL", "PAIR", "PAIR", "DEALER", "ROUTER",
         "XPUB", "XSUB")
FLOODED = 50
PER_SOCKET_RATE = 1000
SIZES = (0, 3, 60, 300)
READY = ("Request/Reply", "Quit")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def sockets_counted(screen: str) -> int | None:
    match = re.search(r"(\d+)[ \u00a0]sockets?", screen)
    return int(match.group(1)) if match else None


def total_in(screen: str) -> int | None:
    """The status line's total of messages received (exact or rounded: 1.2M)."""
    line = next((row for row in screen.splitlines() if "socket" in row), "")
    match = re.search(r"in[ \u00a0]([\d,.]+)([kM]?)", line)
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    return int(number * {"": 1, "k": 1e3, "M": 1e6}[match.group(2)])


def idle_sockets(n: int, start: int = 0) -> list[dict]:
    out = []
    for i in range(start, start + n):
        kind = KINDS[i % len(KINDS)]
        # every socket binds an inproc endpoint of its own: idle, and nothing to connect to
        out.append({"name": f"s{i:03d}", "type": kind, "bind": [f"inproc://idle{i}"]})
    return out


def launch(repo: Path, home: Path, session: Path | None, first_name: str | None,
           expect: int, timeout: float = 60) -> dict:
    """Start the dashboard in tmux; time the first frame, the first panel, every socket."""
    tmux = Tmux(120, 40)
    # (tmux starts it in this checkout's folder: PYTHONSAFEPATH keeps that off sys.path)
    env = {"ZMQDASH_HOME": str(home), "PYTHONPATH": str(repo), "PYTHONSAFEPATH": "1"}
    args = [sys.executable, "-m", "zmqdash"] + (["open", str(session)] if session else [])
    start = time.perf_counter()
    tmux.start(args, env)
    frame = panel = counted = None
    try:
        with TmuxControl(tmux) as probe:
            while counted is None:
                now = time.perf_counter() - start
                if now > timeout:
                    raise SystemExit(f"{repo}: {expect} sockets not on screen in {timeout} s")
                screen = probe.screen()
                if frame is None and all(word in screen for word in READY):
                    frame = now
                if frame is not None and panel is None and \
                        (first_name is None or f"{first_name} · " in screen):
                    panel = now
                if panel is not None and (expect == 0 or sockets_counted(screen) == expect):
                    counted = now
                time.sleep(0.005)
        # settled: the dashboard's CPU stays under 10 % for half a second (at most 60 s more)
        pid, settled = tmux.pid, None
        while settled is None:
            c0 = cpu_seconds(pid)
            time.sleep(0.5)
            now = time.perf_counter() - start
            if cpu_seconds(pid) - c0 < 0.05 or now > timeout + 60:
                settled = now - 0.5
        return {"frame": frame, "panel": panel, "all": counted, "settled": settled,
                "rss": rss_mb(pid), "tmux": tmux}
    except BaseException:
        tmux.kill()
        raise


def sizes_case(repos: dict[str, Path], work: Path, runs: int) -> dict:
    results: dict = {label: {} for label in repos}
    for n in SIZES:
        session = None
        if n:
            session = work / f"idle{n}.toml"
            write_session(session, idle_sockets(n))
        for _ in range(runs):
            for label, repo in repos.items():  # before and after, launch for launch
                got = launch(repo, work / "home", session, "s000" if n else None, n)
                got["tmux"].kill()
                results[label].setdefault(n, []).append(got)
    return results


HEADLESS = r"""
import asyncio, gc, json, sys, time
from pathlib import Path
from zmqdash.engine import Engine
from zmqdash.session import apply, store
from zmqdash.ui.app import make_app

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def main(path, n):
    engine = Engine().start()
    if n:
        apply(engine, store.load(path))
    while len(engine.sockets()) < n:
        time.sleep(0.01)
    app = make_app(engine)
    gc.collect()
    before = rss()
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        first = None
        while True:
            await pilot.pause()
            shown = [p for p in app.panels() if p.is_attached and p.log_view.is_attached]
            if not n or shown:
                first = time.perf_counter() - start
                break
        await pilot.pause(1.0)
        gc.collect()
        grown = rss() - before
        widgets = len(list(app.screen.query("*")))
    engine.stop()
    print(json.dumps({"first": first, "ui_mb": grown, "widgets": widgets}))

asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
"""


def headless(repo: Path, session: Path | None, n: int) -> dict:
    """The dashboard started in-process (Textual's test driver) on an engine that has its N
    sockets already: how long until the first panel is mounted, and what the UI adds to RSS.
    The engine's own cost (making N sockets) is left out, so this is the UI's share alone."""
    import json

    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONSAFEPATH": "1"}
    out = subprocess.run([sys.executable, "-c", HEADLESS, str(session or "-"), str(n)],
                         env=env, capture_output=True, text=True, timeout=300)
    if out.returncode:  # Textual's driver gives up waiting for the screen (30 s) first
        print(f"  ({repo}, {n} sockets: {out.stderr.strip().splitlines()[-1][:200]})")
        return {"first": float("nan"), "ui_mb": float("nan"), "widgets": float("nan")}
    return json.loads(out.stdout.strip().splitlines()[-1])


def flood_main(endpoints_file: str, rate: float, seconds: float) -> None:
    """The peer: FLOODED PUSH sockets bound on loopback, each sending ``rate`` 64-byte
    messages a second for ``seconds``; prints the endpoints, then how many it sent."""
    import zmq

    ctx = zmq.Context()
    socks = []
    for _ in range(FLOODED):
        sock = ctx.socket(zmq.PUSH)
        sock.linger = 0
        sock.sndhwm = 100_000
        sock.bind("tcp://127.0.0.1:*")
        socks.append(sock)
    Path(endpoints_file).write_text("\n".join(s.last_endpoint.decode() for s in socks))
    sys.stdin.readline()  # go
    body = b"." * 64
    sent = 0
    start = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
        due = int(rate * elapsed) + 1
        if sent >= due * FLOODED:
            time.sleep(0.001)
            continue
        for sock in socks:
            try:
                sock.send(body, zmq.NOBLOCK)
                sent += 1
            except zmq.Again:
                pass
    print(sent, flush=True)
    for sock in socks:
        sock.close()
    ctx.term()


def flood_case(repo: Path, work: Path, seconds: float) -> dict:
    endpoints_file = work / "endpoints.txt"
    endpoints_file.unlink(missing_ok=True)
    flooder = subprocess.Popen(
        [sys.executable, __file__, "--flood", str(endpoints_file), str(PER_SOCKET_RATE),
         str(seconds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        deadline = time.monotonic() + 20
        while not endpoints_file.exists() or not endpoints_file.read_text().strip():
            if time.monotonic() > deadline:
                raise SystemExit("the flooding peer did not start")
            time.sleep(0.05)
        endpoints = endpoints_file.read_text().split()
        sockets = idle_sockets(300 - FLOODED)
        sockets += [{"name": f"f{i:02d}", "type": "PULL", "connect": [ep]}
                    for i, ep in enumerate(endpoints)]
        session = work / "flood.toml"
        write_session(session, sockets)
        got = launch(repo, work / "home", session, "s000", 300)
        tmux = got["tmux"]
        try:
            pid = tmux.pid
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            flooder.stdin.write("go\n")
            flooder.stdin.flush()
            with TmuxControl(tmux) as probe:
                time.sleep(seconds / 2)
                probe.keys("3")  # the pipeline tab, where the flooded PULLs are
                time.sleep(seconds / 2)
                sent = int(flooder.stdout.readline())
                cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) * 100
                deadline = time.perf_counter() + 20
                counted = total_in(probe.screen())
                while (counted or 0) < sent and time.perf_counter() < deadline:
                    time.sleep(0.1)  # what is still queued comes in
                    counted = total_in(probe.screen())
            return {"sent": sent, "counted": counted, "cpu": cpu, "rss": peak_rss_mb(pid)}
        finally:
            tmux.kill()
    finally:
        flooder.kill()
        flooder.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--runs", type=int, default=3, help="launches per case (median)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the flood")
    parser.add_argument("--flood", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood:
        flood_main(args.flood[0], float(args.flood[1]), float(args.flood[2]))
        return
    repos = {"after": REPO}
    if args.against is not None:
        repos = {"before": args.against.resolve(), "after": REPO}
    for repo in repos.values():
        compileall.compile_dir(repo / "zmqdash", quiet=1)
    work = Path(tempfile.mkdtemp(prefix="zmqdash-bench-sessions-"))
    # Python puts the current folder first on sys.path (python -m, -c): with PYTHONSAFEPATH
    # (and away from any checkout), each run imports the zmqdash its PYTHONPATH names
    os.chdir(work)
    results = sizes_case(repos, work, args.runs)

    def med(label: str, n: int, what: str) -> float:
        return statistics.median(r[what] for r in results[label][n])

    print(f"{'':>8} {'sockets':>7} {'frame ms':>9} {'panel ms':>9} {'all ms':>8} "
          f"{'idle ms':>8} {'RSS MB':>7} {'MB/sock':>8}  panel / empty frame")
    for label in repos:
        empty_frame, empty_rss = med(label, 0, "frame"), med(label, 0, "rss")
        for n in SIZES:
            per = (med(label, n, "rss") - empty_rss) / n if n else 0.0
            print(f"{label:>8} {n:>7} {med(label, n, 'frame') * 1000:>9.0f} "
                  f"{med(label, n, 'panel') * 1000:>9.0f} {med(label, n, 'all') * 1000:>8.0f} "
                  f"{med(label, n, 'settled') * 1000:>8.0f} "
                  f"{med(label, n, 'rss'):>7.0f} {per:>8.3f}  "
                  f"{med(label, n, 'panel') / empty_frame:.2f}x")
    print("\nthe UI's share alone (in-process, on an engine that has its sockets already):")
    print(f"{'':>8} {'sockets':>7} {'first panel ms':>15} {'UI adds MB':>11} {'widgets':>8}")
    ui: dict = {label: {} for label in repos}
    for n in SIZES:
        session = work / f"idle{n}.toml" if n else None
        for _ in range(args.runs):
            for label, repo in repos.items():
                ui[label].setdefault(n, []).append(headless(repo, session, n))
    for label in repos:
        for n in SIZES:
            runs = ui[label][n]
            print(f"{label:>8} {n:>7} "
                  f"{statistics.median(r['first'] for r in runs) * 1000:>15.0f} "
                  f"{statistics.median(r['ui_mb'] for r in runs):>11.1f} "
                  f"{statistics.median(r['widgets'] for r in runs):>8.0f}")
        first0 = statistics.median(r["first"] for r in ui[label][0])
        first300 = statistics.median(r["first"] for r in ui[label][300])
        print(f"{label:>8}: first panel at 300 sockets / empty dashboard's first frame: "
              f"{first300 / first0:.2f}x")
    if "before" in repos:
        print("after/before at 300 sockets: first panel "
              f"{med('after', 300, 'panel') / med('before', 300, 'panel'):.2f}x, RSS "
              f"{med('after', 300, 'rss') / med('before', 300, 'rss'):.2f}x")
    print(f"\nflood: 300 sockets, {FLOODED} PULLs fed {PER_SOCKET_RATE:,} msg/s each for "
          f"{args.seconds:g} s (the pipeline tab shown for the second half)")
    for label, repo in repos.items():
        r = flood_case(repo, work, args.seconds)
        print(f"{label:>8}: sent {r['sent']:,}, counted {r['counted'] or 0:,}, "
              f"CPU {r['cpu']:.0f} % of one core, peak RSS {r['rss']:.0f} MB")


if __name__ == "__main__":
    main()
