"""Free loopback ports for services started on the fly (tests, benchmarks, local stacks).

A port from ``bind(("127.0.0.1", 0))`` lies in the kernel's ephemeral range, the range it also
draws from for *outgoing* connections. Between the moment such a port is picked and the moment the
service binds it (a Rasa server takes half a minute to load its model), any client socket may be
given the same port, and the service then fails to start. Ports below that range are never handed
out by the kernel, so only another listener can take them.
"""
from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000
_handed_out: set[int] = set()
_lock = threading.Lock()


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now, outside the ephemeral range.

    Never the same port twice in one process, so services started together cannot collide.
    """
    high = _ephemeral_start()
    low = _LOWEST if high - _LOWEST > 1000 else 1024
    with _lock:
        for _ in range(200):
            port = random.randrange(low, high)
            if port in _handed_out:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # a crowded machine: take any
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
