"""The API layer shared by the HTTP functions: the one place domain errors become HTTP answers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from kefu.errors import InvalidInput, KefuError, PayloadTooLarge, UnsupportedMediaType, http_status_for

if TYPE_CHECKING:
    from kefu.channels.base import WebhookRequest

M = TypeVar("M", bound=BaseModel)

JSON = "application/json"
# Deeper than any body Kefu takes (the deepest, an inbox with credentials, is 2); far below the recursion
# limits of json and pydantic, so nesting never reaches a parser as a stack overflow (a 5xx).
MAX_JSON_DEPTH = 32
# Media types whose bodies are text: they must be UTF-8 however API Gateway passed them.
TEXT_MEDIA = re.compile(r"^(text/.*|application/(.+\+)?(json|xml)|application/x-www-form-urlencoded)$")
# A \uD800-\uDFFF escape: only then can the parsed value hold an unpaired surrogate (which cannot be stored).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

# Every answer of the HTTP functions carries these (docs/security.md): JSON and provider answers are never
# sniffed, framed, cached or given a referrer.
EDGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class BodyRules:
    """What one route takes: at most ``max_bytes``, of one of ``media_types`` (empty: any)."""

    max_bytes: int
    media_types: frozenset[str] = frozenset()

    def describe(self) -> str:
        return ", ".join(sorted(self.media_types)) or "any"


def check_request_body(event: dict[str, Any], rules: BodyRules) -> None:
    """Refuse a body no handler could decode, before any handler runs.

    Oversized -> PayloadTooLarge (413); a content type the route does not take -> UnsupportedMediaType
    (415); bad base64, text that is not UTF-8, JSON that does not parse or nests deeper than
    MAX_JSON_DEPTH, a multipart body without a boundary -> InvalidInput (400). Each says what is wrong.
    """
    raw = event.get("body")
    if raw is None or raw == "":
        return
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as err:
            raise InvalidInput("the body is marked base64 but is not valid base64") from err
    else:
        data = raw.encode("utf-8", "surrogatepass")
    if len(data) > rules.max_bytes:
        raise PayloadTooLarge(f"the body is {len(data)} bytes; this route takes at most {rules.max_bytes}")
    content_type = header(event, "content-type")
    media_type, params = parse_content_type(content_type)
    if rules.media_types and media_type not in rules.media_types:
        given = f"not {media_type}" if media_type else "but the request has no Content-Type"
        raise UnsupportedMediaType(f"this route takes a body of type {rules.describe()}, {given}")
    charset = params.get("charset", "utf-8").lower()
    if TEXT_MEDIA.match(media_type) and charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"text bodies must be UTF-8, not {charset}")
    if media_type.startswith("multipart/") and not params.get("boundary"):
        raise InvalidInput(f"the {media_type} body has no boundary in its Content-Type")
    if not TEXT_MEDIA.match(media_type):
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInput(f"the body is not valid UTF-8 (byte {err.start})") from err
    if media_type == JSON or media_type.endswith("+json"):
        check_json(text)


def check_json(text: str) -> None:
    """Valid JSON, at most MAX_JSON_DEPTH deep, and storable (no unpaired surrogates)."""
    too_deep = f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"the body is not valid JSON: {err.msg} at position {err.pos}") from err
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise InvalidInput(f"the body is not valid JSON: {err}") from err
    except RecursionError as err:  # the parser's own stack limit (about 1,000 levels)
        raise InvalidInput(too_deep) from err
    # fewer brackets than the limit cannot nest deeper than it: most bodies skip the walk
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(value) > MAX_JSON_DEPTH:
        raise InvalidInput(too_deep)
    if SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as err:
            raise InvalidInput("the JSON body holds an unpaired UTF-16 surrogate escape") from err


def json_depth(value: Any) -> int:
    """How deep containers nest in a parsed JSON value, level by level (no recursion on hostile input)."""
    depth = 0
    level = [value] if isinstance(value, dict | list) else []
    while level and depth <= MAX_JSON_DEPTH:
        depth += 1
        deeper: list[Any] = []
        for item in level:
            deeper.extend(
                child for child in (item.values() if isinstance(item, dict) else item) if type(child) in _CONTAINERS
            )
        level = deeper
    return depth


_CONTAINERS = (dict, list)


def header(event: dict[str, Any], name: str) -> str | None:
    """One request header, case-insensitively (API Gateway keeps the client's spelling)."""
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def parse_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    """("application/json", {"charset": "utf-8"}) from a Content-Type header."""
    if not value:
        return "", {}
    media_type, *rest = value.split(";")
    params: dict[str, str] = {}
    for part in rest:
        key, _, param = part.partition("=")
        params[key.strip().lower()] = param.strip().strip('"')
    return media_type.strip().lower(), params


def error_answer(error: KefuError) -> dict[str, Any]:
    """A domain error as a Lambda proxy answer, for refusals made before the resolver routes."""
    return {
        "statusCode": http_status_for(error),
        "multiValueHeaders": {"Content-Type": [JSON]},
        "body": json.dumps({"message": error.message}, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def with_edge_headers(result: dict[str, Any], extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Add EDGE_HEADERS (and ``extra``) to a proxy answer, keeping any the route set itself."""
    multi = result.setdefault("multiValueHeaders", {})
    present = {name.lower() for name in (*multi, *(result.get("headers") or {}))}
    for name, value in {**EDGE_HEADERS, **(extra or {})}.items():
        if name.lower() not in present:
            multi[name] = [value]
    return result


class GuardedResolver(APIGatewayRestResolver):
    """A REST resolver whose requests pass the edge before any route, validation included.

    Order: ``authorize`` (the caller's role for this route: 403 whatever the body holds), then
    :func:`check_request_body` with the route's ``body_rules``; only then Powertools routes and
    validates. Every answer gets EDGE_HEADERS; with ``allowed_origins``, an Origin on that list gets
    CORS headers (the resolver's own CORS config is for routes open to any origin).
    """

    def __init__(
        self,
        *,
        body_rules: Callable[[dict[str, Any]], BodyRules],
        authorize: Callable[[dict[str, Any]], None] | None = None,
        allowed_origins: Callable[[], list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._body_rules = body_rules
        self._authorize = authorize
        self._allowed_origins = allowed_origins

    def resolve(self, event: Any, context: Any) -> dict[str, Any]:
        try:
            if self._authorize is not None:
                self._authorize(event)
            check_request_body(event, self._body_rules(event))
        except KefuError as error:
            result = error_answer(error)
        else:
            result = super().resolve(event, context)
        return with_edge_headers(result, self._cors_headers(event))

    def _cors_headers(self, event: dict[str, Any]) -> dict[str, str]:
        origin = header(event, "origin")
        if self._allowed_origins is None or not origin or origin not in self._allowed_origins():
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


@dataclass(frozen=True)
class StaticFile:
    """A file shipped in a function's asset and served as it is (the chat widget): read once per container,
    with an ETag so a browser that has it gets a 304 and no body."""

    body: str
    content_type: str
    etag: str
    max_age: int

    @classmethod
    def load(cls, path: Path, content_type: str, *, max_age: int = 300) -> StaticFile:
        body = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(body.encode()).hexdigest()[:32]
        return cls(body=body, content_type=content_type, etag=f'"{digest}"', max_age=max_age)

    def answer(self, if_none_match: str | None) -> Response:
        headers = {"ETag": self.etag, "Cache-Control": f"public, max-age={self.max_age}"}
        if if_none_match and self.etag in {tag.strip() for tag in if_none_match.split(",")}:
            return Response(status_code=304, body="", headers=headers)
        return Response(status_code=200, content_type=self.content_type, body=self.body, headers=headers)


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

    # imported here: the webhooks function, the one caller, has the channel interface from init (its delivery
    # service); help and the agent API skip its models (the inbox and the normalised messages)
    from kefu.channels.base import WebhookRequest

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
