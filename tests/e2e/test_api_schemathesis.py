"""Schemathesis against the local cloud's own schema, as each role: no 5xx, and every answer is one the schema
documents (status code, content type, body). Bounded examples per operation keep a run to about a minute."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local.seed import DEMO_PASSWORD

ROLES = {"admin": "admin@example.com", "supervisor": "supervisor@example.com", "agent": "agent1@example.com"}
# Per operation and role: 15 operations x 3 roles x 15 is about 700 requests, half a minute here.
MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def tokens(local_cloud: Any) -> dict[str, str]:
    return {role: local_cloud.login(email, DEMO_PASSWORD) for role, email in ROLES.items()}


@pytest.fixture(scope="module")
def raw_schema(local_cloud: Any, tokens: dict[str, str]) -> dict[str, Any]:
    answer = httpx.get(
        f"{local_cloud.url}/api/v1/openapi.json", headers={"Authorization": f"Bearer {tokens['agent']}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    schema: dict[str, Any] = answer.json()
    return schema


def test_the_schema_needs_a_token(local_cloud: Any) -> None:
    answer = httpx.get(f"{local_cloud.url}/api/v1/openapi.json", timeout=30)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}


def test_the_schema_documents_errors_security_and_limits(raw_schema: dict[str, Any]) -> None:
    assert raw_schema["components"]["securitySchemes"]["cognito"]["scheme"] == "bearer"
    assert raw_schema["security"] == [{"cognito": []}]
    operations = [(path, method, op) for path, ops in raw_schema["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 10
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert "422" not in codes, (method, path)
        assert {"400", "401", "403", "404"} <= codes, (method, path)
        assert codes & {"200", "201"}, (method, path)
        if "requestBody" in operation:
            assert {"413", "415"} <= codes, (method, path)
            assert operation["requestBody"]["x-kefu-max-bytes"] > 0
    created = {(p, m) for p, m, op in operations if "201" in op["responses"]}
    assert ("/api/v1/tickets/{ticket_id}/messages", "post") in created
    assert ("/api/v1/admin/inboxes", "post") in created


@pytest.mark.parametrize("role", list(ROLES))
def test_no_server_error_and_every_answer_documented(
    local_cloud: Any, tokens: dict[str, str], raw_schema: dict[str, Any], role: str
) -> None:
    schema = schemathesis.openapi.from_dict(raw_schema)
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"the schema does not load: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same examples every run: a failure reproduces, a pass stays a pass
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            case.call_and_validate(base_url=local_cloud.url, headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as failure:  # every failing operation is reported, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert operations >= 10
    assert not failures, "\n\n".join(failures)
    assert httpx.get(f"{local_cloud.url}/healthz", timeout=10).json() == {"status": "ok"}
