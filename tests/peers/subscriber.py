"""A SUB driven from its standard input, to show an XPUB what subscribers do.

Usage: subscriber.py connect ENDPOINT [PREFIX ...]. Once connected it prints ``at HOST:PORT``,
its own end of the connection (what the XPUB sees as the peer; ``at ipc pid N`` over ipc). Then
each line on stdin is a command, answered with ``ok`` once carried out:

- ``sub PREFIX`` / ``unsub PREFIX``: subscribe or unsubscribe (``hex:`` for bytes, ``*`` or an
  empty PREFIX for everything);
- ``recv``: print the next message received as ``got <hex>``.

Runs until stdin closes or it is killed.
"""

import os
import socket
import sys

import zmq
from zmq.utils.monitor import recv_monitor_message


def prefix(text: str) -> bytes:
    if text in ("", "*"):
        return b""
    if text.startswith("hex:"):
        return bytes.fromhex(text[4:])
    return text.encode()


def main() -> None:
    mode, endpoint, *prefixes = sys.argv[1:]
    assert mode == "connect"
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.linger = 0
    mon = sock.get_monitor_socket(zmq.EVENT_CONNECTED)
    for p in prefixes:
        sock.subscribe(prefix(p))
    sock.connect(endpoint)
    fd = int(recv_monitor_message(mon)["value"])
    if endpoint.startswith("ipc://"):
        print(f"at ipc pid {os.getpid()}", flush=True)
    else:
        with socket.fromfd(fd, socket.AF_INET6 if "[" in endpoint else socket.AF_INET,
                           socket.SOCK_STREAM) as s:
            host, port = s.getsockname()[:2]
        print(f"at {f'[{host}]' if ':' in host else host}:{port}", flush=True)
    for line in sys.stdin:
        verb, _, arg = line.rstrip("\n").partition(" ")
        if verb == "sub":
            sock.subscribe(prefix(arg))
        elif verb == "unsub":
            sock.unsubscribe(prefix(arg))
        elif verb == "recv":
            print(f"got {sock.recv().hex()}", flush=True)
            continue
        print("ok", flush=True)


if __name__ == "__main__":
    main()
