"""A REP that answers only when told: prints ``got <request>`` for each request, and sends
``reply TEXT`` from its stdin as the reply.

Usage: manual_rep.py bind|connect ENDPOINT. When binding, the real endpoint is printed first.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint = sys.argv[1], sys.argv[2]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.linger = 0
    attach(sock, mode, endpoint)
    for line in sys.stdin:
        verb, _, text = line.rstrip("\n").partition(" ")
        if verb == "recv":
            print(f"got {sock.recv().decode(errors='replace')}", flush=True)
        elif verb == "reply":
            sock.send(text.encode())
            print("ok", flush=True)


if __name__ == "__main__":
    main()
