"""Weibo fan service (粉丝服务平台) private messages.

- URL check (GET): ``signature`` = sha1(sorted app_secret, timestamp, nonce); answer ``echostr``.
- POST: the same signature in the query; the body is the JSON push (type text / event / position /
  image / voice / mention ...). Follow and unfollow are ``type: event`` with ``data.subtype``.
- Dedupe key: sender_id + created_at (+ type): Weibo pushes carry no message id.
- Answer: an empty 200 (no passive reply; agents answer asynchronously).
- Send: the fan-service active reply API, ``POST {api_base}/2/messages/reply.json`` (default api_base
  https://m.api.weibo.com) with form fields access_token, receiver_id, type=text and
  data=<URL-encoded JSON {"text": ...}> (the same encoding as the documented passive reply's ``data``).
  It is allowed within 48 hours of the fan's last message.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from datetime import datetime

from kefu import clock
from kefu.channels import _fetch
from kefu.channels._common import (
    api_base,
    check_size,
    conversation_key,
    load_json_object,
    obj,
    raise_for_http,
    require_query,
    response_json,
    secure_equals,
    send_credential,
    sha1_sorted,
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
from kefu.errors import InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment

DEFAULT_API_BASE = "https://m.api.weibo.com"
# Private-message files (images, voice) are served by the upload host, ``/2/mss/msget`` with the file id.
DEFAULT_UPLOAD_BASE = "https://upload.api.weibo.com"


def _received_at(created_at: str) -> str:
    try:
        return clock.iso(datetime.strptime(created_at, "%a %b %d %H:%M:%S %z %Y"))
    except ValueError:
        return clock.now_iso()


@register
class WeiboAdapter(ChannelAdapter):
    channel = "weibo"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("app_secret", "access_token")

    def _check(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        signature = require_query(request, "signature")
        timestamp = require_query(request, "timestamp")
        nonce = require_query(request, "nonce")
        if not secure_equals(sha1_sorted(inbox.credential("app_secret"), timestamp, nonce), signature.lower()):
            raise Unauthenticated("signature does not match this inbox's app_secret")

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        if request.method.upper() != "GET":
            return None
        echostr = request.query.get("echostr")
        if echostr is None:
            raise InvalidInput("a Weibo URL check needs the 'echostr' query parameter")
        self._check(request, inbox)
        return FastAnswer(200, echostr)

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        check_size(request)
        self._check(request, inbox)

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        push = load_json_object(request.body)
        sender_id = text_of(push.get("sender_id"))
        msg_type = text_of(push.get("type"))
        if not sender_id or not msg_type:
            raise InvalidInput("Weibo push needs sender_id and type")
        created_at = text_of(push.get("created_at"))
        data = obj(push.get("data"))
        text = text_of(push.get("text"))
        kind, event = "text", None
        attachments: list[Attachment] = []
        metadata = {"receiver_id": text_of(push.get("receiver_id")), "type": msg_type}
        # Weibo's own key, sender + created_at, is only to the second: two messages a fan sends within one
        # second would collide. A digest of the content keeps those apart and a redelivery (same body) one.
        digest = hashlib.sha256(json.dumps([text, data], ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:12]
        if msg_type == "event":
            kind = "event"
            event = text_of(data.get("subtype")) or "unknown"  # follow, unfollow, subscribe, scan ...
            if data.get("key"):
                metadata["event_key"] = text_of(data.get("key"))
            text = ""
        elif msg_type == "position":
            kind = "location"
            metadata.update(latitude=text_of(data.get("latitude")), longitude=text_of(data.get("longitude")))
        elif msg_type in {"image", "voice"}:
            kind = msg_type
            # tovfid is the copy addressed to the receiving account, the one its token may download
            media_id = text_of(data.get("tovfid")) or text_of(data.get("vfid"))
            attachments.append(Attachment(media_id=media_id or None))
        elif msg_type != "text":
            metadata["unhandled_type"] = msg_type  # mention and others: shown as text
        return [
            InboundMessage(
                channel="weibo",
                inbox=inbox.id,
                provider_message_id=f"{sender_id}:{created_at}:{msg_type}:{digest}",
                conversation_key=conversation_key("weibo", inbox, sender_id),
                sender=Sender(channel="weibo", external_id=sender_id),
                kind=kind,
                text=text,
                attachments=attachments,
                event=event,
                metadata={k: v for k, v in metadata.items() if v},
                received_at=_received_at(created_at),
            )
        ]

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """An image or voice message's file: ``GET <upload host>/2/mss/msget?access_token=&fid=<tovfid>``."""
        fid = _fetch.require_media_id("Weibo", attachment)
        base = api_base(inbox, DEFAULT_UPLOAD_BASE)
        query = urllib.parse.urlencode({"access_token": send_credential(inbox, "access_token"), "fid": fid})
        # download(), not request(): its errors never repeat the URL, which carries the token
        response = _fetch.download("Weibo", http, f"{base}/2/mss/msget?{query}", max_bytes=max_bytes)
        answer = _fetch.json_answer(response)  # an error can come back as JSON with status 200
        if answer is not None and (answer.get("error") or answer.get("error_code")):
            raise ProviderError(
                f"Weibo refused the file: {text_of(answer.get('error')) or 'unknown error'}"
                f" (error_code {text_of(answer.get('error_code'))})",
                retryable=False,
            )
        return _fetch.blob_of(response, attachment)

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, DEFAULT_API_BASE)
        links = [a.url for a in message.attachments if a.url]
        text = "\n".join([message.body, *links]) if links else message.body
        data = urllib.parse.quote(json.dumps({"text": text}, ensure_ascii=False, separators=(",", ":")))
        form = urllib.parse.urlencode(
            {
                "access_token": send_credential(inbox, "access_token"),
                "receiver_id": message.recipient,
                "type": "text",
                "data": data,
            }
        )
        response = http.request(
            "POST",
            f"{base}/2/messages/reply.json",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=form.encode(),
        )
        answer = response_json(response)
        reason = text_of(answer.get("error")) + (
            f" (error_code {answer['error_code']})" if answer.get("error_code") else ""
        )
        raise_for_http("Weibo", response, reason or None)
        if answer.get("error_code"):
            raise ProviderError(f"Weibo refused the message: {reason}", retryable=False, status=response.status)
        return SendResult(provider_message_id=text_of(answer.get("id")) or None)
