"""A REP or REQ peer with CURVE security set straight on the pyzmq socket.

Usage:
  curve_peer.py bind ENDPOINT server SECRET PUBLIC [deny]   a CURVE REP server that echoes;
      with ``deny`` an authenticator (ZAP) refuses every client key
  curve_peer.py connect ENDPOINT client SERVERKEY            a CURVE REQ client (its own keys)
  curve_peer.py connect ENDPOINT plain                       a REQ with no security
Keys are Z85 text. A client sends ``hello`` and waits; everyone runs until killed.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, role, *rest = sys.argv[1:]
    ctx = zmq.Context()
    if role == "server":
        sock = ctx.socket(zmq.REP)
        if rest[2:] == ["deny"]:
            from zmq.auth.thread import ThreadAuthenticator

            auth = ThreadAuthenticator(ctx)
            auth.start()
            auth.configure_curve_callback(domain="*", credentials_provider=_Nobody())
        sock.curve_server = 1
        sock.curve_secretkey = rest[0].encode()
        sock.curve_publickey = rest[1].encode()
    else:
        sock = ctx.socket(zmq.REQ)
        if role == "client":
            public, secret = zmq.curve_keypair()
            sock.curve_serverkey = rest[0].encode()
            sock.curve_publickey = public
            sock.curve_secretkey = secret
    sock.linger = 0
    attach(sock, mode, endpoint)
    if role == "server":
        while True:
            sock.send(sock.recv())
    sock.send(b"hello")
    sock.recv()
    print("answered", flush=True)
    sock.recv()  # never: hold the connection until killed


class _Nobody:
    def callback(self, domain: str, key: bytes) -> bool:
        return False


if __name__ == "__main__":
    main()
