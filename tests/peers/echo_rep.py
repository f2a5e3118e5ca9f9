"""The guide's hello-world server as an echo: a REP that answers every request with
``Echo: <request>``.

Usage: echo_rep.py bind|connect ENDPOINT [WORK_SECONDS]. When binding, the real endpoint (a ``*``
port resolved) is printed on its own line first. WORK_SECONDS is how long each request takes to
answer (the guide's server "does some work" for a second). Runs until killed.
"""

import sys
import time

import zmq
from attach import attach


def main() -> None:
    mode, endpoint = sys.argv[1], sys.argv[2]
    work = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.linger = 0
    attach(sock, mode, endpoint)
    while True:
        request = sock.recv()
        if work:
            time.sleep(work)  # the work, as in the guide
        sock.send(b"Echo: " + request)


if __name__ == "__main__":
    main()
