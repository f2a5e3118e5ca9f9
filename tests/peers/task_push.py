"""The guide's task ventilator: a PUSH that sends COUNT tasks ``task <i> <workload>``.

Usage: task_push.py bind|connect ENDPOINT COUNT. When binding, the real endpoint is printed
first. The sends block until a worker is connected (PUSH with no peer waits), then the program
waits for every task to leave (linger -1) and exits.
"""

import sys

import zmq
from attach import attach


def main() -> None:
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    attach(sock, mode, endpoint)
    for i in range(1, count + 1):
        sock.send_string(f"task {i} {(i * 37) % 100 + 1}")
    sock.close()  # linger -1: wait until every task is out
    ctx.term()


if __name__ == "__main__":
    main()
