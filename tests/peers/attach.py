"""What every peer program does first: bind or connect, as its command line says."""


def attach(sock, mode: str, endpoint: str) -> None:
    """``mode`` is bind or connect. A bind prints the real endpoint (a ``*`` port resolved) on
    its own line, for the test that started the peer to read."""
    if mode == "bind":
        sock.bind(endpoint)
        print(sock.last_endpoint.decode(), flush=True)
    else:
        sock.connect(endpoint)
