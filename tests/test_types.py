"""mypy over zmqdash/, with the settings in pyproject.toml (strict for the engine, the codec and
sessions; the dashboard and the command line checked, the bodies of functions not annotated
too), finds nothing, and no module of zmqdash is left out of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean(tmp_path_factory):
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_no_module_of_zmqdash_is_left_out_of_the_check():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert settings["files"] == ["zmqdash"]
    assert settings["check_untyped_defs"] is True
    for override in settings.get("overrides", []):
        modules = override["module"]
        modules = [modules] if isinstance(modules, str) else modules
        ours = [m for m in modules if m.split(".")[0] == "zmqdash"]
        loosened = {k: v for k, v in override.items()
                    if k in ("ignore_errors", "ignore_missing_imports", "follow_imports",
                             "check_untyped_defs") and v != (k == "check_untyped_defs")}
        assert not (ours and loosened), (ours, loosened)
