"""The agent API (/api/v1), behind API Gateway's Cognito authorizer. Routers are split by resource."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_api import access
from agent_api import openapi as openapi_document
from agent_api.routes import admin, me, metrics, routing, sla, tickets, workspace
from agent_api.routes import customers as customer_routes
from agent_api.routes import knowledge as knowledge_routes
from agent_api.routes import orders as order_routes
from kefu import aws
from kefu.api import JSON, BodyRules, GuardedResolver, error_response, json_response, validation_error_response
from kefu.config import AgentApiSettings, get_settings, require
from kefu.errors import KefuError, http_status_for
from kefu.observability import answered_with_id, bound, decided, from_api_event, logger
from kefu.services.media import UPLOAD_BODY_BYTES, wire_email

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(AgentApiSettings)

wire_email(lambda: aws.client("s3"), lambda: aws.client("ses"), verify_identities=True)
tracer = Tracer()
PREFIX = "/api/v1"

BODY_RULES = BodyRules(max_bytes=256 * 1024, media_types=frozenset({JSON}))
# a file uploaded for a reply travels as base64 in JSON (kefu.services.media.UPLOAD_MAX_BYTES)
UPLOAD_BODY_RULES = BodyRules(max_bytes=UPLOAD_BODY_BYTES, media_types=frozenset({JSON}))


def body_rules_for(event: dict[str, Any]) -> BodyRules:
    path = str(event.get("path") or "")
    if event.get("httpMethod") == "POST" and path.endswith("/attachments"):
        return UPLOAD_BODY_RULES
    return BODY_RULES


# The caller's role, then the body's decoding, are checked before Powertools routes and validates; CORS
# answers only the origins the stack allows (preflights are answered by API Gateway).
app = GuardedResolver(
    enable_validation=True,
    body_rules=body_rules_for,
    authorize=access.authorize,
    allowed_origins=lambda: get_settings().allowed_origin_list,
)
app.include_router(me.router, prefix=PREFIX)
app.include_router(tickets.router, prefix=PREFIX)
app.include_router(admin.router, prefix=PREFIX)
app.include_router(customer_routes.router, prefix=PREFIX)
app.include_router(order_routes.router, prefix=PREFIX)
app.include_router(routing.router, prefix=PREFIX)
app.include_router(knowledge_routes.router, prefix=PREFIX)
app.include_router(metrics.router, prefix=PREFIX)
app.include_router(workspace.router, prefix=PREFIX)
app.include_router(sla.router, prefix=PREFIX)


@app.exception_handler(KefuError)
def on_domain_error(error: KefuError) -> Response:
    decided("request", "refused", status=http_status_for(error), reason=error.message, path=app.current_event.path)
    return error_response(error)


@app.exception_handler(RequestValidationError)
def on_invalid_request(error: RequestValidationError) -> Response:
    return validation_error_response(error)


@app.get(f"{PREFIX}/openapi.json", include_in_schema=False)
def openapi():  # no return annotation: Powertools would try to put Response into the schema
    return Response(status_code=200, content_type="application/json", body=schema_document())


@functools.cache
def schema_document() -> str:
    return openapi_document.document(app, BODY_RULES)


@app.not_found
def not_found(_: Exception) -> Response:
    return json_response(404, {"message": f"no route {app.current_event.http_method} {app.current_event.path}"})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with bound(from_api_event(event)):
        return answered_with_id(app.resolve(event, context))
