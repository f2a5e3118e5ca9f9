"""Make the SVG screenshots in this folder: the overview and every pattern tab of the dashboard
with live traffic.

The dashboard runs headless on the built-in demo session (``zmqdash demo``: every pattern over
inproc, with repeat-senders), lets the traffic flow for a few seconds, then saves one SVG per
tab, plus the inspector and the help screen.

    python screenshots/make.py             # writes screenshots/*.svg
    python screenshots/make.py --size 100x30 --wait 6
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from zmqdash.session import demo_session
from zmqdash.ui.app import make_app
from zmqdash.ui.patterns import PATTERNS

HERE = Path(__file__).resolve().parent


async def shoot(size: tuple[int, int], wait: float, out: Path) -> list[Path]:
    app = make_app(session=demo_session())
    app.animation_level = "none"
    written = []
    async with app.run_test(size=size) as pilot:
        await asyncio.sleep(wait)  # live traffic: the demo's repeat-senders fill the logs
        await pilot.press("0")  # the overview: a map of the whole demo, with its last minute
        await pilot.pause(1.2)
        path = out / "0-overview.svg"
        path.write_text(app.export_screenshot(title="zmqdash - Overview"))
        written.append(path)
        for i, pattern in enumerate(PATTERNS, 1):
            await pilot.press(str(i))
            await pilot.pause(0.3)
            path = out / f"{i}-{pattern.id}.svg"
            path.write_text(app.export_screenshot(title=f"zmqdash - {pattern.title}"))
            written.append(path)
        await pilot.press("1", "i")  # the newest entry of the first REQ/REP panel
        await pilot.pause(0.3)
        path = out / "inspector.svg"
        path.write_text(app.export_screenshot(title="zmqdash - inspector"))
        written.append(path)
        await pilot.press("escape", "question_mark")
        await pilot.pause(0.3)
        path = out / "help.svg"
        path.write_text(app.export_screenshot(title="zmqdash - keys"))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="120x36", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--wait", type=float, default=4.0, help="seconds of traffic first")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    for path in asyncio.run(shoot((width, height), args.wait, args.out)):
        print(path)


if __name__ == "__main__":
    main()
