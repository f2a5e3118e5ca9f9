"""What this install's libzmq can do, where that libzmq comes from, and how to get what it lacks.

libzmq answers through ``zmq_has()``, with two traps: it knows ``pgm`` but not ``epgm`` (the
same OpenPGM code carries both, so ``zmq.has('epgm')`` is False where epgm works), and libzmq
4.3 answers ``WS`` and ``WSS`` in capitals where later releases use lower case. :func:`has`
asks the right way; everything that wants to know (endpoint checks, ``zmqdash doctor``) asks it.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import os
import shlex
import sys
from typing import Any

import zmq

#: every transport zmqdash knows, in the order ``doctor`` lists them
TRANSPORTS = ("tcp", "ipc", "inproc", "pgm", "epgm", "norm", "tipc", "ws", "wss", "vmci")
#: security mechanisms; NULL and PLAIN are always there
MECHANISMS = ("NULL", "PLAIN", "CURVE", "GSSAPI")
MULTICAST = ("pgm", "epgm", "norm")

#: the README's one extra command that turns multicast on (Debian/Ubuntu): the system libzmq,
#: built with OpenPGM and NORM, then pyzmq rebuilt against it. Tests keep the README and
#: .ci/run saying exactly this.
APT_COMMAND = "sudo apt-get install -y libzmq3-dev"
PIP_COMMAND = ("PYZMQ_NO_BUNDLE=1 .venv/bin/pip install --force-reinstall --no-deps "
               "--no-cache-dir --no-binary pyzmq pyzmq")
MULTICAST_COMMAND = f"{APT_COMMAND} && {PIP_COMMAND}"

_ALWAYS = frozenset({"tcp", "inproc", "null", "plain"})


def has(name: str) -> bool:
    """True when this libzmq was built with transport or mechanism ``name``."""
    key = name.strip().lower()
    if key in _ALWAYS:
        return True
    if key == "epgm":
        key = "pgm"
    if key in ("ws", "wss"):
        return bool(zmq.has(key) or zmq.has(key.upper()))
    return bool(zmq.has(key))


@functools.cache
def _backend() -> ctypes.CDLL:
    """pyzmq's compiled backend, opened again by file: looking a name up in it also searches
    its dependencies, so it finds the functions of the very libzmq pyzmq loaded."""
    backend: Any
    try:
        from zmq.backend.cython import _zmq as backend  # pyzmq 26 and later
    except ImportError:  # pragma: no cover - pyzmq 25
        backend = importlib.import_module("zmq.backend.cython.socket")
    return ctypes.CDLL(backend.__file__)


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def library_of(address: int) -> str:
    """The file of the shared object that holds code ``address`` ("" where dladdr is missing)."""
    try:
        dladdr = ctypes.CDLL(None).dladdr
    except (AttributeError, OSError):  # pragma: no cover - not a dlfcn platform
        return ""
    dladdr.argtypes = (ctypes.c_void_p, ctypes.POINTER(_DlInfo))
    info = _DlInfo()
    if not dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or not info.dli_fname:
        return ""
    return os.path.realpath(os.fsdecode(info.dli_fname))


def symbol(name: str) -> int:
    """The address of libzmq function ``name`` as pyzmq's backend sees it (dlsym searches the
    backend's dependencies too, so this is the libzmq pyzmq really calls)."""
    return ctypes.cast(getattr(_backend(), name), ctypes.c_void_p).value or 0


def libzmq_path() -> str:
    """The file libzmq's code is in: a shared library, or pyzmq's backend when linked in."""
    try:
        return library_of(symbol("zmq_version"))
    except (AttributeError, OSError):  # pragma: no cover
        return ""


def libzmq_origin(path: str | None = None) -> str:
    """``bundled`` (shipped inside pyzmq, as its wheels do), ``system``, or ``unknown``."""
    path = libzmq_path() if path is None else path
    if not path:
        return "unknown"
    package = os.path.dirname(os.path.realpath(zmq.__file__))  # .../site-packages/zmq
    folder = os.path.dirname(path)
    if os.path.commonpath([package, path]) == package or (  # linked in, or zmq/.libs
            os.path.dirname(folder) == os.path.dirname(package)
            and os.path.basename(folder).startswith("pyzmq")):  # pyzmq.libs (auditwheel)
        return "bundled"
    return "system"


def pip_command(python: str | None = None) -> str:
    """The pip half of :data:`MULTICAST_COMMAND`, for interpreter ``python`` (this one by
    default): ``PYZMQ_NO_BUNDLE=1 /path/to/python -m pip install ...``."""
    python = sys.executable if python is None else python
    return PIP_COMMAND.replace(".venv/bin/pip", f"{shlex.quote(python)} -m pip")


def multicast_fix(origin: str | None = None) -> tuple[str, str]:
    """How to get pgm, epgm and norm on this install: (what to do, the shell command)."""
    origin = libzmq_origin() if origin is None else origin
    if origin == "system":
        return ("this system libzmq was built without OpenPGM and NORM: install one built "
                "with them (Debian's and Ubuntu's libzmq5 is), then rebuild pyzmq against it",
                pip_command())
    return ("pyzmq's wheels bundle a libzmq without them; rebuild pyzmq against the "
            "system's (README: Multicast)", f"{APT_COMMAND} && {pip_command()}")


def fix(name: str) -> tuple[str, str]:
    """How to get transport or mechanism ``name`` where this libzmq lacks it: (what to do,
    the shell command or "")."""
    key = name.lower()
    if key in MULTICAST:
        return multicast_fix()
    readme = ("Debian's libzmq has it, so the README's multicast command brings it",
              f"{APT_COMMAND} && {pip_command()}")
    return {
        "ipc": ("ipc needs a libzmq built with it (every Unix build is)", ""),
        "tipc": ("tipc needs a libzmq built with TIPC (Linux)", ""),
        "ws": (f"ws is a draft transport pyzmq's wheels lack; {readme[0]}", readme[1]),
        "wss": ("wss needs a libzmq built with WebSocket and TLS (GnuTLS) support", ""),
        "vmci": ("vmci needs a libzmq built with VMware's VMCI (--with-vmci), in a VMware "
                 "guest", ""),
        "curve": ("CURVE needs a libzmq built with libsodium (pyzmq's wheels are)", ""),
        "gssapi": (f"GSSAPI (Kerberos) is not in pyzmq's wheels; {readme[0]}", readme[1]),
    }.get(key, ("it needs a libzmq built with it", ""))


def unavailable(name: str) -> str:
    """Why transport or mechanism ``name`` is missing, and the fix, for an error message."""
    key = name.lower()
    how, command = fix(key)
    return f"this libzmq has no {key}: {how}" + (f": {command}" if command else "")


def describe_install() -> str:
    """``pyzmq 27.3.0 with libzmq 4.3.5 (bundled)`` for messages and reports."""
    return (f"pyzmq {zmq.pyzmq_version()} with libzmq {zmq.zmq_version()} "
            f"({libzmq_origin()}) on Python {sys.version.split()[0]}")
