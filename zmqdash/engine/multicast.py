"""Multicast endpoints (``pgm://``, ``epgm://``, ``norm://``): checked before libzmq sees them,
and what a multicast sender's pace means for its messages.

The checks are strict because libzmq 4.3 checks little when ``connect()`` is called: it makes
the OpenPGM or NORM socket afterwards, on its I/O thread, and there any failure is an assertion
that ends the whole process (measured with Debian's 4.3.4: no interface given, an interface
address this machine does not have, an unknown NORM interface, ``pgm://`` without raw-socket
rights, ``multicast_maxtpdu`` above 65535). OpenPGM also takes no interface *name*:
``epgm://lo;...`` fails with EINVAL, so the interface is given as its IPv4 address.

The form is ``TRANSPORT://INTERFACE;GROUP:PORT`` (NORM also takes ``ID,`` first, its node id):
one interface, one IPv4 group in 224.0.0.0/4, a port. IPv6 groups are refused: OpenPGM
delivered nothing over them here, and NORM aborted.
"""

from __future__ import annotations

import ctypes
import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass

from . import limits, socket_types
from .errors import EngineError

TRANSPORTS = ("pgm", "epgm", "norm")
#: the socket types libzmq lets use a multicast transport, and those that send into the group
SOCKET_TYPES = socket_types.MULTICAST
SENDERS = socket_types.MULTICAST_SENDERS
#: libzmq's defaults: kbit/s and ms
DEFAULT_RATE = 100
DEFAULT_RECOVERY_IVL = 10_000
#: the largest multicast_maxtpdu OpenPGM takes (a larger one aborts the process)
MAX_TPDU = 65_535
#: an estimated queue this many seconds long gets the hint
HINT_AFTER_S = 1.0
EXAMPLE = "epgm://127.0.0.1;239.192.1.1:5555"
_IPPROTO_PGM = 113


@dataclass(frozen=True)
class Address:
    """The parts of a multicast endpoint's address."""

    interface: str  # an IPv4 address (or, for norm only, an interface name)
    group: str
    port: int
    node_id: str = ""  # norm: the optional "ID," prefix


def parse(text: str, transport: str, address: str, verb: str) -> Address:
    """Check the form of a multicast address (no sockets, no lookups beyond this machine's
    own interface list, used to name the address to give instead of a name)."""
    def fail(problem: str) -> EngineError:
        return EngineError(f"{verb} {text}: {problem}")

    example = f"{transport}://127.0.0.1;239.192.1.1:5555"
    node_id = ""
    if transport == "norm" and "," in address.split(";", 1)[0]:
        node_id, address = address.split(",", 1)
        if not limits.is_ascii_digits(node_id):
            raise fail(f"a NORM node id (before the comma) is a number, not '{node_id}'")
    if ";" not in address:
        raise fail(f"give the interface's address before the group: {example} (libzmq "
                   "cannot choose one where no interface has a multicast route, and ends "
                   "the program)")
    interface, rest = address.split(";", 1)
    if ";" in rest:
        raise fail(f"one interface and one group: {example}")
    group, sep, port = rest.rpartition(":")
    if not sep or not group:
        raise fail(f"{transport} needs a group and a port after the interface: {example}")
    if not limits.is_ascii_digits(port) or not limits.PORT[0] <= int(port) <= limits.PORT[1]:
        raise fail(f"the port must be a number from {limits.PORT[0]} to {limits.PORT[1]}")
    _check_group(group, fail)
    _check_interface(interface, transport, group, port, fail)
    return Address(interface, group, int(port), node_id)


def _check_group(group: str, fail: Callable[[str], Exception]) -> None:
    try:
        ip = ipaddress.ip_address(group.strip("[]"))
    except ValueError:
        raise fail(f"the group must be an IPv4 multicast address (224.0.0.0/4), e.g. "
                   f"239.192.1.1, not '{group}'") from None
    if ip.version == 6:
        raise fail("IPv6 multicast does not work through libzmq here: use an IPv4 group "
                   "in 224.0.0.0/4, e.g. 239.192.1.1")
    if not ip.is_multicast:
        raise fail(f"{group} is not a multicast group: use one in 224.0.0.0/4 "
                   "(239.0.0.0/8 is for private use), e.g. 239.192.1.1")


def _check_interface(interface: str, transport: str, group: str, port: str,
                     fail: Callable[[str], Exception]) -> None:
    if not interface:
        raise fail(f"the interface is missing before ';': give its address, e.g. "
                   f"{transport}://127.0.0.1;{group}:{port}")
    try:
        ip = ipaddress.ip_address(interface.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        if ip.version == 6:
            raise fail("give the interface's IPv4 address (IPv6 multicast does not work "
                       "through libzmq here)")
        return
    if transport == "norm":
        return  # NORM takes interface names (checked against this machine at connect)
    known = interface_addresses().get(interface)
    instead = (f"{transport}://{known[0]};{group}:{port} ({interface} has {known[0]})"
               if known else f"{transport}://127.0.0.1;{group}:{port}")
    raise fail(f"OpenPGM cannot use an interface name ('{interface}': it fails with "
               f"'invalid argument'); give the interface's IPv4 address: {instead}")


def check_socket_type(text: str, transport: str, socket_type: str, verb: str) -> None:
    if socket_type.upper() not in SOCKET_TYPES:
        raise EngineError(f"{verb} {text}: {transport} is multicast, for PUB, SUB, XPUB and "
                          f"XSUB sockets only (not {socket_type.upper()})")


def check_host(text: str, transport: str, addr: Address, verb: str, maxtpdu: int) -> None:
    """What this machine must offer before libzmq is given the endpoint: the interface, raw
    sockets for pgm, a packet size OpenPGM takes. Each would otherwise end the program."""
    def fail(problem: str) -> EngineError:
        return EngineError(f"{verb} {text}: {problem}")

    local = interface_addresses()
    if local:  # where the list cannot be had, libzmq is trusted to say
        mine = {a: name for name, addrs in local.items() for a in addrs}
        if addr.interface in local:
            if transport == "norm" and not local[addr.interface]:
                raise fail(f"interface {addr.interface} has no IPv4 address")
        elif addr.interface not in mine:
            have = ", ".join(f"{a} ({name})" for a, name in sorted(mine.items())) or "none"
            what = ("neither an interface of this machine nor one of its addresses"
                    if transport == "norm" else "not an address of this machine's interfaces")
            raise fail(f"{addr.interface} is {what} (IPv4 addresses here: {have})")
    if transport == "pgm" and not raw_sockets_allowed():
        raise fail("pgm:// needs raw sockets (root, or the CAP_NET_RAW capability), which "
                   "this process may not open; epgm:// carries PGM over UDP and needs neither")
    if transport in ("pgm", "epgm") and maxtpdu > MAX_TPDU:
        raise fail(f"multicast_maxtpdu is {maxtpdu}; OpenPGM takes at most {MAX_TPDU}")


def raw_sockets_allowed() -> bool:
    """Whether this process may open the raw socket ``pgm://`` needs (nothing is sent)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, _IPPROTO_PGM).close()
    except OSError:
        return False
    return True


def describe(transport: str, rate: int, recovery_ivl: int) -> str:
    """What the panel shows under a multicast endpoint: the pace its messages go at."""
    if transport == "norm":
        return "paced by NORM's congestion control (rate does not apply)"
    default = " (default)" if rate == DEFAULT_RATE else ""
    ivl = f"{recovery_ivl // 1000} s" if recovery_ivl % 1000 == 0 else f"{recovery_ivl} ms"
    return f"rate {rate:,} kbit/s{default} · recovery_ivl {ivl}"


def pace_hint(transport: str, rate: int, queued_s: float) -> str:
    default = " (the default)" if rate == DEFAULT_RATE else ""
    return (f"sending faster than {transport}'s rate of {rate:,} kbit/s{default}: about "
            f"{queued_s:.0f} s of messages wait in libzmq, and past sndhwm they are dropped "
            f"unseen; set rate (kbit/s) before bind or connect, e.g. rate=10000")


class Pace:
    """An estimate of a multicast sender's queue in libzmq: OpenPGM sends at most ``rate``
    kbit/s, so what is sent faster waits (and is dropped past sndhwm, unseen)."""

    def __init__(self, transport: str, rate: int) -> None:
        self.transport = transport
        self.rate = rate
        self.bytes_per_s = rate * 125.0
        #: time.monotonic() by which what was sent so far should have left
        self.until = 0.0
        self._hinted = False

    def slower(self, transport: str, rate: int) -> Pace:
        """The pace of a socket with one more multicast endpoint: the slowest one's."""
        return self if rate >= self.rate else Pace(transport, rate)

    def sent(self, nbytes: int, now: float) -> str:
        """Count a message; returns the hint when the queue has just grown past
        :data:`HINT_AFTER_S` (once, until the queue empties again), else ""."""
        if self.until <= now:
            self.until = now
            self._hinted = False
        self.until += nbytes / self.bytes_per_s
        queued = self.until - now
        if queued >= HINT_AFTER_S and not self._hinted:
            self._hinted = True
            return pace_hint(self.transport, self.rate, queued)
        return ""


def quiet_openpgm() -> None:
    """OpenPGM prints its warnings on standard output, where ``zmqdash cat`` prints messages
    and the dashboard draws (a loopback interface alone earns two). Keep only its errors,
    unless the user chose a level. Read once, when libzmq makes its first context: call
    before that."""
    if not os.environ.get("PGM_MIN_LOG_LEVEL"):
        os.environ["PGM_MIN_LOG_LEVEL"] = "ERROR"


# -- this machine's interfaces ---------------------------------------------------------------


class _SockAddr(ctypes.Structure):
    _fields_ = [("head", ctypes.c_uint16), ("port", ctypes.c_uint16),
                ("addr", ctypes.c_uint8 * 4)]


class _IfAddrs(ctypes.Structure):
    pass


_IfAddrs._fields_ = [
    ("ifa_next", ctypes.POINTER(_IfAddrs)), ("ifa_name", ctypes.c_char_p),
    ("ifa_flags", ctypes.c_uint), ("ifa_addr", ctypes.POINTER(_SockAddr)),
    ("ifa_netmask", ctypes.c_void_p), ("ifa_dstaddr", ctypes.c_void_p),
    ("ifa_data", ctypes.c_void_p),
]


def interface_addresses() -> dict[str, list[str]]:
    """Each interface of this machine and its IPv4 addresses (``{}`` where getifaddrs is not
    to be had). Read from the kernel; nothing goes on the network."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        getifaddrs, freeifaddrs = libc.getifaddrs, libc.freeifaddrs
    except (OSError, AttributeError):  # pragma: no cover - not a POSIX libc
        return {}
    getifaddrs.argtypes = (ctypes.POINTER(ctypes.POINTER(_IfAddrs)),)
    freeifaddrs.argtypes = (ctypes.POINTER(_IfAddrs),)
    head = ctypes.POINTER(_IfAddrs)()
    if getifaddrs(ctypes.byref(head)) != 0:
        return {}
    bsd = sys.platform == "darwin" or "bsd" in sys.platform  # sa_len, then a one-byte family
    found: dict[str, list[str]] = {}
    try:
        node = head
        while node:
            entry = node.contents
            name = os.fsdecode(entry.ifa_name or b"")
            addrs = found.setdefault(name, [])
            if entry.ifa_addr:
                sa = entry.ifa_addr.contents
                family = (sa.head >> 8 if sys.byteorder == "little" else sa.head & 0xFF) \
                    if bsd else sa.head
                if family == socket.AF_INET:
                    addrs.append(".".join(str(b) for b in sa.addr))
            node = entry.ifa_next
    finally:
        freeifaddrs(head)
    return found
