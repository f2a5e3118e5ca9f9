"""A PULL that takes COUNT messages and says whether they were the lines ``1`` to ``COUNT`` in
order (what ``seq COUNT`` sends): ``ok COUNT``, or the first one that was not.

Usage: pull_counter.py bind|connect ENDPOINT COUNT. When binding, the real endpoint is printed
first. Exits once COUNT messages have arrived.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.linger = 0
    attach(sock, mode, endpoint)
    for i in range(1, count + 1):
        got = sock.recv()
        if got != b"%d" % i:
            print(f"message {i} was {got[:40]!r}", flush=True)
            return
    print(f"ok {count}", flush=True)


if __name__ == "__main__":
    main()
