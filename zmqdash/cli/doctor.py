"""``zmqdash doctor``: what this install can do, what it cannot and why, and the fix for each.

It looks and sends nothing: versions, where libzmq comes from, each transport and security
mechanism, the compiled receive helper, the terminal, and the tools some features use (tmux,
ssh). Plain text for people, ``--json`` for scripts (the same facts).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import io
import json
import os
import platform
import shutil
import socket
import subprocess
import sys

from .. import __version__
from .messages import line


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="what this install can do (transports, security, terminal) and how to fix the rest",
        description="Report the pyzmq and libzmq versions and where libzmq comes from, every "
        "transport and security mechanism (with the fix for each missing one), whether the "
        "compiled receive helper is in use, the terminal, and tmux and ssh. Nothing is sent.",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    report = collect()
    if args.json:
        out = sys.stdout  # ensure_ascii: every control character is a \u escape already
        out.write(json.dumps(report, indent=2, ensure_ascii=True) + "\n")
    else:
        for text in render(report):
            line(text)  # each line made terminal-safe as it is printed
    return 0


# -- the facts ----------------------------------------------------------------------------------


def collect() -> dict:
    import zmq

    from ..engine import capabilities as caps

    path = caps.libzmq_path()
    origin = caps.libzmq_origin(path)
    return {
        "zmqdash": __version__,
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "platform": platform.platform(),
        "pyzmq": zmq.pyzmq_version(),
        "libzmq": {"version": zmq.zmq_version(), "origin": origin, "path": path},
        "transports": {name: _transport(name, origin) for name in caps.TRANSPORTS},
        "mechanisms": {name: _mechanism(name) for name in caps.MECHANISMS},
        "receive_helper": _receive_helper(),
        "terminal": _terminal(),
        "tools": {name: _tool(name, flag) for name, flag in (("tmux", "-V"), ("ssh", "-V"))},
    }


def _entry(built_in: bool, usable: bool | None = None, note: str = "",
           fix: tuple[str, str] = ("", "")) -> dict:
    return {"built_in": built_in, "usable": built_in if usable is None else usable,
            "note": note, "fix": fix[0], "command": fix[1]}


def _transport(name: str, origin: str) -> dict:
    from ..engine import capabilities as caps
    from ..engine import multicast

    built = caps.has(name)
    if name in caps.MULTICAST:
        note = {
            "pgm": "PGM straight over IP (raw sockets)",
            "epgm": "PGM over UDP; zmq.has('epgm') is False even where it works: libzmq "
                    "only knows 'pgm', so that is what to ask",
            "norm": "NORM over UDP",
        }[name]
        if name == "pgm" and built and not multicast.raw_sockets_allowed():
            return _entry(True, False, note + "; this process may not open raw sockets",
                          ("run as root or with CAP_NET_RAW, or use epgm://, which needs "
                           "neither", ""))
        return _entry(built, note=note, fix=("", "") if built else _multicast_fix(origin))
    if name == "tipc" and built:
        try:
            socket.socket(socket.AF_TIPC, socket.SOCK_RDM).close()
        except (AttributeError, OSError):
            return _entry(True, False, "in libzmq, but this kernel has no TIPC",
                          ("load the kernel's TIPC module", "sudo modprobe tipc"))
    return _entry(built, fix=("", "") if built else caps.fix(name))


def _mechanism(name: str) -> dict:
    from ..engine import capabilities as caps

    built = caps.has(name)
    return _entry(built, fix=("", "") if built else caps.fix(name))


def _multicast_fix(origin: str) -> tuple[str, str]:
    """The README's command for this interpreter, shortened when the system libzmq is already
    installed: then only pyzmq needs rebuilding against it."""
    from ..engine import capabilities as caps

    system = _system_libzmq()
    if origin != "system" and system and system["pgm"]:
        return (f"the system's libzmq {system['version']} ({system['path']}) has them: "
                "rebuild pyzmq against it (README: Multicast)", caps.pip_command())
    return caps.multicast_fix(origin)


def _system_libzmq() -> dict | None:
    """The system's libzmq, if one is installed: its version and whether it has pgm and norm.
    Loaded on its own (pyzmq's copy is untouched) and asked zmq_has()."""
    name = ctypes.util.find_library("zmq")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.zmq_version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    lib.zmq_has.argtypes = (ctypes.c_char_p,)
    from ..engine.capabilities import library_of

    path = library_of(ctypes.cast(lib.zmq_version, ctypes.c_void_p).value or 0) or name
    return {"version": f"{major.value}.{minor.value}.{patch.value}", "path": path,
            "pgm": bool(lib.zmq_has(b"pgm")), "norm": bool(lib.zmq_has(b"norm"))}


def _receive_helper() -> dict:
    from ..engine import recvpath

    forced = os.environ.get("ZMQDASH_PURE_PYTHON", "") not in ("", "0")
    built = recvpath._compiled is not None
    if recvpath.COMPILED:
        why = ""
    elif forced:
        why = "ZMQDASH_PURE_PYTHON is set: the engine receives in Python"
    elif "_recvbatch" in recvpath.LOAD_ERROR and "No module named" in recvpath.LOAD_ERROR:
        why = ("not built: pip found no C compiler or Python headers when zmqdash was "
               "installed; install them (Debian: build-essential python3-dev) and run "
               "pip install again")
    else:
        why = f"it could not be loaded: {recvpath.LOAD_ERROR}"
    return {"in_use": recvpath.COMPILED, "built": built, "libzmq": recvpath.LIBZMQ,
            "why_not": why}


def _terminal() -> dict:
    size = None
    tty = None
    for fd in (1, 2, 0):
        try:
            cols, rows = os.get_terminal_size(fd)
        except OSError:
            continue
        size, tty = [cols, rows], fd
        break
    env = os.environ
    multiplexer = "tmux" if env.get("TMUX") else "screen" if env.get("STY") else ""
    colors, color_note = _colors()
    return {
        "is_terminal": tty is not None,
        "size": size,
        "TERM": env.get("TERM", ""),
        "COLORTERM": env.get("COLORTERM", ""),
        "NO_COLOR": "NO_COLOR" in env,
        "colors": colors,
        "colors_note": color_note,
        "multiplexer": multiplexer,
        "ssh": bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY")),
        "osc52": _osc52(multiplexer),
    }


def _colors() -> tuple[str, str]:
    """The colours the dashboard will use, as Rich and Textual decide them from the
    environment (TEXTUAL_COLOR_SYSTEM overrides)."""
    chosen = os.environ.get("TEXTUAL_COLOR_SYSTEM", "").strip()
    if "NO_COLOR" in os.environ:
        return "none", "NO_COLOR is set: no colours, styles only"
    if chosen and chosen != "auto":
        return chosen, "TEXTUAL_COLOR_SYSTEM chooses it"
    from rich.console import Console

    system = Console(file=io.StringIO(), force_terminal=True).color_system or "none"
    note = {
        "truecolor": "COLORTERM says so",
        "256": "from TERM; COLORTERM=truecolor gives 16 million (often not forwarded by ssh)",
        "standard": "from TERM: 16 colours",
        "none": "TERM is dumb or unknown",
    }.get(system, "")
    return system, note


def _osc52(multiplexer: str) -> dict:
    """Whether the inspector's copy (OSC 52) can reach the clipboard; the terminal emulator
    itself cannot be asked, so only what is in the way is known."""
    if multiplexer == "screen":
        return {"likely": False, "note": "screen does not pass OSC 52 on to the terminal"}
    if multiplexer == "tmux":
        tmux = shutil.which("tmux")
        value = ""
        if tmux:
            try:
                value = subprocess.run([tmux, "show-options", "-sv", "set-clipboard"],
                                       capture_output=True, text=True, timeout=5).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                value = ""
        if value == "on":
            return {"likely": True, "note": "tmux set-clipboard is on: copies become tmux "
                    "buffers and go on to the terminal where it supports OSC 52"}
        shown = value or "unknown"
        return {"likely": False, "note": f"tmux set-clipboard is {shown}: tmux drops a "
                "program's OSC 52; run: tmux set -s set-clipboard on"}
    return {"likely": None, "note": "works where the terminal emulator supports OSC 52 (most "
            "current ones do, also over ssh); zmqdash cannot ask it"}


def _tool(name: str, flag: str) -> dict:
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}")
                                  else "")
    if not path:
        return {"path": "", "version": ""}
    try:
        done = subprocess.run([path, flag], capture_output=True, text=True, timeout=5,
                              stdin=subprocess.DEVNULL)
        version = (done.stdout.strip() or done.stderr.strip()).splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        version = ""
    return {"path": path, "version": version}


# -- plain text ---------------------------------------------------------------------------------


def render(report: dict, width: int | None = None) -> list[str]:
    """The report as lines of text (not yet made terminal-safe): wrapped to the terminal (100
    columns when not one), commands on lines of their own so they copy whole."""
    import textwrap

    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    width = max(60, width)
    out: list[str] = []

    def para(text: str, indent: str, first: str | None = None) -> None:
        out.extend(textwrap.wrap(text, width, initial_indent=indent if first is None else first,
                                 subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False) or [first or indent])

    lib = report["libzmq"]
    where = {"bundled": "bundled inside pyzmq (its wheel)", "system": "the system's",
             "unknown": "origin unknown"}[lib["origin"]]
    out.append(f"zmqdash {report['zmqdash']} on Python {report['python']['version']} "
               f"({report['platform']})")
    para(f"pyzmq {report['pyzmq']} with libzmq {lib['version']}, {where}"
         + (f": {lib['path']}" if lib["path"] else ""), "  ", "")
    pad = " " * 21
    for title, key in (("transports", "transports"), ("security mechanisms", "mechanisms")):
        out.append("")
        out.append(title)
        shown: dict[tuple[str, str], str] = {}
        for name, entry in report[key].items():
            state = "yes" if entry["usable"] else ("not here" if entry["built_in"] else "no")
            head = f"  {name:<8} {state:<9}"
            if entry["note"]:
                para(entry["note"], pad, head + " ")
            else:
                out.append(head.rstrip())
            fix = (entry["fix"], entry["command"])
            if fix == ("", ""):
                continue
            if fix in shown:
                out.append(f"{pad}fix: as for {shown[fix]}")
                continue
            shown[fix] = name
            if fix[0]:
                para(f"fix: {fix[0]}" + (":" if fix[1] else ""), pad + "  ", pad)
            if fix[1]:
                out.append(f"{pad}  {fix[1]}")
    helper = report["receive_helper"]
    out.append("")
    out.append("receive helper")
    if helper["in_use"]:
        para(f"compiled, in use (calls {helper['libzmq'] or 'the libzmq pyzmq loaded'})",
             "    ", "  ")
    else:
        para(f"not in use: {helper['why_not']}; the engine receives in Python: the same "
             "entries, about 1.5 times slower", "    ", "  ")
    term = report["terminal"]
    out.append("")
    out.append("terminal")
    if term["is_terminal"]:
        cols, rows = term["size"]
        fits = "" if cols >= 80 and rows >= 24 else " (the dashboard wants at least 80x24)"
        out.append(f"  size     {cols}x{rows}{fits}")
    else:
        out.append("  size     not a terminal (output redirected)")
    out.append(f"  TERM     {term['TERM'] or '(not set)'}"
               + (f", COLORTERM={term['COLORTERM']}" if term["COLORTERM"] else ""))
    para(f"{term['colors']}: {term['colors_note']}", " " * 11, "  colours  ")
    inside = term["multiplexer"] or "no tmux or screen"
    out.append(f"  inside   {inside}{', over ssh' if term['ssh'] else ''}")
    para(term["osc52"]["note"], " " * 11, "  OSC 52   ")
    out.append("")
    out.append("tools")
    for name, tool in report["tools"].items():
        found = f"{tool['version'] or 'present'} ({tool['path']})" if tool["path"] else \
            "not found"
        out.append(f"  {name:<8} {found}")
    return out
