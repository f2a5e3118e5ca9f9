"""A bounded flood: PUSH COUNT messages of SIZE bytes as fast as possible, or PULL COUNT
messages and print ``received COUNT``.

Usage: flood.py push|pull bind|connect ENDPOINT COUNT [SIZE]. When binding, the real endpoint
is printed first. The pusher waits for its messages to leave (linger -1) and exits; the puller
exits after COUNT messages.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    role, mode, endpoint, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH if role == "push" else zmq.PULL)
    attach(sock, mode, endpoint)
    if role == "push":
        payload = b"x" * size
        for _ in range(count):
            sock.send(payload)
        sock.close()
    else:
        sock.linger = 0
        for _ in range(count):
            sock.recv()
        print(f"received {count}", flush=True)
        sock.close()
    ctx.term()


if __name__ == "__main__":
    main()
