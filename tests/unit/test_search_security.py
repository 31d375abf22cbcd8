"""The search domain's roles and mappings (kefu.knowledge.security) and the custom resource's handler.

osmem-server (the local OpenSearch-compatible server) has no security plugin: every ``_plugins/_security``
request gets its 400 "no handler found". Against it the handler is tested end to end for what it can show:
it sends its requests signed with SigV4 through opensearch-py, and a refusal becomes a FAILED answer to
CloudFormation (at a real loopback response URL) naming the request and the server's reason, never a hang.
The request building (paths, bodies, order), idempotency and the harmless delete are tested against a
loopback server that keeps roles and mappings as the security REST API does (create or replace on PUT, 404 on
deleting what is not there); docs/local-cloud.md names the gap.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.credentials import Credentials
from osmem_server import OsmemServer
from search_security.handler import grants_of, handle, respond

from kefu.knowledge import security
from kefu.knowledge.search import connect

READER = "arn:aws:iam::123456789012:role/Kefu-BotFunctionRole"
WRITERS = [
    "arn:aws:iam::123456789012:role/Kefu-StreamFunctionRole",
    "arn:aws:iam::123456789012:role/Kefu-AgentApiFunctionRole",
]
CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "token")


def properties(**extra: Any) -> dict[str, Any]:
    return {
        "Endpoint": "",
        "Region": "us-east-1",
        "MasterRoleArn": "arn:aws:iam::123456789012:role/SearchAdminRole",
        "IndexPattern": "kefu-kb*",
        "ReaderRoleArns": [READER],
        "WriterRoleArns": WRITERS,
        **extra,
    }


class Loopback:
    """A real HTTP server on 127.0.0.1: answers with ``answer(method, path, body)`` and records each request."""

    def __init__(self, answer: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw.strip().startswith(b"{") else raw.decode()
                outer.requests.append(
                    {"method": self.command, "path": self.path, "body": body, "headers": dict(self.headers)}
                )
                status, reply = answer(self.command, self.path, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_POST = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SecurityApi:
    """What the security plugin keeps: roles and mappings by name, PUT creates or replaces, DELETE 404s when
    there is nothing."""

    def __init__(self) -> None:
        self.state: dict[str, dict[str, Any]] = {}

    def __call__(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if not path.startswith(security.API + "/"):
            return 400, {"error": "not the security API"}
        key = path.removeprefix(security.API + "/")
        if method == "PUT":
            created = key not in self.state
            self.state[key] = body
            return (201 if created else 200), {"status": "CREATED" if created else "OK"}
        if method == "DELETE":
            if self.state.pop(key, None) is None:
                return 404, {"status": "NOT_FOUND", "message": f"{key} not found."}
            return 200, {"status": "OK"}
        return 405, {}


@pytest.fixture
def api() -> Iterator[tuple[Loopback, SecurityApi]]:
    plugin = SecurityApi()
    server = Loopback(plugin)
    yield server, plugin
    server.close()


@pytest.fixture
def cloudformation() -> Iterator[Loopback]:
    server = Loopback(lambda method, path, body: (200, {}))  # the presigned S3 URL CloudFormation waits on
    yield server
    server.close()


def event(kind: str, response_url: str, **props: Any) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": f"{response_url}/cfn-response?X-Amz-Signature=abc",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Kefu/1",
        "RequestId": "req-1",
        "LogicalResourceId": "KnowledgeSearchSecurity",
        "ResourceType": "Custom::KefuSearchSecurity",
        "ResourceProperties": properties(**props),
    }


def test_the_roles_are_least_privilege_on_the_knowledge_base_only() -> None:
    bodies = security.role_bodies("kefu-kb*")
    read, write = bodies[security.READ_ROLE], bodies[security.WRITE_ROLE]
    assert read["index_permissions"] == [{"index_patterns": ["kefu-kb*"], "allowed_actions": ["read"]}]
    assert read["cluster_permissions"] == ["cluster_composite_ops_ro"]
    assert write["index_permissions"][0]["index_patterns"] == ["kefu-kb*"]
    every = json.dumps(bodies)
    for too_much in ("all_access", "cluster_all", "indices_all", '"*"', "manage_security", "kibana"):
        assert too_much not in every


def test_roles_come_before_the_mappings_that_name_them() -> None:
    grants = grants_of(properties())
    paths = [(m, p) for m, p, _ in security.requests_to_apply(grants)]
    assert paths == [
        ("PUT", "/_plugins/_security/api/roles/kefu_kb_read"),
        ("PUT", "/_plugins/_security/api/roles/kefu_kb_write"),
        ("PUT", "/_plugins/_security/api/rolesmapping/kefu_kb_read"),
        ("PUT", "/_plugins/_security/api/rolesmapping/kefu_kb_write"),
    ]
    mappings = security.mapping_bodies(grants)
    assert mappings["kefu_kb_read"]["backend_roles"] == [READER]
    assert mappings["kefu_kb_write"]["backend_roles"] == sorted(WRITERS)


@pytest.mark.parametrize(
    "bad",
    [{"ReaderRoleArns": "arn:aws:iam::1:role/x"}, {"WriterRoleArns": ["not-an-arn"]}, {"IndexPattern": "a*,b*"}],
)
def test_bad_properties_fail_with_a_reason(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        grants_of(properties(**bad))


def test_create_then_update_are_idempotent_and_signed(api: tuple[Loopback, SecurityApi]) -> None:
    server, plugin = api
    client = connect(server.url, "us-east-1", CREDENTIALS)
    assert handle(event("Create", "http://unused"), lambda p: client)[0] == "SUCCESS"
    first = json.loads(json.dumps(plugin.state))
    assert set(first) == {
        "roles/kefu_kb_read",
        "roles/kefu_kb_write",
        "rolesmapping/kefu_kb_read",
        "rolesmapping/kefu_kb_write",
    }
    assert all(r["headers"].get("Authorization", "").startswith("AWS4-HMAC-SHA256") for r in server.requests)
    assert all("/es/aws4_request" in r["headers"]["Authorization"] for r in server.requests)
    assert handle(event("Update", "http://unused"), lambda p: client)[0] == "SUCCESS"
    assert plugin.state == first  # the same again: nothing piles up
    changed = event("Update", "http://unused", WriterRoleArns=WRITERS[:1])
    assert handle(changed, lambda p: client)[0] == "SUCCESS"
    assert plugin.state["rolesmapping/kefu_kb_write"]["backend_roles"] == WRITERS[:1]  # replaced, not merged


def test_a_domain_still_starting_is_asked_again_and_a_real_refusal_is_not() -> None:
    plugin = SecurityApi()
    refusals = [401, 503]

    def starting(method: str, path: str, body: Any) -> tuple[int, Any]:
        if refusals:  # a new domain: access control not ready for the master role yet
            return refusals.pop(0), {"message": "not yet"}
        return plugin(method, path, body)

    server = Loopback(starting)
    try:
        client = connect(server.url, "us-east-1", CREDENTIALS)
        client.transport.max_retries = 0  # only Kefu's own retries count here
        written = security.apply(client, grants_of(properties()), delays=(0.0, 0.0))
        assert len(written) == 4 and len(plugin.state) == 4
        refusals[:] = [400, 400, 400]  # a body the domain will never take: no second try
        before = len(server.requests)
        with pytest.raises(security.SecurityApiError, match="400"):
            security.apply(client, grants_of(properties()), delays=(0.0, 0.0))
        assert len(server.requests) == before + 1
    finally:
        server.close()


def test_delete_removes_only_its_own_and_is_harmless_twice(api: tuple[Loopback, SecurityApi]) -> None:
    server, plugin = api
    client = connect(server.url, "us-east-1", CREDENTIALS)
    plugin.state["roles/someone_elses"] = {"cluster_permissions": []}
    handle(event("Create", "http://unused"), lambda p: client)
    assert handle(event("Delete", "http://unused"), lambda p: client) == ("SUCCESS", "4 roles and mappings removed")
    assert plugin.state == {"roles/someone_elses": {"cluster_permissions": []}}
    assert handle(event("Delete", "http://unused"), lambda p: client) == ("SUCCESS", "0 roles and mappings removed")


def test_delete_succeeds_when_the_domain_does_not_answer() -> None:
    def unreachable(_: dict[str, Any]) -> Any:
        return connect("http://127.0.0.1:9", "us-east-1", CREDENTIALS, timeout=0.5)

    status, reason = handle(event("Delete", "http://unused"), unreachable)
    assert status == "SUCCESS" and "left in place" in reason


def test_against_osmem_server_a_refusal_is_a_failed_answer_to_cloudformation(cloudformation: Loopback) -> None:
    server = OsmemServer.start(addr="127.0.0.1:0")
    try:
        client = connect(server.url.rstrip("/"), "us-east-1", CREDENTIALS)
        request = event("Create", cloudformation.url)
        status, reason = handle(request, lambda p: client)
        respond(request, status, reason)
    finally:
        server.close()
    assert status == "FAILED"
    assert "PUT /_plugins/_security/api/roles/kefu_kb_read: 400" in reason and "no handler found" in reason
    (answer,) = cloudformation.requests
    assert answer["method"] == "PUT" and answer["path"] == "/cfn-response?X-Amz-Signature=abc"
    assert answer["body"]["Status"] == "FAILED" and answer["body"]["Reason"] == reason
    assert answer["body"]["PhysicalResourceId"] == "kefu-search-security"
    assert answer["body"]["RequestId"] == "req-1" and answer["body"]["LogicalResourceId"] == "KnowledgeSearchSecurity"


def test_an_unknown_request_type_fails_cleanly() -> None:
    assert handle({"RequestType": "Dance", "ResourceProperties": properties()}, lambda p: None)[0] == "FAILED"
