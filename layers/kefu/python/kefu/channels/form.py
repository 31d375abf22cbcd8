"""Web form tickets: ``POST /forms/{inbox}/tickets`` with name, email, subject and body.

- Public form, so no signature: ``verify`` accepts anything up to 64 KiB (bigger bodies are refused).
- Body: JSON or application/x-www-form-urlencoded. ``email`` (address shape), ``subject`` (<= 200 chars) and
  ``body`` (<= 20 000 chars) are required, ``name`` optional (<= 200); ``phone`` and ``locale`` optional.
- The customer is the lower-cased email address, so a later email from the same address finds them.
- Dedupe: the ``Idempotency-Key`` header when the page sends one (``key:<value>``); else a hash of the
  normalised email, subject and body plus the current minute (``hash:<sha256>``), so a double click within
  the same minute makes one ticket, while the same text sent again later is a new one.
- Answer: 202 ``{"status": "received"}`` (the ticket is created asynchronously).
- Send: a form has no way back; replies go by email once an email inbox is linked to the customer, so
  ``send`` refuses with a clear, non-retryable error.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from kefu import clock
from kefu.channels._common import check_size, conversation_key, first_values, load_json, parse_form, text_of
from kefu.channels.base import (
    ChannelAdapter,
    FastAnswer,
    HttpClient,
    InboxConfig,
    SendResult,
    WebhookRequest,
    register,
)
from kefu.errors import InvalidInput, ProviderError
from kefu.inbound import InboundMessage, OutboundMessage, Sender

MAX_BODY_BYTES = 64 * 1024
LIMITS = {"name": 200, "email": 254, "subject": 200, "body": 20_000, "phone": 32, "locale": 16}
EMAIL_SHAPE = re.compile(
    r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _fields(request: WebhookRequest) -> dict[str, Any]:
    content_type = (request.header("content-type") or "").lower()
    if "application/x-www-form-urlencoded" in content_type:
        return dict(first_values(parse_form(request.body)))
    data = load_json(request.body)
    if not isinstance(data, dict):
        raise InvalidInput("form body must be a JSON object")
    return data


def _clean(fields: dict[str, Any], name: str, *, required: bool) -> str:
    value = fields.get(name)
    if value is not None and not isinstance(value, str | int | float):
        raise InvalidInput(f"'{name}' must be text")
    text = text_of(value).strip()
    if name != "body":
        text = " ".join(text.split())
    if required and not text:
        raise InvalidInput(f"'{name}' is required")
    if len(text) > LIMITS[name]:
        raise InvalidInput(f"'{name}' is longer than {LIMITS[name]} characters")
    return text


@register
class FormAdapter(ChannelAdapter):
    channel = "form"
    credential_keys = ()

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        check_size(request, MAX_BODY_BYTES)

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        check_size(request, MAX_BODY_BYTES)
        fields = _fields(request)
        email = _clean(fields, "email", required=True).lower()
        if not EMAIL_SHAPE.match(email):
            raise InvalidInput("'email' is not an email address")
        subject = _clean(fields, "subject", required=True)
        body = _clean(fields, "body", required=True)
        name = _clean(fields, "name", required=False)
        phone = _clean(fields, "phone", required=False)
        locale = _clean(fields, "locale", required=False)
        key = (request.header("idempotency-key") or "").strip()
        if key and IDEMPOTENCY_KEY.match(key):
            provider_id = f"key:{key}"
        else:
            minute = clock.now().strftime("%Y%m%d%H%M")
            normalised = json.dumps([email, subject.lower(), " ".join(body.split()).lower(), minute])
            provider_id = "hash:" + hashlib.sha256(normalised.encode()).hexdigest()
        return [
            InboundMessage(
                channel="form",
                inbox=inbox.id,
                provider_message_id=provider_id,
                conversation_key=conversation_key("form", inbox, email),
                sender=Sender(
                    channel="form",
                    external_id=email,
                    email=email,
                    display_name=name or None,
                    phone=phone or None,
                    locale=locale or None,
                ),
                kind="text",
                text=body,
                subject=subject,
                metadata={"source_ip": request.source_ip} if request.source_ip else {},
                received_at=clock.now_iso(),
            )
        ]

    def answer(self, request: WebhookRequest, inbox: InboxConfig, messages: list[InboundMessage]) -> FastAnswer:
        return FastAnswer(202, json.dumps({"status": "received"}), "application/json")

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        raise ProviderError("web form tickets are answered by email once an email inbox is linked", retryable=False)
