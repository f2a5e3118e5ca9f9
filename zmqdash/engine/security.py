"""CURVE and PLAIN on the engine's sockets, and the ZAP authenticator that checks who connects.

Runs on the engine's thread. The authenticator is a REP socket bound to libzmq's ZAP address in
the engine's own context (a handler in another context authenticates nothing), polled by the
engine's loop like any socket. Each secured server gets a ZAP domain of its own, so each has its
own allow and deny lists; every decision is logged in that server's log, folded when it repeats.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import zmq
from zmq.utils import z85

from . import commands as C
from . import keys
from .credentials import CURVE, PLAIN, Credentials, SecurityState, network
from .errors import EngineError
from .ring import EVENT, META, SEQ, Entry, EventInfo

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers
    from .socket_record import SocketRecord

ZAP_ENDPOINT = "inproc://zeromq.zap.01"
#: ZAP requests answered in one go before the loop looks at other sockets
ZAP_BATCH = 256


class _Policy:
    """One server's ZAP lists (read from files when made; key folders re-read when they change)."""

    def __init__(self, s: SocketRecord, creds: Credentials) -> None:
        self.sock = s
        self.creds = creds
        self.allow = [network(a) for a in creds.allow]
        self.deny = [network(a) for a in creds.deny]
        self._keys: dict[str, tuple[float, set[bytes]]] = {}
        for source in (*creds.allow_keys, *creds.deny_keys):
            self._load(source)
        self.users: dict[str, str] | None = None
        if creds.users_file:
            self.users = read_users(creds.users_file)
        self.last: Entry | None = None  # the log entry the same decision folds into

    def _load(self, source: str) -> set[bytes]:
        stamp = keys.folder_stamp(source)
        held = self._keys.get(source)
        if held is None or held[0] != stamp:
            held = (stamp, keys.public_keys_in(source))
            self._keys[source] = held
        return held[1]

    def _keys_of(self, sources: tuple[str, ...]) -> set[bytes]:
        found: set[bytes] = set()
        for source in sources:
            try:
                found |= self._load(source)
            except EngineError:
                continue  # a folder removed since: it allows nothing now
        return found

    def decide(self, address: str, mechanism: bytes, credentials: list[bytes]) -> tuple[bool, str]:
        """(allowed, words)."""
        who = address or "an unknown address"
        try:
            ip = network(address).network_address if address else None
        except EngineError:
            ip = None
        if ip is not None and any(ip in net for net in self.deny):
            return False, f"address denied: {who} is in the deny list"
        if self.allow and (ip is None or not any(ip in net for net in self.allow)):
            return False, f"address denied: {who} is not in the allow list"
        if mechanism == b"CURVE" and credentials:
            key = z85.encode(credentials[0]).decode("ascii")
            who = f"{who}, key {key}"
            creds = self.creds
            if creds.deny_keys and key.encode() in self._keys_of(creds.deny_keys):
                return False, f"client key not allowed: {who} (in the deny keys)"
            if creds.allow_keys and key.encode() not in self._keys_of(creds.allow_keys):
                return False, f"client key not allowed: {who}"
        elif mechanism == b"PLAIN" and len(credentials) >= 2:
            user = credentials[0].decode("utf-8", errors="backslashreplace")
            who = f"{who}, user '{user}'"
            if self.users is not None:
                expected = self.users.get(user)
                if expected is None or expected.encode("utf-8") != credentials[1]:
                    return False, f"wrong user name or password: {who}"
        return True, f"allowed {who}"


def read_users(path: str) -> dict[str, str]:
    """A PLAIN users file: ``name:password`` per line, ``#`` comments. Raises EngineError
    (never quoting the file)."""
    from pathlib import Path

    file = Path(path).expanduser()
    try:
        text = file.read_bytes()[: 1 << 20].decode("utf-8")
    except OSError as exc:
        raise EngineError(f"users file {file}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise EngineError(f"users file {file}: not UTF-8 text") from None
    users = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, password = line.partition(":")
        if not sep or not name:
            raise EngineError(f"users file {file}: line {number} is not name:password")
        users[name] = password
    return users


def read_password(path: str) -> str:
    """The first line of a password file (raises EngineError, never quoting the file)."""
    from pathlib import Path

    file = Path(path).expanduser()
    try:
        data = file.read_bytes()[:4096]
    except OSError as exc:
        raise EngineError(f"password file {file}: cannot read: {exc.strerror}") from None
    try:
        line = data.decode("utf-8").splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        raise EngineError(f"password file {file}: not UTF-8 text") from None
    if not line:
        raise EngineError(f"password file {file}: empty")
    return line


class Security:
    """The engine's security part: the Secure command, the ZAP socket, the ZAP decisions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.zap = None
        self.policies: dict[bytes, _Policy] = {}

    def handlers(self) -> Handlers:
        return {C.Secure: self.secure}

    # -- securing a socket --------------------------------------------------------------------

    def secure(self, cmd: C.Secure) -> str:
        engine = self.engine
        s = engine._get(cmd.name)
        creds = cmd.credentials
        if not isinstance(creds, Credentials):
            raise EngineError("security: expected credentials")
        creds.check()
        if s.view.security is not None:
            raise EngineError(f"{s.name} is already a {s.view.security.credentials.label()}")
        if s.view.endpoints:
            raise EngineError(f"{s.name} has endpoints already: security is set before a "
                              "socket binds or connects")
        sock = s.sock
        given = cmd.given if isinstance(cmd.given, Credentials) else creds
        state = SecurityState(given)
        if creds.mechanism == CURVE:
            if creds.server:
                public, secret = keys.key_from(creds.secret_key, True, "the secret key")
                sock.curve_server = True
                sock.curve_secretkey = secret
                sock.curve_publickey = public
            else:
                server_key, _ = keys.key_from(creds.server_key, False, "the server key")
                if creds.secret_key.strip():
                    public, secret = keys.key_from(creds.secret_key, True, "the secret key")
                else:
                    public, secret = zmq.curve_keypair()
                    engine._info(s, "CURVE client with a new key pair for this socket: public "
                                 f"key {public.decode()} (give a secret key to be known by a "
                                 "fixed one)")
                sock.curve_serverkey = server_key
                sock.curve_publickey = public
                sock.curve_secretkey = secret
                state = replace(state, server_key=server_key.decode("ascii"))
            state = replace(state, public_key=public.decode("ascii"))
        else:
            if creds.server:
                sock.plain_server = True
            else:
                password = creds.password or read_password(creds.password_file)
                sock.plain_username = creds.username.encode("utf-8")
                sock.plain_password = password.encode("utf-8")
        if creds.server:
            policy = _Policy(s, creds)  # reads the lists now: a missing folder is an error here
            self._start_zap()
            domain = f"zmqdash-{s.uid}".encode()
            sock.zap_domain = domain
            self.policies[domain] = policy
        s.view.security = state
        engine._info(s, f"{state.describe()}" + (self._lists(creds) if creds.server else ""))
        engine._changed.add(s.name)
        return state.describe()

    @staticmethod
    def _lists(creds: Credentials) -> str:
        parts = []
        if creds.allow:
            parts.append("allow " + ", ".join(creds.allow))
        if creds.deny:
            parts.append("deny " + ", ".join(creds.deny))
        if creds.allow_keys:
            parts.append("allow keys in " + ", ".join(creds.allow_keys))
        if creds.deny_keys:
            parts.append("deny keys in " + ", ".join(creds.deny_keys))
        if creds.users_file:
            parts.append(f"users from {creds.users_file}")
        elif creds.mechanism == PLAIN:
            parts.append("any user name and password")
        return "; ZAP: " + ("; ".join(parts) if parts else "anyone with the server key")

    def forget(self, s: SocketRecord) -> None:
        """The socket is closing: its lists go."""
        for domain in [d for d, p in self.policies.items() if p.sock is s]:
            del self.policies[domain]

    # -- the authenticator ----------------------------------------------------------------------

    def _start_zap(self) -> None:
        if self.zap is not None:
            return
        engine = self.engine
        assert engine.context is not None  # the engine has started
        zap = engine.context.socket(zmq.REP)
        zap.linger = 0
        try:
            zap.bind(ZAP_ENDPOINT)
        except zmq.ZMQError as exc:
            zap.close(0)
            raise EngineError(f"cannot start the ZAP authenticator: {exc.strerror}") from None
        self.zap = zap
        engine.add_pollable(zap, self._on_zap)

    def _on_zap(self) -> None:
        zap = self.zap
        if zap is None:
            return
        for _ in range(ZAP_BATCH):
            try:
                request = zap.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                reply = self._answer(request)
            except Exception as exc:  # a malformed request must not stop the engine
                reply = [b"1.0", request[1] if len(request) > 1 else b"", b"500",
                         f"internal error: {type(exc).__name__}".encode(), b"", b""]
            zap.send_multipart(reply)

    def _answer(self, request: list[bytes]) -> list[bytes]:
        if len(request) < 6 or request[0] != b"1.0":
            rid = request[1] if len(request) > 1 else b""
            return [b"1.0", rid, b"500", b"not a ZAP 1.0 request", b"", b""]
        _version, rid, domain, address, _identity, mechanism, *credentials = request
        policy = self.policies.get(domain)
        if policy is None:  # a socket given a ZAP domain by hand: no lists of ours apply
            return [b"1.0", rid, b"200", b"OK", b"", b""]
        ip = address.decode("ascii", errors="replace")
        ok, words = policy.decide(ip, mechanism, credentials)
        self._log(policy, ok, ip, words)
        if ok:
            user = credentials[0] if mechanism == b"PLAIN" and credentials else b""
            return [b"1.0", rid, b"200", b"OK", user, b""]
        return [b"1.0", rid, b"400", words.split(":", 1)[0].encode(), b"", b""]

    def _log(self, policy: _Policy, ok: bool, address: str, words: str) -> None:
        s = policy.sock
        engine = self.engine
        if not ok and s.view.security is not None:
            s.view.security = replace(s.view.security, refused=words.split(":", 1)[0])
        ring = s.view.log
        now = time.time()
        event = "ZAP_ALLOWED" if ok else "ZAP_DENIED"
        last = policy.last
        if last is not None and ring.get(last[SEQ]) is last and last[META].event == event \
                and last[META].detail == words:
            last[META].count += 1
            last[META].last_ts = now
            ring.touch()
            return
        info = EventInfo(event, address, 200 if ok else 400, words, last_ts=now)
        policy.last = ring.append(now, EVENT, (), info, 0)
        engine._changed.add(s.name)

    def shutdown(self) -> None:
        if self.zap is not None:
            self.engine.remove_pollable(self.zap)
            self.zap.close(0)
            self.zap = None
        self.policies.clear()
