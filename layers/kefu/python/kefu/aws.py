"""boto3 clients, created once per process from one session, and injectable for tests.

Endpoints come from the standard AWS configuration (AWS_ENDPOINT_URL locally), never from code. One session
for all of a process's clients: a session loads botocore's endpoint rules and partitions for itself, so a client
made from a session of its own cost ~100 ms of CPU against ~15 ms for the next client of a shared one (the first
invocations of a cold container make them). A session is not thread-safe; clients are made under the lock.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_sessions: list[boto3.session.Session] = []

# Lambda retries the whole invocation; inside it, fail fast with a couple of standard retries.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


def client(service: str) -> Any:
    with _lock:
        if service not in _clients:
            _clients[service] = _session().client(service, config=_CONFIG)  # type: ignore[call-overload]
        return _clients[service]


def new_client(service: str, **options: Any) -> Any:
    """A client with options of its own (an endpoint, a signature version), from the process's session; the
    caller keeps it."""
    with _lock:
        return _session().client(service, **options)  # type: ignore[call-overload]


def region() -> str | None:
    with _lock:
        return _session().region_name


def credentials() -> Any:
    """The process's credentials (botocore's, refreshed by it where they expire)."""
    with _lock:
        return _session().get_credentials()


def _session() -> boto3.session.Session:
    if not _sessions:
        _sessions.append(boto3.session.Session())
    return _sessions[0]


def set_client(service: str, value: Any) -> None:
    """Inject a client (tests, the local cloud)."""
    with _lock:
        _clients[service] = value


def created_services() -> frozenset[str]:
    """The services this process has a client for (tests that count requests check none was missed)."""
    with _lock:
        return frozenset(_clients)


def reset_clients() -> None:
    """Forget every client and the session (a test that changed the environment gets new credentials)."""
    with _lock:
        _clients.clear()
        _sessions.clear()
