"""Channel end-to-end fixtures: one FakeProvider for the session, the admin and agent APIs over HTTP, and
inboxes created through ``POST /api/v1/admin/inboxes`` pointing their ``api_base`` at the FakeProvider.

Everything goes over HTTP to the session's ``local_cloud`` (tests/e2e/conftest.py); nothing reads the table.
The API helpers live in the test module (conftest modules are not imported by tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.providers import FakeProvider

PASSWORD = "Kefu-demo-1"


@pytest.fixture(scope="session")
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture(scope="session")
def http(local_cloud: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=20.0) as client:
        yield client


@pytest.fixture(scope="session")
def admin_token(local_cloud: Any) -> str:
    return str(local_cloud.login("admin@example.com", PASSWORD))


@pytest.fixture(scope="session")
def agent_token(local_cloud: Any) -> str:
    # a supervisor (also in the agent group); every role reads customers' phone and email identities masked
    # (tests/integration/test_customers.py covers the masking and the audited reveal)
    return str(local_cloud.login("supervisor@example.com", PASSWORD))


@pytest.fixture(scope="session")
def run_id() -> str:
    """Inbox ids unique to this session, so a re-run against a kept state never meets old inboxes."""
    return uuid.uuid4().hex[:6]
