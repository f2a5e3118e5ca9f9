"""Every number a user gives is read as ASCII digits and checked against a range, wherever it is
typed: a bad one is a one-line message (exit 2 on the command line), never a traceback or a
dead engine."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import child_env, run_cat
from textual.widgets import Input
from ui_support import run_async, wait_for

from zmqdash.engine import EngineError, endpoints, limits, options
from zmqdash.engine import commands as C
from zmqdash.session import SessionError
from zmqdash.session.format import parse_toml
from zmqdash.ui.app import make_app
from zmqdash.ui.screens.add_socket import AddSocketScreen
from zmqdash.ui.screens.repeat import RepeatScreen

#: digits that Python's int() and str.isdigit() accept but a port is not written in
FOREIGN_DIGITS = ["²", "٥٥٥٥", "５５５５", "߅", "𝟓𝟓"]


def one_line(text: bytes) -> str:
    lines = text.decode("utf-8").splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# -- ports --------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", FOREIGN_DIGITS + ["0", "65536", "99999999999999999999", "-1",
                                                   "+5", " 5", "0x10", "1_000"])
def test_a_port_is_ascii_digits_in_range(port):
    for bind in (True, False):
        with pytest.raises(EngineError, match="port must be a number from 1 to 65535"):
            endpoints.parse(f"tcp://127.0.0.1:{port}", bind=bind)


def test_a_port_with_foreign_digits_never_reaches_libzmq(engine):
    engine.call(C.Create("a", "PULL"))
    for port in FOREIGN_DIGITS:
        with pytest.raises(EngineError, match="port must be a number"):
            engine.call(C.Bind("a", f"tcp://127.0.0.1:{port}"))
        with pytest.raises(EngineError, match="port must be a number"):
            engine.call(C.Connect("a", f"tcp://127.0.0.1:{port}"))
    assert engine.running and engine.view("a").endpoints == ()


@pytest.mark.parametrize("port", FOREIGN_DIGITS[:2])
def test_cat_refuses_a_port_in_foreign_digits_as_a_usage_error(port):
    done = run_cat("PULL", "-b", f"tcp://127.0.0.1:{port}", "--no-stdin")
    assert done.returncode == 2
    assert "port must be a number from 1 to 65535" in one_line(done.stderr)


def test_a_session_file_with_a_foreign_digit_port_is_refused():
    text = 'version = 1\n[[socket]]\nname = "a"\ntype = "PULL"\nbind = ["tcp://127.0.0.1:٥٥"]\n'
    with pytest.raises(SessionError, match=r"socket\[0\]\.bind\[0\]: .*port must be a number"):
        parse_toml(text, "s")


@run_async
async def test_the_add_socket_dialog_says_what_is_wrong_with_the_port(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddSocketScreen), what="dialog")
        dialog = app.screen
        for port in ("²", "٥٥٥٥"):
            dialog.query_one("#bind", Input).value = f"tcp://127.0.0.1:{port}"
            await pilot.press("ctrl+s")
            assert app.screen is dialog
            assert "port must be a number" in str(dialog.query_one("#add-error").render())
        await pilot.press("escape")
        assert app.is_running


# -- socket options -----------------------------------------------------------------------------


@pytest.mark.parametrize("option, value, problem", [
    ("rcvhwm", "99999999999999999999999", "must be at most 2147483647"),
    ("rcvhwm", "-99999999999999999999999", "must be at least -2147483648"),
    ("rcvhwm", 1 << 40, "must be at most 2147483647"),
    ("maxmsgsize", str(1 << 64), "must be at most 9223372036854775807"),
    ("rcvhwm", "٥", "takes a whole number"),
    ("linger", "1e3", "takes a whole number"),
])
def test_option_values_are_checked_against_the_options_c_type(option, value, problem):
    with pytest.raises(options.OptionError, match=problem):
        options.option_value(options.option(option), value)


def test_option_values_in_hex_and_with_underscores_still_read():
    assert options.option_value(options.option("sndhwm"), "0x10") == 16
    assert options.option_value(options.option("sndhwm"), "1_000") == 1000
    assert options.option_value(options.option("maxmsgsize"), str((1 << 63) - 1)) == (1 << 63) - 1


def test_a_huge_option_value_at_create_is_an_error_not_a_crash(engine):
    with pytest.raises(EngineError, match="must be at most 2147483647"):
        engine.call(C.Create("a", "PULL", options=(("rcvhwm", "9" * 30),)))
    with pytest.raises(EngineError, match="must be at most 2147483647"):
        engine.call(C.Create("a", "PULL", options=(("rcvhwm", 9 ** 30),)))
    engine.call(C.Create("a", "PULL"))
    with pytest.raises(EngineError, match="must be at most 2147483647"):
        engine.call(C.SetOption("a", "rcvhwm", "9" * 30))
    assert engine.running


@pytest.mark.parametrize("args, problem", [
    (["-o", "rcvhwm=99999999999999999999999"], "option rcvhwm must be at most 2147483647"),
    (["-o", "rcvhwm=-1"], "option rcvhwm: -1 is not accepted for a PULL socket"),
    (["-o", "rcvhwm=٣"], "option rcvhwm takes a whole number"),
    (["-n", "abc"], "argument -n/--count: must be a whole number, not 'abc'"),
    (["-n", "0"], "argument -n/--count: must be at least 1, not 0"),
    (["-n", "٣"], "argument -n/--count: must be a whole number"),
    (["-n", "9" * 40], "argument -n/--count: must be at most 9223372036854775807"),
    (["-t", "1e300"], "argument -t/--timeout: must be a number of seconds above 0"),
    (["-t", "inf"], "argument -t/--timeout: must be a number of seconds above 0"),
    (["-t", "nan"], "argument -t/--timeout: must be a number of seconds above 0"),
    (["-t", "-1"], "argument -t/--timeout: must be a number of seconds above 0"),
    (["-t", "٣"], "argument -t/--timeout: must be a number of seconds above 0"),
])
def test_cat_number_mistakes_are_usage_errors(args, problem):
    done = run_cat("PULL", "-b", "tcp://127.0.0.1:*", "--no-stdin", *args)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert problem in line and "Error" not in line and "_positive" not in line


@pytest.mark.parametrize("args, problem", [
    (["--count", "abc"], "argument --count: must be a whole number"),
    (["--count", "9" * 40], "argument --count: must be at most"),
    (["--timeout", "1e300"], "argument --timeout: must be a number of seconds above 0"),
])
def test_run_number_mistakes_are_usage_errors(args, problem):
    done = subprocess.run([sys.executable, "-m", "zmqdash", "run", "demo", *args],
                          capture_output=True, timeout=20, env=child_env())
    assert done.returncode == 2
    assert problem in one_line(done.stderr)


# -- repeat-send intervals and counts -----------------------------------------------------------


@pytest.mark.parametrize("interval, count, problem", [
    ((1 << 63) - 1, None, "the interval \\(ms\\) must be at most 2147483647"),
    (10 ** 20, None, "the interval \\(ms\\) must be at most"),
    (10, 1 << 64, "the count must be at most 9223372036854775807"),
    (True, None, "must be a whole number"),
])
def test_the_engine_refuses_intervals_and_counts_out_of_range(engine, interval, count, problem):
    engine.call(C.Create("p", "PUSH"))
    with pytest.raises(EngineError, match=problem):
        engine.call(C.RepeatStart("p", ("x",), interval_ms=interval, count=count))
    # and goes on serving
    assert engine.call(C.RepeatStart("p", ("x",), interval_ms=limits.INTERVAL_MS[1])) > 0
    assert engine.running


def test_a_session_with_a_huge_interval_is_refused_before_anything_runs(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text('version = 1\n[[socket]]\nname = "a"\ntype = "PUSH"\n'
                    'bind = ["tcp://127.0.0.1:*"]\n[[socket.repeat]]\nframes = ["x"]\n'
                    "interval_ms = 9223372036854775807\n")
    done = subprocess.run([sys.executable, "-m", "zmqdash", "run", str(path), "--timeout", "1"],
                          capture_output=True, timeout=20, env=child_env())
    assert done.returncode == 1
    assert one_line(done.stderr).endswith(
        "socket[0].repeat[0].interval_ms: the interval (ms) must be at most 2147483647, "
        "not 9223372036854775807")
    assert b"engine" not in done.stderr


@run_async
async def test_the_repeat_dialog_refuses_a_huge_interval_or_count(tmp_path, monkeypatch):
    monkeypatch.setenv("ZMQDASH_HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(RepeatScreen("p", "tick {seq}"))
        await pilot.pause()
        dialog = app.screen
        for interval, count, problem in [
            ("99999999999999999999", "", "The interval (ms) must be at most 2147483647"),
            ("٣", "", "The interval (ms) must be a whole number"),
            ("10", "99999999999999999999", "The count must be at most 9223372036854775807"),
            ("10", "-3", "The count must be at least 1"),
        ]:
            dialog.query_one("#interval", Input).value = interval
            dialog.query_one("#count", Input).value = count
            await pilot.press("ctrl+s")
            assert app.screen is dialog
            assert problem in str(dialog.query_one("#repeat-error").render())
        assert app.is_running


# -- separators and nesting ---------------------------------------------------------------------


@pytest.mark.parametrize("sep", ["\\", "", "a\\b"])
def test_a_bad_split_separator_is_a_usage_error(sep):
    done = run_cat("REP", "-b", "tcp://127.0.0.1:*", "--reply", "a|b", "--split", sep)
    assert done.returncode == 2
    assert one_line(done.stderr) == ("zmqdash cat: --split: the frame separator must be "
                                     "non-empty and without a backslash")


def test_a_bad_reply_template_is_a_usage_error():
    done = run_cat("REP", "-b", "tcp://127.0.0.1:*", "--reply", "hex:zz")
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("zmqdash cat: --reply: hex: invalid character")


@pytest.mark.parametrize("nested", [
    "x = " + "[" * 5000 + "]" * 5000,
    "x = " + "{a=" * 5000 + "1" + "}" * 5000,
    "[[socket]]\nname = 'a'\ntype = 'PUB'\n[socket.options]\nx = " + "[" * 3000 + "]" * 3000,
])
def test_deeply_nested_toml_is_refused_with_a_message(tmp_path, nested):
    path = tmp_path / "deep.toml"
    path.write_text("version = 1\n" + nested + "\n")
    done = subprocess.run([sys.executable, "-m", "zmqdash", "run", str(path)],
                          capture_output=True, timeout=20, env=child_env())
    assert done.returncode == 1
    assert one_line(done.stderr) == (f"zmqdash run: {path}: not a session: arrays or tables "
                                     "nested too deeply")
