"""Multicast endpoints checked before libzmq sees them, on every install: the form (interface
as an IP, a group in 224.0.0.0/4, a port), the socket types, and where multicast is missing,
how to get it. Nothing here joins a group (see test_multicast.py, in namespaces, for that).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CAT, REPO, child_env

from zmqdash.engine import EngineError, capabilities, endpoints, multicast
from zmqdash.engine import commands as C
from zmqdash.session import SessionError, parse_toml

HAS_MULTICAST = capabilities.has("pgm") and capabilities.has("norm")
G = "239.192.1.1"


@pytest.mark.parametrize("endpoint, problem", [
    (f"epgm://{G}:5555", "give the interface's address before the group: "
                         f"epgm://127.0.0.1;{G}:5555"),
    (f"norm://{G}:5555", "give the interface's address before the group"),
    (f"epgm://;{G}:5555", "the interface is missing before ';'"),
    (f"epgm://lo;{G}:5555", "OpenPGM cannot use an interface name ('lo': it fails with "
                            f"'invalid argument'); give the interface's IPv4 address: "
                            f"epgm://127.0.0.1;{G}:5555 (lo has 127.0.0.1)"),
    (f"pgm://no-such-if;{G}:5555", f"give the interface's IPv4 address: "
                                   f"pgm://127.0.0.1;{G}:5555"),
    ("epgm://127.0.0.1;10.0.0.1:5555", "10.0.0.1 is not a multicast group: use one in "
                                       "224.0.0.0/4"),
    ("epgm://127.0.0.1;example.com:5555", "the group must be an IPv4 multicast address"),
    ("epgm://127.0.0.1;[ff02::1]:5555", "IPv6 multicast does not work through libzmq here"),
    (f"epgm://::1;{G}:5555", "give the interface's IPv4 address"),
    (f"epgm://127.0.0.1;{G}", "epgm needs a group and a port after the interface"),
    (f"epgm://127.0.0.1;{G}:", "the port must be a number from 1 to 65535"),
    (f"epgm://127.0.0.1;{G}:0", "the port must be a number from 1 to 65535"),
    (f"epgm://127.0.0.1;{G}:70000", "the port must be a number from 1 to 65535"),
    (f"epgm://127.0.0.1;{G}:x1", "the port must be a number from 1 to 65535"),
    (f"epgm://127.0.0.1;{G};239.192.1.2:5555", "one interface and one group"),
    (f"norm://x,127.0.0.1;{G}:5555", "a NORM node id (before the comma) is a number, not 'x'"),
])
@pytest.mark.parametrize("bind", [True, False])
def test_the_form_is_checked_first(endpoint, problem, bind):
    verb = "bind" if bind else "connect"
    with pytest.raises(EngineError) as err:
        endpoints.parse(endpoint, bind=bind, socket_type="SUB")
    assert str(err.value).startswith(f"{verb} {endpoint}: ")
    assert problem in str(err.value)


@pytest.mark.parametrize("socket_type", ["REQ", "REP", "PUSH", "PULL", "PAIR", "ROUTER",
                                         "DEALER"])
@pytest.mark.parametrize("transport", ["pgm", "epgm", "norm"])
def test_only_pub_sub_xpub_xsub_may_use_multicast(transport, socket_type):
    endpoint = f"{transport}://127.0.0.1;{G}:5555"
    with pytest.raises(EngineError) as err:
        endpoints.parse(endpoint, bind=False, socket_type=socket_type)
    assert str(err.value) == (f"connect {endpoint}: {transport} is multicast, for PUB, SUB, "
                              f"XPUB and XSUB sockets only (not {socket_type})")


@pytest.mark.parametrize("endpoint", [f"epgm://127.0.0.1;{G}:5555", f"pgm://127.0.0.1;{G}:1",
                                      f"norm://lo;{G}:65535", f"norm://7,127.0.0.1;{G}:5555"])
@pytest.mark.parametrize("socket_type", ["PUB", "SUB", "XPUB", "XSUB"])
def test_a_good_endpoint_passes_where_multicast_is_built_in(endpoint, socket_type):
    if not HAS_MULTICAST:
        with pytest.raises(EngineError, match="this libzmq has no"):
            endpoints.parse(endpoint, bind=True, socket_type=socket_type)
        return
    ep = endpoints.parse(endpoint, bind=True, socket_type=socket_type)
    assert ep.multicast and ep.group.group == G and not ep.needs_dns and not ep.wildcard


@pytest.mark.skipif(HAS_MULTICAST, reason="this libzmq has multicast")
@pytest.mark.parametrize("transport", ["pgm", "epgm", "norm"])
def test_where_multicast_is_missing_the_message_says_how_to_get_it(engine, transport):
    engine.call(C.Create("pub", "PUB"))
    endpoint = f"{transport}://127.0.0.1;{G}:5555"
    with pytest.raises(EngineError) as err:
        engine.call(C.Connect("pub", endpoint))
    text = str(err.value)
    assert text.startswith(f"connect {endpoint}: this libzmq has no {transport}: ")
    if capabilities.libzmq_origin() == "bundled":
        assert ("(README: Multicast): sudo apt-get install -y libzmq3-dev && "
                "PYZMQ_NO_BUNDLE=1") in text
        assert text.endswith("-m pip install --force-reinstall --no-deps --no-cache-dir "
                             "--no-binary pyzmq pyzmq")
    assert engine.view("pub").endpoints == ()  # nothing was attempted


@pytest.mark.skipif(HAS_MULTICAST, reason="this libzmq has multicast")
def test_cat_says_how_to_get_multicast_and_exits_2():
    import subprocess

    done = subprocess.run([*CAT, "SUB", "-c", f"epgm://127.0.0.1;{G}:5555"],
                          capture_output=True, text=True, timeout=30, env=child_env())
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"zmqdash cat: connect epgm://127.0.0.1;{G}:5555: this libzmq has "
                           "no epgm: ") and "PYZMQ_NO_BUNDLE=1" in line


def test_a_session_file_names_the_key_of_a_wrong_multicast_endpoint():
    text = f'version = 1\n[[socket]]\nname = "r"\ntype = "REQ"\nconnect = ["epgm://127.0.0.1;{G}:5555"]\n'
    with pytest.raises(SessionError) as err:
        parse_toml(text, "lab")
    assert "socket[0].connect[0]" in str(err.value)
    assert "epgm is multicast, for PUB, SUB, XPUB and XSUB sockets only (not REQ)" in str(
        err.value)


def test_the_rate_shown_and_the_pace_estimated():
    assert multicast.describe("epgm", 100, 10_000) == ("rate 100 kbit/s (default) · "
                                                       "recovery_ivl 10 s")
    assert multicast.describe("pgm", 25_000, 2_500) == ("rate 25,000 kbit/s · recovery_ivl "
                                                        "2500 ms")
    assert "rate does not apply" in multicast.describe("norm", 100, 10_000)
    pace = multicast.Pace("epgm", 100)  # 12,500 bytes a second
    hints = [pace.sent(1250, now=50.0) for _ in range(10)]  # one second's worth, at once
    assert hints[:9] == [""] * 9 and hints[9].startswith(
        "sending faster than epgm's rate of 100 kbit/s (the default): about 1 s")
    assert pace.until == pytest.approx(51.0)
    assert pace.sent(1250, now=50.5) == ""  # still queued: said once
    assert pace.sent(100, now=60.0) == ""  # the queue drained ...
    assert pace.until == pytest.approx(60.008)
    assert pace.sent(12_500, now=60.0).startswith("sending faster")  # ... so it is said again
    assert multicast.Pace("epgm", 100).slower("pgm", 50).rate == 50


def test_the_readme_and_ci_run_the_one_multicast_command():
    readme = (REPO / "README.md").read_text()
    assert capabilities.MULTICAST_COMMAND in readme
    ci = Path(REPO / ".ci" / "run").read_text()
    assert capabilities.PIP_COMMAND.replace(".venv/", ".venv-mcast/") in ci
    assert "libzmq3-dev" in ci


def test_the_add_socket_dialog_splits_endpoints_but_not_a_norm_node_id():
    from zmqdash.ui.screens.add_socket import split_list

    assert split_list(f"norm://7,127.0.0.1;{G}:5555, epgm://127.0.0.1;{G}:5556,") == [
        f"norm://7,127.0.0.1;{G}:5555", f"epgm://127.0.0.1;{G}:5556"]
    assert split_list("tcp://a:1,tcp://b:2 ipc:///x") == ["tcp://a:1", "tcp://b:2", "ipc:///x"]


def test_cat_wait_peer_over_multicast_is_a_usage_error():
    import subprocess

    done = subprocess.run([*CAT, "PUB", "-c", f"epgm://127.0.0.1;{G}:5555", "--wait-peer"],
                          capture_output=True, text=True, timeout=30, env=child_env())
    assert done.returncode == 2, done.stderr
    assert "--wait-peer cannot work over multicast" in done.stderr or (
        not HAS_MULTICAST and "this libzmq has no epgm" in done.stderr)
