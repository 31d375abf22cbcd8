"""WhatsApp Business Cloud API.

- Verification GET: hub.mode=subscribe + hub.verify_token -> echo hub.challenge (else 403).
- POST: ``X-Hub-Signature-256`` over the raw body with the app secret.
- Parse: every ``messages[]`` and ``statuses[]`` of every change of every entry (one delivery can batch
  several). Changes for another phone number of the same app (``metadata.phone_number_id`` differs from this
  inbox's ``phone_number_id``) are skipped: they belong to another inbox.
- Customers are identified by phone in E.164 ("+" + wa_id), so the same person on SMS matches.
- Statuses become kind "status" messages (status_of = the wamid we sent, provider id wamid:status).
- Send: ``/{version}/{phone_number_id}/messages``. Outside the 24-hour customer-service window Meta refuses
  free-form text with error 131047 (synchronously on some API versions, else as a "failed" status whose
  text says the same): only a template message can reopen the conversation.
"""

from __future__ import annotations

from typing import Any

from kefu.channels import _fetch, _meta
from kefu.channels._common import (
    api_base,
    arr,
    conversation_key,
    iso_from_epoch,
    json_body,
    load_json_object,
    obj,
    response_json,
    send_credential,
    text_of,
)
from kefu.channels.base import (
    ChannelAdapter,
    FastAnswer,
    HttpClient,
    InboxConfig,
    MediaBlob,
    SendResult,
    WebhookRequest,
    register,
)
from kefu.errors import InvalidInput, ProviderError
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment
from kefu.phone import wa_id_to_e164

OUTSIDE_WINDOW = (
    "the customer's last message is more than 24 hours old, so WhatsApp only accepts an approved "
    "template message to reopen the conversation; send a template instead of free text"
)
HINTS = {
    131047: OUTSIDE_WINDOW,
    131026: "the recipient cannot receive this message (not on WhatsApp, or an outdated app)",
    131051: "this message type is not supported",
    131021: "the recipient is the sender's own number",
    190: "the inbox's access_token has expired or is invalid",
}

_MEDIA_KINDS = {"image": "image", "sticker": "image", "audio": "voice", "video": "video", "document": "file"}


def _number(wa_id: str) -> tuple[str, str | None]:
    """The sender's id ("+" + wa_id, WhatsApp's own) and phone (E.164 when the number is a valid one)."""
    phone = wa_id_to_e164(wa_id)
    return phone or "+" + wa_id.lstrip("+"), phone


def _media(media: dict[str, Any]) -> Attachment:
    return Attachment(
        content_type=text_of(media.get("mime_type")) or None,
        name=text_of(media.get("filename")) or None,
        media_id=text_of(media.get("id")) or None,
        url=text_of(media.get("url")) or None,
    )


def _message(
    raw: dict[str, Any], names: dict[str, str], inbox: InboxConfig, metadata: dict[str, str]
) -> InboundMessage | None:
    wa_id = text_of(raw.get("from"))
    wamid = text_of(raw.get("id"))
    if not wa_id or not wamid:
        return None
    msg_type = text_of(raw.get("type")) or "unknown"
    body = obj(raw.get(msg_type))
    meta = {**metadata, "type": msg_type}
    kind, text, event = "text", "", None
    attachments: list[Attachment] = []
    if msg_type == "text":
        text = text_of(body.get("body"))
    elif msg_type in _MEDIA_KINDS:
        kind = _MEDIA_KINDS[msg_type]
        text = text_of(body.get("caption"))
        attachments.append(_media(body))
    elif msg_type == "location":
        kind = "location"
        text = ", ".join(p for p in (text_of(body.get("name")), text_of(body.get("address"))) if p)
        meta.update(latitude=text_of(body.get("latitude")), longitude=text_of(body.get("longitude")))
    elif msg_type == "interactive":
        reply = obj(body.get("button_reply")) or obj(body.get("list_reply"))
        text = text_of(reply.get("title"))
        meta.update(reply_id=text_of(reply.get("id")), interactive_type=text_of(body.get("type")))
        if reply.get("description"):
            meta["reply_description"] = text_of(reply.get("description"))
    elif msg_type == "button":
        text = text_of(body.get("text"))
        meta["reply_payload"] = text_of(body.get("payload"))
    elif msg_type == "reaction":
        kind, event, text = "event", "reaction", text_of(body.get("emoji"))
        meta["reacted_to"] = text_of(body.get("message_id"))
    else:
        # contacts, order, system, unsupported ...: kept visible to agents as an event
        kind, event = "event", msg_type
    context = obj(raw.get("context"))
    if context.get("id"):
        meta["reply_to"] = text_of(context.get("id"))
    external_id, phone = _number(wa_id)
    return InboundMessage(
        channel="whatsapp",
        inbox=inbox.id,
        provider_message_id=wamid,
        conversation_key=conversation_key("whatsapp", inbox, external_id),
        sender=Sender(channel="whatsapp", external_id=external_id, phone=phone, display_name=names.get(wa_id)),
        kind=kind,
        text=text,
        attachments=attachments,
        event=event,
        metadata={k: v for k, v in meta.items() if v},
        received_at=iso_from_epoch(raw.get("timestamp")),
    )


def _status(raw: dict[str, Any], inbox: InboxConfig, metadata: dict[str, str]) -> InboundMessage | None:
    wamid, status = text_of(raw.get("id")), text_of(raw.get("status"))
    recipient = text_of(raw.get("recipient_id"))
    if not wamid or not status or not recipient:
        return None
    meta = dict(metadata)
    text = ""
    errors = [obj(e) for e in arr(raw.get("errors"))]
    if errors:
        code = errors[0].get("code")
        meta["error_code"] = text_of(code)
        reason = text_of(errors[0].get("title")) or text_of(errors[0].get("message"))
        text = HINTS.get(code, reason) if isinstance(code, int) else reason
    external_id, phone = _number(recipient)
    return InboundMessage(
        channel="whatsapp",
        inbox=inbox.id,
        provider_message_id=f"{wamid}:{status}",
        conversation_key=conversation_key("whatsapp", inbox, external_id),
        sender=Sender(channel="whatsapp", external_id=external_id, phone=phone),
        kind="status",
        text=text,
        status_of=wamid,
        status=status,
        metadata={k: v for k, v in meta.items() if v},
        received_at=iso_from_epoch(raw.get("timestamp")),
    )


@register
class WhatsAppAdapter(ChannelAdapter):
    channel = "whatsapp"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("verify_token", "app_secret", "access_token", "phone_number_id")

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        return _meta.verification_answer(request, inbox)

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        _meta.verify_signature(request, inbox)

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        payload = load_json_object(request.body)
        if payload.get("object") != "whatsapp_business_account":
            raise InvalidInput("body is not a WhatsApp Business Account webhook (object field)")
        own_number = inbox.credentials.get("phone_number_id")
        messages: list[InboundMessage] = []
        for entry in arr(payload.get("entry")):
            for change in arr(obj(entry).get("changes")):
                value = obj(obj(change).get("value"))
                number = obj(value.get("metadata"))
                phone_number_id = text_of(number.get("phone_number_id"))
                if own_number and phone_number_id and phone_number_id != own_number:
                    continue
                metadata = {"phone_number_id": phone_number_id, "waba_id": text_of(obj(entry).get("id"))}
                names = {
                    text_of(c.get("wa_id")): text_of(obj(c.get("profile")).get("name"))
                    for c in map(obj, arr(value.get("contacts")))
                }
                for raw in arr(value.get("messages")):
                    if (message := _message(obj(raw), names, inbox, metadata)) is not None:
                        messages.append(message)
                for raw in arr(value.get("statuses")):
                    if (status := _status(obj(raw), inbox, metadata)) is not None:
                        messages.append(status)
        return messages

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """``GET /{version}/{media_id}`` (bearer) gives a short-lived URL; GET that URL with the same bearer.

        The webhook's own ``url`` (newer API versions) expires within minutes, so a fresh one is asked for
        whenever there is a media id.
        """
        auth = {"Authorization": f"Bearer {send_credential(inbox, 'access_token')}"}
        url = attachment.url
        if attachment.media_id:
            base = api_base(inbox, _meta.DEFAULT_API_BASE)
            response = http.download(
                f"{base}/{_meta.GRAPH_VERSION}/{attachment.media_id}", headers=auth, max_bytes=_fetch.JSON_ANSWER_BYTES
            )
            if (error := _meta.graph_error("WhatsApp", response, HINTS)) is not None:
                raise error
            info = response_json(response)
            url = text_of(info.get("url"))
            size = text_of(info.get("file_size"))
            if max_bytes is not None and size.isdigit() and int(size) > max_bytes:
                raise ProviderError(f"the file is {size} bytes, over the {max_bytes}-byte limit", retryable=False)
        if not url:
            raise ProviderError("WhatsApp gave no download URL for this media", retryable=False)
        return _fetch.blob_of(_fetch.download("WhatsApp", http, url, headers=auth, max_bytes=max_bytes), attachment)

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, _meta.DEFAULT_API_BASE)
        phone_number_id = send_credential(inbox, "phone_number_id")
        url = f"{base}/{_meta.GRAPH_VERSION}/{phone_number_id}/messages"
        links = [a.url for a in message.attachments if a.url]
        text = "\n".join([message.body, *links]) if links else message.body
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient.lstrip("+"),
            "type": "text",
            "text": {"preview_url": bool(links), "body": text},
        }
        response = http.request(
            "POST",
            url,
            headers={
                "Authorization": f"Bearer {send_credential(inbox, 'access_token')}",
                "Content-Type": "application/json",
            },
            body=json_body(payload),
        )
        if (error := _meta.graph_error("WhatsApp", response, HINTS)) is not None:
            raise error
        sent = [obj(m) for m in arr(response_json(response).get("messages"))]
        wamid = text_of(sent[0].get("id")) if sent else ""
        return SendResult(provider_message_id=wamid or None, status="sent")
