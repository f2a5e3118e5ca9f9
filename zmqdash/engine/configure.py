"""A socket's options and subscriptions, set on the engine thread (the names and values are
checked in :mod:`.options` first)."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

import zmq

from . import commands as C
from . import options, socket_types
from .errors import EngineError
from .parts import EngineParts
from .socket_record import SocketRecord

if TYPE_CHECKING:
    from .core import Engine
    from .loop import Handlers


class Configure(EngineParts):
    """Socket options and subscriptions (a part of :class:`~.core.Engine`)."""

    def _do_setoption(self, cmd: C.SetOption) -> str:
        s = self._get(cmd.name)
        return self._set_option(s, cmd.option, cmd.value)

    def _set_option(self, s: SocketRecord, name: object, value: Any) -> str:
        opt = options.option(str(name))
        if opt in (zmq.SUBSCRIBE, zmq.UNSUBSCRIBE):
            prefix = options.option_value(opt, value)
            assert isinstance(prefix, bytes)  # a bytes option's value
            self._subscribe(s, prefix, opt == zmq.SUBSCRIBE)
            return options.describe_value(prefix)
        val = options.option_value(opt, value)
        try:
            if s.subs is not None and opt in (zmq.XPUB_VERBOSE, zmq.XPUB_VERBOSER):
                s.subs.set_mode(opt, int(val))  # the socket itself stays verboser
            elif s.routes and opt == zmq.ROUTER_MANDATORY:
                # libzmq's stays on, so a message no peer can take is seen (and counted for
                # the hints); off, it is then dropped here as libzmq would drop it
                s.mandatory = bool(val)
            else:
                s.sock.setsockopt(opt, val)
        except zmq.ZMQError as exc:
            if exc.errno == errno.EINVAL:
                raise options.OptionError(options.rejected(opt, val, s.type)) from None
            shown = options.value_for_message(opt, val)
            raise EngineError(f"option {opt.name.lower()}={shown}: {exc.strerror}") from None
        if opt in (zmq.RATE, zmq.RECOVERY_IVL) and any(
                e.detail for e in s.view.endpoints):  # multicast endpoints keep what they had
            shown = options.describe_value(val)
            self._info(s, f"{opt.name.lower()}={shown} applies to multicast endpoints bound or "
                          "connected from now on, not to those already joined")
        if opt == zmq.LINGER:
            s.linger = int(val)
        elif opt == zmq.REQ_RELAXED:
            s.relaxed = bool(val)
        elif opt == zmq.CONFLATE:
            s.conflate = bool(val)
        key = opt.name.lower()
        shown = options.describe_value(val)
        s.view.options = tuple(o for o in s.view.options if o[0] != key) + ((key, shown),)
        self._changed.add(s.name)
        return shown

    def _do_subscribe(self, cmd: C.Subscribe) -> None:
        self._subscribe(self._get(cmd.name), bytes(cmd.prefix), True)

    def _do_unsubscribe(self, cmd: C.Unsubscribe) -> None:
        self._subscribe(self._get(cmd.name), bytes(cmd.prefix), False)

    def _subscribe(self, s: SocketRecord, prefix: bytes, on: bool) -> None:
        from ..codec import bytes_to_prefix

        shown = bytes_to_prefix(prefix) if prefix else '"" (everything)'
        subs = s.view.subscriptions
        if s.type not in socket_types.SUBSCRIBING:
            raise EngineError(f"only SUB and XSUB sockets take subscriptions, not {s.type}")
        if on and prefix in subs:
            raise EngineError(f"{s.name} is already subscribed to {shown}")
        if not on and prefix not in subs:
            raise EngineError(f"{s.name} is not subscribed to {shown}")
        if s.type == "SUB":
            s.sock.setsockopt(zmq.SUBSCRIBE if on else zmq.UNSUBSCRIBE, prefix)
        else:  # XSUB: a subscription is a message upstream
            self._send(s, [(b"\x01" if on else b"\x00") + prefix], log=False)
        s.view.subscriptions = subs + (prefix,) if on else tuple(p for p in subs if p != prefix)
        self._info(s, f"{'subscribed' if on else 'unsubscribed'} {shown}")
        self._changed.add(s.name)



def commands(engine: Engine) -> Handlers:
    return {C.SetOption: engine._do_setoption, C.Subscribe: engine._do_subscribe,
            C.Unsubscribe: engine._do_unsubscribe}
