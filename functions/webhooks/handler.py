"""Public HTTP entry points: channel webhooks, web chat, web forms and the satisfaction survey's pages.

Thin: parse the request, call one use case, shape the answer. Everything accepted is on the inbound
queue before the answer goes out.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import CORSConfig, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, Field

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
from kefu.modelbase import LazyModel
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
from kefu.services.media import UPLOAD_BODY_BYTES, wire_email
from kefu.services.webhooks import handle_delivery

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(WebhooksSettings)

wire_email(lambda: aws.client("s3"))
tracer = Tracer()
# The customer's chat widget, served from this function's own asset (functions/webhooks/static/).
WIDGET = StaticFile.load(Path(__file__).parent / "static" / "widget.js", "text/javascript; charset=utf-8")
CHAT_BODY = BodyRules(max_bytes=32 * 1024, media_types=frozenset({JSON}))
# a customer's file travels as base64 in JSON (kefu.services.media.UPLOAD_MAX_BYTES)
CHAT_UPLOAD_BODY = BodyRules(max_bytes=UPLOAD_BODY_BYTES, media_types=frozenset({JSON}))
# Not text/plain: a cross-site "simple" POST cannot start a session or send a message.
FORM_BODY = BodyRules(max_bytes=64 * 1024, media_types=frozenset({JSON, "application/x-www-form-urlencoded"}))
# The survey's answer: JSON, or the form its page posts without JavaScript
SURVEY_BODY = BodyRules(max_bytes=32 * 1024, media_types=frozenset({JSON, "application/x-www-form-urlencoded"}))
# Providers choose their own types (XML, JSON, forms, SNS's text/plain); SNS email notifications are the largest.
WEBHOOK_BODY = BodyRules(max_bytes=1024 * 1024)


def body_rules_for(event: dict[str, Any]) -> BodyRules:
    path = str(event.get("path") or "")
    if path.startswith("/chat/"):
        return CHAT_UPLOAD_BODY if path.endswith("/attachments") else CHAT_BODY
    if path.startswith("/forms/"):
        return FORM_BODY
    if path.startswith("/csat/"):
        return SURVEY_BODY
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


class StartSession(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(default=None, max_length=35)


class ChatText(LazyModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=chat.MAX_TEXT * 2)
    client_message_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._:-]{1,128}$")
    # ids from POST /chat/{inbox}/attachments
    attachments: list[Annotated[str, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]] = Field(
        default_factory=list, max_length=10
    )


class ChatUpload(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    content_type: str | None = Field(default=None, max_length=200)
    data: str = Field(min_length=1)  # base64


class ChatRating(LazyModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class SurveyAnswer(LazyModel):
    model_config = ConfigDict(extra="forbid")

    rating: str = Field(max_length=32)  # very_satisfied | satisfied | neutral | dissatisfied
    comment: str | None = Field(default=None, max_length=1000)


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
    files = chat.attachments_for(store.current(), session, body.attachments) if body.attachments else []
    message = chat.customer_message(session, body.text, body.client_message_id, files)
    enqueue_inbound([message])
    decided("chat_message", "queued", channel="web", inbox=inbox, ticket_id=message.ticket_hint)
    count("InboundMessageAccepted", "web")
    return json_response(202, {"status": "accepted", "client_message_id": body.client_message_id})


@app.get("/chat/<inbox>/messages")
def read_chat(inbox: str) -> Response:
    session = chat.authenticate(store.current(), inbox, app.current_event.headers.get("authorization"))
    page = chat.conversation(store.current(), session, app.current_event.get_query_string_value("after"))
    items = [chat.public_item(session, message) for message in page.items]
    state = chat.conversation_state(store.current(), session)
    return json_response(200, {"items": items, "cursor": page.cursor, **state})


@app.post("/chat/<inbox>/attachments")
def upload_chat_file(inbox: str) -> Response:
    from kefu.services import thread

    session = chat.authenticate(store.current(), inbox, app.current_event.headers.get("authorization"))
    body = parse_body(ChatUpload, app.current_event.body)
    ticket_id = chat.current_ticket_id(store.current(), session)
    upload = thread.upload(
        store.current(), ticket_id, chat.upload_owner(session), body.name, body.content_type, body.data
    )
    decided("chat_upload", "stored", channel="web", inbox=inbox, ticket_id=ticket_id, size=upload.size)
    out = {"id": upload.id, "name": upload.name, "content_type": upload.content_type, "size": upload.size}
    return json_response(201, out)


@app.post("/chat/<inbox>/typing")
def chat_typing(inbox: str) -> Response:
    session = chat.authenticate(store.current(), inbox, app.current_event.headers.get("authorization"))
    ticket_id = chat.current_ticket_id(store.current(), session)
    store.current().thread_state.set_typing(ticket_id, "customer", session.visitor_id)
    return json_response(200, {"ticket_id": ticket_id, "typing": True})


@app.post("/chat/<inbox>/rating")
def rate_chat(inbox: str) -> Response:
    session = chat.authenticate(store.current(), inbox, app.current_event.headers.get("authorization"))
    body = parse_body(ChatRating, app.current_event.body)
    rating = chat.rate(store.current(), session, body.rating, body.comment)
    decided("csat", "rated", channel="web", inbox=inbox, ticket_id=rating.ticket_id, rating=rating.rating)
    count("CsatRated", "web")
    return json_response(201, {"ticket_id": rating.ticket_id, "rating": rating.rating})


@app.get("/csat/<token>")
def survey_page(token: str) -> Response:
    from kefu.services import csat, csat_page

    try:
        state = csat.open_survey(store.current(), token)
    except KefuError as error:
        return _survey_answer(_page_language(), "gone", http_status_for(error))
    if state.rating is not None:
        return _survey_answer(state.survey.language, "rated", 200)
    if not state.open:  # reopened: the form comes back once the ticket is resolved again
        return _survey_answer(state.survey.language, "reopened", 200)
    return _html(csat_page.survey_page(state.survey.language), 200)


@app.post("/csat/<token>")
def answer_survey(token: str) -> Response:
    from kefu.errors import SurveyNotOpen
    from kefu.services import csat

    event = app.current_event
    from_page = (event.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded")
    try:
        if from_page:
            fields = urllib.parse.parse_qs(event.decoded_body or "", keep_blank_values=True)
            choice: object = (fields.get("rating") or [""])[0]
            comment: object = fields["comment"][0] if fields.get("comment") else None
        else:
            body = parse_body(SurveyAnswer, event.decoded_body)
            choice, comment = body.rating, body.comment
        survey, rating = csat.answer(store.current(), token, choice, comment)
    except KefuError as error:
        if not from_page:
            raise
        status = http_status_for(error)
        decided("request", "refused", status=status, reason=error.message, path=event.path)
        key = "reopened" if isinstance(error, SurveyNotOpen) else {404: "gone", 409: "rated"}.get(status, "error")
        return _survey_answer(_page_language(), key, status, error.message if key == "error" else None)
    decided(
        "csat", "rated", channel=rating.channel, inbox=rating.inbox, ticket_id=rating.ticket_id, rating=rating.rating
    )
    count("CsatRated", rating.channel)
    followed = rating.rating <= csat.FOLLOW_UP_AT_OR_BELOW
    if from_page:
        return _survey_answer(survey.language, "followup" if followed else "thanks", 200)
    return json_response(
        200,
        {
            "ticket_id": rating.ticket_id,
            "rating": csat.label_of(rating.rating),
            "score": rating.rating,
            "follow_up": followed,
        },
    )


def _page_language() -> str:
    first = (app.current_event.headers.get("accept-language") or "").split(",")[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"


def _survey_answer(language: str, key: str, status: int, detail: str | None = None) -> Response:
    from kefu.services import csat_page

    return _html(csat_page.message_page(language, key, detail), status)


def _html(body: str, status: int) -> Response:
    from kefu.knowledge.helpcenter import PAGE_CSP  # the help center's pages' policy: no script at all

    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=body,
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


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
