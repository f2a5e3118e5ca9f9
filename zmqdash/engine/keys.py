"""CURVE keys: Z85 text, key files (the format of czmq and pyzmq's ``zmq.auth``), key folders.

A key file holds ``public-key = "..."`` and, for a ``.key_secret`` file, ``secret-key = "..."``
(40 characters of Z85 each). Reading never puts a file's content in an error message: a file
named by mistake (or by a session someone sent) must not end up on the screen.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EngineError

if TYPE_CHECKING:
    from .credentials import Credentials

#: a CURVE key as Z85 text: 32 bytes in 40 characters
Z85_LENGTH = 40
_Z85_CHARS = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
)
PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"
#: larger files are not key files
MAX_KEY_FILE = 64 * 1024


def is_z85_key(text: str) -> bool:
    return len(text) == Z85_LENGTH and all(c in _Z85_CHARS for c in text)


def read_key_file(path: str | os.PathLike[str], secret: bool) -> tuple[bytes, bytes | None]:
    """(public, secret) Z85 keys from a key file; ``secret`` requires the secret key.

    Raises EngineError naming the file and what is missing, never quoting the file."""
    path = Path(path).expanduser()
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise EngineError(f"key file {path}: no such file") from None
    except IsADirectoryError:
        raise EngineError(f"key file {path}: is a folder, not a key file") from None
    except OSError as exc:
        raise EngineError(f"key file {path}: cannot read: {exc.strerror}") from None
    public = secret_key = None
    if len(data) <= MAX_KEY_FILE:
        for raw in data.splitlines():
            line = raw.strip()
            if line.startswith(b"#") or b"=" not in line:
                continue
            name, _, value = line.partition(b"=")
            value = value.strip().strip(b"'\"")
            name = name.strip()
            if name == b"public-key" and _valid(value):
                public = value
            elif name == b"secret-key" and _valid(value):
                secret_key = value
    if public is None and secret_key is None:
        raise EngineError(f"key file {path}: not a CURVE key file (no public-key = \"...\" line "
                          "of 40 Z85 characters)")
    if secret and secret_key is None:
        raise EngineError(f"key file {path}: holds no secret key (a public .key file? the "
                          f"secret one ends in {SECRET_SUFFIX})")
    if public is None:
        assert secret_key is not None  # one of the two is there (checked above)
        public = public_of(secret_key)
    return public, secret_key


def _valid(value: bytes) -> bool:
    try:
        return is_z85_key(value.decode("ascii"))
    except UnicodeDecodeError:
        return False


def public_of(secret: bytes) -> bytes:
    """The Z85 public key that belongs to a Z85 secret key."""
    import zmq

    return zmq.curve_public(secret)


def key_from(text: str, secret: bool, what: str) -> tuple[bytes, bytes | None]:
    """A key given as Z85 text or as a key file: (public, secret or None).

    ``secret``: the text is (or the file holds) a secret key. ``what`` names the key in errors
    ("the server key"); the text itself is never repeated when it may be a secret."""
    text = text.strip()
    if not text:
        raise EngineError(f"{what}: empty (give 40 characters of Z85, or a key file)")
    if is_z85_key(text) and not os.path.exists(text):
        key = text.encode("ascii")
        if secret:
            return public_of(key), key
        return key, None
    if not os.path.exists(os.path.expanduser(text)):
        if secret:  # a mistyped secret must not be printed back as a file name
            raise EngineError(f"{what}: neither a key (40 characters of Z85) nor an existing "
                              "key file (not repeated here: it may be a secret)")
        if len(text) == Z85_LENGTH and "/" not in text:
            raise EngineError(f"{what}: not valid Z85 (40 characters from Z85's alphabet) and "
                              "no such file")
    return read_key_file(text, secret)


def public_keys_in(source: str) -> set[bytes]:
    """The public keys of a folder of ``.key`` files, one key file, or one Z85 key."""
    source = source.strip()
    path = Path(source).expanduser()
    if is_z85_key(source) and not path.exists():
        return {source.encode("ascii")}
    if path.is_dir():
        found = set()
        for entry in sorted(path.glob("*" + PUBLIC_SUFFIX)):
            try:
                found.add(read_key_file(entry, secret=False)[0])
            except EngineError:
                continue  # a stray file in the folder is not a key; the others still count
        return found
    if not path.exists():
        raise EngineError(f"key list {path}: no such folder or file")
    return {read_key_file(path, secret=False)[0]}


def folder_stamp(source: str) -> float:
    """When a key folder (or file) last changed, so allow lists follow files added later."""
    try:
        return os.stat(Path(source.strip()).expanduser()).st_mtime
    except OSError:
        return 0.0


def check_files(creds: Credentials) -> None:
    """Read every key a :class:`~.credentials.Credentials` names, so a wrong one is reported
    before any socket exists (raises EngineError)."""
    if creds.mechanism != "curve":
        return
    if creds.secret_key:
        key_from(creds.secret_key, True, "the secret key")
    if creds.server_key:
        key_from(creds.server_key, False, "the server key")
    for source in (*creds.allow_keys, *creds.deny_keys):
        public_keys_in(source)


def write_key_pair(folder: Path, name: str, *, force: bool = False) -> tuple[Path, Path, str]:
    """Make a CURVE key pair as ``NAME.key`` (public) and ``NAME.key_secret`` (mode 0600).

    Returns (public file, secret file, public key text). Never overwrites a key unless
    ``force``; raises EngineError."""
    import zmq

    public, secret = zmq.curve_keypair()
    public_text, secret_text = public.decode("ascii"), secret.decode("ascii")
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EngineError(f"cannot make folder {folder}: {exc.strerror}") from None
    public_file = folder / (name + PUBLIC_SUFFIX)
    secret_file = folder / (name + SECRET_SUFFIX)
    if not force:
        for path in (public_file, secret_file):
            if path.exists():
                raise EngineError(f"{path} exists already (give --force to replace the pair)")
    head = "#   ZeroMQ CURVE {} certificate, made by zmqdash keygen\n"
    _write(public_file, head.format("Public") +
           f'metadata\ncurve\n    public-key = "{public_text}"\n', 0o644)
    _write(secret_file, head.format("**Secret**") +
           "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n"
           f'metadata\ncurve\n    public-key = "{public_text}"\n'
           f'    secret-key = "{secret_text}"\n', 0o600)
    return public_file, secret_file, public_text


def _write(path: Path, text: str, mode: int) -> None:
    """Write a new file, created with ``mode`` (never readable by others, even for a moment)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.write(fd, text.encode("ascii"))
            os.fchmod(fd, mode)  # the umask may have taken bits off a public key's mode
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise EngineError(f"cannot write {path}: {exc.strerror}") from None
