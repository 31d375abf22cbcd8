"""Telegram Bot API.

- No HMAC: ``X-Telegram-Bot-Api-Secret-Token`` must equal the ``secret_token`` given to setWebhook
  (constant-time comparison).
- Updates: ``message`` and ``edited_message`` (text, photo, voice, audio, video, document, sticker,
  location); other update kinds (callback queries, polls ...) are acknowledged and skipped.
  Dedupe key: ``update_id`` (an edit is a new update; it carries the edited message id in metadata).
- The customer is the chat (``chat.id``): the same as the user in private chats, the group otherwise, so a
  reply goes where the customer wrote. Media are Telegram file_ids (the media pipeline calls getFile).
- Send: ``/bot{token}/sendMessage``; 429 (flood control) and 5xx are retryable.
"""

from __future__ import annotations

import urllib.parse
from hmac import compare_digest
from typing import Any, NoReturn

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
from kefu.errors import InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment

DEFAULT_API_BASE = "https://api.telegram.org"
_MEDIA = {
    "voice": ("voice", "audio/ogg"),
    "audio": ("voice", None),
    "video": ("video", "video/mp4"),
    "video_note": ("video", "video/mp4"),
    "document": ("file", None),
    "sticker": ("image", "image/webp"),
    "animation": ("video", "video/mp4"),
}


def _file(item: dict[str, Any], default_type: str | None) -> Attachment:
    size = item.get("file_size")
    duration = item.get("duration")  # voice, audio, video: seconds
    return Attachment(
        media_id=text_of(item.get("file_id")) or None,
        name=text_of(item.get("file_name")) or None,
        content_type=text_of(item.get("mime_type")) or default_type,
        size=size if isinstance(size, int) else None,
        duration_seconds=duration if isinstance(duration, int) and not isinstance(duration, bool) else None,
    )


def _content(message: dict[str, Any]) -> tuple[str, str, list[Attachment], dict[str, str]]:
    text = text_of(message.get("text")) or text_of(message.get("caption"))
    photos = [obj(p) for p in arr(message.get("photo"))]
    if photos:
        # Telegram sends several sizes; the last one is the largest
        return "image", text, [_file(photos[-1], "image/jpeg")], {}
    for key, (kind, content_type) in _MEDIA.items():
        item = obj(message.get(key))
        if item:
            if key == "sticker" and not text:
                text = text_of(item.get("emoji"))
            return kind, text, [_file(item, content_type)], {}
    location = obj(message.get("location"))
    if location:
        coordinates = {"latitude": text_of(location.get("latitude")), "longitude": text_of(location.get("longitude"))}
        venue = obj(message.get("venue"))
        label = ", ".join(p for p in (text_of(venue.get("title")), text_of(venue.get("address"))) if p)
        return "location", label, [], coordinates
    contact = obj(message.get("contact"))
    if contact:
        return (
            "text",
            " ".join(p for p in (text_of(contact.get("first_name")), text_of(contact.get("phone_number"))) if p),
            [],
            {},
        )
    return "text", text, [], {}


def _refuse(request: WebhookRequest, inbox: InboxConfig, given: str | None) -> NoReturn:
    """Why ``verify`` did not accept: the body's size first, then the header, the inbox, the value."""
    check_size(request)
    if not given:
        raise Unauthenticated("missing X-Telegram-Bot-Api-Secret-Token header")
    secret = inbox.credential("secret_token")  # InvalidInput when the inbox has none
    if not (given.isascii() and compare_digest(secret.encode(), given.encode())):
        raise Unauthenticated("X-Telegram-Bot-Api-Secret-Token does not match this inbox's secret_token")
    raise Unauthenticated("X-Telegram-Bot-Api-Secret-Token could not be checked")  # not reached


@register
class TelegramAdapter(ChannelAdapter):
    channel = "telegram"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("secret_token", "bot_token")

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        # Every delivery passes here, so the accepted path is one header read, one credential read and one
        # constant-time compare of the two strings as they are (compare_digest takes ASCII str: no encoding,
        # no method call); any other outcome goes to _refuse, which names the check that failed.
        given = request.headers.get("x-telegram-bot-api-secret-token")
        try:
            if (
                given
                and compare_digest(inbox.credentials.get("secret_token", ""), given)
                and len(request.body) <= MAX_BODY_BYTES
            ):
                return
        except TypeError:  # a non-ASCII value (Telegram's tokens are A-Z a-z 0-9 _ -): refused below
            pass
        _refuse(request, inbox, given)

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        update = load_json_object(request.body)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            raise InvalidInput("Telegram update has no numeric update_id")
        edited = "edited_message" in update
        message = obj(update.get("edited_message") if edited else update.get("message"))
        if not message:
            return []  # callback_query, poll, my_chat_member ...: nothing for an agent
        chat = obj(message.get("chat"))
        chat_id = text_of(chat.get("id"))
        if not chat_id:
            raise InvalidInput("Telegram message has no chat.id")
        user = obj(message.get("from"))
        private = chat.get("type") == "private"
        name_source = user if private else chat
        display_name = (
            " ".join(p for p in (text_of(name_source.get("first_name")), text_of(name_source.get("last_name"))) if p)
            or text_of(chat.get("title"))
            or None
        )
        kind, text, attachments, metadata = _content(message)
        metadata.update(
            message_id=text_of(message.get("message_id")),
            chat_type=text_of(chat.get("type")),
            from_id=text_of(user.get("id")),
            username=text_of(user.get("username")),
        )
        if edited:
            metadata["edited"] = "true"
        return [
            InboundMessage(
                channel="telegram",
                inbox=inbox.id,
                provider_message_id=str(update_id),
                conversation_key=conversation_key("telegram", inbox, chat_id),
                sender=Sender(
                    channel="telegram",
                    external_id=chat_id,
                    display_name=display_name,
                    locale=(text_of(user.get("language_code")) or None) if private else None,
                ),
                kind=kind,
                text=text,
                attachments=attachments,
                metadata={k: v for k, v in metadata.items() if v},
                received_at=iso_from_epoch(message.get("edit_date") if edited else message.get("date")),
            )
        ]

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """``getFile`` turns the file_id into a ``file_path``; the bytes are at ``/file/bot<token>/<file_path>``.

        Bots may download files up to 20 MB; Telegram answers larger ones with 400 "file is too big".
        """
        file_id = _fetch.require_media_id("Telegram", attachment)
        base = api_base(inbox, DEFAULT_API_BASE)
        token = urllib.parse.quote(send_credential(inbox, "bot_token"), safe=":")
        query = urllib.parse.urlencode({"file_id": file_id})
        # download(), not request(): its errors never repeat the URL, which carries the bot token
        response = http.download(f"{base}/bot{token}/getFile?{query}", max_bytes=_fetch.JSON_ANSWER_BYTES)
        data = response_json(response)
        if response.status >= 400 or data.get("ok") is not True:
            error_code = data.get("error_code")
            code = error_code if isinstance(error_code, int) else response.status
            reason = text_of(data.get("description")) or f"HTTP {response.status}"
            raise ProviderError(
                f"Telegram getFile answered {code}: {reason}", retryable=code >= 500 or code == 429, status=code
            )
        file_path = text_of(obj(data.get("result")).get("file_path"))
        if not file_path:
            raise ProviderError("Telegram getFile gave no file_path (the file is not downloadable)", retryable=False)
        url = f"{base}/file/bot{token}/{urllib.parse.quote(file_path)}"
        response = _fetch.download("Telegram", http, url, max_bytes=max_bytes)
        return _fetch.blob_of(response, attachment, name=file_path.rsplit("/", 1)[-1])

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, DEFAULT_API_BASE)
        token = urllib.parse.quote(send_credential(inbox, "bot_token"), safe=":")
        links = [a.url for a in message.attachments if a.url]
        text = "\n".join([message.body, *links]) if links else message.body
        response = http.request(
            "POST",
            f"{base}/bot{token}/sendMessage",
            headers={"Content-Type": "application/json"},
            body=json_body({"chat_id": message.recipient, "text": text[:4096]}),
        )
        data = response_json(response)
        if response.status >= 400 or data.get("ok") is not True:
            error_code = data.get("error_code")
            code = error_code if isinstance(error_code, int) else response.status
            reason = text_of(data.get("description")) or response.body[:300].decode("utf-8", "replace")
            retry_after = text_of(obj(data.get("parameters")).get("retry_after"))
            hint = f" (retry after {retry_after} s)" if retry_after else ""
            raise ProviderError(
                f"Telegram answered {code}: {reason}{hint}",
                retryable=code >= 500 or code == 429,
                status=response.status,
            )
        result = obj(data.get("result"))
        return SendResult(provider_message_id=text_of(result.get("message_id")) or None)
