"""Where zmqdash keeps its files, and finding a session by name or path.

By default the platform's user folders (platformdirs; on Linux ``~/.config/zmqdash`` and
``~/.local/share/zmqdash``). ``ZMQDASH_HOME`` puts everything under one folder instead:
``$ZMQDASH_HOME/config`` and ``$ZMQDASH_HOME/data``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from zmqdash.codec import describe_char, first_unsafe

from .format import toml_string, toml_syntax_error
from .model import SessionError
from .store import atomic_write

if TYPE_CHECKING:
    from zmqdash.engine.credentials import Credentials

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "zmqdash"
HOME_ENV = "ZMQDASH_HOME"
SUFFIX = ".toml"
STATE_FILE = "state.toml"


def _home() -> Path | None:
    home = os.environ.get(HOME_ENV, "").strip()
    return Path(home).expanduser().absolute() if home else None


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def state_file() -> Path:
    """The small file remembering the last session opened."""
    return config_dir() / STATE_FILE


def check_name(name: str) -> str:
    """``name`` if it can be a saved session's name (a file name), else :class:`SessionError`."""
    if not name or not name.strip():
        raise SessionError("a session name cannot be empty")
    if "/" in name or "\\" in name or "\x00" in name or name.startswith("."):
        raise SessionError(
            f"'{name}' cannot be a session name: no slashes, and no leading dot"
        )
    bad = first_unsafe(name)
    if bad is not None:
        raise SessionError(f"'{name}' cannot be a session name: it holds a character that does "
                           f"not show as itself ({describe_char(bad)})")
    return name


def session_path(name: str, *, create_dir: bool = False) -> Path:
    """The file of the saved session ``name`` (existing or not). ``create_dir`` makes the
    sessions folder if it is missing."""
    check_name(name)
    folder = sessions_dir()
    if create_dir:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SessionError(f"cannot create {folder}: {exc.strerror or exc}") from None
    return folder / (name + SUFFIX)


def list_sessions() -> list[tuple[str, Path, float]]:
    """Saved sessions as ``(name, path, mtime)``, the most recently changed first."""
    folder = sessions_dir()
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise SessionError(f"cannot list {folder}: {exc.strerror or exc}") from None
    found = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.endswith(SUFFIX):
            continue
        try:
            if not entry.is_file():
                continue
            mtime = entry.stat().st_mtime
        except OSError:
            continue
        found.append((entry.name[: -len(SUFFIX)], Path(entry.path), mtime))
    found.sort(key=lambda item: (-item[2], item[0]))
    return found


def resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """The file meant by a command-line argument.

    Text with a slash (or ``~``) is a path. A name ending in ``.toml`` is a file if one exists
    there, else a saved session of that name. Anything else is a saved session's name, or, if no
    session has that name, an existing file of that name. Raises :class:`SessionError` when
    nothing matches, listing the saved sessions.
    """
    text = os.fspath(name_or_path)
    if not text.strip():
        raise SessionError("no session given (a saved session's name or a file's path)")
    if isinstance(name_or_path, Path) or "/" in text or os.sep in text or text.startswith("~"):
        path = Path(text).expanduser()
        if not path.exists():
            raise SessionError("no such file", file=path)
        return path
    if text.endswith(SUFFIX):
        path = Path(text)
        if path.exists():
            return path
        stem = text[: -len(SUFFIX)]
    else:
        stem = text
    if stem and not stem.startswith("."):
        saved = sessions_dir() / (stem + SUFFIX)
        if saved.exists():
            return saved
    if Path(text).is_file():
        return Path(text)
    names = [name for name, _, _ in list_sessions()]
    if names:
        shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        known = f"saved sessions: {shown}"
    else:
        known = f"there are no saved sessions in {sessions_dir()}"
    raise SessionError(f"no session or file named '{text}' ({known})")


def last_session() -> Path | None:
    """The session file opened last, if it was remembered and still exists.

    Raises :class:`SessionError` naming the state file when that cannot be read or makes no
    sense (the next session opened rewrites it), so the caller can say so and go on."""
    target = state_file()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SessionError(f"cannot read: {exc.strerror or exc}", file=target) from None
    try:
        state = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SessionError("damaged: not a text file (invalid UTF-8)", file=target) from None
    except RecursionError:
        raise SessionError("damaged: nested too deeply", file=target) from None
    except tomllib.TOMLDecodeError as exc:
        error = toml_syntax_error(exc)
        raise SessionError(f"damaged: {error.problem}", where=error.where, file=target) from None
    last = state.get("last_session")
    if last is None:
        return None
    if not isinstance(last, str) or not last:
        raise SessionError("damaged: expected the path of a session file", where="last_session",
                           file=target)
    path = Path(last)
    return path if path.is_file() else None


def remember(path: str | os.PathLike[str]) -> bool:
    """Note ``path`` as the last session opened. Best effort: returns False if the state file
    cannot be written (a read-only home must not stop anyone working)."""
    text = f"last_session = {toml_string(str(Path(path).expanduser().absolute()))}\n"
    target = state_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode("utf-8"))
    except (OSError, SessionError):
        return False
    return True


def keys_dir() -> Path:
    """Where ``zmqdash keygen`` puts key pairs by default."""
    return config_dir() / "keys"


def key_reference(text: str, secret: bool) -> str:
    """A key as the user gave it, with the bare name of a key in :func:`keys_dir` made a path.

    ``server`` means ``keys/server.key_secret`` for a secret key and ``keys/server.key`` for a
    public one (or the folder ``keys/server`` of public keys, for an allow list); 40 characters
    of Z85 and paths stay as they are."""
    from zmqdash.engine.keys import PUBLIC_SUFFIX, SECRET_SUFFIX, is_z85_key

    text = text.strip()
    if not text or is_z85_key(text) or "/" in text or text.startswith("~") \
            or os.path.exists(text):
        return text
    folder = keys_dir()
    if not secret and (folder / text).is_dir():
        return str(folder / text)
    candidate = folder / (text + (SECRET_SUFFIX if secret else PUBLIC_SUFFIX))
    if candidate.exists():
        return str(candidate)
    return text


def resolve_credentials(creds: Credentials) -> Credentials:
    """``creds`` (a :class:`~zmqdash.engine.credentials.Credentials`) with key names resolved
    by :func:`key_reference`."""
    from dataclasses import replace

    return replace(
        creds,
        secret_key=key_reference(creds.secret_key, True),
        server_key=key_reference(creds.server_key, False),
        allow_keys=tuple(key_reference(k, False) for k in creds.allow_keys),
        deny_keys=tuple(key_reference(k, False) for k in creds.deny_keys),
    )
