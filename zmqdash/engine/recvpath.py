"""How the engine receives: one call takes whole messages from a socket into its Ring.

``receive(sock, ring, ts, max_msgs, max_bytes) -> (messages, bytes, errno)`` has two
implementations with the same arguments, results and ring entries:

- the compiled helper ``_recvbatch`` (``_recvbatch.c``), built by ``pip install`` where a C
  compiler is found (optional: the install succeeds without one). It calls libzmq directly,
  the very library pyzmq loaded, so learning whether more frames follow costs nothing.
- :func:`_receive` below, in Python, used when the helper was not built, cannot find libzmq,
  or ``ZMQDASH_PURE_PYTHON=1`` is set.

:data:`COMPILED` says which one is in use; :func:`use` switches (for tests and benchmarks).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import zmq

from .ring import IN, SIZE

if TYPE_CHECKING:
    from .ring import Ring

#: True when the compiled helper is the one receiving
COMPILED = False
#: why the compiled helper could not be loaded ("" when it was)
LOAD_ERROR = ""
#: the file of the libzmq the compiled helper calls ("" when not loaded, or not known)
LIBZMQ = ""


def _receive(sock: zmq.Socket[Any], ring: Ring, ts: float, max_msgs: int,
             max_bytes: int) -> tuple[int, int, int]:
    """Receive whole messages from ``sock`` into ``ring`` while any are waiting, at most
    ``max_msgs`` of them and stopping once ``max_bytes`` are reached, each as an ``IN`` entry
    stamped ``ts``. Updates ``ring.total`` and ``ring.held`` but not the ring's limits (the
    caller trims once). Returns (messages, bytes, errno): errno is 0 when nothing more was
    waiting or a limit was reached, else the error that ended the batch (a message cut short by
    it is dropped).

    The hot path: locals only, ring slots written in place (:meth:`Ring.writable`) as
    :meth:`Ring.append` would, entries in :mod:`zmqdash.entries`' layout (``_recvbatch.c``
    writes the same entries). ``recv(copy=False)`` + ``Frame.more`` is the
    cheapest way pyzmq offers to learn whether more frames follow.
    """
    recv = sock.recv
    slots, cap, seq, held = ring.writable()
    noblock, again = zmq.NOBLOCK, zmq.Again
    n = nbytes = err = 0
    try:
        while n < max_msgs and nbytes < max_bytes:
            try:
                frame = recv(noblock, copy=False)
            except again:
                break
            data = frame.bytes
            size = len(data)
            if frame.more:  # the rest is there: libzmq delivers a multipart message whole
                parts = [data]
                while frame.more:
                    frame = recv(noblock, copy=False)
                    data = frame.bytes
                    parts.append(data)
                    size += len(data)
                frames = tuple(parts)
            else:
                frames = (data,)
            index = seq % cap
            old = slots[index]
            if old is not None:
                held -= old[SIZE]
            slots[index] = (seq, ts, IN, frames, None, size)  # entries.make's order
            held += size
            seq += 1
            n += 1
            nbytes += size
    except zmq.ZMQError as exc:
        err = exc.errno or 0
    ring.written(seq, held)
    return n, nbytes, err


def _load() -> Callable[..., tuple[int, int, int]]:
    """The compiled ``receive``, bound to pyzmq's libzmq (raises if it cannot be)."""
    from .capabilities import library_of, symbol

    _recvbatch: Any = importlib.import_module("zmqdash.engine._recvbatch")

    names = ("zmq_msg_init", "zmq_msg_recv", "zmq_msg_data", "zmq_msg_size", "zmq_msg_more",
             "zmq_msg_close", "zmq_errno")
    addresses = [symbol(n) for n in names]
    _recvbatch.init(*addresses, IN)
    global LIBZMQ
    LIBZMQ = library_of(addresses[1])  # where zmq_msg_recv, as handed over, lives
    receive: Callable[..., tuple[int, int, int]] = _recvbatch.receive
    return receive


_compiled: Callable[..., tuple[int, int, int]] | None
try:
    _compiled = _load()
except Exception as exc:  # not built, or no libzmq to bind to: the Python loop does the work
    _compiled = None
    LOAD_ERROR = f"{type(exc).__name__}: {exc}"

#: the receive loop in use: ``receive(sock, ring, ts, max_msgs, max_bytes)``
receive: Callable[..., tuple[int, int, int]] = _receive


def use(compiled: bool) -> bool:
    """Receive with the compiled helper (if it is there) or in Python; returns :data:`COMPILED`."""
    global COMPILED, receive
    COMPILED = bool(compiled) and _compiled is not None
    receive = _compiled if _compiled is not None and COMPILED else _receive
    return COMPILED


use(os.environ.get("ZMQDASH_PURE_PYTHON", "") in ("", "0"))
