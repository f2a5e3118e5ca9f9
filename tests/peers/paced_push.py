"""A PUSH that sends COUNT two-frame messages at RATE messages a second, then waits for them
to leave: frame 1 is the message's number (8 bytes, big-endian), frame 2 bytes made from it
(binary, every value 0-255 appears), so a receiver can check each message byte for byte.

Usage: paced_push.py bind|connect ENDPOINT COUNT RATE. Sends in slices of 1/100 s on a fixed
schedule; prints ``sent COUNT`` when done.
"""

import sys
import time

import zmq
from attach import attach


def body(n: int) -> bytes:
    return bytes((n * 7 + i) % 256 for i in range(24)) + b"\n\x00\x1b[2J"


def main() -> None:
    mode, endpoint, count, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    attach(sock, mode, endpoint)
    bodies = [body(n) for n in range(256)]
    slice_size = max(1, int(rate / 100))
    start = time.monotonic()
    sent = 0
    send = sock.send_multipart
    while sent < count:
        due = start + sent / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        for n in range(sent, min(count, sent + slice_size)):
            send([n.to_bytes(8, "big"), bodies[n % 256]])
        sent = min(count, sent + slice_size)
    sock.close(linger=-1)
    ctx.term()
    print(f"sent {sent}", flush=True)


if __name__ == "__main__":
    main()
