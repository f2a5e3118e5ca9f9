"""``zmqdash cat``'s plan: what to do, worked out from the command line and checked before any
socket exists, so that a mistake is a usage error (exit 2)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..codec import (
    CodecError,
    parse_message,
    prefix_to_bytes,
    split_frames,
)
from ..engine import (
    EngineError,
    endpoints,
    options,
    templates,
)
from ..engine.socket_types import NAMES as SOCKET_TYPES
from ..engine.socket_types import REPLYING, SEND_ONLY, STARTS, SUBSCRIBING
from . import remote_args

if TYPE_CHECKING:
    from ..engine.credentials import Credentials

NAME = "cat"
PROG = "zmqdash cat"
FORMATS = ("text", "hex", "json", "jsonl", "none")
#: how long a sender waits at exit for queued messages to leave, unless --timeout says otherwise
DEFAULT_LINGER_MS = 2000
#: how often the main loop re-checks its stop conditions while nothing happens
TICK = 0.2
#: messages handed to the engine in one command
SEND_BATCH = 1000


class UsageError(Exception):
    """Bad arguments found after parsing (exit 2)."""


class Plan:
    """What to do, checked before any socket exists."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.type = args.type
        self.options: list[tuple[str, str]] = []
        self.subscriptions: list[bytes] = []
        self.messages: list[list[bytes]] = []
        self.credentials: Credentials | None = None
        self.via: str | None = None
        #: the auto-reply template of a REP or ROUTER (empty: echo)
        self.reply: tuple[str, ...] = ()
        #: libzmq's immediate is on (a connecting PUSH or PUB)
        self.immediate = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Plan:
        plan = cls(args)
        if args.connect and args.type in SEND_ONLY:
            # queue only to peers that are really there, so messages nobody takes stay in the
            # engine's outbox, where a --timeout can report them, instead of vanishing at exit.
            # Not on a socket that receives: with immediate, libzmq drops the messages that came
            # in but were not read yet when the peer closes (the sender then counts what left
            # while no peer was connected, see cat_send)
            plan.options.append(("immediate", "1"))
            plan.immediate = True
        if args.type not in SOCKET_TYPES:
            raise UsageError(f"unknown socket type '{args.type}' "
                             f"(one of {', '.join(SOCKET_TYPES)})")
        if not args.bind and not args.connect:
            raise UsageError("give at least one --bind or --connect endpoint")
        try:  # the same checks the engine makes, so a typo is a usage error (exit 2)
            parsed = [endpoints.parse(ep, bind=True, socket_type=args.type)
                      for ep in args.bind]
            parsed += [endpoints.parse(ep, bind=False, socket_type=args.type)
                       for ep in args.connect]
            plan.options += [options.assignment(item) for item in args.option]
            plan.via = remote_args.ssh_host(args)
            plan.credentials = remote_args.credentials(args)
        except EngineError as exc:
            raise UsageError(str(exc)) from None
        if args.wait_peer and any(ep.multicast for ep in parsed):
            raise UsageError("--wait-peer cannot work over multicast: a multicast sender never "
                             "learns who receives (start the receivers first)")
        if args.subscribe is not None and args.type not in SUBSCRIBING:
            raise UsageError(f"--subscribe is for SUB and XSUB sockets, not {args.type}")
        if args.type in SUBSCRIBING:
            try:
                # a prefix given twice (or as text and as hex:) is one subscription
                plan.subscriptions = list(dict.fromkeys(
                    prefix_to_bytes(p) for p in (args.subscribe or [""])))
            except CodecError as exc:
                raise UsageError(f"--subscribe: {exc}") from None
        if args.subs and args.type != "XPUB":
            raise UsageError(f"--subs is for XPUB sockets, not {args.type}")
        if args.split is not None:
            try:
                split_frames("", args.split)
            except CodecError as exc:
                raise UsageError(f"--split: {exc}") from None
        if args.reply is not None and args.type not in REPLYING:
            raise UsageError(f"--reply is for REP and ROUTER sockets, not {args.type}")
        if args.reply is not None:
            plan.reply = tuple(split_frames(args.reply, args.split) if args.split
                               else [args.reply])
            try:
                for frame in plan.reply:
                    templates.compile_frame(frame)
            except CodecError as exc:
                raise UsageError(f"--reply: {exc}") from None
        if args.send and args.type not in STARTS:
            raise UsageError(f"a {args.type} socket does not send messages of its own")
        for text in args.send:
            try:
                plan.messages.append(parse_message(text, args.split))
            except CodecError as exc:
                raise UsageError(f"--send {text!r}: {exc}") from None
        return plan

