"""A PUSH that sends the messages given on the command line, then waits for them to leave.

Usage: push_sender.py bind|connect ENDPOINT MESSAGE... Frames of one message are separated by
``|``; a frame written ``hex:...`` is those bytes, any other frame its UTF-8 text (Python escapes
like ``\\x1b`` are read, so control characters can be sent). When binding, the real endpoint is
printed first.
"""

import sys

import zmq
from attach import attach


def frame(text: str) -> bytes:
    if text.startswith("hex:"):
        return bytes.fromhex(text[4:])
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1")


def main() -> None:
    mode, endpoint, messages = sys.argv[1], sys.argv[2], sys.argv[3:]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    attach(sock, mode, endpoint)
    for message in messages:
        sock.send_multipart([frame(f) for f in message.split("|")])
    sock.close()  # linger -1: wait until everything is out
    ctx.term()


if __name__ == "__main__":
    main()
