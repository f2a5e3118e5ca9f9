"""A CURVE client in plain pyzmq: a REQ that asks ``hello`` once and prints the reply.

Usage: curve_client.py bind|connect ENDPOINT SERVER_PUBLIC_KEY [OWN_SECRET_KEY] (Z85; without
its own key it makes a new pair). Waits for the reply as long as it takes.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, server_key = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    if len(sys.argv) > 4:
        secret = sys.argv[4].encode()
        public = zmq.curve_public(secret)
    else:
        public, secret = zmq.curve_keypair()
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    sock.curve_serverkey = server_key
    sock.curve_publickey = public
    sock.curve_secretkey = secret
    attach(sock, mode, endpoint)
    sock.send(b"hello")
    print(sock.recv().decode(), flush=True)


if __name__ == "__main__":
    main()
