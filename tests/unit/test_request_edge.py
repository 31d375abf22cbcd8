"""The request-decoding edge (kefu.api) and the order of checks: role, then body, then Powertools' validation."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from agent_api import access
from agent_api.routes import admin, customers, me, routing, tickets
from kefu.api import (
    EDGE_HEADERS,
    JSON,
    MAX_JSON_DEPTH,
    BodyRules,
    GuardedResolver,
    check_request_body,
    validation_error_response,
)
from kefu.auth import PERMISSIONS, REVEAL_CONTACTS, permissions_of
from kefu.errors import (
    Forbidden,
    InvalidInput,
    PayloadTooLarge,
    TooManyRequests,
    UnsupportedMediaType,
    http_status_for,
)

RULES = BodyRules(max_bytes=1024, media_types=frozenset({JSON}))
ANY_TYPE = BodyRules(max_bytes=1024)
ROOMY = BodyRules(max_bytes=100_000, media_types=frozenset({JSON}))


def event(
    body: bytes | str | None,
    content_type: str | None = JSON,
    *,
    binary: bool = False,
    method: str = "POST",
    path: str = "/api/v1/thing",
    groups: str | None = None,
) -> dict[str, Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    if isinstance(body, bytes):
        if binary:
            raw: str | None = base64.b64encode(body).decode()
        else:
            raw = body.decode("utf-8")
    else:
        raw = body
    context: dict[str, Any] = {"requestId": "r", "stage": "prod", "path": path}
    if groups is not None:
        context["authorizer"] = {"claims": {"sub": "u-1", "cognito:groups": groups}}
    return {
        "httpMethod": method,
        "path": path,
        "resource": "/api/v1/{proxy+}",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": context,
        "body": raw,
        "isBase64Encoded": binary,
    }


def refusal_of(evt: dict[str, Any], rules: BodyRules = RULES) -> tuple[int, str]:
    with pytest.raises(InvalidInput) as raised:
        check_request_body(evt, rules)
    return http_status_for(raised.value), raised.value.message


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b'{"a": "\xff"}', JSON, 400, "UTF-8"),
        (b"[" * 10_000 + b"]" * 10_000, JSON, 400, "nested deeper"),
        (b'{"a": ' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1), JSON, 400, "nested deeper"),
        (b'{"a": 1', JSON, 400, "not valid JSON"),
        (b'"\\ud800"', JSON, 400, "surrogate"),
        (b'{"n": ' + b"1" * 5000 + b"}", JSON, 400, "not valid JSON"),
        (b"x" * 100_001, JSON, 413, "at most 100000"),
        (b'{"a": 1}', "text/plain", 415, "not text/plain"),
        (b'{"a": 1}', None, 415, "no Content-Type"),
        (b'{"a": 1}', "application/json; charset=latin-1", 415, "UTF-8"),
        (b"--x", "multipart/form-data", 415, "application/json"),
    ],
)
def test_refusals_say_what_is_wrong(body: bytes, content_type: str | None, status: int, says: str) -> None:
    for binary in (False, True):  # API Gateway passes text as text, binary media types as base64
        if not binary and b"\xff" in body:
            continue
        got_status, message = refusal_of(event(body, content_type, binary=binary), ROOMY)
        assert got_status == status
        assert says in message


def test_invalid_utf8_passed_as_base64_is_400() -> None:
    assert refusal_of(event(b'{"a": "\xff\xfe"}', binary=True))[0] == 400
    assert refusal_of(event(b"<xml>\xff</xml>", "text/xml", binary=True), ANY_TYPE)[0] == 400


def test_multipart_without_boundary_is_400_where_any_type_is_taken() -> None:
    status, message = refusal_of(event(b"--x", "multipart/form-data"), ANY_TYPE)
    assert status == 400 and "boundary" in message
    check_request_body(event(b"--x--", "multipart/form-data; boundary=x", binary=True), ANY_TYPE)


def test_bad_base64_is_400() -> None:
    evt = event(b"", JSON)
    evt.update(body="***not base64***", isBase64Encoded=True)
    assert refusal_of(evt)[0] == 400


@pytest.mark.parametrize(
    "body",
    [None, "", b'{"a": "[[[[{{{{"}', b'{"a": "\\"[[[["}', b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH],
)
def test_what_decodes_passes(body: bytes | str | None) -> None:
    check_request_body(event(body), RULES)


def test_binary_bodies_of_other_types_are_not_decoded() -> None:
    check_request_body(event(b"\x89PNG\r\n\x1a\n\xff", "image/png", binary=True), ANY_TYPE)


@given(st.recursive(st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_any_shallow_json_passes(value: Any) -> None:
    text = json.dumps(value)
    depth = max_depth(value)
    if depth <= MAX_JSON_DEPTH:
        check_request_body(event(text), BodyRules(max_bytes=10**7, media_types=frozenset({JSON})))


def max_depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((max_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((max_depth(v) for v in value.values()), default=0)
    return 0


# ------------------------------------------------------------------ the order of checks, on a small app


class Thing(BaseModel):
    name: str = Field(min_length=1)


def small_app() -> GuardedResolver:
    app = GuardedResolver(
        enable_validation=True,
        body_rules=lambda evt: RULES,
        authorize=access.authorize,
        allowed_origins=lambda: ["https://app.example"],
    )

    @app.post("/api/v1/admin/things")
    def create(body: Thing) -> dict[str, str]:
        return {"name": body.name}

    @app.exception_handler(RequestValidationError)
    def invalid(error: RequestValidationError) -> Any:
        return validation_error_response(error)

    return app


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"name": "ok"}', JSON),
        (b'{"name": ""}', JSON),
        (b"{nope", JSON),
        (b"[" * 10_000 + b"]" * 10_000, JSON),
        (b'{"name": "ok"}', "text/plain"),
        (b"x" * 5000, JSON),
    ],
)
def test_an_agent_gets_403_whatever_the_body(body: bytes, content_type: str) -> None:
    answer = small_app().resolve(event(body, content_type, path="/api/v1/admin/things", groups="[agent]"), {})
    assert answer["statusCode"] == 403
    assert "admin" in json.loads(answer["body"])["message"]


def test_an_admin_gets_the_edge_then_validation_then_the_route() -> None:
    app = small_app()

    def call(body: bytes, content_type: str = JSON) -> tuple[int, dict[str, Any]]:
        answer = app.resolve(event(body, content_type, path="/api/v1/admin/things", groups="[admin]"), {})
        return answer["statusCode"], json.loads(answer["body"])

    assert call(b"x" * 5000)[0] == 413
    assert call(b'{"name": "ok"}', "text/plain")[0] == 415
    assert call(b"[" * 100 + b"]" * 100)[0] == 400
    status, body = call(b'{"name": ""}')
    assert status == 400 and "name" in body["message"]
    assert call(b'{"name": "ok"}') == (200, {"name": "ok"})


def test_every_answer_has_the_edge_headers_and_cors_only_for_allowed_origins() -> None:
    app = small_app()
    for origin, allowed in (("https://app.example", True), ("https://evil.example", False)):
        evt = event(b'{"name": "ok"}', path="/api/v1/admin/things", groups="[admin]")
        evt["headers"]["Origin"] = origin
        answer = app.resolve(evt, {})
        headers = {k.lower(): v for k, v in answer["multiValueHeaders"].items()}
        for name, value in EDGE_HEADERS.items():
            assert headers[name.lower()] == [value]
        assert (headers.get("access-control-allow-origin") == [origin]) is allowed


# ------------------------------------------------------------------ the role table covers the real routes


def real_operations() -> list[tuple[str, str]]:
    app = APIGatewayRestResolver(enable_validation=True)
    for router in (me.router, tickets.router, admin.router, customers.router, routing.router):
        app.include_router(router, prefix=access.PREFIX)
    schema = json.loads(app.get_openapi_json_schema())
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]


def test_every_admin_route_has_its_roles_and_agents_are_refused() -> None:
    admin_operations = [(m, p) for m, p in real_operations() if p.startswith(access.ADMIN_PREFIX)]
    assert len(admin_operations) >= 4
    for method, path in admin_operations:
        concrete = path.replace("{inbox_id}", "web").replace("{customer_id}", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        roles = access.roles_for(method, concrete)
        assert roles is not None and "agent" not in roles, (method, path)
        with pytest.raises(Exception, match="roles"):
            access.authorize(event(b"{}", method=method, path=concrete, groups="[agent]"))


def test_agent_routes_are_open_to_every_role() -> None:
    permission_routes = {
        (m, access.PREFIX + p.replace("<", "{").replace(">", "}")) for m, p, _ in access.PERMISSION_RULES
    }
    assert permission_routes <= set(real_operations())
    for method, path in real_operations():
        if not path.startswith(access.ADMIN_PREFIX) and (method, path) not in permission_routes:
            assert access.roles_for(method, path) is None, (method, path)
    access.authorize(event(b"{}", method="POST", path="/api/v1/tickets/x/messages", groups="[agent]"))


def test_a_contact_reveal_needs_the_reveal_permission_before_its_body_is_read() -> None:
    path = "/api/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/reveal"
    assert access.roles_for("POST", path) == PERMISSIONS[REVEAL_CONTACTS] == ("supervisor", "admin")
    with pytest.raises(Forbidden, match="reveal permission"):
        access.authorize(event(b"not even json", method="POST", path=path, groups="[agent]"))
    for groups in ("[supervisor]", "[admin]", "[agent, supervisor]"):
        access.authorize(event(b"{}", method="POST", path=path, groups=groups))
    assert permissions_of(["agent"]) == [] and permissions_of(["supervisor"]) == [REVEAL_CONTACTS]


def test_status_codes_of_the_new_errors() -> None:
    assert http_status_for(TooManyRequests("x")) == 429
    assert http_status_for(PayloadTooLarge("x")) == 413
    assert http_status_for(UnsupportedMediaType("x")) == 415
