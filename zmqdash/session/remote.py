"""The parts of a session that reach other systems: connects through SSH and CURVE/PLAIN.

In the file a connect through SSH is an inline table in the ``connect`` array, and a socket's
security a table of its own::

    connect = ["tcp://127.0.0.1:5555", { endpoint = "tcp://10.0.0.5:5555", via = "ops@bastion" }]

    [socket.curve]
    role = "client"
    server_key = "server.key"            # the server's public key: Z85, a file, or a key's name
    secret_key_file = "laptop.key_secret"

A session refers to key files and never holds a secret unless the user asked for it when the
socket was made (``secret_key`` / ``password`` in the file, which is then saved 0600). A PLAIN
``password_file`` must be a file of the keys folder named by its name: a session someone sent
you cannot make zmqdash read one of your files and send it to their server as a password.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zmqdash.engine.credentials import CURVE, PLAIN, SERVER, Credentials
from zmqdash.engine.errors import EngineError
from zmqdash.engine.keys import is_z85_key

from .model import SessionError

if TYPE_CHECKING:
    from .model import SocketSpec

CONNECT_KEYS = ("endpoint", "via")
_NOT_KEPT = "# the {} was typed in the dashboard and is not kept here: name a file with {}\n"
CURVE_KEYS = ("role", "secret_key_file", "secret_key", "server_key", "allow", "deny",
              "allow_keys", "deny_keys")
PLAIN_KEYS = ("role", "username", "password_file", "password", "users_file", "allow", "deny")


# -- checking ------------------------------------------------------------------------------------


def validate(sock: SocketSpec, where: str) -> None:
    """Check ``sock``'s tunnels and security (raises :class:`SessionError`)."""
    from zmqdash.engine import ssh

    for i, endpoint in enumerate(sock.connect):
        host = sock.via.get(endpoint)
        if host is None:
            continue
        try:
            ssh.check_host(host)
        except EngineError as exc:
            raise SessionError(str(exc), where=f"{where}.connect[{i}].via") from None
        try:
            ssh.destination(endpoint)
        except EngineError as exc:
            raise SessionError(str(exc), where=f"{where}.connect[{i}].endpoint") from None
    stray = [ep for ep in sock.via if ep not in sock.connect]
    if stray:
        raise SessionError(f"a tunnel for {stray[0]}, which is not connected",
                           where=f"{where}.connect")
    creds = sock.security
    if creds is None:
        return
    table = f"{where}.{creds.mechanism}"
    if not isinstance(creds, Credentials):
        raise SessionError("expected credentials", where=table)
    try:
        creds.check(complete=False)
    except EngineError as exc:
        raise SessionError(str(exc), where=table) from None
    if creds.password_file and ("/" in creds.password_file or "\\" in creds.password_file
                                or creds.password_file.startswith((".", "~"))):
        raise SessionError(
            "in a session, password_file is the name of a file in the keys folder (see "
            "zmqdash locate), not a path: a session must not send one of your files as a "
            "password", where=f"{table}.password_file")


def embeds_secret(sock: SocketSpec) -> bool:
    creds = sock.security
    return creds is not None and creds.embed_secret and creds.typed_secret


# -- reading -------------------------------------------------------------------------------------


def read_connects(value: object, where: str,
                  kind: Callable[[object], str]) -> tuple[list[str], dict[str, str]]:
    """The ``connect`` array: endpoints, and the SSH host of those that go through one."""
    items = [value] if isinstance(value, (str, dict)) else value
    if not isinstance(items, list):
        raise SessionError(f"expected an array of endpoints, not {kind(value)}", where=where)
    endpoints: list[str] = []
    via: dict[str, str] = {}
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if isinstance(item, str):
            endpoints.append(item)
            continue
        if not isinstance(item, dict):
            raise SessionError(f"expected an endpoint or {{ endpoint = ..., via = ... }}, not "
                               f"{kind(item)}", where=here)
        _check_keys(item, CONNECT_KEYS, here)
        endpoint = item.get("endpoint")
        if not isinstance(endpoint, str):
            raise SessionError("expected endpoint = \"tcp://...\" (a string)",
                               where=f"{here}.endpoint")
        host = item.get("via")
        endpoints.append(endpoint)
        if host is not None:
            if not isinstance(host, str):
                raise SessionError(f"expected an SSH host (a string), not {kind(host)}",
                                   where=f"{here}.via")
            via[endpoint] = host
    return endpoints, via


def read_security(table: dict[str, Any], where: str,
                  kind: Callable[[object], str]) -> Credentials | None:
    """``[socket.curve]`` or ``[socket.plain]`` (at most one)."""
    found = [m for m in (CURVE, PLAIN) if m in table]
    if not found:
        return None
    if len(found) > 1:
        raise SessionError("a socket is CURVE or PLAIN, not both", where=f"{where}.plain")
    mechanism = found[0]
    here = f"{where}.{mechanism}"
    body = table[mechanism]
    if not isinstance(body, dict):
        raise SessionError(f"expected a table ([socket.{mechanism}]), not {kind(body)}",
                           where=here)
    _check_keys(body, CURVE_KEYS if mechanism == CURVE else PLAIN_KEYS, here)
    if "role" not in body:
        raise SessionError("missing key 'role' (\"server\" or \"client\")", where=here)

    def text(key: str) -> str:
        value = body.get(key, "")
        if not isinstance(value, str):
            raise SessionError(f"expected a string, not {kind(value)}", where=f"{here}.{key}")
        return value

    def texts(key: str) -> tuple[str, ...]:
        value = body.get(key, [])
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SessionError("expected an array of strings", where=f"{here}.{key}")
        return tuple(value)

    allow, deny = texts("allow"), texts("deny")
    role = text("role").strip().lower()
    if mechanism == CURVE:
        if "secret_key" in body and "secret_key_file" in body:
            raise SessionError("give secret_key_file or secret_key, not both", where=here)
        embedded = text("secret_key")
        if embedded and not is_z85_key(embedded.strip()):
            raise SessionError("secret_key holds a key written in the file: 40 characters of "
                               "Z85 (a file goes in secret_key_file)",
                               where=f"{here}.secret_key")
        return Credentials(CURVE, role, secret_key=embedded or text("secret_key_file"),
                           server_key=text("server_key"), allow_keys=texts("allow_keys"),
                           deny_keys=texts("deny_keys"), embed_secret=bool(embedded), allow=allow,
                           deny=deny)
    if "password" in body and "password_file" in body:
        raise SessionError("give password_file or password, not both", where=here)
    password = text("password")
    return Credentials(PLAIN, role, username=text("username"), password=password,
                       password_file=text("password_file"), users_file=text("users_file"),
                       embed_secret=bool(password), allow=allow, deny=deny)


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    from .format import _check_keys as check

    check(table, allowed, where)


# -- writing -------------------------------------------------------------------------------------


def connect_items(sock: SocketSpec) -> list[str]:
    """The ``connect`` array's items as TOML."""
    from .format import toml_string

    items = []
    for endpoint in sock.connect:
        host = sock.via.get(endpoint)
        if host is None:
            items.append(toml_string(endpoint))
        else:
            items.append(f"{{ endpoint = {toml_string(endpoint)}, via = {toml_string(host)} }}")
    return items


def security_lines(sock: SocketSpec) -> list[str]:
    """``[socket.curve]`` or ``[socket.plain]`` as TOML lines (secrets only if asked)."""
    from .format import toml_string

    creds = sock.security
    if creds is None:
        return []
    lines = [f"\n[socket.{creds.mechanism}]\n", f"role = {toml_string(creds.role)}\n"]

    def put(key: str, value: str) -> None:
        if value:
            lines.append(f"{key} = {toml_string(value)}\n")

    def put_list(key: str, values: tuple[str, ...]) -> None:
        if values:
            lines.append(f"{key} = [{', '.join(toml_string(v) for v in values)}]\n")

    if creds.mechanism == CURVE:
        secret = creds.secret_key.strip()
        if is_z85_key(secret):
            if creds.embed_secret:
                put("secret_key", secret)
            else:
                lines.append(_NOT_KEPT.format("secret key", "secret_key_file"))
        else:
            put("secret_key_file", secret)
        put("server_key", creds.server_key)
        put_list("allow_keys", creds.allow_keys)
        put_list("deny_keys", creds.deny_keys)
    else:
        put("username", creds.username)
        if creds.password and creds.embed_secret:
            put("password", creds.password)
        elif creds.password:
            lines.append(_NOT_KEPT.format("password", "password_file"))
        put("password_file", creds.password_file)
        if creds.role == SERVER:
            put("users_file", creds.users_file)
    put_list("allow", creds.allow)
    put_list("deny", creds.deny)
    return lines


# -- as zmqdash cat options (show as code) -------------------------------------------------------


def cat_arguments(sock: SocketSpec, connects: list[str], notes: list[str]) -> list[str]:
    """``zmqdash cat`` options for the socket's tunnels and security. A secret is never written
    out: a typed one becomes a placeholder, with a note saying so."""
    args: list[str] = []
    hosts = {sock.via.get(ep) for ep in connects}
    host = hosts.pop() if len(hosts) == 1 else None
    if host is not None:
        args += ["--ssh", host]
    elif any(sock.via.get(ep) for ep in connects):
        notes.append("cat takes one --ssh host for all its connects; this socket's connects "
                     "go different ways, so the line connects directly")
    creds = sock.security
    if creds is not None:
        notes.append(f"the program leaves out the socket's {creds.mechanism.upper()} security; "
                     "the cat line has it")
    if creds is None:
        return args
    typed = "a secret typed in is not shown: put it in a file and name the file"
    if creds.mechanism == CURVE:
        secret = creds.secret_key.strip()
        if is_z85_key(secret):
            notes.append(typed)
            secret = "SECRET_KEY_FILE"
        if creds.role == SERVER:
            args += ["--curve-server", secret]
        else:
            args += ["--curve-client", creds.server_key]
            if secret:
                args += ["--curve-secret", secret]
        for flag, values in (("--allow-keys", creds.allow_keys), ("--deny-keys", creds.deny_keys)):
            for value in values:
                args += [flag, value]
    elif creds.role == SERVER:
        args.append("--plain-server")
        if creds.users_file:
            args += ["--plain-users", creds.users_file]
    else:
        args += ["--plain-client", creds.username]
        if creds.password_file:
            from .paths import keys_dir

            args += ["--plain-password-file", str(keys_dir() / creds.password_file)]
        else:
            notes.append("the password is not shown: give it with ZMQDASH_PLAIN_PASSWORD or "
                         "--plain-password-file")
    for flag, values in (("--allow", creds.allow), ("--deny", creds.deny)):
        for value in values:
            args += [flag, value]
    return args
