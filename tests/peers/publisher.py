"""A publisher like the guide's weather server: sends ``1-<n>`` and ``2-<n>`` lines for ever.

Usage: publisher.py bind|connect ENDPOINT. When binding, the real endpoint is printed first.
A subscriber may join at any time (the guide's slow joiner), so it keeps publishing until killed.
"""

import sys
import time

import zmq
from attach import attach


def main() -> None:
    mode, endpoint = sys.argv[1], sys.argv[2]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUB)
    sock.linger = 0
    attach(sock, mode, endpoint)
    n = 0
    while True:
        n += 1
        sock.send_string(f"1-update {n}")
        sock.send_string(f"2-update {n}")
        time.sleep(0.005)  # a publisher's pace, not synchronisation


if __name__ == "__main__":
    main()
