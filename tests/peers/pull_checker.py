"""A PULL that receives COUNT messages from paced_push.py (or a replay of them), checks each
byte for byte and in order, and prints one JSON line: how many arrived, how many were right,
and the arrival time of each (seconds after the first, rounded to 0.1 ms), for the test to
count messages in windows.

Usage: pull_checker.py bind|connect ENDPOINT COUNT.
"""

import json
import sys
import time

import zmq
from attach import attach
from paced_push import body


def main() -> None:
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.linger = 0
    attach(sock, mode, endpoint)
    bodies = [body(n) for n in range(256)]
    times = []
    right = 0
    first = None
    for expected in range(count):
        frames = sock.recv_multipart()
        now = time.monotonic()
        if first is None:
            first = now
        times.append(round(now - first, 4))
        if frames == [expected.to_bytes(8, "big"), bodies[expected % 256]]:
            right += 1
    print(json.dumps({"received": count, "right": right, "times": times}), flush=True)


if __name__ == "__main__":
    main()
