"""The add-socket dialog's fields for reaching other systems: security (CURVE or PLAIN, server
or client, keys, allow lists) and connects through SSH (``tcp://10.0.0.5:5555 via ops@bastion``).

Keys are typed as 40 characters of Z85, a key file's path, or the name of a pair made by
``zmqdash keygen``; a password field never shows what is typed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label, Select

from ...engine.credentials import CLIENT, CURVE, PLAIN, SERVER, Credentials, network
from ...engine.errors import EngineError
from ..widgets.text_input import TextInput

NONE = "none"
CHOICES = [
    ("none", NONE),
    ("CURVE client", f"{CURVE} {CLIENT}"),
    ("CURVE server", f"{CURVE} {SERVER}"),
    ("PLAIN client", f"{PLAIN} {CLIENT}"),
    ("PLAIN server", f"{PLAIN} {SERVER}"),
]
#: per choice: (label, placeholder) of the key field and of the secret field (None: hidden),
#: and whether the allow field shows
_FIELDS = {
    f"{CURVE} {CLIENT}": (("Server key", "the server's public key: Z85, a .key file or a name"),
                          ("Own key", "optional: own secret key (default: a new pair)"), False),
    f"{CURVE} {SERVER}": (("Secret key", "Z85, a .key_secret file or a name (zmqdash keygen)"),
                          None, True),
    f"{PLAIN} {CLIENT}": (("User", "user name"), ("Password", "never shown"), False),
    f"{PLAIN} {SERVER}": (("Users file", "optional: name:password lines (default: anyone)"),
                          None, True),
}


def compose_rows() -> ComposeResult:
    """The rows, for the dialog's form grid (all but Security hidden until chosen)."""
    yield Label("Security")
    yield Select(CHOICES, value=NONE, allow_blank=False, compact=True, id="security")
    yield Label("Key", id="sec-key-label", classes="sec-row")
    yield TextInput(compact=True, id="sec-key", classes="sec-row")
    yield Label("Secret", id="sec-secret-label", classes="sec-row")
    yield TextInput(compact=True, id="sec-secret", classes="sec-row")
    yield Label("Allow", id="sec-allow-label", classes="sec-row")
    yield TextInput(placeholder="IPs, networks, key folders (comma-separated; empty: anyone)",
                compact=True, id="sec-allow", classes="sec-row")
    yield Label("", classes="sec-row sec-keep")
    yield Checkbox("keep a typed secret in the session file (saved 0600)", compact=True,
                   id="sec-keep", classes="sec-row sec-keep")


def show(screen, choice: str) -> None:
    """Show the rows that ``choice`` needs, with their labels."""
    fields = _FIELDS.get(choice)
    for widget in screen.query(".sec-row"):
        widget.display = False
    if fields is None:
        return
    key, secret, allow = fields
    screen.query_one("#sec-key-label", Label).update(key[0])
    screen.query_one("#sec-key", Input).placeholder = key[1]
    for wid in ("#sec-key-label", "#sec-key"):
        screen.query_one(wid).display = True
    field = screen.query_one("#sec-secret", Input)
    if secret is not None:
        screen.query_one("#sec-secret-label", Label).update(secret[0])
        field.placeholder = secret[1]
        field.password = choice.startswith(PLAIN)
        for wid in ("#sec-secret-label", "#sec-secret"):
            screen.query_one(wid).display = True
    for wid in ("#sec-allow-label", "#sec-allow"):
        screen.query_one(wid).display = allow
    for widget in screen.query(".sec-keep"):
        widget.display = secret is not None or choice == f"{CURVE} {SERVER}"


def credentials(screen) -> tuple[Credentials | None, Credentials | None]:
    """(credentials with key names resolved, as typed) from the fields; raises EngineError."""
    choice = str(screen.query_one("#security", Select).value)
    if choice not in _FIELDS:
        return None, None
    from ...session.paths import resolve_credentials
    mechanism, role = choice.split()
    key = screen.query_one("#sec-key", Input).value.strip()
    secret = screen.query_one("#sec-secret", Input).value
    keep = screen.query_one("#sec-keep", Checkbox).value
    allow: list[str] = []
    allow_keys: list[str] = []
    for item in screen.query_one("#sec-allow", Input).value.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            network(item)
        except EngineError:
            if mechanism != CURVE:
                raise
            allow_keys.append(item)  # not an address: a folder of .key files, a key
        else:
            allow.append(item)
    # a server's ZAP lists (a client has none)
    allowed = tuple(allow) if role == SERVER else ()
    allowed_keys = tuple(allow_keys) if role == SERVER else ()
    if mechanism == CURVE and role == CLIENT:
        given = Credentials(CURVE, CLIENT, server_key=key, secret_key=secret.strip(),
                            embed_secret=keep)
    elif mechanism == CURVE:
        given = Credentials(CURVE, SERVER, secret_key=key, embed_secret=keep, allow=allowed,
                            allow_keys=allowed_keys)
    elif role == CLIENT:
        given = Credentials(PLAIN, CLIENT, username=key, password=secret, embed_secret=keep)
    else:
        given = Credentials(PLAIN, SERVER, users_file=key, allow=allowed,
                            allow_keys=allowed_keys)
    given.check()
    resolved = resolve_credentials(given)
    from ...engine.keys import check_files

    check_files(resolved)  # a wrong key is said in the dialog, before any socket exists
    return resolved, given


def split_connects(words: list[str], socket_type: str | None = None
                   ) -> list[tuple[str, str | None]]:
    """Connect endpoints (already split into words), each optionally followed by ``via HOST``:
    (endpoint, SSH host or None) for each."""
    from ...engine import endpoints

    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "via":
            raise EngineError("'via HOST' goes after an endpoint: tcp://10.0.0.5:5555 via "
                              "ops@bastion")
        endpoint = endpoints.parse(word, bind=False, socket_type=socket_type).text
        host = None
        if i + 1 < len(words) and words[i + 1] == "via":
            if i + 2 >= len(words):
                raise EngineError(f"connect {endpoint} via: which SSH host? (user@host, "
                                  "host:port or an ~/.ssh/config alias)")
            from ...engine import ssh

            host = ssh.check_host(words[i + 2])
            ssh.destination(endpoint)
            i += 2
        out.append((endpoint, host))
        i += 1
    return out
