"""Ports picked for services started on the fly stay out of the kernel's ephemeral range."""
from __future__ import annotations

import socket

from bot.ops import ports


def test_ports_lie_below_the_ephemeral_range_are_free_and_never_repeat():
    picked = [ports.free_port() for _ in range(50)]
    assert len(set(picked)) == 50
    assert all(port < ports._ephemeral_start() for port in picked)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", picked[-1]))  # nothing holds it


def test_a_port_someone_listens_on_is_never_picked(monkeypatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        taken = held.getsockname()[1]
        held.listen()
        spare = ports.free_port()
        choices = iter([taken, taken, spare])
        monkeypatch.setattr(ports.random, "randrange", lambda low, high: next(choices))
        monkeypatch.setattr(ports, "_handed_out", set())
        assert ports.free_port() == spare
