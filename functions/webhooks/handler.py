"""Public HTTP entry points: channel webhooks, web chat and web forms.

Thin: parse the request, call one use case, shape the answer. Everything accepted is on the inbound
queue before the answer goes out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import CORSConfig, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from kefu import aws, store
from kefu.api import (
    JSON,
    BodyRules,
    GuardedResolver,
    StaticFile,
    error_response,
    json_response,
    parse_body,
    webhook_request,
)
from kefu.config import WebhooksSettings, require
from kefu.errors import KefuError, http_status_for
from kefu.observability import (
    CORRELATION_HEADER,
    RESPONSE_HEADER,
    answered_with_id,
    bound,
    count,
    decided,
    from_api_event,
    logger,
)
from kefu.queues import enqueue_inbound
from kefu.services import chat
from kefu.services.media import wire_email
from kefu.services.webhooks import handle_delivery

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(WebhooksSettings)

wire_email(lambda: aws.client("s3"))
tracer = Tracer()
# The customer's chat widget, served from this function's own asset (functions/webhooks/static/).
WIDGET = StaticFile.load(Path(__file__).parent / "static" / "widget.js", "text/javascript; charset=utf-8")
CHAT_BODY = BodyRules(max_bytes=32 * 1024, media_types=frozenset({JSON}))
# Not text/plain: a cross-site "simple" POST cannot start a session or send a message.
FORM_BODY = BodyRules(max_bytes=64 * 1024, media_types=frozenset({JSON, "application/x-www-form-urlencoded"}))
# Providers choose their own types (XML, JSON, forms, SNS's text/plain); SNS email notifications are the largest.
WEBHOOK_BODY = BodyRules(max_bytes=1024 * 1024)


def body_rules_for(event: dict[str, Any]) -> BodyRules:
    path = str(event.get("path") or "")
    if path.startswith("/chat/"):
        return CHAT_BODY
    if path.startswith("/forms/"):
        return FORM_BODY
    return WEBHOOK_BODY


# Bodies are checked before any route (kefu.api.GuardedResolver). The chat widget runs on the customer's
# own site, so any origin may call the chat routes (the session token is a header, never a cookie).
app = GuardedResolver(
    body_rules=body_rules_for,
    cors=CORSConfig(
        allow_origin="*",
        allow_headers=["Authorization", "Content-Type", CORRELATION_HEADER],
        expose_headers=[RESPONSE_HEADER],  # the widget may show the id a customer can quote
    ),
)


class StartSession(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(default=None, max_length=35)


class ChatText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=chat.MAX_TEXT * 2)
    client_message_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._:-]{1,128}$")


@app.exception_handler(KefuError)
def on_domain_error(error: KefuError) -> Response:
    decided("request", "refused", status=http_status_for(error), reason=error.message, path=app.current_event.path)
    return error_response(error)


@app.post("/chat/<inbox>/sessions")
def start_chat(inbox: str) -> Response:
    body = parse_body(StartSession, app.current_event.body, optional=True)
    started = chat.start_session(
        store.current(), inbox, name=body.name, email=body.email, phone=body.phone, locale=body.locale
    )
    decided("chat_session", "started", channel="web", inbox=inbox, ticket_id=started.ticket_id)
    count("ChatSessionStarted", "web")
    return json_response(201, {"session_token": started.session_token, "ticket_id": started.ticket_id})


@app.post("/chat/<inbox>/messages")
def post_chat_message(inbox: str) -> Response:
    session = chat.authenticate(store.current(), inbox, app.current_event.headers.get("authorization"))
    body = parse_body(ChatText, app.current_event.body)
    message = chat.customer_message(session, body.text, body.client_message_id)
    enqueue_inbound([message])
    decided("chat_message", "queued", channel="web", inbox=inbox, ticket_id=message.ticket_hint)
    count("InboundMessageAccepted", "web")
    return json_response(202, {"status": "accepted", "client_message_id": body.client_message_id})


@app.get("/chat/<inbox>/messages")
def read_chat(inbox: str) -> Response:
    session = chat.authenticate(store.current(), inbox, app.current_event.headers.get("authorization"))
    page = chat.conversation(store.current(), session, app.current_event.get_query_string_value("after"))
    items = [chat.public_item(session, message) for message in page.items]
    return json_response(200, {"items": items, "cursor": page.cursor})


@app.get("/widget.js")
def chat_widget() -> Response:
    return WIDGET.answer(app.current_event.headers.get("if-none-match"))


@app.route("/webhooks/<channel>/<inbox>", method=["GET", "POST"])
def provider_webhook(channel: str, inbox: str) -> Response:
    return _deliver(channel, inbox)


@app.post("/webhooks/<channel>/<inbox>/<action>")
def provider_webhook_action(channel: str, inbox: str, action: str) -> Response:
    return _deliver(channel, inbox)


@app.post("/forms/<inbox>/tickets")
def web_form(inbox: str) -> Response:
    return _deliver("form", inbox)


def _deliver(channel: str, inbox: str) -> Response:
    answer = handle_delivery(store.current(), channel, inbox, webhook_request(app.current_event))
    count("WebhookDelivery", channel)
    return Response(status_code=answer.status, content_type=answer.content_type, body=answer.body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with bound(from_api_event(event)):
        return answered_with_id(app.resolve(event, context))
