"""A TCP port that neither accepts nor refuses: it listens with a backlog it has filled itself,
so the kernel drops further connection attempts, as a firewall that drops packets does.

Usage: blackhole.py bind tcp://127.0.0.1:*. Prints the endpoint, then holds it until killed.
"""

import socket
import sys
import time


def main() -> None:
    mode, endpoint = sys.argv[1], sys.argv[2]
    assert mode == "bind" and endpoint.startswith("tcp://")
    host, port = endpoint[6:].rsplit(":", 1)
    listener = socket.socket()
    listener.bind((host, 0 if port == "*" else int(port)))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):  # never accepted: they fill the queue of pending connections
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        fillers.append(s)
    print(f"tcp://{host}:{port}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
