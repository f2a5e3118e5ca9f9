"""What a socket's security is made of: CURVE or PLAIN, server or client, keys and ZAP lists.

Plain data, checked without touching a socket or reading a file, so the dialog, ``zmqdash cat``
and session files can refuse a mistake before anything is made. Keys are kept as the user gave
them (40 characters of Z85, or the path of a key file); :mod:`.security` reads them when the
socket is secured. Secrets never appear in a ``repr`` or in an error message.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .errors import EngineError

CURVE = "curve"
PLAIN = "plain"
MECHANISMS = (CURVE, PLAIN)
SERVER = "server"
CLIENT = "client"
ROLES = (SERVER, CLIENT)


@dataclass(frozen=True)
class Credentials:
    """A socket's security mechanism and its role in it.

    CURVE server: ``secret_key`` (its own; the public key is derived from it). CURVE client:
    ``server_key`` (the server's public key) and optionally ``secret_key`` (its own; without
    one it gets a new key pair). PLAIN client: ``username`` and ``password`` or
    ``password_file``. PLAIN server: optionally ``users_file`` (``name:password`` lines).
    Servers take ZAP lists: ``allow``/``deny`` (IP addresses or networks) and, for CURVE,
    ``allow_keys``/``deny_keys`` (folders of ``.key`` files, key files or Z85 public keys).
    ``embed_secret``: a secret typed in (not in a file) may be written to a session file.
    """

    mechanism: str
    role: str
    secret_key: str = field(default="", repr=False)
    server_key: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    password_file: str = ""
    users_file: str = ""
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_keys: tuple[str, ...] = ()
    deny_keys: tuple[str, ...] = ()
    embed_secret: bool = False

    @property
    def server(self) -> bool:
        return self.role == SERVER

    @property
    def typed_secret(self) -> bool:
        """True when a secret is held as text (a Z85 secret key, a password), not in a file."""
        from .keys import is_z85_key

        return bool(self.password) or is_z85_key(self.secret_key.strip())

    def label(self) -> str:
        """``CURVE server``, ``PLAIN client``."""
        return f"{self.mechanism.upper()} {self.role}"

    def check(self, complete: bool = True) -> None:
        """Raise EngineError for the first problem (in words for the user, no secret in them).

        ``complete=False`` lets the secret be missing (a session file that did not keep a
        secret typed in the dashboard is still a valid file; securing the socket says why not).
        """
        if self.mechanism not in MECHANISMS:
            raise EngineError(f"unknown security mechanism '{self.mechanism}' (curve or plain)")
        if self.role not in ROLES:
            raise EngineError(f"a {self.mechanism.upper()} socket is a server or a client, "
                              f"not '{self.role}'")
        label = self.label()
        for name in ("secret_key", "server_key", "username", "password", "password_file",
                     "users_file"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise EngineError(f"{label}: {name.replace('_', ' ')} must be text")
            if any(ord(c) < 32 for c in value):
                raise EngineError(f"{label}: {name.replace('_', ' ')} holds a control character")
        if self.mechanism == CURVE:
            if self.server and not self.secret_key.strip() and complete:
                raise EngineError("a CURVE server needs its secret key (Z85 text or a "
                                  ".key_secret file; zmqdash keygen makes a pair; a session "
                                  "keeps a typed one only when asked)")
            if not self.server and not self.server_key.strip():
                raise EngineError("a CURVE client needs the server's public key (Z85 text or "
                                  "the server's .key file)")
            if self.server and self.server_key.strip():
                raise EngineError("a CURVE server takes its own secret key, not a server key")
            if self.username or self.password or self.password_file or self.users_file:
                raise EngineError("user names and passwords are for PLAIN, not CURVE")
        else:
            if self.secret_key or self.server_key or self.allow_keys or self.deny_keys:
                raise EngineError("keys are for CURVE; PLAIN takes a user name and password")
            if not self.server and not self.username.strip():
                raise EngineError("a PLAIN client needs a user name")
            if not self.server and self.password and self.password_file:
                raise EngineError("give the PLAIN password or a password file, not both")
            if not self.server and not self.password and not self.password_file and complete:
                raise EngineError("a PLAIN client needs its password (typed, or a password "
                                  "file; a session keeps a typed one only when asked)")
            if self.server and (self.username or self.password or self.password_file):
                raise EngineError("a PLAIN server checks users from a users file; user name "
                                  "and password are for the client")
            if not self.server and self.users_file:
                raise EngineError("a users file is for a PLAIN server")
        if not self.server and (self.allow or self.deny or self.allow_keys or self.deny_keys):
            raise EngineError("allow and deny lists are for servers (ZAP checks who connects)")
        for address in (*self.allow, *self.deny):
            network(address)


def network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An IP address or network (``10.0.0.0/8``) of a ZAP list; raises EngineError."""
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        raise EngineError(f"'{text}' is not an IP address or network (e.g. 127.0.0.1 or "
                          "10.0.0.0/8)") from None


@dataclass(frozen=True)
class SecurityState:
    """What consumers may read about a secured socket (no secret in it).

    ``credentials`` is what was asked for (a session saves it); ``public_key`` the socket's own
    CURVE public key; ``refused`` the words of the authenticator's last refusal."""

    credentials: Credentials
    public_key: str = ""
    server_key: str = ""
    refused: str = ""

    @property
    def mechanism(self) -> str:
        return self.credentials.mechanism

    @property
    def role(self) -> str:
        return self.credentials.role

    def describe(self) -> str:
        text = self.credentials.label()
        if self.public_key:
            text += f" · key {self.public_key}"
        return text
