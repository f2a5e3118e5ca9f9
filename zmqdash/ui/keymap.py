"""The keymap file (``keymap.toml``): reading it, and checking its ids and keys.

A file that cannot be read, is not TOML, names a binding that does not exist or a key that is
not a key never stops the dashboard and is never ignored without a word: every problem becomes
one line naming the file and what is wrong, shown as a notice once the screen is up, and what
is good in the file still applies.
"""

from __future__ import annotations

import difflib
import os
import string
import sys
from collections.abc import Mapping
from pathlib import Path

#: environment variable naming another keymap file
KEYMAP_ENV = "ZMQDASH_KEYMAP"
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


def keymap_path() -> Path:
    """The keymap file in use: ``$ZMQDASH_KEYMAP``, else ``keymap.toml`` in the configuration
    folder."""
    named = os.environ.get(KEYMAP_ENV, "")
    if named:
        return Path(named)
    from ..session.paths import config_dir

    return config_dir() / "keymap.toml"


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """``(overrides, problems)``: ``binding_id -> keys`` for every entry whose keys are keys,
    and a line for each problem (the file's path first). A missing file is no problem."""
    path = keymap_path() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [f"{path}: cannot read: {exc.strerror or exc}"]
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from ..session.format import toml_syntax_error

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, [f"{path}: not a text file (invalid UTF-8)"]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{path}: {toml_syntax_error(exc)}; no key was changed"]
    table = data.get("keymap", data)
    if not isinstance(table, dict):
        return {}, [f"{path}: keymap: expected a table ([keymap]) of id = \"keys\""]
    overrides: dict[str, str] = {}
    problems: list[str] = []
    for ident, keys in table.items():
        if not isinstance(keys, str):
            problems.append(f"{path}: {ident}: expected keys in quotes, e.g. \"ctrl+k\"")
            continue
        bad = bad_key(keys)
        if bad is not None:
            problems.append(f"{path}: {ident}: '{bad}' is not a key (e.g. a, ctrl+k, f2, "
                            "plus, question_mark); that binding keeps its key")
            continue
        overrides[str(ident)] = keys
    return overrides, problems


def bad_key(keys: str) -> str | None:
    """The first of the comma-separated ``keys`` that Textual would not know as a key."""
    from textual.keys import Keys, _character_to_key

    names = {k.value.split("+")[-1] for k in Keys if not k.value.startswith("<")}
    names |= {_character_to_key(c) for c in string.printable if not c.isspace()}
    names |= {"space", "question_mark"}
    for key in keys.split(","):
        key = key.strip()
        if len(key) == 1 and key.isprintable() and not key.isspace():
            continue
        *mods, base = key.split("+")
        if not base or base not in names or any(m not in MODIFIERS for m in mods):
            return key
    return None


def unknown_ids(overrides: Mapping[str, str], known: set[str], path: Path) -> list[str]:
    """A line for each id in ``overrides`` that no binding has (with the closest, if any)."""
    problems = []
    for ident in overrides:
        if ident in known:
            continue
        hint = difflib.get_close_matches(ident, sorted(known), n=1, cutoff=0.6)
        extra = f"; did you mean {hint[0]}?" if hint else " (docs/ui.md lists the ids)"
        problems.append(f"{path}: no binding has the id '{ident}'{extra}")
    return problems


def binding_ids() -> set[str]:
    """The id of every binding the dashboard has, its screens' and widgets' included."""
    from textual.binding import Binding

    from .bindings import BINDINGS
    from .screens import add_socket, dialogs, help, inspector, repeat, show_code
    from .widgets import composer, log_view, text_field

    ids = set()
    for module in (add_socket, dialogs, help, inspector, repeat, show_code, composer,
                   log_view, text_field):
        for value in vars(module).values():
            for binding in getattr(value, "BINDINGS", ()) if isinstance(value, type) else ():
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    ids |= {b.id for b in BINDINGS if isinstance(b, Binding) and b.id}
    return ids
