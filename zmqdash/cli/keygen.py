"""``zmqdash keygen [NAME]``: make a CURVE key pair for encrypted sockets.

Writes ``NAME.key`` (the public key, to give to peers) and ``NAME.key_secret`` (mode 0600, to
keep) in the keys folder of the configuration (``zmqdash keygen --dir`` elsewhere), in the
format czmq and pyzmq's ``zmq.auth`` read, and prints the public key. A name then stands for
the pair wherever a key is asked for (``zmqdash cat --curve-server NAME``).
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

PROG = "zmqdash keygen"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "keygen",
        help="make a CURVE key pair (NAME.key and NAME.key_secret)",
        description="Make a CURVE key pair: NAME.key (public) and NAME.key_secret (secret, "
        "readable by you only), in the keys folder of zmqdash's configuration or in --dir. "
        "Prints the public key on stdout, the files written on stderr.",
    )
    p.add_argument("name", nargs="?", default=None, metavar="NAME",
                   help="the pair's name (default: this machine's host name)")
    p.add_argument("-d", "--dir", metavar="DIR", default=None,
                   help="where to write the files (default: the keys folder of the "
                   "configuration)")
    p.add_argument("--force", action="store_true", help="replace a pair of that name")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..engine import EngineError
    from ..engine.keys import write_key_pair
    from ..session.paths import keys_dir
    from .messages import line, say

    name = args.name if args.name is not None else socket.gethostname().split(".")[0] or "zmqdash"
    if not name.strip() or "/" in name or "\\" in name or name.startswith(".") or \
            any(ord(c) < 32 or ord(c) == 127 for c in name):
        say(PROG, f"{name!r} cannot be a key name: no slashes, no leading dot, no control "
                  "characters")
        return 2
    folder = Path(args.dir).expanduser() if args.dir else keys_dir()
    try:
        public_file, secret_file, public = write_key_pair(folder, name, force=args.force)
    except EngineError as exc:
        say(PROG, exc)
        return 1
    line(public)
    say(PROG, f"public key in {public_file} (give this one to peers)")
    say(PROG, f"secret key in {secret_file} (mode 0600: keep it)")
    return 0
