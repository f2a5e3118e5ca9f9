"""Generated hostile input for ``zmqdash run`` and ``zmqdash cat``, each run as a process.

Session files (valid and broken TOML, wrong types, huge and nested values, unicode, control
characters and markup in every string) and ``cat`` argument lists. Whatever comes in, the
process must exit 0, 1 or 2 (a run still going when the time is up gets Ctrl+C, as a user
would, and must then stop the same way), print no ``Traceback``, put no control, format or
separator character on its output, and finish in time.

Every endpoint generated is inproc, ipc in a temporary folder, or tcp on 127.0.0.1 / ::1 (or
text that is no endpoint at all): nothing is looked up in DNS and nothing leaves the machine.
Options that send traffic elsewhere (a SOCKS proxy) and ``--ssh`` are never generated. The
number of examples is bounded so that both tests together take well under a minute.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w
from conftest import child_env
from hostile import EVIL, MARKUP, OSC52, decode, unsafe_chars
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zmqdash.engine.endpoints import TRANSPORTS

#: seconds a process may take before it gets Ctrl+C, and then to stop
RUN_FOR = 4.0
STOP_WITHIN = 5.0
#: examples per test (ZMQDASH_HOSTILE_EXAMPLES=500 for a longer hunt)
EXAMPLES = int(os.environ.get("ZMQDASH_HOSTILE_EXAMPLES", "20"))

ZMQDASH = [sys.executable, "-m", "zmqdash"]

# -- text ------------------------------------------------------------------------------------

#: pieces that make hostile strings: terminal escapes, C1, bidi, invisible characters, markup,
#: a lone surrogate's stand-in (not encodable: kept out), huge and odd unicode
PIECES = [EVIL, OSC52, "\x1b[2J", "\x9b31m", "\u202e", "\u200b", "\ufeff", "\u00ad",
          "\U000e0041", "\x00", "\x7f", "\r", "\t", "\n", "é", "✓", "🙂", "\\", '"', "'",
          "@", "@@", "hex:", "b64:", "text:", "{seq}", "{body}", "|", ",", "*", *MARKUP]

hostile_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=4,
).map("".join)
names = st.one_of(st.sampled_from(["a", "b", "s[/]", "x[bold]y"]), hostile_text)
numbers = st.one_of(st.integers(-5, 10), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                    st.sampled_from([0, 1, 2 ** 63 - 1, 2 ** 63, -(2 ** 63) - 1]))
ports = st.one_of(st.sampled_from(["*", "!", "0", "1", "65535", "65536", "99999", "²", "١٢"]),
                  # no ':' or ';' (a source address): the host stays the one given
                  hostile_text.filter(lambda t: "://" not in t and not set(t) & set(":;")))


def endpoints(tmp: str):
    return st.one_of(
        st.builds(lambda t: "inproc://" + t, hostile_text),
        st.builds(lambda t: f"ipc://{tmp}/{t.replace('/', '_')[:40]}", hostile_text),
        st.builds(lambda h, p: f"tcp://{h}:{p}", st.sampled_from(
            ["127.0.0.1", "[::1]", "localhost", "[::1", ""]), ports),
        hostile_text.filter(lambda t: "://" not in t),  # not an endpoint at all
        st.builds(lambda t: t + "://x", hostile_text.filter(  # a transport there is not
            lambda t: "://" not in t and t.strip().lower() not in TRANSPORTS)),
    )


#: socket options that are real, plus made-up names; SOCKS_PROXY (traffic elsewhere) never
OPTION_NAMES = ["linger", "sndhwm", "rcvhwm", "routing_id", "identity", "subscribe",
                "curve_secretkey", "curve_server", "plain_password", "socks_password",
                "ipv6", "immediate", "conflate", "reconnect_ivl", "maxmsgsize", "fd",
                "req_relaxed", "router_mandatory", "xpub_verbose", "lingr"]
option_names = st.one_of(st.sampled_from(OPTION_NAMES),
                         hostile_text.filter(lambda t: "socks_proxy" not in t.lower()))
scalars = st.one_of(hostile_text, numbers, st.booleans(),
                    st.floats(allow_nan=True, allow_infinity=True))
TYPES = ["REQ", "REP", "PUB", "SUB", "PUSH", "PULL", "PAIR", "ROUTER", "DEALER", "XPUB", "XSUB"]


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def socket_tables(tmp: str):
    value = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(
        hostile_text, scalars, max_size=2))
    key_values = {
        "name": st.one_of(names, value),
        "type": st.one_of(st.sampled_from(TYPES), value),
        "bind": st.one_of(st.lists(endpoints(tmp), max_size=2), value),
        "connect": st.one_of(st.lists(endpoints(tmp), max_size=2), value),
        "subscribe": st.one_of(st.lists(hostile_text, max_size=3), value),
        "format": st.one_of(st.sampled_from(["auto", "text", "hex", "json"]), value),
        "reply": st.one_of(st.lists(hostile_text, max_size=2), value),
        "snippets": st.one_of(st.lists(hostile_text, max_size=2), value),
        "options": st.one_of(st.dictionaries(option_names, scalars, max_size=3), value),
        "repeat": st.one_of(st.lists(st.fixed_dictionaries({
            "frames": st.lists(hostile_text, min_size=1, max_size=2),
            "interval_ms": numbers,
        }, optional={"count": numbers, "peer": hostile_text}), max_size=2), value),
        # a key that is not one: its name is hostile too
        "__extra__": value,
    }
    return st.fixed_dictionaries({}, optional={
        (k if k != "__extra__" else "x" + EVIL): v for k, v in key_values.items()})


def session_texts(tmp: str):
    """TOML text: written from generated tables, or such text cut short, spliced with
    garbage, or nested past any sane depth."""
    tables = st.fixed_dictionaries(
        {"version": st.one_of(st.just(1), scalars)},
        optional={"name": names, "socket": st.lists(socket_tables(tmp), max_size=3),
                  EVIL: scalars})
    written = tables.map(lambda d: tomli_w.dumps(_toml_safe(d)))
    return st.one_of(
        written,
        st.tuples(written, st.integers(0, 400)).map(lambda t: t[0][: t[1]]),
        st.tuples(written, hostile_text).map(lambda t: t[0] + t[1] + "\n"),
        st.builds(lambda depth: "version = 1\nx = " + "[" * depth + "]" * depth + "\n",
                  st.sampled_from([10, 2000, 100_000])),
        st.builds(lambda depth: tomli_w.dumps({"version": 1, "x": nested(depth)}),
                  st.sampled_from([50, 400])),
        hostile_text,
    )


def _toml_safe(value):
    """What tomli_w can write: floats' nan/inf and tables' odd keys are fine; None is not."""
    if isinstance(value, dict):
        return {str(k): _toml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value]
    return value


# -- running ---------------------------------------------------------------------------------


def run_hostile(argv: list[str], home: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """``zmqdash ARGV`` to its end: Ctrl+C if it is still going after RUN_FOR seconds (a
    session may send for ever, as asked), a failure if it is still going after that."""
    env = child_env()
    env["ZMQDASH_HOME"] = home
    env.pop("PYTHONFAULTHANDLER", None)
    proc = subprocess.Popen([*ZMQDASH, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=home)
    try:
        out, err = proc.communicate(stdin, timeout=RUN_FOR)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"zmqdash {argv!r} did not stop after Ctrl+C: "
                                 f"{decode(err)[-2000:]}") from None
        if proc.returncode == 130:  # cat's own code for Ctrl+C; it did stop cleanly
            proc.returncode = 0
    return proc.returncode, decode(out), decode(err)


def check(argv: list[str], code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (argv, code, err[-2000:])
    assert "Traceback" not in err, (argv, err[-3000:])
    bad = unsafe_chars(out + err)
    assert not bad, (argv, sorted({hex(ord(c)) for c in bad}), (out + err)[-2000:])


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_run_survives_any_session_file(data):
    with tempfile.TemporaryDirectory(prefix="zh") as home:
        text = data.draw(session_texts(home), label="session file")
        raw = text.encode("utf-8", "surrogatepass")
        if data.draw(st.booleans(), label="as bytes"):  # not UTF-8, NUL bytes, a BOM
            raw = data.draw(st.sampled_from([b"\xff\xfe", b"\x00", b"\xef\xbb\xbf", b"\x80"]),
                            label="garbage") + raw
        name = data.draw(st.sampled_from(["s.toml", EVIL.replace("/", "_") + ".toml"]),
                         label="file name")
        path = Path(home) / name
        path.write_bytes(raw)
        argv = ["run", str(path), "--timeout", "0.3"] + data.draw(
            st.sampled_from([[], ["--jsonl"], ["--count", "1"]]), label="flags")
        check(argv, *run_hostile(argv, home))


def cat_args(tmp: str):
    flag = st.one_of(
        st.tuples(st.sampled_from(["-b", "-c"]), endpoints(tmp)),
        st.tuples(st.just("-o"), st.builds(lambda k, v: f"{k}={v}", option_names, scalars)),
        st.tuples(st.just("-o"), hostile_text),
        st.tuples(st.just("-s"), hostile_text),
        st.tuples(st.just("--send"), hostile_text),
        st.tuples(st.just("--split"), hostile_text),
        st.tuples(st.just("--reply"), hostile_text),
        st.tuples(st.sampled_from(["-f", "-n", "-t"]), st.one_of(hostile_text, numbers.map(str),
                                                                    st.sampled_from(
                                                                        ["text", "jsonl",
                                                                         "hex", "none"]))),
        st.tuples(st.sampled_from(["-v", "--stats", "--stdin-codec", "--wait-peer",
                                   "--no-stdin", "--" + EVIL, EVIL])),
    )
    return st.tuples(st.one_of(st.sampled_from(TYPES), hostile_text),
                     st.lists(flag, max_size=5))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_cat_survives_any_command_line(data):
    with tempfile.TemporaryDirectory(prefix="zh") as home:
        kind, flags = data.draw(cat_args(home), label="cat arguments")
        argv = ["cat", kind] + [part for flag in flags for part in flag]
        argv = [a.replace("\x00", "") for a in argv]  # a command line cannot hold NUL
        argv += ["-t", "0.3"]  # the last -t wins: every run has a bound
        stdin = data.draw(st.one_of(st.just(b""), hostile_text.map(
            lambda t: t.encode("utf-8", "surrogatepass") + b"\n")), label="stdin")
        started = time.monotonic()
        check(argv, *run_hostile(argv, home, stdin))
        assert time.monotonic() - started < RUN_FOR + STOP_WITHIN


def test_the_generated_endpoints_stay_on_this_machine():
    # the generators are the guard: check what they can make, without running anything
    @settings(max_examples=300, deadline=None, database=None)
    @given(endpoints("/tmp/x"))
    def only_local(ep):
        if ep.strip().lower().startswith("tcp://"):  # the host as the endpoint parser sees it
            address = ep.strip()[len("tcp://"):]
            host = address.split(";", 1)[-1].rpartition(":")[0]
            assert host in ("127.0.0.1", "[::1]", "localhost", "[::1", ""), ep
        transport = ep.split("://", 1)[0].strip().lower() if "://" in ep else ""
        assert transport in ("", "tcp", "ipc", "inproc") or transport not in TRANSPORTS, ep

    only_local()
    assert "socks_proxy" not in OPTION_NAMES
    assert os.environ.get("ZMQDASH_SSH") is None
