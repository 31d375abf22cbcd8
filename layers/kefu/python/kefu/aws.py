"""boto3 clients, created once per process and injectable for tests.

Endpoints come from the standard AWS configuration (AWS_ENDPOINT_URL locally), never from code.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_lock = threading.Lock()
_clients: dict[str, Any] = {}

# Lambda retries the whole invocation; inside it, fail fast with a couple of standard retries.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


def client(service: str) -> Any:
    with _lock:
        if service not in _clients:
            _clients[service] = boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]
        return _clients[service]


def set_client(service: str, value: Any) -> None:
    """Inject a client (tests, the local cloud)."""
    with _lock:
        _clients[service] = value


def created_services() -> frozenset[str]:
    """The services this process has a client for (tests that count requests check none was missed)."""
    with _lock:
        return frozenset(_clients)


def reset_clients() -> None:
    with _lock:
        _clients.clear()
