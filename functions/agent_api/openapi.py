"""The agent API's OpenAPI document: Powertools' schema, completed with what the edge and the error map answer.

Powertools describes each route's success and its own 422; Kefu never answers 422 (validation is a 400
with ``{"message"}``), and every route can also answer the edge's refusals. This adds, per operation: the
error answers with the ``Error`` schema, the Cognito bearer security scheme, and the body limits.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from agent_api.schemas import ErrorOut
from kefu.api import JSON, MAX_JSON_DEPTH, BodyRules

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ALWAYS = {
    "400": "The request is malformed: a parameter or the body is invalid, or the cursor was not issued for this query",
    "401": "No token, or a token that does not verify",
    "403": "The caller's role may not do this (checked before the body is validated)",
    "404": "The addressed resource does not exist",
}
WRITES = {"409": "The change contradicts the current state (an illegal status change, a duplicate id)"}
WITH_BODY = {
    "413": "The body is larger than the route takes",
    "415": "The body is not application/json (UTF-8)",
}


def document(app: APIGatewayRestResolver, rules: BodyRules) -> str:
    """The completed schema as JSON (built once per process by the caller)."""
    schema: dict[str, Any] = json.loads(app.get_openapi_json_schema(title="Kefu agent API", version="1.0.0"))
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            complete_operation(method, operation, rules)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = ErrorOut.model_json_schema()
    components["securitySchemes"] = {
        "cognito": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The Cognito IdToken of an agent, supervisor or admin (USER_PASSWORD_AUTH).",
        }
    }
    schema["security"] = [{"cognito": []}]
    return json.dumps(schema, ensure_ascii=False, separators=(",", ":"))


def complete_operation(method: str, operation: dict[str, Any], rules: BodyRules) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    errors = dict(ALWAYS)
    if method in ("post", "put", "patch", "delete"):
        errors.update(WRITES)
    body = operation.get("requestBody")
    if body is not None:
        errors.update(WITH_BODY)
        body["description"] = f"{JSON}, UTF-8, at most {rules.max_bytes} bytes, nested at most {MAX_JSON_DEPTH} levels"
        body["x-kefu-max-bytes"] = rules.max_bytes
    for status, description in errors.items():
        responses.setdefault(status, {"description": description, "content": {JSON: {"schema": ERROR_REF}}})
