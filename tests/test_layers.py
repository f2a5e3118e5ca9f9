"""The layers are checked, not hoped for: import-linter's contracts in pyproject.toml (the engine
and the codec never import the UI, sessions, the command line or Textual; the codec never
imports the engine; sessions never import the UI), and the command line imports the UI only
inside the function that launches the dashboard."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                               "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 kept, 0 broken" in done.stdout, done.stdout


def _imports_ui(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return (node.level == 2 and module.split(".")[0] == "ui") or \
            module.startswith(("zmqdash.ui", "textual"))
    if isinstance(node, ast.Import):
        return any(a.name.startswith(("zmqdash.ui", "textual")) for a in node.names)
    return False


def test_the_command_line_imports_the_ui_only_lazily():
    lazy = []
    for path in sorted((ROOT / "zmqdash" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        top = [n for n in tree.body if _imports_ui(n)]
        assert not top, f"{path.name} imports the UI at module level (line {top[0].lineno})"
        lazy += [path.name for n in ast.walk(tree) if _imports_ui(n)]
    assert set(lazy) == {"dashboard.py"}  # the one way in: launching the dashboard
