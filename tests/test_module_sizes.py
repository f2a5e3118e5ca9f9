"""No module of zmqdash grows past 500 lines: one that does holds more than one concern (split it
by concern, as the engine's rooms are)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOST_LINES = 500


def test_no_module_is_over_500_lines():
    sizes = {path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines())
             for path in (ROOT / "zmqdash").rglob("*.py")}
    assert len(sizes) > 100  # the package itself was looked at
    over = {name: lines for name, lines in sizes.items() if lines > MOST_LINES}
    assert not over, over
