"""What a device is made of: its kind, and each side's endpoints, checked before any socket.

The three devices of the ZeroMQ guide, each a pair of sockets the engine forwards between:

- **streamer** (pipeline): PULL frontend -> PUSH backend, one way;
- **forwarder** (pub/sub): XSUB frontend <-> XPUB backend: messages go down, subscriptions up;
- **queue** (request/reply): ROUTER frontend <-> DEALER backend: requests go down, replies up,
  with their envelopes.

A side's endpoints are written as czmq writes them: ``@`` binds, ``>`` connects, no prefix binds,
several separated by commas (``@tcp://*:5559,>ipc:///tmp/up.sock``). The command line, the
dashboard's dialog and session files all use this syntax and these checks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import EngineError
from ..ring import B2F, F2B
from ..state import BIND, CONNECT

FRONTEND = "frontend"
BACKEND = "backend"


@dataclass(frozen=True)
class Kind:
    name: str
    frontend: str  # socket type
    backend: str
    both_ways: bool  # does anything travel backend -> frontend?
    summary: str

    @property
    def directions(self) -> tuple[str, ...]:
        return (F2B, B2F) if self.both_ways else (F2B,)


KINDS: dict[str, Kind] = {
    "streamer": Kind("streamer", "PULL", "PUSH", False,
                     "pipeline: PULL frontend -> PUSH backend, one way"),
    "forwarder": Kind("forwarder", "XSUB", "XPUB", True,
                      "pub/sub: XSUB frontend -> XPUB backend; subscriptions go back up"),
    "queue": Kind("queue", "ROUTER", "DEALER", True,
                  "request/reply: ROUTER frontend <-> DEALER backend, envelopes kept"),
}

#: a direction as words, for messages and JSON records
DIRECTION_WORDS = {F2B: "frontend->backend", B2F: "backend->frontend"}


def kind(text: object) -> Kind:
    """The kind named ``text`` (any case); raises :class:`EngineError` naming the choices."""
    key = str(text).strip().lower()
    if key in KINDS:
        return KINDS[key]
    hint = difflib.get_close_matches(key, KINDS, n=1)
    extra = f"; did you mean {hint[0]}?" if hint else ""
    raise EngineError(f"unknown device kind '{text}' (streamer, forwarder or queue){extra}")


def direction(text: object) -> str:
    """F2B or B2F from what a user may write: ``f>b``, ``b>f``, ``frontend->backend`` ..."""
    key = str(text).strip().lower().replace(" ", "")
    for value, words in DIRECTION_WORDS.items():
        if key in (value, words, value.replace(">", "2"), words.replace("->", ">"),
                   value.replace(">", "->")):
            return value
    raise EngineError(f"unknown direction '{text}' (f>b: frontend to backend, "
                      "b>f: backend to frontend)")


def parse_side(items: str | Iterable[str], side: str = FRONTEND) -> tuple[tuple[str, str], ...]:
    """``"@tcp://*:5559,>ipc:///x"`` (or a list of such strings) as ``((role, endpoint), ...)``,
    each endpoint checked as a bind or a connect. Raises :class:`EngineError` naming the side."""
    from .. import endpoints  # pyzmq: loaded when first needed, not with the package

    if isinstance(items, str):
        items = [items]
    out: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, str):
            raise EngineError(f"{side}: an endpoint must be text, not {type(item).__name__}")
        if not item.strip():
            continue
        for part in item.split(","):
            text = part.strip()
            if not text:
                raise EngineError(f"{side}: an empty endpoint in '{item.strip()}' (endpoints "
                                  "are separated by single commas)")
            role = CONNECT if text.startswith(">") else BIND
            if text[0] in "@>":
                text = text[1:].strip()
            try:
                ep = endpoints.parse(text, bind=role == BIND)
            except EngineError as exc:
                raise EngineError(f"{side}: {exc}") from None
            out.append((role, ep.text))
    return tuple(out)


def side_text(side: Iterable[tuple[str, str]]) -> str:
    """The endpoints of a side as one string, every one prefixed (``@`` or ``>``)."""
    return ",".join(endpoint_text(role, ep) for role, ep in side)


def endpoint_text(role: str, endpoint: str) -> str:
    return ("@" if role == BIND else ">") + endpoint


def check_sides(front: tuple[tuple[str, str], ...], back: tuple[tuple[str, str], ...]) -> None:
    """Each side has an endpoint, and no endpoint is on both sides (a device would feed itself);
    wildcard binds (``tcp://host:*``) get a port each, so they may repeat."""
    from .. import endpoints

    for side, eps in ((FRONTEND, front), (BACKEND, back)):
        if not eps:
            raise EngineError(f"the {side} has no endpoint (give @endpoint to bind or "
                              ">endpoint to connect)")
    wild = {ep for role, ep in front + back
            if role == BIND and endpoints.parse(ep, bind=True).wildcard}
    fronts = {ep for _, ep in front if ep not in wild}
    for _, ep in back:
        if ep in fronts:
            raise EngineError(f"the frontend and the backend both name {ep}: a device needs "
                              "a different endpoint on each side")
