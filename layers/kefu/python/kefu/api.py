"""The API layer shared by the HTTP functions: the one place domain errors become HTTP answers."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from kefu.channels.base import WebhookRequest
from kefu.errors import InvalidInput, KefuError, http_status_for

M = TypeVar("M", bound=BaseModel)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        headers=headers,
    )


def error_response(error: KefuError) -> Response:
    return json_response(http_status_for(error), {"message": error.message})


def validation_error_response(error: RequestValidationError | ValidationError) -> Response:
    return json_response(400, {"message": describe_validation(error)})


def describe_validation(error: RequestValidationError | ValidationError) -> str:
    """One readable sentence from pydantic's error list, e.g. "body.status: Input should be 'pending' ..."."""
    parts = []
    for item in error.errors()[:5]:
        location = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body",)) or "body"
        parts.append(f"{location}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


def parse_body(model: type[M], raw: str | None, *, optional: bool = False) -> M:
    """Validate a JSON body into ``model``; InvalidInput (400) says what is wrong."""
    if raw is None or not raw.strip():
        if optional:
            return model()
        raise InvalidInput("the request needs a JSON body")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"the body is not valid JSON: {err.msg} at position {err.pos}") from err
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidInput(describe_validation(err)) from err


def webhook_request(event: APIGatewayProxyEvent) -> WebhookRequest:
    """The provider's request as it was sent: raw body bytes and the public URL it signed."""
    import base64

    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    query = dict(event.get("queryStringParameters") or {})
    context = event.get("requestContext") or {}
    host = headers.get("x-forwarded-host") or context.get("domainName") or headers.get("host") or "localhost"
    scheme = headers.get("x-forwarded-proto", "https")
    path = context.get("path") or event.get("path") or "/"
    multi = event.get("multiValueQueryStringParameters") or {}
    pairs = [(k, v) for k, values in multi.items() for v in values] if multi else list(query.items())
    url = f"{scheme}://{host}{path}"
    if pairs:
        url += "?" + urllib.parse.urlencode(pairs)
    return WebhookRequest(
        method=str(event.get("httpMethod") or "GET"),
        url=url,
        path=event.get("path") or "/",
        headers=headers,
        query=query,
        body=body,
        source_ip=(context.get("identity") or {}).get("sourceIp"),
    )
