"""The engine's minute of per-second counters, on every socket and device."""

from __future__ import annotations

from conftest import create, wait_received, wait_until

from zmqdash.engine import commands as C
from zmqdash.engine.rates import WINDOW, Rates


def test_each_second_of_a_socket_is_counted(engine) -> None:
    create(engine, "sink", "PULL")
    real = engine.call(C.Bind("sink", "tcp://127.0.0.1:*"))
    create(engine, "vent", "PUSH")
    engine.call(C.Connect("vent", real))
    for _ in range(50):
        engine.call(C.Send("vent", (b"x" * 10,)))
    wait_received(engine, "sink", 50)
    sink, vent = engine.view("sink"), engine.view("vent")
    wait_until(engine, lambda: sink.rates is not None and sum(sink.rates.msgs_in) == 50,
               what="the second that counted the messages")
    assert len(sink.rates.msgs_in) == WINDOW and sum(sink.rates.bytes_in) == 500
    assert sum(sink.rates.msgs_out) == 0
    wait_until(engine, lambda: vent.rates is not None and sum(vent.rates.msgs_out) == 50)
    assert sum(vent.rates.bytes_out) == 500
    # a quiet second later, the newest second is empty and the total still there
    seconds = sink.rates.seconds
    wait_until(engine, lambda: sink.rates.seconds > seconds + 1, what="two more seconds")
    assert sink.rates.rate_in == 0 and sum(sink.rates.msgs_in) == 50


def test_a_device_is_counted_per_direction(engine) -> None:
    from zmqdash.engine.devices import commands as D

    engine.call(D.DeviceCreate("pipe", "streamer", frontend=("@inproc://f",),
                               backend=("@inproc://b",)))
    create(engine, "src", "PUSH")
    engine.call(C.Connect("src", "inproc://f"))
    create(engine, "dst", "PULL")
    engine.call(C.Connect("dst", "inproc://b"))
    for _ in range(7):
        engine.call(C.Send("src", (b"abc",)))
    wait_received(engine, "dst", 7)
    device = engine.devices()["pipe"]
    wait_until(engine, lambda: device.rates is not None and sum(device.rates.msgs_in) == 7,
               what="the device's second")
    assert sum(device.rates.bytes_in) == 21 and sum(device.rates.msgs_out) == 0


def test_rates_add_a_second() -> None:
    r = Rates().after((5, 1, 50, 10), (0, 0, 0, 0)).after((5, 3, 50, 30), (5, 1, 50, 10))
    assert r.msgs_in[-2:] == (5, 0) and r.msgs_out[-2:] == (1, 2)
    assert r.rate_in == 0 and r.rate_out == 2 and r.bytes_rate == 20 and r.seconds == 2
    assert r.total()[-2:] == (6, 2)
