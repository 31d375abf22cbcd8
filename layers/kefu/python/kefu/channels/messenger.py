"""Messenger and Instagram messaging (``object`` "page" or "instagram"): one adapter, one inbox per Page.

- Verification GET and ``X-Hub-Signature-256`` exactly as WhatsApp (Meta's webhooks).
- Parse: ``entry[].messaging[]`` events: messages (text, attachments, quick replies), postbacks and
  delivery receipts (kind "status" per delivered mid). Echoes of our own messages (``is_echo``) and read
  receipts (a watermark, no message ids) are skipped. Dedupe key: ``message.mid`` (postbacks: their mid, or
  sender + timestamp when the API version has none).
- Send: ``/{version}/me/messages?access_token=<page_access_token>`` with messaging_type RESPONSE.
"""

from __future__ import annotations

import urllib.parse
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

HINTS = {
    551: "this person is not available to receive messages right now",
    190: "the inbox's page_access_token has expired or is invalid",
}
OUTSIDE_WINDOW_SUBCODES = {2018278, 2534022}
_ATTACHMENT_KINDS = {"image": "image", "audio": "voice", "video": "video", "file": "file", "location": "location"}


def _event(platform: str, raw: dict[str, Any], inbox: InboxConfig, page_id: str) -> list[InboundMessage]:
    sender_id = text_of(obj(raw.get("sender")).get("id"))
    if not sender_id:
        return []
    received_at = iso_from_epoch(raw.get("timestamp"), millis=True)
    base: dict[str, Any] = {
        "channel": "messenger",
        "inbox": inbox.id,
        "conversation_key": conversation_key("messenger", inbox, sender_id),
        "sender": Sender(channel="messenger", external_id=sender_id),
        "received_at": received_at,
    }
    metadata = {"platform": platform, "page_id": page_id}
    message = obj(raw.get("message"))
    if message:
        if message.get("is_echo"):
            return []  # our own outbound message, echoed back
        mid = text_of(message.get("mid"))
        if not mid:
            return []
        attachments: list[Attachment] = []
        kind = "text"
        for item in map(obj, arr(message.get("attachments"))):
            item_type = text_of(item.get("type"))
            payload = obj(item.get("payload"))
            if item_type == "location":
                coordinates = obj(payload.get("coordinates"))
                metadata.update(latitude=text_of(coordinates.get("lat")), longitude=text_of(coordinates.get("long")))
            elif payload.get("url"):
                attachments.append(Attachment(url=text_of(payload.get("url")), name=text_of(item.get("title")) or None))
            if kind == "text":
                kind = _ATTACHMENT_KINDS.get(item_type, "file" if item_type else "text")
        quick_reply = obj(message.get("quick_reply"))
        if quick_reply:
            metadata["reply_payload"] = text_of(quick_reply.get("payload"))
        reply_to = obj(message.get("reply_to"))
        if reply_to.get("mid"):
            metadata["reply_to"] = text_of(reply_to.get("mid"))
        text = text_of(message.get("text"))
        if text:
            kind = "text"
        return [
            InboundMessage(
                **base,
                provider_message_id=mid,
                kind=kind,
                text=text,
                attachments=attachments,
                metadata={k: v for k, v in metadata.items() if v},
            )
        ]
    postback = obj(raw.get("postback"))
    if postback:
        mid = text_of(postback.get("mid")) or f"postback:{sender_id}:{text_of(raw.get('timestamp'))}"
        metadata["reply_payload"] = text_of(postback.get("payload"))
        return [
            InboundMessage(
                **base,
                provider_message_id=mid,
                kind="text",
                text=text_of(postback.get("title")),
                metadata={k: v for k, v in metadata.items() if v},
            )
        ]
    delivery = obj(raw.get("delivery"))
    return [
        InboundMessage(
            **base,
            provider_message_id=f"{mid}:delivered",
            kind="status",
            status_of=mid,
            status="delivered",
            metadata=metadata,
        )
        for mid in map(text_of, arr(delivery.get("mids")))
        if mid
    ]


@register
class MessengerAdapter(ChannelAdapter):
    channel = "messenger"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("verify_token", "app_secret", "page_access_token")

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        return _meta.verification_answer(request, inbox)

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        _meta.verify_signature(request, inbox)

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        payload = load_json_object(request.body)
        platform = payload.get("object")
        if platform not in {"page", "instagram"}:
            raise InvalidInput("body is not a Messenger or Instagram webhook (object must be page or instagram)")
        messages: list[InboundMessage] = []
        for entry in map(obj, arr(payload.get("entry"))):
            page_id = text_of(entry.get("id"))
            for raw in arr(entry.get("messaging")):
                messages.extend(_event(str(platform), obj(raw), inbox, page_id))
        return messages

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """The attachment payload's ``url`` is a CDN link that needs no token: a plain GET."""
        url = _fetch.require_url("Messenger", attachment)
        return _fetch.blob_of(_fetch.download("Messenger", http, url, max_bytes=max_bytes), attachment)

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, _meta.DEFAULT_API_BASE)
        token = urllib.parse.quote(send_credential(inbox, "page_access_token"), safe="")
        links = [a.url for a in message.attachments if a.url]
        payload = {
            "recipient": {"id": message.recipient},
            "messaging_type": "RESPONSE",
            "message": {"text": "\n".join([message.body, *links]) if links else message.body},
        }
        response = http.request(
            "POST",
            f"{base}/{_meta.GRAPH_VERSION}/me/messages?access_token={token}",
            headers={"Content-Type": "application/json"},
            body=json_body(payload),
        )
        error = obj(response_json(response).get("error"))
        if response.status >= 400 and error.get("error_subcode") in OUTSIDE_WINDOW_SUBCODES:
            raise ProviderError(
                "Messenger: the customer's last message is more than 24 hours old, so Meta refuses a "
                f"standard reply (send a tagged message instead) [{text_of(error.get('message'))}]",
                retryable=False,
                status=response.status,
            )
        if (failure := _meta.graph_error("Messenger", response, HINTS)) is not None:
            raise failure
        return SendResult(provider_message_id=text_of(response_json(response).get("message_id")) or None)
