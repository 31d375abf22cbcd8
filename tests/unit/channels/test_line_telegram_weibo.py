from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import Any

import pytest

from kefu.channels._common import sha1_sorted
from kefu.channels.base import InboxConfig
from kefu.channels.line import LineAdapter, line_signature
from kefu.channels.telegram import TelegramAdapter
from kefu.channels.weibo import WeiboAdapter
from kefu.errors import InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import OutboundMessage

from .conftest import make_request, sample

LINE = InboxConfig(
    id="line-1", channel="line", credentials={"channel_secret": "channel_secret", "channel_access_token": "LINE-TOKEN"}
)
TG = InboxConfig(id="tg-1", channel="telegram", credentials={"secret_token": "s3cr3t_Token-1", "bot_token": "123:ABC"})
WEIBO = InboxConfig(id="wb-1", channel="weibo", credentials={"app_secret": "xyz123xyz", "access_token": "WB-TOKEN"})


def outbound(channel: str, recipient: str, body: str = "hello") -> OutboundMessage:
    return OutboundMessage(
        ticket_id="T1",
        message_id="M1",
        channel=channel,
        inbox="x",
        conversation_key="k",
        recipient=recipient,
        body=body,
    )


# --- LINE ------------------------------------------------------------------------------------------------


def line_request(body: bytes | dict[str, Any]):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return make_request(body=raw, headers={"x-line-signature": line_signature("channel_secret", raw)})


def test_line_official_vector() -> None:
    expected = "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    assert line_signature("channel_secret", b"bodybodybodybody") == expected
    LineAdapter().verify(make_request(body=b"bodybodybodybody", headers={"X-Line-Signature": expected}), LINE)
    with pytest.raises(Unauthenticated, match="x-line-signature does not match"):
        LineAdapter().verify(make_request(body=b"bodybodybodybodY", headers={"X-Line-Signature": expected}), LINE)
    with pytest.raises(Unauthenticated, match="missing x-line-signature header"):
        LineAdapter().verify(make_request(body=b"bodybodybodybody"), LINE)


def test_line_sample() -> None:
    request = line_request(sample("line/webhook_text_image_follow.json"))
    LineAdapter().verify(request, LINE)
    text, image, follow = LineAdapter().parse(request, LINE)
    assert (text.kind, text.text, text.provider_message_id) == ("text", "Hello, world", "testwebhookeventid")
    assert text.sender.external_id == "U206d25c2ea6bd87c17655609a1c37cb8"
    assert text.conversation_key == "line:line-1:U206d25c2ea6bd87c17655609a1c37cb8"
    assert text.received_at == "2016-05-07T13:57:59.859Z"
    assert image.kind == "image"
    assert image.sender.external_id == "Ra8dbf4673c4c812cd491258042226c99"  # the room is the chat
    assert image.attachments[0].url == "https://example.com"
    assert (follow.kind, follow.event) == ("event", "follow")


def test_line_more_message_types_per_the_docs() -> None:
    def event(message: dict[str, Any], event_id: str) -> dict[str, Any]:
        return {
            "type": "message",
            "mode": "active",
            "timestamp": 1700000000000,
            "webhookEventId": event_id,
            "deliveryContext": {"isRedelivery": True},
            "replyToken": "r",
            "source": {"type": "group", "groupId": "Cgroup", "userId": "Uuser"},
            "message": message,
        }

    payload = {
        "destination": "Ubot",
        "events": [
            event(
                {
                    "id": "1",
                    "type": "sticker",
                    "packageId": "446",
                    "stickerId": "1988",
                    "stickerResourceType": "STATIC",
                    "keywords": ["happy", "smile"],
                },
                "e1",
            ),
            event(
                {
                    "id": "2",
                    "type": "location",
                    "title": "Shop",
                    "address": "Tokyo",
                    "latitude": 35.65,
                    "longitude": 139.7,
                },
                "e2",
            ),
            event({"id": "3", "type": "file", "fileName": "receipt.pdf", "fileSize": 2048}, "e3"),
            event({"id": "4", "type": "audio", "duration": 6000, "contentProvider": {"type": "line"}}, "e4"),
            {
                "type": "unfollow",
                "mode": "active",
                "timestamp": 1700000000000,
                "webhookEventId": "e5",
                "source": {"type": "user", "userId": "Uuser"},
                "deliveryContext": {"isRedelivery": False},
            },
            {
                "type": "postback",
                "timestamp": 1700000000000,
                "webhookEventId": "e6",
                "replyToken": "r",
                "source": {"type": "user", "userId": "Uuser"},
                "postback": {"data": "action=refund&order=10086"},
            },
        ],
    }
    sticker, location, file, audio, unfollow, postback = LineAdapter().parse(line_request(payload), LINE)
    assert (sticker.kind, sticker.text, sticker.metadata["sticker_id"]) == ("image", "happy smile", "1988")
    assert sticker.sender.external_id == "Cgroup"
    assert sticker.metadata["line_user_id"] == "Uuser"
    assert sticker.metadata["redelivery"] == "true"
    assert (location.kind, location.text, location.metadata["latitude"]) == ("location", "Shop, Tokyo", "35.65")
    assert (file.kind, file.attachments[0].name, file.attachments[0].size) == ("file", "receipt.pdf", 2048)
    assert audio.attachments[0].url == "https://api-data.line.me/v2/bot/message/4/content"
    assert (unfollow.event, unfollow.sender.external_id) == ("unfollow", "Uuser")
    assert (postback.event, postback.text) == ("postback", "action=refund&order=10086")


def test_line_send(provider, http) -> None:
    inbox = LINE.model_copy(update={"api_base": provider.base})
    provider.script("/v2/bot/message/push", body={"sentMessages": [{"id": "461230966842064897", "quoteToken": "q"}]})
    result = LineAdapter().send(outbound("line", "U206d25c2ea6bd87c17655609a1c37cb8"), inbox, http)
    assert result.provider_message_id == "461230966842064897"
    [request] = provider.requests
    assert request.headers["authorization"] == "Bearer LINE-TOKEN"
    assert uuid.UUID(request.headers["x-line-retry-key"]).version == 5
    assert request.json() == {
        "to": "U206d25c2ea6bd87c17655609a1c37cb8",
        "messages": [{"type": "text", "text": "hello"}],
    }
    provider.script(
        "/v2/bot/message/push",
        400,
        {"message": "The request body has 1 error(s)", "details": [{"message": "must be specified", "property": "to"}]},
    )
    with pytest.raises(ProviderError, match="must be specified") as bad:
        LineAdapter().send(outbound("line", "U1"), inbox, http)
    assert bad.value.retryable is False
    provider.script("/v2/bot/message/push", 500, {"message": "Internal error"})
    with pytest.raises(ProviderError) as down:
        LineAdapter().send(outbound("line", "U1"), inbox, http)
    assert down.value.retryable is True


# --- Telegram --------------------------------------------------------------------------------------------


def tg_request(body: bytes | dict[str, Any], secret: str = "s3cr3t_Token-1"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return make_request(body=raw, headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def test_telegram_secret_header_from_sample() -> None:
    header_line = next(
        line for line in sample("telegram/request_headers.txt").decode().splitlines() if line.startswith("X-Telegram")
    )
    name, value = (part.strip() for part in header_line.split(":", 1))
    TelegramAdapter().verify(make_request(body=b"{}", headers={name: value}), TG)
    with pytest.raises(Unauthenticated, match="does not match"):
        TelegramAdapter().verify(tg_request(b"{}", secret="s3cr3t_Token-2"), TG)
    with pytest.raises(Unauthenticated, match="missing X-Telegram-Bot-Api-Secret-Token header"):
        TelegramAdapter().verify(make_request(body=b"{}"), TG)


def test_telegram_secret_refusals_name_the_check() -> None:
    adapter = TelegramAdapter()
    # a non-ASCII header is a wrong secret (401), not a crash of the str compare
    with pytest.raises(Unauthenticated, match="does not match"):
        adapter.verify(tg_request(b"{}", secret="s3cr3t_Token-\u00e9"), TG)
    with pytest.raises(Unauthenticated, match="does not match"):
        adapter.verify(tg_request(b"{}", secret="s3cr3t_Token-"), TG)  # a prefix of the secret
    with pytest.raises(Unauthenticated, match="missing X-Telegram-Bot-Api-Secret-Token header"):
        adapter.verify(tg_request(b"{}", secret=""), TG)
    # an inbox without a secret_token refuses every delivery, an empty header included, and says why
    no_secret = InboxConfig(id="tg-2", channel="telegram", credentials={"secret_token": "", "bot_token": "1:A"})
    with pytest.raises(Unauthenticated, match="missing X-Telegram-Bot-Api-Secret-Token header"):
        adapter.verify(tg_request(b"{}", secret=""), no_secret)
    with pytest.raises(InvalidInput, match="has no credential 'secret_token'"):
        adapter.verify(tg_request(b"{}", secret="anything"), no_secret)
    # the right secret on a body over the limit: refused for its size
    with pytest.raises(InvalidInput, match="bytes, more than"):
        adapter.verify(tg_request(b"{" + b" " * (1024 * 1024) + b"}"), TG)


def test_telegram_text_sample() -> None:
    [message] = TelegramAdapter().parse(tg_request(sample("telegram/update_text_message.json")), TG)
    assert (message.provider_message_id, message.text, message.kind) == ("10000", "/start", "text")
    assert message.sender.external_id == "1111111"
    assert message.sender.display_name == "Test Lastname"
    assert message.sender.locale == "zh-hans"
    assert message.conversation_key == "telegram:tg-1:1111111"
    assert message.received_at == "2015-09-07T17:05:32.000Z"
    assert message.metadata["username"] == "Test"


def test_telegram_media_location_edits_and_other_updates() -> None:
    chat = {"id": 42, "type": "private", "first_name": "Wang"}
    user = {"id": 42, "is_bot": False, "first_name": "Wang", "language_code": "zh-hans"}
    photo = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "from": user,
            "chat": chat,
            "date": 1700000000,
            "caption": "broken",
            "photo": [
                {"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90, "file_size": 1000},
                {"file_id": "large", "file_unique_id": "b", "width": 1280, "height": 1280, "file_size": 90000},
            ],
        },
    }
    [image] = TelegramAdapter().parse(tg_request(photo), TG)
    assert (image.kind, image.text, image.attachments[0].media_id, image.attachments[0].size) == (
        "image",
        "broken",
        "large",
        90000,
    )
    voice = {
        "update_id": 2,
        "message": {
            "message_id": 6,
            "from": user,
            "chat": chat,
            "date": 1700000001,
            "voice": {"file_id": "v1", "file_unique_id": "c", "duration": 3, "mime_type": "audio/ogg"},
        },
    }
    [audio] = TelegramAdapter().parse(tg_request(voice), TG)
    assert (audio.kind, audio.attachments[0].content_type) == ("voice", "audio/ogg")
    assert audio.attachments[0].duration_seconds == 3
    document = {
        "update_id": 3,
        "message": {
            "message_id": 7,
            "from": user,
            "chat": chat,
            "date": 1700000002,
            "document": {
                "file_id": "d1",
                "file_unique_id": "d",
                "file_name": "发票.pdf",
                "mime_type": "application/pdf",
                "file_size": 5,
            },
        },
    }
    [doc] = TelegramAdapter().parse(tg_request(document), TG)
    assert (doc.kind, doc.attachments[0].name) == ("file", "发票.pdf")
    location = {
        "update_id": 4,
        "message": {
            "message_id": 8,
            "from": user,
            "chat": chat,
            "date": 1700000003,
            "location": {"latitude": 39.9, "longitude": 116.4},
        },
    }
    [loc] = TelegramAdapter().parse(tg_request(location), TG)
    assert (loc.kind, loc.metadata["latitude"], loc.metadata["longitude"]) == ("location", "39.9", "116.4")
    edited = {
        "update_id": 5,
        "edited_message": {
            "message_id": 5,
            "from": user,
            "chat": chat,
            "date": 1700000000,
            "edit_date": 1700000100,
            "text": "fixed typo",
        },
    }
    [edit] = TelegramAdapter().parse(tg_request(edited), TG)
    assert (edit.provider_message_id, edit.text, edit.metadata["edited"]) == ("5", "fixed typo", "true")
    assert edit.received_at == "2023-11-14T22:15:00.000Z"
    group = {
        "update_id": 6,
        "message": {
            "message_id": 9,
            "from": user,
            "date": 1700000000,
            "text": "hi all",
            "chat": {"id": -1001, "type": "supergroup", "title": "Buyers"},
        },
    }
    [grp] = TelegramAdapter().parse(tg_request(group), TG)
    assert (grp.sender.external_id, grp.sender.display_name, grp.metadata["from_id"]) == ("-1001", "Buyers", "42")
    assert TelegramAdapter().parse(tg_request({"update_id": 7, "callback_query": {"id": "1"}}), TG) == []
    with pytest.raises(InvalidInput, match="update_id"):
        TelegramAdapter().parse(tg_request({"message": {}}), TG)


def test_telegram_send(provider, http) -> None:
    inbox = TG.model_copy(update={"api_base": provider.base})
    provider.script("/bot123:ABC/sendMessage", body={"ok": True, "result": {"message_id": 77, "chat": {"id": 42}}})
    assert TelegramAdapter().send(outbound("telegram", "42"), inbox, http).provider_message_id == "77"
    [request] = provider.requests
    assert request.json() == {"chat_id": "42", "text": "hello"}
    provider.script(
        "/bot123:ABC/sendMessage",
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    with pytest.raises(ProviderError, match="blocked by the user") as blocked:
        TelegramAdapter().send(outbound("telegram", "42"), inbox, http)
    assert blocked.value.retryable is False
    provider.script(
        "/bot123:ABC/sendMessage",
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    with pytest.raises(ProviderError, match="retry after 5") as flood:
        TelegramAdapter().send(outbound("telegram", "42"), inbox, http)
    assert flood.value.retryable is True


# --- Weibo -----------------------------------------------------------------------------------------------


def weibo_post(body: bytes, timestamp: str = "1397022061823", nonce: str = "57155157", secret: str = "xyz123xyz"):
    query = {"signature": sha1_sorted(secret, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    return make_request("POST", body=body, query=query)


def test_weibo_official_vector_url_check() -> None:
    assert sha1_sorted("xyz123xyz", "1397022061823", "57155157") == "90e4c22c90a58f26526c2dd5b6c56c8822edeaa1"
    line = sample("weibo/url_verification_get.txt").decode().split(" ")[1]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(line).query))
    answer = WeiboAdapter().handshake(make_request("GET", query=query), WEIBO)
    assert answer is not None
    assert (answer.status, answer.body) == (200, "dnPdpTZz85")
    with pytest.raises(Unauthenticated, match="signature does not match"):
        WeiboAdapter().handshake(make_request("GET", query={**query, "nonce": "57155158"}), WEIBO)


def test_weibo_samples() -> None:
    request = weibo_post(sample("weibo/text_message.json"))
    WeiboAdapter().verify(request, WEIBO)
    [text] = WeiboAdapter().parse(request, WEIBO)
    assert (text.kind, text.text) == ("text", "私信或留言内容")
    assert text.provider_message_id.startswith("2489518277:Mon Jul 16 18:09:20 +0800 2012:text:")
    assert text.sender.external_id == "2489518277"
    assert text.conversation_key == "weibo:wb-1:2489518277"
    assert text.received_at == "2012-07-16T10:09:20.000Z"
    [follow] = WeiboAdapter().parse(weibo_post(sample("weibo/event_follow.json")), WEIBO)
    assert (follow.kind, follow.event) == ("event", "follow")
    unfollow = json.loads(sample("weibo/event_follow.json"))
    unfollow["data"]["subtype"] = "unfollow"
    [gone] = WeiboAdapter().parse(weibo_post(json.dumps(unfollow).encode()), WEIBO)
    assert gone.event == "unfollow"
    with pytest.raises(Unauthenticated):
        WeiboAdapter().verify(weibo_post(sample("weibo/text_message.json"), secret="wrong"), WEIBO)
    with pytest.raises(Unauthenticated, match="missing 'signature'"):
        WeiboAdapter().verify(make_request("POST", body=b"{}", query={}), WEIBO)


def test_weibo_send(provider, http) -> None:
    inbox = WEIBO.model_copy(update={"api_base": provider.base})
    provider.script("/2/messages/reply.json", body={"result": True, "id": "9001"})
    result = WeiboAdapter().send(outbound("weibo", "2489518277", "中文消息"), inbox, http)
    assert result.provider_message_id == "9001"
    form = provider.requests[0].form()
    assert form["access_token"] == "WB-TOKEN"
    assert form["receiver_id"] == "2489518277"
    assert form["type"] == "text"
    # the same double encoding as the documented passive reply's data field
    expected = json.loads(sample("weibo/passive_reply_text.json"))["data"]
    assert form["data"] == expected
    provider.script("/2/messages/reply.json", 400, {"error": "receiver not a fan", "error_code": 21335})
    with pytest.raises(ProviderError, match="receiver not a fan") as refused:
        WeiboAdapter().send(outbound("weibo", "1"), inbox, http)
    assert refused.value.retryable is False


def test_weibo_messages_within_one_second_stay_apart_and_a_redelivery_does_not() -> None:
    def key(body: dict[str, object]) -> str:
        return WeiboAdapter().parse(weibo_post(json.dumps(body).encode()), WEIBO)[0].provider_message_id

    base = {
        "type": "text",
        "receiver_id": 1,
        "sender_id": 2,
        "created_at": "Mon Jul 16 18:09:20 +0800 2012",
        "text": "first",
        "data": {},
    }
    assert key(base) == key(dict(base))
    assert key(base) != key({**base, "text": "second"})


def test_weibo_fetch_media_downloads_the_private_message_file(provider, http) -> None:
    from kefu.models import Attachment

    inbox = WEIBO.model_copy(update={"api_base": provider.base})
    provider.script("/2/mss/msget", body=b"\xff\xd8\xff\xe0" + b"\x00" * 32, content_type="image/jpeg")
    blob = WeiboAdapter().fetch_media(Attachment(media_id="4322"), inbox, http)
    assert blob.content.startswith(b"\xff\xd8") and blob.content_type.startswith("image/jpeg")
    [call] = provider.requests
    assert call.query == {"access_token": "WB-TOKEN", "fid": "4322"}

    provider.script("/2/mss/msget", body={"error": "file not found", "error_code": 21602})
    with pytest.raises(ProviderError, match="file not found") as refused:
        WeiboAdapter().fetch_media(Attachment(media_id="999"), inbox, http)
    assert refused.value.retryable is False


def test_weibo_image_message_points_at_the_receivers_copy_of_the_file() -> None:
    body = {
        "type": "image",
        "receiver_id": 1,
        "sender_id": 2,
        "created_at": "Mon Jul 16 18:09:20 +0800 2012",
        "text": "",
        "data": {"vfid": 111, "tovfid": 222},
    }
    [message] = WeiboAdapter().parse(weibo_post(json.dumps(body).encode()), WEIBO)
    assert message.kind == "image" and message.attachments[0].media_id == "222"
