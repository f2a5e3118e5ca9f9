"""A PAIR peer: says ``hello from peer`` once, then answers every message with
``peer got: <message>``.

Usage: pair_peer.py bind|connect ENDPOINT. When binding, the real endpoint is printed first.
Runs until killed.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint = sys.argv[1], sys.argv[2]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PAIR)
    sock.linger = 0
    attach(sock, mode, endpoint)
    sock.send(b"hello from peer")
    while True:
        sock.send(b"peer got: " + sock.recv())


if __name__ == "__main__":
    main()
