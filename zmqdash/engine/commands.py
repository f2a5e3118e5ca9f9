"""Commands a consumer puts on the engine's queue.

Each command is a small frozen dataclass naming the socket it acts on. ``Engine.submit`` returns a
``concurrent.futures.Future`` that the poller thread resolves with the command's result, or fails
with an :class:`~zmqdash.engine.errors.EngineError` whose message is meant for the user.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Create:
    """Make a socket. ``options`` are (name, value) pairs applied before any bind or connect."""

    name: str
    type: str
    options: tuple[tuple[str, str | int | bytes], ...] = ()


@dataclass(frozen=True)
class Bind:
    """Bind one more endpoint. Result: the real endpoint (a wildcard port resolved)."""

    name: str
    endpoint: str


@dataclass(frozen=True)
class Unbind:
    name: str
    endpoint: str


@dataclass(frozen=True)
class Connect:
    """Connect to one more endpoint. Result: the endpoint.

    ``via``: an SSH host (``user@host``, ``host:port``, an alias of ``~/.ssh/config``); the
    connect then goes through a tunnel that the system's ``ssh`` keeps (see ``tunnels.py``).
    """

    name: str
    endpoint: str
    via: str | None = None


@dataclass(frozen=True)
class Disconnect:
    name: str
    endpoint: str


@dataclass(frozen=True)
class Send:
    """Send one message of one or more frames.

    ``peer`` is for ROUTER sockets: the routing identity put in front of the frames;
    ``newest_peer`` sends to the peer the ROUTER heard from last (an error, logged and counted
    like any other, when none has talked yet). Messages that cannot leave yet (no peer,
    high-water mark) wait in the socket's outbox, in order.
    """

    name: str
    frames: tuple[bytes, ...]
    peer: bytes | None = None
    newest_peer: bool = False


@dataclass(frozen=True)
class SendMany:
    """Send messages in order, as many as the outbox takes. Result: ``(accepted, error)``:
    how many were sent or queued, and the error that stopped the rest ("" if none did). A
    ROUTER's message for an identity no peer has is logged and skipped, not an error here.
    Fewer accepted with no error: the outbox is full; send the rest once it has room."""

    name: str
    messages: tuple[tuple[bytes, ...], ...]


@dataclass(frozen=True)
class Subscribe:
    """Add a SUB prefix (b"" = everything). On XSUB this sends a subscription frame."""

    name: str
    prefix: bytes


@dataclass(frozen=True)
class Unsubscribe:
    name: str
    prefix: bytes


@dataclass(frozen=True)
class SetOption:
    """Set any ZeroMQ socket option by name (``linger``, ``identity``, ``req_relaxed`` ...)."""

    name: str
    option: str
    value: str | int | bytes


@dataclass(frozen=True)
class RepeatStart:
    """Send a template every ``interval_ms``; ``count`` None means until stopped.

    Each template frame is text in which ``{seq}``, ``{time}``, ``{epoch}``, ``{ms}``, ``{rand}``
    and ``{uuid}`` are replaced on every send (see :mod:`zmqdash.engine.templates`), then turned
    into bytes by the codec's input rules. Result: the repeater's id.
    """

    name: str
    frames: tuple[str, ...]
    interval_ms: int
    count: int | None = None
    peer: bytes | None = None
    newest_peer: bool = False  # ROUTER: the peer heard from last when it starts (see Send)


@dataclass(frozen=True)
class RepeatStop:
    """Stop one repeater by id, or all of the socket's repeaters when ``repeater`` is None."""

    name: str
    repeater: int | None = None


@dataclass(frozen=True)
class AutoReply:
    """Answer every request on a REP or ROUTER socket from the poller thread.

    ``template`` None switches it off; an empty tuple echoes the request's frames; otherwise the
    frames are templates where ``{body}`` is the request's last frame as text.
    """

    name: str
    template: tuple[str, ...] | None


@dataclass(frozen=True)
class Rename:
    name: str
    new_name: str


@dataclass(frozen=True)
class ClearLog:
    """Forget the socket's log entries (counters stay)."""

    name: str


@dataclass(frozen=True)
class Backpressure:
    """Take from the socket no more than its consumer reads: at most ``window`` entries unread
    (see :mod:`zmqdash.engine.flow`), and at most ``limit`` messages in all (None: no limit).
    ``window`` None turns it off."""

    name: str
    window: int | None
    limit: int | None = None


@dataclass(frozen=True)
class Close:
    name: str


@dataclass(frozen=True)
class Secure:
    """Make the socket a CURVE or PLAIN server or client (before it binds or connects).

    ``credentials`` is a :class:`~zmqdash.engine.credentials.Credentials` whose keys are Z85
    text or paths; ``given`` the same as the user wrote it (key names of the keys folder), which
    is what a session saves. Result: a short description (``CURVE server · key ...``), never a
    secret.
    """

    name: str
    credentials: object
    given: object = None


@dataclass(frozen=True)
class RecordStart:
    """Record the socket's log entries (and those of the sockets in ``more``, and what crosses
    the ``devices``, into the same file) as JSON lines to ``path``, replacing the file;
    ``backlog``: the entries the logs still hold go first. ``name`` may be "" when ``devices``
    names what to record. Result: the absolute path, once the file is open."""

    name: str
    path: str
    more: tuple[str, ...] = ()
    backlog: bool = False
    devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordStop:
    """Stop the recording the socket is part of. Result: the
    :class:`~zmqdash.engine.recording.Recording` (``wait()`` for the file to be complete)."""

    name: str


@dataclass(frozen=True)
class ReplayStart:
    """Send the messages of a JSON Lines recording (an export or a recording) on the socket.

    ``speed``: 1 keeps the recorded pace, 2 twice as fast ..., None as fast as the socket takes
    them. ``direction``: replay the ``in`` (received) or ``out`` (sent) messages, or a device's
    ``f>b`` or ``b>f``; None: the received ones if the file has any, else a device's ``f>b``,
    else its ``b>f``, else the sent ones. ``match``: only messages whose text
    matches (plain text, or ``/regex/``). ``peer``: for a ROUTER, the identity every message goes
    to (a ROUTER's recorded identity frame is replaced by it); None on a ROUTER keeps the first
    frame as the identity. ``count``: stop after that many messages. Result: the replay's state
    (:class:`~zmqdash.engine.replay.ReplayState`).
    """

    name: str
    path: str
    speed: float | None = 1.0
    loop: bool = False
    match: str | None = None
    direction: str | None = None
    peer: bytes | None = None
    count: int | None = None


@dataclass(frozen=True)
class ReplayStop:
    """Stop the socket's replay. Result: its state."""

    name: str


@dataclass(frozen=True)
class CheckHints:
    """Work out the socket's hints now (they are otherwise worked out on a slow timer).
    Result: the tuple of :class:`~zmqdash.engine.hints.Hint`."""

    name: str


@dataclass(frozen=True)
class WatchCounter:
    """Look for gaps in a number the socket's received messages carry: ``pattern`` is text
    found in them with ``{seq}`` where the number is (``update {seq}``: as the log's filter
    matches); None stops."""

    name: str
    pattern: str | None


Command = (
    Create | Bind | Unbind | Connect | Disconnect | Send | SendMany | Subscribe | Unsubscribe
    | SetOption | RepeatStart | RepeatStop | AutoReply | Rename | ClearLog | Backpressure | Close
    | Secure | RecordStart | RecordStop | ReplayStart | ReplayStop | CheckHints | WatchCounter
)
