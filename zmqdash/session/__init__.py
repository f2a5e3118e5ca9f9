"""Sessions: a whole topology saved as a TOML file, reopened, run headless, or built in (demo).

No UI code here; :mod:`zmqdash.session.apply` talks to the engine only through its commands.
"""

from importlib import resources

from zmqdash.engine.options import SECRET_OPTIONS

from .apply import apply, capture, close_all
from .format import from_dict, parse_toml, to_toml
from .model import (
    FORMAT_VERSION,
    FORMATS,
    SOCKET_TYPE_NAMES,
    DeviceSpec,
    RepeatSpec,
    Session,
    SessionError,
    SocketSpec,
)
from .paths import (
    config_dir,
    data_dir,
    last_session,
    list_sessions,
    remember,
    resolve,
    session_path,
    sessions_dir,
    state_file,
)
from .store import dumps, load, save

DEMO_NAME = "demo"


def demo_session() -> Session:
    """The built-in demo: every pattern on inproc endpoints, with repeat-senders for traffic."""
    text = resources.files(__package__).joinpath("demo.toml").read_text(encoding="utf-8")
    try:
        return parse_toml(text, DEMO_NAME)
    except SessionError as exc:  # pragma: no cover - the file ships with the package
        raise exc.in_file("demo.toml") from None


__all__ = [
    "DEMO_NAME",
    "FORMATS",
    "FORMAT_VERSION",
    "SECRET_OPTIONS",
    "SOCKET_TYPE_NAMES",
    "RepeatSpec",
    "Session",
    "SessionError",
    "DeviceSpec",
    "SocketSpec",
    "apply",
    "capture",
    "close_all",
    "config_dir",
    "data_dir",
    "demo_session",
    "dumps",
    "from_dict",
    "last_session",
    "list_sessions",
    "load",
    "parse_toml",
    "remember",
    "resolve",
    "save",
    "session_path",
    "sessions_dir",
    "state_file",
    "to_toml",
]
