"""An echo server secured with CURVE, in plain pyzmq: a REP answering ``Echo: <request>``.

Usage: curve_server.py bind|connect ENDPOINT SECRET_KEY (Z85). Runs until killed.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, secret = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.linger = 0
    sock.curve_server = True
    sock.curve_secretkey = secret
    sock.curve_publickey = zmq.curve_public(secret)
    attach(sock, mode, endpoint)
    while True:
        sock.send(b"Echo: " + sock.recv())


if __name__ == "__main__":
    main()
