"""A PULL that prints every message it receives as one JSON line: the list of its frames, each
frame as hex (so binary and empty frames survive).

Usage: pull_printer.py bind|connect ENDPOINT COUNT. When binding, the real endpoint is printed
first. Exits after COUNT messages.
"""

import json
import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.linger = 0
    attach(sock, mode, endpoint)
    for _ in range(count):
        frames = sock.recv_multipart()
        print(json.dumps([f.hex() for f in frames]), flush=True)


if __name__ == "__main__":
    main()
