"""The ports the e2e suites give their local clouds are free, never the same twice, and outside the range the
kernel hands out to ``bind(0)`` and to outgoing connections (which could take one before the cloud binds it)."""

from __future__ import annotations

import socket

import pytest

from tests.support import ports
from tests.support.ports import _ephemeral_start, free_port


def test_ports_are_free_distinct_and_below_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(10_000 <= port < _ephemeral_start() for port in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[0]))  # free indeed


def test_a_port_in_use_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    taken, port = _listening_below_the_ephemeral_range()
    with taken:

        def busy_port_first(candidates: list[int]) -> None:  # the port in use is the first one tried
            candidates.sort(key=lambda candidate: candidate != port)

        monkeypatch.setattr(ports.random, "shuffle", busy_port_first)
        handed_out = free_port()
        assert handed_out != port and handed_out < _ephemeral_start()


def _listening_below_the_ephemeral_range() -> tuple[socket.socket, int]:
    for port in range(20_000, _ephemeral_start()):
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen()
        return sock, port
    raise AssertionError("no port to listen on")
