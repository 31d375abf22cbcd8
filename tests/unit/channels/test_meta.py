"""WhatsApp Cloud API, Messenger and Instagram."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from kefu.channels import _meta
from kefu.channels.base import InboxConfig
from kefu.channels.messenger import MessengerAdapter
from kefu.channels.whatsapp import WhatsAppAdapter
from kefu.errors import Forbidden, InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import OutboundMessage

from .conftest import make_request, sample

WA = InboxConfig(
    id="wa-1",
    channel="whatsapp",
    credentials={
        "verify_token": "meatyhamhock",
        "app_secret": "TEST_APP_SECRET",
        "access_token": "EAAG-token",
        "phone_number_id": "106540352242922",
    },
)
FB = InboxConfig(
    id="fb-1",
    channel="messenger",
    credentials={"verify_token": "vt", "app_secret": "TEST_APP_SECRET", "page_access_token": "PAGE-TOKEN"},
)


def signed(body: bytes | dict[str, Any], secret: str = "TEST_APP_SECRET"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return make_request(body=raw, headers={"X-Hub-Signature-256": _meta.hub_signature(secret, raw)})


def test_hub_signature_official_vector() -> None:
    expected = "0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"
    assert _meta.hub_signature("TEST_APP_SECRET", b"test") == f"sha256={expected}"
    request = make_request(body=b"test", headers={"X-Hub-Signature-256": f"sha256={expected}"})
    WhatsAppAdapter().verify(request, WA)
    MessengerAdapter().verify(request, FB)
    upper = make_request(body=b"test", headers={"X-Hub-Signature-256": f"sha256={expected.upper()}"})
    with pytest.raises(Unauthenticated, match="does not match"):
        WhatsAppAdapter().verify(upper, WA)  # Meta sends lower-case hex only (test_sdk_agreement.py)


@pytest.mark.parametrize("adapter", [WhatsAppAdapter(), MessengerAdapter()])
def test_forged_or_missing_signature_refused(adapter) -> None:
    inbox = WA if isinstance(adapter, WhatsAppAdapter) else FB
    with pytest.raises(Unauthenticated, match="missing X-Hub-Signature-256 header"):
        adapter.verify(make_request(body=b"test"), inbox)
    with pytest.raises(Unauthenticated, match="does not match"):
        adapter.verify(signed(b"test", secret="other"), inbox)
    tampered = signed(b"test")
    with pytest.raises(Unauthenticated, match="does not match"):
        adapter.verify(make_request(body=b"tesT", headers=dict(tampered.headers)), inbox)
    with pytest.raises(Unauthenticated, match="sha256="):
        adapter.verify(make_request(body=b"test", headers={"X-Hub-Signature-256": "abc"}), inbox)


def test_verification_get() -> None:
    line = sample("whatsapp/verification_get.txt").decode().split(" ")[1]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(line).query))
    answer = WhatsAppAdapter().handshake(make_request("GET", query=query), WA)
    assert answer is not None
    assert (answer.status, answer.body) == (200, "1158201444")
    with pytest.raises(Forbidden, match="verify_token"):
        WhatsAppAdapter().handshake(make_request("GET", query={**query, "hub.verify_token": "nope"}), WA)
    with pytest.raises(InvalidInput):
        WhatsAppAdapter().handshake(make_request("GET", query={**query, "hub.mode": "unsubscribe"}), WA)
    assert WhatsAppAdapter().handshake(make_request("POST"), WA) is None
    fb_query = {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "42"}
    fb_answer = MessengerAdapter().handshake(make_request("GET", query=fb_query), FB)
    assert fb_answer is not None
    assert fb_answer.body == "42"


# --- WhatsApp parse ----------------------------------------------------------------------------------------


def test_whatsapp_text_sample() -> None:
    request = signed(sample("whatsapp/text_message.json"))
    adapter = WhatsAppAdapter()
    adapter.verify(request, WA)
    [message] = adapter.parse(request, WA)
    assert message.provider_message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    assert (message.kind, message.text) == ("text", "Does it come in another color?")
    assert message.sender.external_id == "+16505551234"
    assert message.sender.phone == "+16505551234"
    assert message.sender.display_name == "Sheena Nelson"
    assert message.conversation_key == "whatsapp:wa-1:+16505551234"
    assert message.received_at == "2025-06-08T20:59:43.000Z"
    assert message.metadata["phone_number_id"] == "106540352242922"


def test_whatsapp_image_and_status_samples() -> None:
    adapter = WhatsAppAdapter()
    [image] = adapter.parse(signed(sample("whatsapp/image_message.json")), WA)
    assert (image.kind, image.text) == ("image", "This is the damaged item")
    assert image.attachments[0].media_id == "1003383421387256"
    assert image.attachments[0].content_type == "image/jpeg"
    [status] = adapter.parse(signed(sample("whatsapp/status_delivered.json")), WA)
    assert status.kind == "status"
    assert status.status == "delivered"
    assert status.status_of == "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    assert status.provider_message_id == status.status_of + ":delivered"
    assert status.sender.external_id == "+16505551234"


def wa_payload(*values: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": v} for v in values]}],
    }


def wa_value(messages: list[dict[str, Any]], phone_number_id: str = "106540352242922", **extra: Any):
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Li Lei"}, "wa_id": "8613800138000"}],
        "messages": messages,
        **extra,
    }


def wa_msg(msg_id: str, msg_type: str, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"from": "8613800138000", "id": msg_id, "timestamp": "1750000000", "type": msg_type, msg_type: body, **extra}


def test_whatsapp_batch_of_types_per_the_docs() -> None:
    # field names from Meta's webhook reference: location, interactive (button/list reply), button,
    # document, audio, sticker, reaction, a reply context, a failed status, and another number's change
    payload = wa_payload(
        wa_value(
            [
                wa_msg(
                    "w1", "location", {"latitude": 31.23, "longitude": 121.47, "name": "Shop", "address": "Nanjing Rd"}
                ),
                wa_msg(
                    "w2",
                    "interactive",
                    {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}},
                    context={"from": "15550783881", "id": "wamid.OUR"},
                ),
                wa_msg(
                    "w3",
                    "interactive",
                    {"type": "list_reply", "list_reply": {"id": "r1", "title": "Refund", "description": "Money back"}},
                ),
                wa_msg("w4", "button", {"payload": "STOP", "text": "Stop promotions"}),
                wa_msg(
                    "w5",
                    "document",
                    {"id": "doc-1", "mime_type": "application/pdf", "filename": "invoice.pdf", "caption": "my invoice"},
                ),
                wa_msg("w6", "audio", {"id": "aud-1", "mime_type": "audio/ogg; codecs=opus", "voice": True}),
                wa_msg("w7", "sticker", {"id": "stk-1", "mime_type": "image/webp", "animated": False}),
                wa_msg("w8", "reaction", {"message_id": "wamid.OUR", "emoji": "👍"}),
            ],
            statuses=[
                {
                    "id": "wamid.OUR",
                    "status": "failed",
                    "timestamp": "1750000001",
                    "recipient_id": "8613800138000",
                    "errors": [{"code": 131047, "title": "Re-engagement message"}],
                },
                {"id": "wamid.OUR", "status": "read", "timestamp": "1750000002", "recipient_id": "8613800138000"},
            ],
        ),
        wa_value([wa_msg("other", "text", {"body": "for another number"})], phone_number_id="999"),
    )
    messages = WhatsAppAdapter().parse(signed(payload), WA)
    by_id = {m.provider_message_id: m for m in messages}
    assert "other" not in by_id
    assert len(messages) == 10
    loc = by_id["w1"]
    assert (loc.kind, loc.text, loc.metadata["latitude"], loc.metadata["longitude"]) == (
        "location",
        "Shop, Nanjing Rd",
        "31.23",
        "121.47",
    )
    assert (by_id["w2"].text, by_id["w2"].metadata["reply_id"], by_id["w2"].metadata["reply_to"]) == (
        "Yes",
        "yes",
        "wamid.OUR",
    )
    assert (by_id["w3"].text, by_id["w3"].metadata["reply_id"]) == ("Refund", "r1")
    assert (by_id["w4"].text, by_id["w4"].metadata["reply_payload"]) == ("Stop promotions", "STOP")
    doc = by_id["w5"]
    assert (doc.kind, doc.text, doc.attachments[0].name, doc.attachments[0].media_id) == (
        "file",
        "my invoice",
        "invoice.pdf",
        "doc-1",
    )
    assert (by_id["w6"].kind, by_id["w6"].attachments[0].content_type) == ("voice", "audio/ogg; codecs=opus")
    assert by_id["w7"].kind == "image"
    assert (by_id["w8"].kind, by_id["w8"].event, by_id["w8"].text) == ("event", "reaction", "👍")
    failed = by_id["wamid.OUR:failed"]
    assert (failed.status, failed.metadata["error_code"]) == ("failed", "131047")
    assert "template" in failed.text
    assert by_id["wamid.OUR:read"].status == "read"
    assert all(m.sender.display_name == "Li Lei" for m in messages if m.kind != "status")


def test_whatsapp_malformed_bodies() -> None:
    with pytest.raises(InvalidInput, match="JSON"):
        WhatsAppAdapter().parse(signed(b"{not json"), WA)
    with pytest.raises(InvalidInput, match="object"):
        WhatsAppAdapter().parse(signed({"object": "page"}), WA)
    assert WhatsAppAdapter().parse(signed({"object": "whatsapp_business_account", "entry": "x"}), WA) == []


# --- Messenger parse ---------------------------------------------------------------------------------------


def test_messenger_and_instagram_samples() -> None:
    adapter = MessengerAdapter()
    [fb] = adapter.parse(signed(sample("messenger/messenger_text_message.json")), FB)
    assert (fb.provider_message_id, fb.text, fb.kind) == ("m_EXAMPLE_MESSAGE_ID", "我的订单什么时候发货？", "text")
    assert fb.sender.external_id == "PSID"
    assert fb.conversation_key == "messenger:fb-1:PSID"
    assert fb.metadata == {"platform": "page", "page_id": "PAGE_ID"}
    assert fb.received_at == "2020-03-02T18:27:46.767Z"
    [ig] = adapter.parse(signed(sample("messenger/instagram_text_message.json")), FB)
    assert (ig.provider_message_id, ig.text, ig.sender.external_id) == ("EXAMPLE_MID", "Hello", "IGSID")
    assert ig.metadata["platform"] == "instagram"


def test_messenger_attachments_postbacks_echoes_and_deliveries() -> None:
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "PAGE_ID",
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "PSID"},
                        "recipient": {"id": "PAGE_ID"},
                        "timestamp": 1700000000000,
                        "message": {
                            "mid": "m_att",
                            "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/img.jpg"}}],
                        },
                    },
                    {
                        "sender": {"id": "PSID"},
                        "recipient": {"id": "PAGE_ID"},
                        "timestamp": 1700000000001,
                        "postback": {"mid": "m_pb", "title": "Talk to an agent", "payload": "AGENT"},
                    },
                    {
                        "sender": {"id": "PAGE_ID"},
                        "recipient": {"id": "PSID"},
                        "timestamp": 1700000000002,
                        "message": {"mid": "m_echo", "is_echo": True, "text": "our reply"},
                    },
                    {
                        "sender": {"id": "PSID"},
                        "recipient": {"id": "PAGE_ID"},
                        "timestamp": 1700000000003,
                        "delivery": {"mids": ["m_out_1"], "watermark": 1700000000000},
                    },
                    {
                        "sender": {"id": "PSID"},
                        "recipient": {"id": "PAGE_ID"},
                        "timestamp": 1700000000004,
                        "read": {"watermark": 1700000000000},
                    },
                ],
            }
        ],
    }
    messages = MessengerAdapter().parse(signed(payload), FB)
    assert [m.provider_message_id for m in messages] == ["m_att", "m_pb", "m_out_1:delivered"]
    image, postback, delivery = messages
    assert (image.kind, image.attachments[0].url) == ("image", "https://cdn.example/img.jpg")
    assert (postback.text, postback.metadata["reply_payload"]) == ("Talk to an agent", "AGENT")
    assert (delivery.kind, delivery.status, delivery.status_of) == ("status", "delivered", "m_out_1")


# --- send ------------------------------------------------------------------------------------------------


def outbound(channel: str, recipient: str, body: str = "Hello from support") -> OutboundMessage:
    return OutboundMessage(
        ticket_id="T1",
        message_id="M1",
        channel=channel,
        inbox="x",
        conversation_key="k",
        recipient=recipient,
        body=body,
    )


def test_whatsapp_send(provider, http) -> None:
    inbox = WA.model_copy(update={"api_base": provider.base})
    path = "/v21.0/106540352242922/messages"
    provider.script(
        path,
        body={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "16505551234"}],
            "messages": [{"id": "wamid.SENT"}],
        },
    )
    result = WhatsAppAdapter().send(outbound("whatsapp", "+16505551234"), inbox, http)
    assert result.provider_message_id == "wamid.SENT"
    [request] = provider.requests
    assert (request.method, request.path) == ("POST", path)
    assert request.headers["authorization"] == "Bearer EAAG-token"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "text": {"preview_url": False, "body": "Hello from support"},
    }


def test_whatsapp_send_errors(provider, http) -> None:
    inbox = WA.model_copy(update={"api_base": provider.base})
    path = "/v21.0/106540352242922/messages"
    provider.script(
        path,
        400,
        {
            "error": {
                "message": "(#131047) Re-engagement message",
                "type": "OAuthException",
                "code": 131047,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": "Message failed to send because more than 24 hours have passed",
                },
            }
        },
    )
    with pytest.raises(ProviderError, match="template") as window:
        WhatsAppAdapter().send(outbound("whatsapp", "+16505551234"), inbox, http)
    assert window.value.retryable is False
    provider.script(path, 400, {"error": {"message": "Invalid parameter", "code": 100}})
    with pytest.raises(ProviderError, match="Invalid parameter") as bad:
        WhatsAppAdapter().send(outbound("whatsapp", "+1"), inbox, http)
    assert (bad.value.retryable, bad.value.status) == (False, 400)
    provider.script(path, 500, {"error": {"message": "Service unavailable", "code": 1}})
    with pytest.raises(ProviderError) as down:
        WhatsAppAdapter().send(outbound("whatsapp", "+1"), inbox, http)
    assert down.value.retryable is True
    provider.script(path, 400, {"error": {"message": "Rate limit hit", "code": 130429}})
    with pytest.raises(ProviderError) as throttled:
        WhatsAppAdapter().send(outbound("whatsapp", "+1"), inbox, http)
    assert throttled.value.retryable is True


def test_messenger_send(provider, http) -> None:
    inbox = FB.model_copy(update={"api_base": provider.base})
    provider.script("/v21.0/me/messages", body={"recipient_id": "PSID", "message_id": "m_SENT"})
    result = MessengerAdapter().send(outbound("messenger", "PSID"), inbox, http)
    assert result.provider_message_id == "m_SENT"
    [request] = provider.requests
    assert request.route == "/v21.0/me/messages"
    assert request.query == {"access_token": "PAGE-TOKEN"}
    assert request.json() == {
        "recipient": {"id": "PSID"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hello from support"},
    }
    provider.script(
        "/v21.0/me/messages",
        400,
        {
            "error": {
                "message": "(#10) This message is sent outside of allowed window.",
                "code": 10,
                "error_subcode": 2018278,
            }
        },
    )
    with pytest.raises(ProviderError, match="24 hours") as window:
        MessengerAdapter().send(outbound("messenger", "PSID"), inbox, http)
    assert window.value.retryable is False
    provider.script("/v21.0/me/messages", 503, b"<html>down</html>", "text/html")
    with pytest.raises(ProviderError) as down:
        MessengerAdapter().send(outbound("messenger", "PSID"), inbox, http)
    assert down.value.retryable is True
