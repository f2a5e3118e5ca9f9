"""Command-line options for reaching other systems: ``--ssh HOST`` tunnels and CURVE/PLAIN.

Shared by the commands that make sockets from flags (``zmqdash cat``). Keys are given as 40
characters of Z85, as key files, or by the name of a pair ``zmqdash keygen`` made. A password
is never taken on the command line (other users can read it in the process list): it comes
from a file or from ``ZMQDASH_PLAIN_PASSWORD``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..engine import EngineError
from ..engine.credentials import CLIENT, CURVE, PLAIN, SERVER, Credentials

PASSWORD_ENV = "ZMQDASH_PLAIN_PASSWORD"


#: the options that take a key, which may be 40 characters of Z85 starting with "-"
KEY_OPTIONS = ("--curve-server", "--curve-client", "--curve-secret", "--allow-keys",
               "--deny-keys")
_Z85 = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 ".-:+=^!/*?&<>()[]{}@%$#")


def glue_keys(argv: list[str]) -> list[str]:
    """``--curve-client KEY`` as ``--curve-client=KEY`` where KEY is a Z85 key that starts
    with ``-`` (one in 85 does), which argparse would otherwise take for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        following = argv[i + 1] if i + 1 < len(argv) else ""
        if word in KEY_OPTIONS and len(following) == 40 and following.startswith("-") \
                and set(following) <= _Z85:
            out.append(f"{word}={following}")
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "reaching other systems",
        "KEY: 40 characters of Z85, a key file, or the NAME of a pair made by zmqdash keygen")
    g.add_argument("--ssh", metavar="HOST", default=None,
                   help="connect through an SSH tunnel to HOST (user@host, host:port or an "
                   "~/.ssh/config alias); the --connect endpoints are as seen from HOST")
    g.add_argument("--curve-server", metavar="KEY", default=None,
                   help="be a CURVE server with this secret key")
    g.add_argument("--curve-client", metavar="KEY", default=None,
                   help="be a CURVE client of the server with this public key")
    g.add_argument("--curve-secret", metavar="KEY", default=None,
                   help="a CURVE client's own secret key (default: a new key pair)")
    g.add_argument("--allow", action="append", default=[], metavar="ADDR",
                   help="server: accept only these IP addresses or networks (repeatable)")
    g.add_argument("--deny", action="append", default=[], metavar="ADDR",
                   help="server: refuse these IP addresses or networks (repeatable)")
    g.add_argument("--allow-keys", action="append", default=[], metavar="DIR|KEY",
                   help="CURVE server: accept only clients whose public key is in this folder "
                   "of .key files (or is this key; repeatable)")
    g.add_argument("--deny-keys", action="append", default=[], metavar="DIR|KEY",
                   help="CURVE server: refuse these client keys (repeatable)")
    g.add_argument("--plain-server", action="store_true",
                   help="be a PLAIN (user name and password) server")
    g.add_argument("--plain-users", metavar="FILE", default=None,
                   help="PLAIN server: the users it accepts, name:password per line "
                   "(default: anyone)")
    g.add_argument("--plain-client", metavar="USER", default=None,
                   help="be a PLAIN client with this user name; the password comes from "
                   f"--plain-password-file or ${PASSWORD_ENV}")
    g.add_argument("--plain-password-file", metavar="FILE", default=None,
                   help="PLAIN client: a file whose first line is the password")


def credentials(args: argparse.Namespace) -> Credentials | None:
    """The socket's security from the options, checked; None for none. Raises EngineError."""
    from ..session.paths import resolve_credentials

    curve = args.curve_server is not None or args.curve_client is not None
    plain = args.plain_server or args.plain_client is not None
    if args.curve_server is not None and args.curve_client is not None:
        raise EngineError("--curve-server and --curve-client: a socket is one or the other")
    if args.plain_server and args.plain_client is not None:
        raise EngineError("--plain-server and --plain-client: a socket is one or the other")
    if curve and plain:
        raise EngineError("CURVE and PLAIN: a socket uses one mechanism")
    if args.curve_secret is not None and args.curve_client is None:
        raise EngineError("--curve-secret is a CURVE client's own key (with --curve-client); "
                          "a server's secret key is the value of --curve-server")
    lists: dict[str, Any] = dict(allow=tuple(args.allow), deny=tuple(args.deny),
                 allow_keys=tuple(args.allow_keys), deny_keys=tuple(args.deny_keys))
    if not curve and not plain:
        if any(lists.values()) or args.plain_users or args.plain_password_file:
            raise EngineError("--allow, --deny, --allow-keys, --deny-keys and the PLAIN files "
                              "go with --curve-server, --plain-server or --plain-client")
        return None
    if curve:
        if args.curve_server is not None:
            creds = Credentials(CURVE, SERVER, secret_key=args.curve_server, **lists)
        else:
            creds = Credentials(CURVE, CLIENT, server_key=args.curve_client,
                                secret_key=args.curve_secret or "", **lists)
    elif args.plain_server:
        creds = Credentials(PLAIN, SERVER, users_file=args.plain_users or "", **lists)
    else:
        password = os.environ.get(PASSWORD_ENV, "")
        if args.plain_password_file:
            password = ""
        elif not password:
            raise EngineError(f"--plain-client needs the password: --plain-password-file FILE, "
                              f"or ${PASSWORD_ENV}")
        if args.plain_users:
            raise EngineError("--plain-users is for --plain-server")
        creds = Credentials(PLAIN, CLIENT, username=args.plain_client, password=password,
                            password_file=args.plain_password_file or "", **lists)
    creds = resolve_credentials(creds)
    creds.check()
    from ..engine.keys import check_files

    check_files(creds)  # a wrong key file is a usage error, before any socket exists
    return creds


def ssh_host(args: argparse.Namespace) -> str | None:
    """The checked ``--ssh`` host, or None. Raises EngineError."""
    if args.ssh is None:
        return None
    from ..engine import ssh

    host = ssh.check_host(args.ssh)
    if not args.connect:
        raise EngineError("--ssh tunnels --connect endpoints: give at least one")
    for endpoint in args.connect:
        ssh.destination(endpoint)
    return host
