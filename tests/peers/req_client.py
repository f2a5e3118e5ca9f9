"""The guide's hello-world client: a REQ that sends each MESSAGE, prints each reply on stdout.

Usage: req_client.py bind|connect ENDPOINT MESSAGE... Exits 0 after the last reply, 1 if a reply
does not come within 10 s. When binding, the real endpoint is printed first.
"""

import sys

import zmq
from attach import attach


def main() -> int:
    mode, endpoint, messages = sys.argv[1], sys.argv[2], sys.argv[3:]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    sock.rcvtimeo = 10_000
    attach(sock, mode, endpoint)
    for message in messages:
        sock.send_string(message)
        try:
            reply = sock.recv()
        except zmq.Again:
            print("no reply", file=sys.stderr)
            return 1
        print(reply.decode("utf-8", errors="backslashreplace"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
