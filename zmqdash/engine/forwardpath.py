"""How a device moves messages: one call takes a batch of whole messages from one socket to
another, optionally writing each into a Ring as it crosses (the device's tap).

``forward(src, dst, ring, ts, max_msgs, max_bytes, kind)
-> (messages, bytes, errno, held, dropped, drop_errno)`` has two implementations with the same
arguments, results and ring entries, chosen as :mod:`.recvpath` chooses (the same switch,
``recvpath.use``, and the same ``ZMQDASH_PURE_PYTHON``):

- the compiled helper's ``forward`` (``_recvbatch.c``): frames cross as libzmq messages, never
  copied; with a ring, a bytes copy of each frame is made for the entry.
- :func:`_forward` below, in Python.

Nothing blocks. When ``dst`` takes nothing now (EAGAIN on a message's first frame: no peer, or
its high-water mark), the message already taken from ``src`` is returned as ``held`` (a tuple
of bytes) for the caller to send once ``dst`` is writable, and the batch ends. Once a first
frame is taken, libzmq takes the rest of the message (its high-water mark counts whole
messages). A message ``dst`` refuses with another error (a ROUTER with ``router_mandatory`` and
no such peer) is counted in ``dropped``, not logged.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import zmq

from . import recvpath
from .ring import SIZE

if TYPE_CHECKING:
    from .ring import Ring

#: (messages, bytes, errno, the message held back or None, dropped, the errno dropping)
Forwarded = tuple[int, int, int, 'tuple[bytes, ...] | None', int, int]

NOBLOCK = zmq.NOBLOCK
SNDMORE = zmq.SNDMORE


def _forward(src: zmq.Socket[Any], dst: zmq.Socket[Any], ring: Ring | None, ts: float,
             max_msgs: int, max_bytes: int, kind: str) -> Forwarded:
    """The Python loop (see the module's docstring for what it returns)."""
    recv = src.recv
    send = dst.send
    again = zmq.Again
    tap = ring is not None
    if ring is not None:
        slots, cap, seq, ring_held = ring.writable()
    n = nbytes = err = dropped = drop_err = 0
    held = None
    try:
        while n < max_msgs and nbytes < max_bytes:
            try:
                frame = recv(NOBLOCK, copy=False)
            except again:
                break
            more = frame.more
            parts = [frame]
            while more:  # the rest is there: libzmq delivers a multipart message whole
                frame = recv(NOBLOCK, copy=False)
                more = frame.more
                parts.append(frame)
            last = len(parts) - 1
            state = 0  # 0 sending, 1 refused (nothing went), 2 broken part-way
            for i, part in enumerate(parts):
                if state == 1:
                    break
                try:
                    send(part, (NOBLOCK | SNDMORE) if i < last else NOBLOCK, copy=False)
                except again:
                    if i == 0:
                        held = tuple(p.bytes for p in parts)
                        break
                    if state == 0:
                        state, drop_err = 2, zmq.EAGAIN
                except zmq.ZMQError as exc:
                    if state == 0:
                        state, drop_err = (1 if i == 0 else 2), exc.errno or 0
            if held is not None:
                break
            if state:
                dropped += 1
                continue
            size = sum(len(p) for p in parts)
            if tap:
                frames = tuple(p.bytes for p in parts)
                index = seq % cap
                old = slots[index]
                if old is not None:
                    ring_held -= old[SIZE]
                slots[index] = (seq, ts, kind, frames, None, size)  # entries.make's order
                ring_held += size
                seq += 1
            n += 1
            nbytes += size
    except zmq.ZMQError as exc:
        err = exc.errno or 0
    if ring is not None:
        ring.written(seq, ring_held)
    return n, nbytes, err, held, dropped, drop_err


def _load() -> Callable[..., Forwarded]:
    import ctypes

    from .capabilities import _backend

    _recvbatch: Any = importlib.import_module("zmqdash.engine._recvbatch")
    lib = _backend()
    _recvbatch.init_forward(ctypes.cast(lib.zmq_msg_send, ctypes.c_void_p).value)
    forward: Callable[..., Forwarded] = _recvbatch.forward
    return forward


_compiled: Callable[..., Forwarded] | None
try:
    _compiled = _load() if recvpath._compiled is not None else None
except Exception:  # an older build of the helper: the Python loop does the work
    _compiled = None


def forward(src: zmq.Socket[Any], dst: zmq.Socket[Any], ring: Ring | None, ts: float,
            max_msgs: int, max_bytes: int, kind: str) -> Forwarded:
    """Move a batch of messages from ``src`` to ``dst`` (see the module's docstring)."""
    if recvpath.COMPILED and _compiled is not None:
        return _compiled(src, dst, ring, ts, max_msgs, max_bytes, kind)
    return _forward(src, dst, ring, ts, max_msgs, max_bytes, kind)


def compiled() -> bool:
    """Whether :func:`forward` uses the compiled helper now."""
    return recvpath.COMPILED and _compiled is not None
