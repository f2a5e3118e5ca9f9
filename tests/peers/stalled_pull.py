"""A PULL that does not read until told: its queue fills to its high-water mark, so a sender
backs up. ``drain`` on stdin makes it read everything from then on.

Usage: stalled_pull.py bind|connect ENDPOINT [RCVHWM]. When binding, the endpoint is printed.
"""

import sys
import threading

import zmq
from attach import attach


def main() -> None:
    mode, endpoint = sys.argv[1], sys.argv[2]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.linger = 0
    if len(sys.argv) > 3:
        sock.rcvhwm = int(sys.argv[3])
    attach(sock, mode, endpoint)
    go = threading.Event()

    def commands() -> None:
        for line in sys.stdin:
            if line.strip() == "drain":
                go.set()

    threading.Thread(target=commands, daemon=True).start()
    go.wait()
    print("draining", flush=True)
    while True:
        sock.recv()


if __name__ == "__main__":
    main()
