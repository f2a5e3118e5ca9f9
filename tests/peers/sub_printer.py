"""The guide's weather client: a SUB that prints every message it gets, one line each (frames
joined by ``|``, as text).

Usage: sub_printer.py bind|connect ENDPOINT PREFIX. When binding, the real endpoint is printed
first. Runs until killed.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.linger = 0
    sock.subscribe(prefix.encode())
    attach(sock, mode, endpoint)
    while True:
        frames = sock.recv_multipart()
        print("|".join(f.decode("utf-8", errors="backslashreplace") for f in frames),
              flush=True)


if __name__ == "__main__":
    main()
