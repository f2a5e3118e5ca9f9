"""The system's ``ssh`` as a tunnel: the command line zmqdash runs, and what ssh's errors mean.

zmqdash runs the user's own ssh client (their config, agent, ProxyJump and known_hosts apply)
in batch mode, so it never prompts: a missing key or an unknown host key is an error to report,
never a question. ``ZMQDASH_SSH_COMMAND`` replaces ``ssh`` (as ``GIT_SSH_COMMAND`` does for git),
for example ``ssh -F ~/lab/ssh_config -i ~/.ssh/lab``; zmqdash appends its options and the
forward. ssh takes the first value it is given for an option, so options there win.
Everything here is pure: no processes.
"""

from __future__ import annotations

import os
import re
import shlex

from . import endpoints
from .errors import EngineError

SSH_COMMAND_ENV = "ZMQDASH_SSH_COMMAND"
#: what zmqdash adds to the ssh command line: no remote command, never ask, fail at once when
#: the forward cannot be made, notice a dead link in about 10 s, never share a master
#: connection (its lifetime is not ours), and say when authentication succeeded
TUNNEL_OPTIONS = (
    "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
    "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2", "-o", "ControlPath=none",
    "-o", "LogLevel=VERBOSE",
)
#: the line ssh writes (at LogLevel VERBOSE) once it has logged in
AUTHENTICATED = "Authenticated to "
#: how a tunnel whose far end refuses connections is described (the endpoint's reason)
REFUSED = "forward refused"
#: ssh's lines that are not news: what it says at VERBOSE when all is well
_QUIET = ("Authenticated to ", "Transferred: ", "Bytes per second", "Warning: Permanently added")
_PORT_FORM = re.compile(r"^(?P<host>[^:\[\]]+|\[[^\]]+\]):(?P<port>\d{1,5})$")


def check_host(text: object) -> str:
    """An SSH host as ssh takes it (``user@host``, ``host:port``, an alias); raises EngineError.

    A host can never be taken for an option (a leading ``-``), so a session file cannot make
    ssh run a command of its choosing."""
    if not isinstance(text, str) or not text.strip():
        raise EngineError("an SSH host is needed (user@host, host:port or an ~/.ssh/config alias)")
    host = text.strip()
    if host.startswith("-"):
        raise EngineError(f"'{host}' is not an SSH host (it would be read as an ssh option)")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in host):
        raise EngineError("an SSH host cannot contain spaces or control characters")
    split_host(host)
    return host


def split_host(host: str) -> tuple[str, str | None]:
    """(destination, port or None): ``ops@bastion:2222`` is ``ops@bastion`` on port 2222."""
    if host.startswith("ssh://"):
        return host, None  # ssh reads the URI form itself
    user, at, rest = host.rpartition("@")
    match = _PORT_FORM.match(rest)
    if match is None:
        return host, None
    port = match.group("port")
    if not 0 < int(port) < 65536:
        raise EngineError(f"SSH host {host}: port must be a number from 1 to 65535")
    name = match.group("host").strip("[]")
    return f"{user}{at}{name}", port


def destination(endpoint: str) -> tuple[str, str]:
    """(what ``-L`` forwards to, how to name it) for a connect endpoint reached through SSH.

    ``tcp://10.0.0.5:5555`` is ``10.0.0.5:5555`` (the host name is looked up on the far side);
    ``ipc:///run/app.sock`` forwards to that unix socket there. Raises EngineError."""
    ep = endpoints.parse(endpoint, bind=False)
    where = f"connect {ep.text} via SSH"
    if ep.transport == "tcp":
        if ";" in ep.address:
            raise EngineError(f"{where}: a source address (tcp://src;host:port) cannot go "
                              "through a tunnel")
        host = ep.host
        if ":" in host.strip("[]") and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{ep.port}", f"{ep.host}:{ep.port}"
    if ep.transport == "ipc":
        path = ep.address
        if path.startswith("@"):
            raise EngineError(f"{where}: an abstract ipc name (@...) cannot be forwarded; "
                              "ssh forwards to socket files")
        if not path.startswith("/"):
            raise EngineError(f"{where}: give the remote socket's absolute path "
                              "(ipc:///path/to.sock)")
        if ":" in path:
            raise EngineError(f"{where}: ssh cannot forward to a path holding ':'")
        return path, path
    raise EngineError(f"{where}: only tcp:// and ipc:// endpoints can go through an SSH "
                      f"tunnel, not {ep.transport}://")


def base_command() -> list[str]:
    """``ssh``, or the command line in ``ZMQDASH_SSH_COMMAND``; raises EngineError."""
    text = os.environ.get(SSH_COMMAND_ENV, "").strip()
    if not text:
        return ["ssh"]
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise EngineError(f"{SSH_COMMAND_ENV}: cannot read it as a command line: {exc}") from None
    if not words:
        return ["ssh"]
    return words


def command(host: str, local_port: int, dest: str) -> list[str]:
    """The whole ssh command line of a tunnel from 127.0.0.1:``local_port`` to ``dest``."""
    target, port = split_host(host)
    argv = [*base_command(), *TUNNEL_OPTIONS, "-L", f"127.0.0.1:{local_port}:{dest}"]
    if port is not None:
        argv += ["-p", port]
    return [*argv, target]


def local_port_taken(lines: list[str]) -> bool:
    """ssh could not listen on the local port (another program took it first)."""
    text = "\n".join(lines)
    return "cannot listen to port" in text or "Address already in use" in text \
        or "Could not request local forwarding" in text


def explain(lines: list[str], returncode: int | None, host: str) -> str:
    """One line saying why ssh ended, from what it wrote on stderr."""
    text = "\n".join(lines)
    if "REMOTE HOST IDENTIFICATION HAS CHANGED" in text:
        return (f"the host key of {host} has changed: if you expected it (the host was "
                f"reinstalled), remove the old key with ssh-keygen -R and connect once with ssh "
                "to accept the new one; if not, someone may be in the middle")
    if "Host key verification failed" in text:
        return (f"unknown host key for {host}: connect once with ssh {host} in a terminal, "
                "check the fingerprint and accept it (zmqdash never accepts a host key itself)")
    match = re.search(r"Permission denied \(([^)]*)\)", text)
    if match or "Permission denied" in text:
        methods = f" ({match.group(1)})" if match else ""
        return (f"permission denied by {host}{methods}: none of your keys was accepted (load "
                "it in ssh-agent, or name it with IdentityFile in ~/.ssh/config or -i in "
                f"{SSH_COMMAND_ENV})")
    match = re.search(r"Could not resolve hostname (\S+?):? (.*)", text)
    if match:
        return f"host unreachable: cannot resolve {match.group(1)} ({match.group(2).strip()})"
    match = re.search(r"connect to host (\S+) port (\d+): (.*)", text)
    if match:
        return (f"host unreachable: {match.group(3).strip().lower()} at {match.group(1)} port "
                f"{match.group(2)}" + (" (is sshd running there?)"
                                       if "refused" in match.group(3) else ""))
    if re.search(r"Timeout, server .* not responding", text):
        return f"{host} stopped answering (no reply to keep-alives for 10 s)"
    if local_port_taken(lines):
        return "forward refused: ssh could not listen on its local port"
    if "closed by remote host" in text or "Connection closed by" in text:
        return f"the connection to {host} was closed by the far side"
    if "Broken pipe" in text or "Connection reset" in text:
        return f"the connection to {host} broke"
    if returncode is not None and returncode < 0:
        return f"ssh was killed (signal {-returncode})"
    news = [line for line in lines if line.strip() and not line.startswith(_QUIET)]
    if news:
        last = news[-1].strip()
        last = last.removeprefix("ssh: ")
        return f"ssh: {last}"
    if returncode:
        return f"ssh exited with status {returncode}"
    return "ssh ended"


def channel_problem(line: str, host: str, shown: str) -> str | None:
    """Words for ssh's ``channel N: open failed: ...`` (the far end refused one connection)."""
    if "open failed" not in line:
        return None
    if "administratively prohibited" in line:
        return (f"{REFUSED} by {host}: forwarding is not allowed there (sshd's "
                "AllowTcpForwarding, AllowStreamLocalForwarding or PermitOpen)")
    if "Connection refused" in line:
        return f"{REFUSED}: nothing is listening at {shown} on {host}"
    if "connect failed: open failed" in line or "No such file" in line:
        return f"{REFUSED}: no socket at {shown} on {host} (or it refused the connection)"
    reason = line.split("open failed:", 1)[1].strip().removeprefix("connect failed:").strip()
    return f"{REFUSED}: {host} cannot reach {shown} ({reason})"
