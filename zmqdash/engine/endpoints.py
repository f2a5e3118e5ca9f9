"""Checking endpoints before libzmq sees them, so mistakes get a plain-words error.

libzmq accepts some nonsense (``tcp://127.0.0.1:99999`` binds; a connect to a host that does
not resolve silently retries forever), and its errno texts ("No such device") do not say what
was wrong. Everything here is pure: no sockets, no DNS.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from . import capabilities, limits, multicast
from .errors import EngineError
from .limits import PORT

TRANSPORTS = ("tcp", "ipc", "inproc", "pgm", "epgm", "norm", "ws", "wss", "tipc", "vmci", "udp")


@dataclass(frozen=True)
class Endpoint:
    text: str
    transport: str
    address: str  # everything after "://"
    host: str = ""  # tcp only
    port: str = ""  # tcp only: digits or "*"
    group: multicast.Address | None = None  # pgm, epgm and norm only

    @property
    def multicast(self) -> bool:
        return self.group is not None

    @property
    def wildcard(self) -> bool:
        """A bind whose port the OS picks (``*`` or ``!``), so the same text may be bound twice."""
        return self.transport == "tcp" and (self.port in ("*", "!") or self.port.startswith("!"))

    @property
    def needs_dns(self) -> bool:
        """True when the tcp host is a name that must be looked up (not an IP, not a wildcard)."""
        if self.transport != "tcp" or self.host in ("*", "localhost", ""):
            return False
        try:
            ipaddress.ip_address(self.host.strip("[]"))
        except ValueError:
            return True
        return False


def parse(text: str, *, bind: bool, socket_type: str | None = None) -> Endpoint:
    """Validate ``text`` as an endpoint to bind (``bind=True``) or connect to, for a socket of
    ``socket_type`` when given (multicast transports take only some types)."""
    verb = "bind" if bind else "connect"
    text = text.strip()
    if not text:
        raise EngineError(f"{verb}: empty endpoint (expected e.g. tcp://127.0.0.1:5555)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise EngineError(f"{verb} {text}: not valid UTF-8") from None
    if "://" not in text:
        raise EngineError(
            f"{verb} {text}: not an endpoint; expected transport://address, "
            "e.g. tcp://127.0.0.1:5555, ipc:///tmp/feed.sock or inproc://name"
        )
    transport, address = text.split("://", 1)
    transport = transport.lower()
    if transport not in TRANSPORTS:
        raise EngineError(
            f"{verb} {text}: unknown transport '{transport}' "
            "(use tcp, ipc, inproc, pgm, epgm or norm)"
        )
    if not address:
        raise EngineError(f"{verb} {text}: missing address after '{transport}://'")
    group = None
    if transport in multicast.TRANSPORTS:  # the form first: it is worth knowing either way
        group = multicast.parse(text, transport, address, verb)
        if socket_type is not None:
            multicast.check_socket_type(text, transport, socket_type, verb)
    if not capabilities.has(transport):
        raise EngineError(f"{verb} {text}: {capabilities.unavailable(transport)}")
    if group is not None:
        return Endpoint(text, transport, address, group=group)
    if transport == "tcp":
        return _parse_tcp(text, address, verb, bind)
    # sun_path holds 108 bytes, the last a NUL; an abstract name (@...) takes the same room
    if transport == "ipc" and len(address.encode()) > 107:
        raise EngineError(f"{verb} {text}: ipc path is longer than the 107 bytes the OS allows")
    return Endpoint(text, transport, address)


def _parse_tcp(text: str, address: str, verb: str, bind: bool) -> Endpoint:
    # connect may name a source address: tcp://src;dest:port
    dest = address.split(";", 1)[1] if ";" in address else address
    if dest.startswith("["):
        host, sep, rest = dest[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise EngineError(f"{verb} {text}: bad IPv6 form; expected tcp://[::1]:5555")
        port = rest[1:]
        host = f"[{host}]"
    else:
        host, sep, port = dest.rpartition(":")
        if not sep:
            raise EngineError(f"{verb} {text}: tcp needs a port, e.g. tcp://127.0.0.1:5555")
    if not host:
        raise EngineError(
            f"{verb} {text}: tcp needs a host or interface before the port "
            f"(use * for all interfaces, e.g. tcp://*:{port or 5555})"
        )
    if host == "*" and not bind:
        raise EngineError(f"{verb} {text}: cannot connect to '*'; name a host, e.g. 127.0.0.1")
    if port in ("*", "!") or (bind and port.startswith("!")):
        if not bind:
            raise EngineError(f"{verb} {text}: a wildcard port only makes sense for bind")
    elif not limits.is_ascii_digits(port) or not PORT[0] <= int(port) <= PORT[1]:
        raise EngineError(f"{verb} {text}: port must be a number from 1 to 65535, or * to bind")
    return Endpoint(text, "tcp", address, host=host, port=port)
