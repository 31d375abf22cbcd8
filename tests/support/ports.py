"""Ports for a local cloud that a test starts as a process of its own (``python -m local --port ...``).

The cloud binds the ports it is given seconds after the test picked them, and meanwhile the cloud itself and
everything else on the machine takes ports from the kernel's ephemeral range: every ``bind(("", 0))`` (the
cloud's Runtime API and Lambda API servers, other tests' emulators) and the source port of every outgoing
connection (thousands a minute under the e2e suites, each emulator request a new connection). A port picked
there with ``bind(0)`` was once taken in between, so the demo order system could not start and its port
answered with another server's 500. Ports are picked below that range, where only explicit binds go, each
checked free and never handed out twice by this process."""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10_000  # below: the well-known and registered services a developer's machine may run
_handed_out: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, outside the kernel's ephemeral range."""
    candidates = list(range(LOWEST, max(LOWEST + 1000, _ephemeral_start())))
    random.shuffle(candidates)
    for port in candidates:
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port between {LOWEST} and {_ephemeral_start()}")
