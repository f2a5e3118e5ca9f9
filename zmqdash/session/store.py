"""Session files on disk: reading without side effects, writing atomically.

A save writes a temporary file next to the target, flushes it to disk, keeps the current file as
``NAME.toml.bak`` and renames the new one into place, so at every moment the target is either the
old file or the new one, whole. If anything fails the old file is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import threading
import time
from pathlib import Path

from zmqdash.codec import human_size

from .format import parse_toml, to_toml
from .model import Session, SessionError

#: larger files are refused before parsing: no real session comes close
MAX_FILE_SIZE = 8 << 20

BACKUP_SUFFIX = ".bak"
#: how often a backup's hard link is tried while other writers replace the file
LINK_ATTEMPTS = 20
#: temporary files of a save older than this (seconds) were left by one that died
STALE_TEMP_AGE = 3600


def load(path: str | os.PathLike[str]) -> Session:
    """Read and check the session at ``path``. Never writes anything.

    Raises :class:`SessionError` whose message names the file, the line or key path, and the
    problem.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise SessionError(f"cannot read: {_reason(exc)}", file=path) from None
    if len(data) > MAX_FILE_SIZE:
        raise SessionError(f"too large for a session file (over {MAX_FILE_SIZE >> 20} MiB)",
                           file=path)
    if not data.strip():
        raise SessionError("the file is empty (a session file starts with 'version = 1')",
                           file=path)
    if b"\x00" in data:
        raise SessionError("binary data, not a TOML session file", file=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SessionError("not a text file (invalid UTF-8), not a TOML session file",
                           where=f"line {line}", file=path) from None
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte order mark some editors add
    try:
        return parse_toml(text, session_stem(path))
    except SessionError as exc:
        raise exc.in_file(path) from None


def session_stem(path: Path) -> str:
    """The session name a file gives when it has no ``name`` key: its name without ``.toml``."""
    name = path.name
    return name[: -len(".toml")] if name.lower().endswith(".toml") and len(name) > 5 else name


def dumps(session: Session, path: str | os.PathLike[str] | None = None) -> str:
    """The text :func:`save` would write for ``session`` at ``path``."""
    return to_toml(session, session_stem(Path(path)) if path is not None else None)


def save(session: Session, path: str | os.PathLike[str]) -> Path:
    """Write ``session`` to ``path`` atomically, keeping the previous file as ``PATH.bak``.

    The session is checked first; nothing is written if it is invalid. A file holding secret keys
    (``curve_secretkey``, ``plain_password``) is made readable by its owner only. Returns the
    path written (a symbolic link is followed, so the link itself stays). Raises
    :class:`SessionError` saying why the save failed; the old file is then untouched.
    """
    path = Path(path)
    try:
        session.validate()
    except SessionError as exc:
        raise SessionError(f"not saved: {exc.problem}", where=exc.where, file=path) from None
    text = dumps(session, path)
    data = text.encode("utf-8")
    # what is written must open again: never a file that load() would refuse
    if len(data) > MAX_FILE_SIZE:
        raise SessionError(
            f"not saved: the file would be {human_size(len(data))}, and a session file holds "
            f"at most {MAX_FILE_SIZE >> 20} MiB (long composer entries or templates? send big "
            "payloads from a file with @file)", file=path)
    try:
        parse_toml(text, session_stem(path))
    except SessionError as exc:
        raise SessionError(f"not saved: it would not open again: {exc.problem}",
                           where=exc.where, file=path) from None
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    atomic_write(target, data, secret=session.has_secrets, backup=True)
    return target


def atomic_write(path: Path, data: bytes, *, secret: bool = False, backup: bool = False) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new, never a part.

    ``secret``: mode 0600. Otherwise an existing file keeps its mode and a new one gets the
    default for new files (0666 less the umask). ``backup``: the current file is kept as
    ``PATH.bak``. Raises :class:`SessionError`.
    """
    directory = path.parent
    if not directory.is_dir():
        raise SessionError(f"cannot save: folder {directory} does not exist", file=path)
    try:
        old_mode = os.stat(path).st_mode & 0o7777
        exists = True
    except FileNotFoundError:
        old_mode, exists = _default_mode(), False
    except OSError as exc:
        raise SessionError(f"cannot save: {_reason(exc)}", file=path) from None
    mode = 0o600 if secret else old_mode
    temps: list[str] = []  # this writer's own temporary files: every one is gone at the end
    try:
        _clean_stale(directory, path.name)
        tmp = _write_temp(directory, path.name, data, mode, temps)
        if backup and exists:
            _backup(path, temps)
        os.replace(tmp, path)
    except OSError as exc:
        raise SessionError(f"cannot save: {_reason(exc)}", file=path) from None
    finally:
        for leftover in temps:  # a rename that moved one leaves nothing here to remove
            with contextlib.suppress(OSError):
                os.unlink(leftover)
    _sync_dir(directory)


def _temp_name(directory: Path, name: str) -> str:
    """A name no other writer uses: the process, the thread and random bits in it."""
    return str(directory / f".{name}.{os.getpid()}-{threading.get_ident()}-"
                           f"{secrets.token_hex(4)}.tmp")


def _write_temp(directory: Path, name: str, data: bytes, mode: int, temps: list[str]) -> str:
    while True:
        tmp = _temp_name(directory, name)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            continue
    temps.append(tmp)
    with os.fdopen(fd, "wb") as f:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
            os.fchmod(f.fileno(), mode)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return tmp


def _backup(path: Path, temps: list[str]) -> None:
    """Make ``PATH.bak`` the current file: a hard link where the file system allows it (the old
    bytes are not copied, and cannot differ), else a copy. Another writer may replace the file
    meanwhile: a link to a file renamed over fails (ENOENT) and is tried again, and a rename
    onto a ``.bak`` that is already the same file does nothing (the link is removed after)."""
    bak = path.with_name(path.name + BACKUP_SUFFIX)
    link = _temp_name(path.parent, bak.name)
    temps.append(link)
    for _attempt in range(LINK_ATTEMPTS):
        try:
            os.link(path, link)
            break
        except FileNotFoundError:  # replaced by another writer between lookup and link
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP,
                                 errno.EMLINK, errno.EACCES):
                raise
            _copy_backup(path, link, temps)
            break
    else:
        _copy_backup(path, link, temps)
    os.replace(link, bak)


def _copy_backup(path: Path, link: str, temps: list[str]) -> None:
    """The copy that stands in for a hard link (opening by name always finds a whole file)."""
    with open(path, "rb") as f:
        old = f.read()
        mode = os.fstat(f.fileno()).st_mode & 0o7777
    fd = os.open(link, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        if hasattr(os, "fchmod"):
            os.fchmod(f.fileno(), mode)
        f.write(old)
        f.flush()
        os.fsync(f.fileno())


def _clean_stale(directory: Path, name: str) -> None:
    """Remove temporary files of saves that died (killed mid-write) over an hour ago."""
    cutoff = time.time() - STALE_TEMP_AGE
    for prefix in (f".{name}.", f".{name}{BACKUP_SUFFIX}."):
        for leftover in directory.glob(glob.escape(prefix) + "*.tmp"):
            with contextlib.suppress(OSError):
                if leftover.lstat().st_mtime < cutoff:
                    leftover.unlink()


def _sync_dir(directory: Path) -> None:
    """Flush the rename itself to disk (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _default_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
