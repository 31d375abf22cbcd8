"""LINE Messaging API.

- ``x-line-signature`` = base64 HMAC-SHA256(channel_secret, raw body).
- Events: message (text, image, audio, video, file, location, sticker), follow / unfollow, postback and
  anything else as kind "event". Dedupe key: ``webhookEventId``.
- The customer is the chat we can push to: the user for 1:1 chats, the group or room for group chats
  (``source.groupId`` / ``roomId``; the speaking user id goes to metadata), so replies reach the same chat.
- Media sent by the user is fetched by the media pipeline from
  ``https://api-data.line.me/v2/bot/message/{media_id}/content`` (or ``originalContentUrl`` when external).
- Send: push ``/v2/bot/message/push`` with ``X-Line-Retry-Key`` derived from our message id, so an outbound
  retry after a timeout cannot deliver twice (LINE answers 409 for an already accepted key: success).
"""

from __future__ import annotations

import base64
import hmac
import urllib.parse
import uuid
from typing import Any

from kefu.channels import _fetch
from kefu.channels._common import (
    MAX_BODY_BYTES,
    api_base,
    arr,
    check_size,
    conversation_key,
    iso_from_epoch,
    json_body,
    load_json_object,
    obj,
    raise_for_http,
    response_json,
    send_credential,
    text_of,
)
from kefu.channels.base import (
    ChannelAdapter,
    HttpClient,
    InboxConfig,
    MediaBlob,
    SendResult,
    WebhookRequest,
    register,
)
from kefu.errors import ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment

DEFAULT_API_BASE = "https://api.line.me"
CONTENT_URL = "https://api-data.line.me/v2/bot/message/{id}/content"
DEFAULT_DATA_API_BASE = "https://api-data.line.me"  # content downloads live on their own host
STICKER_URL = "https://stickershop.line-scdn.net/stickershop/v1/sticker/{id}/android/sticker.png"
_RETRY_NAMESPACE = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
_MEDIA = {"image": ("image", "image/jpeg"), "audio": ("voice", "audio/m4a"), "video": ("video", "video/mp4")}


def line_signature(channel_secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.digest(channel_secret.encode(), body, "sha256")).decode()


def _message_fields(message: dict[str, Any]) -> tuple[str, str, list[Attachment], dict[str, str]]:
    msg_type = text_of(message.get("type"))
    msg_id = text_of(message.get("id"))
    metadata: dict[str, str] = {"line_message_id": msg_id}
    if msg_type == "text":
        return "text", text_of(message.get("text")), [], metadata
    if msg_type in _MEDIA:
        kind, content_type = _MEDIA[msg_type]
        provider = obj(message.get("contentProvider"))
        url = text_of(provider.get("originalContentUrl")) if provider.get("type") == "external" else ""
        url = url or CONTENT_URL.format(id=msg_id)
        return kind, "", [Attachment(content_type=content_type, media_id=msg_id, url=url)], metadata
    if msg_type == "file":
        size = message.get("fileSize")
        attachment = Attachment(
            name=text_of(message.get("fileName")) or None,
            size=size if isinstance(size, int) else None,
            media_id=msg_id,
            url=CONTENT_URL.format(id=msg_id),
        )
        return "file", "", [attachment], metadata
    if msg_type == "location":
        metadata.update(latitude=text_of(message.get("latitude")), longitude=text_of(message.get("longitude")))
        text = ", ".join(p for p in (text_of(message.get("title")), text_of(message.get("address"))) if p)
        return "location", text, [], metadata
    if msg_type == "sticker":
        sticker_id = text_of(message.get("stickerId"))
        metadata.update(sticker_package_id=text_of(message.get("packageId")), sticker_id=sticker_id)
        keywords = [text_of(k) for k in arr(message.get("keywords"))[:5]]
        attachment = Attachment(content_type="image/png", name="sticker.png", url=STICKER_URL.format(id=sticker_id))
        return "image", " ".join(keywords) or "[sticker]", [attachment], metadata
    metadata["unhandled_type"] = msg_type
    return "event", "", [], metadata


def _event(raw: dict[str, Any], inbox: InboxConfig, destination: str) -> InboundMessage | None:
    source = obj(raw.get("source"))
    source_type = text_of(source.get("type"))
    user_id = text_of(source.get("userId"))
    chat_id = text_of(source.get("groupId")) or text_of(source.get("roomId")) or user_id
    if not chat_id:
        return None
    event_type = text_of(raw.get("type")) or "unknown"
    metadata: dict[str, str] = {"source_type": source_type, "destination": destination}
    if user_id and user_id != chat_id:
        metadata["line_user_id"] = user_id
    if obj(raw.get("deliveryContext")).get("isRedelivery"):
        metadata["redelivery"] = "true"
    kind, text, event = "event", "", None
    attachments: list[Attachment] = []
    if event_type == "message":
        kind, text, attachments, extra = _message_fields(obj(raw.get("message")))
        metadata.update(extra)
        if kind == "event":
            event = "message"
    elif event_type == "postback":
        event, text = "postback", text_of(obj(raw.get("postback")).get("data"))
    else:
        event = event_type  # follow, unfollow, join, leave, memberJoined, unsend ...
    message_id = metadata.get("line_message_id", "")
    provider_id = (
        text_of(raw.get("webhookEventId"))
        or (f"message:{message_id}" if message_id else "")
        or f"{event_type}:{chat_id}:{text_of(raw.get('timestamp'))}"
    )
    return InboundMessage(
        channel="line",
        inbox=inbox.id,
        provider_message_id=provider_id,
        conversation_key=conversation_key("line", inbox, chat_id),
        sender=Sender(channel="line", external_id=chat_id),
        kind=kind,
        text=text,
        attachments=attachments,
        event=event,
        metadata={k: v for k, v in metadata.items() if v},
        received_at=iso_from_epoch(raw.get("timestamp"), millis=True),
    )


@register
class LineAdapter(ChannelAdapter):
    channel = "line"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("channel_secret", "channel_access_token")

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        # every delivery passes here: the HMAC and one compare, as little else as possible
        if len(request.body) > MAX_BODY_BYTES:
            check_size(request)
        given = request.headers.get("x-line-signature")
        if not given:
            raise Unauthenticated("missing x-line-signature header")
        expected = base64.b64encode(hmac.digest(inbox.credential("channel_secret").encode(), request.body, "sha256"))
        if not hmac.compare_digest(expected, given.strip().encode()):
            raise Unauthenticated("x-line-signature does not match the body signed with this inbox's channel_secret")

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        payload = load_json_object(request.body)
        destination = text_of(payload.get("destination"))
        events = (_event(obj(raw), inbox, destination) for raw in arr(payload.get("events")))
        return [event for event in events if event is not None]

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """``GET {api-data}/v2/bot/message/{id}/content`` with the channel token; external content
        (``originalContentUrl``) and stickers are plain GETs of their own URL.

        The content host is api-data.line.me, not api.line.me: an inbox's ``api_base`` replaces both.
        """
        media_id = attachment.media_id
        if media_id and (not attachment.url or attachment.url == CONTENT_URL.format(id=media_id)):
            base = api_base(inbox, DEFAULT_DATA_API_BASE)
            url = f"{base}/v2/bot/message/{urllib.parse.quote(media_id, safe='')}/content"
            auth = {"Authorization": f"Bearer {send_credential(inbox, 'channel_access_token')}"}
            response = _fetch.download("LINE", http, url, headers=auth, max_bytes=max_bytes)
        else:
            url = _fetch.require_url("LINE", attachment)
            response = _fetch.download("LINE", http, url, max_bytes=max_bytes)
        if response.status == 202:
            # audio and video are transcoded first; the content answers 202 until it is ready
            raise ProviderError("LINE is still preparing this content; try again shortly", retryable=True)
        return _fetch.blob_of(response, attachment)

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, DEFAULT_API_BASE)
        links = [a.url for a in message.attachments if a.url]
        text = "\n".join([message.body, *links]) if links else message.body
        response = http.request(
            "POST",
            f"{base}/v2/bot/message/push",
            headers={
                "Authorization": f"Bearer {send_credential(inbox, 'channel_access_token')}",
                "Content-Type": "application/json",
                "X-Line-Retry-Key": str(uuid.uuid5(_RETRY_NAMESPACE, message.message_id)),
            },
            body=json_body({"to": message.recipient, "messages": [{"type": "text", "text": text[:5000]}]}),
        )
        data = response_json(response)
        if response.status == 409 and response.headers.get("x-line-accepted-request-id"):
            return SendResult(provider_message_id=None, status="sent")  # an earlier try was accepted
        details = "; ".join(text_of(obj(d).get("message")) for d in arr(data.get("details")))
        reason = text_of(data.get("message")) + (f" ({details})" if details else "")
        raise_for_http("LINE", response, reason or None)
        sent = [obj(m) for m in arr(data.get("sentMessages"))]
        return SendResult(provider_message_id=(text_of(sent[0].get("id")) if sent else "") or None)
