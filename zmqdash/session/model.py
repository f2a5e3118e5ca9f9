"""What a session holds: sockets and devices and how each is wired, with the checks that make
it valid.

A :class:`Session` is plain data. :meth:`Session.validate` checks everything that can be checked
without opening a socket, and raises a :class:`SessionError` naming the key path of the problem
(``socket[2].bind[0]``) in the same words the file uses.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zmqdash.codec import describe_char, first_unsafe
from zmqdash.engine import limits
from zmqdash.engine.endpoints import parse as parse_endpoint
from zmqdash.engine.errors import EngineError
from zmqdash.engine.options import is_secret, option, option_value
from zmqdash.engine.socket_types import NAMES as SOCKET_TYPE_NAMES
from zmqdash.engine.socket_types import RECEIVE_ONLY, REPLYING, SUBSCRIBING

if TYPE_CHECKING:
    from zmqdash.engine.credentials import Credentials

#: the file format version this code writes and the newest it reads
FORMAT_VERSION = 1

FORMATS = ("auto", "text", "hex", "json")

# what each socket type can do is the engine's table (SUBSCRIBING, REPLYING, RECEIVE_ONLY)
__all__ = ["SOCKET_TYPE_NAMES", "SUBSCRIBING", "REPLYING", "RECEIVE_ONLY"]


class SessionError(Exception):
    """A session that cannot be read, checked or written; ``str(err)`` is meant for the user.

    ``file`` is the path involved (if any), ``where`` the line or key path inside it, ``problem``
    what is wrong. The message is ``file: where: problem`` with the missing parts left out.
    """

    def __init__(self, problem: str, *, where: str = "", file: object = None) -> None:
        self.problem = problem
        self.where = where
        self.file = None if file is None else str(file)
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.where, self.problem) if part)

    def in_file(self, file: object) -> SessionError:
        """The same error, naming ``file``."""
        return SessionError(self.problem, where=self.where, file=file)


@dataclass
class RepeatSpec:
    """A repeat-sender: ``frames`` are templates (``{seq}``, ``{time}`` ...) sent every
    ``interval_ms``; ``count`` None means until stopped. ``peer`` is a ROUTER's target identity."""

    frames: list[str]
    interval_ms: int
    count: int | None = None
    peer: bytes | None = None


@dataclass
class SocketSpec:
    """One socket of a session.

    ``options`` keep their order (they are applied in it); ``subscribe`` holds raw prefixes
    (``b""`` is everything); ``reply`` is the auto-reply template for REP and ROUTER (None: off,
    ``[]``: echo the request). ``format`` and ``snippets`` are for the dashboard's display and
    composer only.
    """

    name: str
    type: str
    bind: list[str] = field(default_factory=list)
    connect: list[str] = field(default_factory=list)
    subscribe: list[bytes] = field(default_factory=list)
    options: dict[str, str | int] = field(default_factory=dict)
    format: str = "auto"
    repeat: list[RepeatSpec] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    reply: list[str] | None = None
    #: connect endpoint -> the SSH host it goes through (see session/remote.py)
    via: dict[str, str] = field(default_factory=dict)
    #: CURVE or PLAIN (a zmqdash.engine.credentials.Credentials), None for neither
    security: Credentials | None = None

    def __post_init__(self) -> None:
        if isinstance(self.type, str):
            self.type = self.type.strip().upper()

    @property
    def has_secrets(self) -> bool:
        from .remote import embeds_secret

        return any(is_secret(name) for name in self.options) or embeds_secret(self)

    def validate(self, where: str = "socket") -> None:
        """Raise :class:`SessionError` for the first problem, naming its key path."""
        _check_name(self.name, f"{where}.name", "socket name")
        if not isinstance(self.type, str) or self.type.upper() not in SOCKET_TYPE_NAMES:
            shown = self.type if isinstance(self.type, str) else repr(self.type)
            hint = difflib.get_close_matches(shown.upper(), SOCKET_TYPE_NAMES, n=1)
            raise SessionError(
                f"unknown socket type '{shown}' "
                + (f"(did you mean {hint[0]}?)" if hint
                   else f"(one of {', '.join(SOCKET_TYPE_NAMES)})"),
                where=f"{where}.type",
            )
        kind = self.type.upper()
        for role, endpoints in (("bind", self.bind), ("connect", self.connect)):
            for i, text in enumerate(endpoints):
                _check_str(text, f"{where}.{role}[{i}]")
                try:
                    parse_endpoint(text, bind=role == "bind", socket_type=kind)
                except EngineError as exc:
                    raise SessionError(str(exc), where=f"{where}.{role}[{i}]") from None
        from .remote import validate as validate_remote

        validate_remote(self, where)
        if self.subscribe and kind not in SUBSCRIBING:
            raise SessionError(
                f"only SUB and XSUB sockets take subscriptions, not {kind}",
                where=f"{where}.subscribe",
            )
        for i, prefix in enumerate(self.subscribe):
            if not isinstance(prefix, bytes):
                raise SessionError("a subscription must be bytes",
                                   where=f"{where}.subscribe[{i}]")
            first = self.subscribe.index(prefix)
            if first < i:
                raise SessionError(f"the same prefix twice (also subscribe[{first}])",
                                   where=f"{where}.subscribe[{i}]")
        for name, value in self.options.items():
            _check_option(name, value, f"{where}.options.{name}")
        if self.format not in FORMATS:
            raise SessionError(
                f"unknown format '{self.format}' (one of {', '.join(FORMATS)})",
                where=f"{where}.format",
            )
        if self.repeat and kind in RECEIVE_ONLY:
            raise SessionError(f"a {kind} socket cannot send, so it cannot repeat-send",
                               where=f"{where}.repeat")
        for i, rep in enumerate(self.repeat):
            rep_where = f"{where}.repeat[{i}]"
            if not rep.frames:
                raise SessionError("a repeat-sender needs at least one frame",
                                   where=f"{rep_where}.frames")
            for j, frame in enumerate(rep.frames):
                _check_template(frame, f"{rep_where}.frames[{j}]")
            try:
                limits.interval_ms(rep.interval_ms)
            except EngineError as exc:
                raise SessionError(str(exc), where=f"{rep_where}.interval_ms") from None
            try:
                if rep.count is not None:
                    limits.count(rep.count)
            except EngineError as exc:
                raise SessionError(f"{exc} (leave it out to repeat until stopped)",
                                   where=f"{rep_where}.count") from None
            if kind == "ROUTER" and rep.peer is None and len(rep.frames) < 2:
                raise SessionError("a ROUTER's repeat-sender needs a peer (or the peer's "
                                   "identity as its first frame)", where=f"{rep_where}.peer")
            if rep.peer is not None:
                if kind != "ROUTER":
                    raise SessionError("only a ROUTER's repeat-sender names a peer",
                                       where=f"{rep_where}.peer")
                if not isinstance(rep.peer, bytes):
                    raise SessionError("a peer identity must be bytes", where=f"{rep_where}.peer")
        for i, snippet in enumerate(self.snippets):
            _check_str(snippet, f"{where}.snippets[{i}]")
        if self.reply is not None:
            if kind not in REPLYING:
                raise SessionError(f"only REP and ROUTER sockets auto-reply, not {kind}",
                                   where=f"{where}.reply")
            for i, frame in enumerate(self.reply):
                _check_template(frame, f"{where}.reply[{i}]")


@dataclass
class DeviceSpec:
    """One device of a session: a streamer, forwarder or queue between two sets of endpoints.

    ``frontend`` and ``backend`` hold endpoints in the ``@bind`` / ``>connect`` syntax (no
    prefix binds), as ``zmqdash proxy`` takes them. ``tap`` logs every message that crosses;
    ``format`` is for the dashboard's display only. Options are set on that side's socket."""

    name: str
    kind: str
    frontend: list[str] = field(default_factory=list)
    backend: list[str] = field(default_factory=list)
    tap: bool = True
    format: str = "auto"
    frontend_options: dict[str, str | int] = field(default_factory=dict)
    backend_options: dict[str, str | int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.kind, str):
            self.kind = self.kind.strip().lower()

    @property
    def has_secrets(self) -> bool:
        return any(is_secret(name) for opts in (self.frontend_options, self.backend_options)
                   for name in opts)

    def validate(self, where: str = "device") -> None:
        """Raise :class:`SessionError` for the first problem, naming its key path."""
        from zmqdash.engine.devices import spec

        _check_name(self.name, f"{where}.name", "device name")
        _check_str(self.kind, f"{where}.kind")
        try:
            spec.kind(self.kind)
        except EngineError as exc:
            raise SessionError(str(exc), where=f"{where}.kind") from None
        sides = []
        for side in (spec.FRONTEND, spec.BACKEND):
            items = getattr(self, side)
            for i, text in enumerate(items):
                _check_str(text, f"{where}.{side}[{i}]")
            try:
                sides.append(spec.parse_side(items, side))
            except EngineError as exc:
                raise SessionError(str(exc).removeprefix(f"{side}: "),
                                   where=f"{where}.{side}") from None
        try:
            spec.check_sides(*sides)
        except EngineError as exc:
            raise SessionError(str(exc), where=where) from None
        if not isinstance(self.tap, bool):
            raise SessionError("tap is true or false", where=f"{where}.tap")
        for side in (spec.FRONTEND, spec.BACKEND):
            for name, value in getattr(self, f"{side}_options").items():
                _check_option(name, value, f"{where}.{side}_options.{name}")
        if self.format not in FORMATS:
            raise SessionError(
                f"unknown format '{self.format}' (one of {', '.join(FORMATS)})",
                where=f"{where}.format",
            )


@dataclass
class Session:
    """A whole topology: its sockets in the order they are created, then its devices."""

    name: str
    sockets: list[SocketSpec] = field(default_factory=list)
    version: int = FORMAT_VERSION
    devices: list[DeviceSpec] = field(default_factory=list)

    @property
    def has_secrets(self) -> bool:
        return any(sock.has_secrets for sock in self.sockets) or \
            any(dev.has_secrets for dev in self.devices)

    def socket(self, name: str) -> SocketSpec | None:
        return next((sock for sock in self.sockets if sock.name == name), None)

    def validate(self) -> None:
        """Raise :class:`SessionError` for the first problem, naming its key path."""
        _check_name(self.name, "name", "session name")
        if self.version != FORMAT_VERSION:
            raise SessionError(f"this zmqdash writes session version {FORMAT_VERSION}, "
                               f"not {self.version}", where="version")
        seen: dict[str, int] = {}
        for i, sock in enumerate(self.sockets):
            where = f"socket[{i}]"
            sock.validate(where)
            if sock.name in seen:
                raise SessionError(
                    f"duplicate socket name '{sock.name}' (also socket[{seen[sock.name]}])",
                    where=f"{where}.name",
                )
            seen[sock.name] = i
        seen = {}
        for i, dev in enumerate(self.devices):
            where = f"device[{i}]"
            dev.validate(where)
            if dev.name in seen:
                raise SessionError(
                    f"duplicate device name '{dev.name}' (also device[{seen[dev.name]}])",
                    where=f"{where}.name",
                )
            seen[dev.name] = i


def _check_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SessionError(f"expected a string, not {type(value).__name__}", where=where)
    return value


def template_problem(frame: str) -> str | None:
    """Why ``frame`` cannot be a template a session holds (it names a local file), or None.
    The dialogs that start repeat-sends and auto-replies ask too: what they start is saved."""
    if frame.startswith("@") and not frame.startswith("@@"):
        return ("a session file never reads other files: put the payload in the file with "
                "hex: or b64:, or write @@ for a literal @")
    return None


def _check_template(value: object, where: str) -> None:
    """A frame the engine sends on its own: it must not name a local file, so that opening a
    session someone sent you can never mail your files to a peer."""
    problem = template_problem(_check_str(value, where))
    if problem is not None:
        raise SessionError(problem, where=where)


def _check_name(value: object, where: str, what: str) -> None:
    value = _check_str(value, where)
    if not value.strip():
        raise SessionError(f"the {what} is empty", where=where)
    # the characters the display would escape: controls, line separators, bidi controls and
    # invisible ones (a name that does not show as it is could pass for another)
    bad = first_unsafe(value)
    if bad is not None:
        raise SessionError(f"the {what} holds a character that does not show as itself "
                           f"({describe_char(bad)})", where=where)


def _check_option(name: str, value: object, where: str) -> None:
    try:
        opt = option(name)
    except EngineError as exc:
        raise SessionError(str(exc), where=where) from None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise SessionError(
            f"an option value must be a string or a whole number, not {type(value).__name__}",
            where=where,
        )
    try:  # byte values use the prefix syntax, which never reads a file
        option_value(opt, value)
    except EngineError as exc:
        raise SessionError(str(exc), where=where) from None
