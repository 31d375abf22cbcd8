from __future__ import annotations

import base64
import hashlib
import urllib.parse

import pytest

from kefu.channels.base import InboxConfig
from kefu.channels.twilio import TwilioAdapter, compute_signature
from kefu.errors import InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import OutboundMessage

from .conftest import make_request, sample

DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
INBOX = InboxConfig(
    id="tw-1",
    channel="twilio",
    credentials={
        "account_sid": "ACcccccccccccccccccccccccccccccccc",
        "auth_token": "12345",
        "from_number": "+15005550006",
    },
)
BASE = "https://kefu.example.com/webhooks/twilio/tw-1"


def twilio_request(
    url: str,
    body: bytes,
    token: str = "12345",
    content_type: str = "application/x-www-form-urlencoded",
    signature: str | None = None,
):
    params = urllib.parse.parse_qs(body.decode(), keep_blank_values=True) if "json" not in content_type else {}
    signature = signature or compute_signature(token, url, params)
    return make_request("POST", url, body, headers={"X-Twilio-Signature": signature, "Content-Type": content_type})


def test_form_body_official_vector() -> None:
    body = sample("twilio/voice_docs_example.form.txt").strip()
    params = urllib.parse.parse_qs(body.decode())
    assert compute_signature("12345", DOCS_URL, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    request = make_request("POST", DOCS_URL, body, headers={"X-Twilio-Signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ="})
    TwilioAdapter().verify(request, INBOX)
    tampered = make_request(
        "POST", DOCS_URL, body.replace(b"1234", b"1235"), headers={"X-Twilio-Signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ="}
    )
    with pytest.raises(Unauthenticated, match="X-Twilio-Signature does not match"):
        TwilioAdapter().verify(tampered, INBOX)
    with pytest.raises(Unauthenticated, match="missing X-Twilio-Signature header"):
        TwilioAdapter().verify(make_request("POST", DOCS_URL, body), INBOX)


def test_json_body_official_vector() -> None:
    body = sample("twilio/json_body_example.json")
    body_hash = hashlib.sha256(body).hexdigest()
    assert body_hash == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    url = f"{DOCS_URL}&bodySHA256={body_hash}"
    assert compute_signature("12345", url, {}) == "a9nBmqA0ju/hNViExpshrM61xv4="
    headers = {"X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4=", "Content-Type": "application/json"}
    TwilioAdapter().verify(make_request("POST", url, body, headers=headers), INBOX)
    with pytest.raises(Unauthenticated, match="bodySHA256 does not match"):
        TwilioAdapter().verify(make_request("POST", url, body.replace(b"value", b"valuE"), headers=headers), INBOX)


def test_port_variants_accepted() -> None:
    body = sample("twilio/voice_docs_example.form.txt").strip()
    params = urllib.parse.parse_qs(body.decode())
    with_port = compute_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params)
    TwilioAdapter().verify(make_request("POST", DOCS_URL, body, headers={"X-Twilio-Signature": with_port}), INBOX)
    without_port = compute_signature("12345", DOCS_URL, params)
    received_with_port = make_request(
        "POST", "https://mycompany.com:443/myapp.php?foo=1&bar=2", body, headers={"X-Twilio-Signature": without_port}
    )
    TwilioAdapter().verify(received_with_port, INBOX)


def test_public_url_is_what_is_signed() -> None:
    body = sample("twilio/sms_inbound.form.txt").strip()
    public = "https://support.example.com/hooks/twilio/tw-1"
    inbox = INBOX.model_copy(update={"public_url": public})
    signed_for_public = compute_signature("12345", public + "/sms", urllib.parse.parse_qs(body.decode()))
    # what API Gateway shows us differs from what Twilio called
    request = make_request(
        "POST",
        "https://abc.execute-api.us-east-1.amazonaws.com/webhooks/twilio/tw-1/sms",
        body,
        headers={"X-Twilio-Signature": signed_for_public},
    )
    TwilioAdapter().verify(request, inbox)
    with pytest.raises(Unauthenticated):
        TwilioAdapter().verify(request, INBOX)


def test_sms_sample() -> None:
    body = sample("twilio/sms_inbound.form.txt").strip()
    request = twilio_request(f"{BASE}/sms", body)
    adapter = TwilioAdapter()
    adapter.verify(request, INBOX)
    [message] = adapter.parse(request, INBOX)
    assert message.provider_message_id == "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    assert message.text == "我的订单在哪里？ Where is my order?"
    assert (message.sender.external_id, message.sender.phone) == ("+14155550100", "+14155550100")
    assert message.conversation_key == "twilio:tw-1:+14155550100"
    assert message.attachments[0].content_type == "image/jpeg"
    assert (message.attachments[0].url or "").endswith("/Media/MEdddddddddddddddddddddddddddddddd")
    assert message.metadata["to"] == "+15005550006"
    answer = adapter.answer(request, INBOX, [message])
    assert (answer.status, answer.content_type.split(";")[0]) == (200, "text/xml")
    assert answer.body.endswith("<Response/>")


def test_voice_call_recording_and_transcription() -> None:
    adapter = TwilioAdapter()
    call_body = sample("twilio/voice_docs_example.form.txt").strip()
    call = twilio_request(f"{BASE}/voice", call_body)
    adapter.verify(call, INBOX)
    [incoming] = adapter.parse(call, INBOX)
    assert (incoming.kind, incoming.provider_message_id, incoming.sender.external_id) == (
        "call",
        "CA1234567890ABCDE",
        "+12349013030",
    )
    twiml = adapter.answer(call, INBOX, [incoming])
    assert twiml.content_type.startswith("text/xml")
    assert "<Say>" in twiml.body
    assert f'action="{BASE}/recording"' in twiml.body
    assert f'transcribeCallback="{BASE}/transcription"' in twiml.body
    assert 'transcribe="true"' in twiml.body

    recording_params = {
        "CallSid": "CA1234567890ABCDE",
        "From": "+12349013030",
        "To": "+18005551212",
        "RecordingSid": "RE0123",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123",
        "RecordingDuration": "14",
    }
    recording = twilio_request(f"{BASE}/recording", urllib.parse.urlencode(recording_params).encode())
    adapter.verify(recording, INBOX)
    [voicemail] = adapter.parse(recording, INBOX)
    assert (voicemail.kind, voicemail.provider_message_id, voicemail.text) == ("voice", "RE0123", "")
    assert voicemail.attachments[0].url == recording_params["RecordingUrl"]
    assert voicemail.metadata["recordingduration"] == "14"
    assert voicemail.attachments[0].duration_seconds == 14  # the agent app shows it beside the player
    assert "<Hangup/>" in adapter.answer(recording, INBOX, [voicemail]).body

    transcription_params = {
        **recording_params,
        "TranscriptionSid": "TR1",
        "TranscriptionStatus": "completed",
        "TranscriptionText": "Hi, my parcel never arrived.",
    }
    transcription = twilio_request(f"{BASE}/transcription", urllib.parse.urlencode(transcription_params).encode())
    adapter.verify(transcription, INBOX)
    [text] = adapter.parse(transcription, INBOX)
    assert (text.kind, text.provider_message_id, text.text) == (
        "voice",
        "RE0123:transcription",
        "Hi, my parcel never arrived.",
    )
    assert text.conversation_key == voicemail.conversation_key == incoming.conversation_key


def test_malformed_requests() -> None:
    with pytest.raises(InvalidInput, match="unknown Twilio webhook"):
        TwilioAdapter().parse(twilio_request(f"{BASE}/other", b"From=%2B1"), INBOX)
    with pytest.raises(InvalidInput, match="MessageSid"):
        TwilioAdapter().parse(twilio_request(f"{BASE}/sms", b"From=%2B1&Body=hi"), INBOX)
    with pytest.raises(InvalidInput, match="From"):
        TwilioAdapter().parse(twilio_request(f"{BASE}/sms", b"MessageSid=SM1&Body=hi"), INBOX)


def outbound(body: str = "Your refund is on its way") -> OutboundMessage:
    return OutboundMessage(
        ticket_id="T1",
        message_id="M1",
        channel="twilio",
        inbox="tw-1",
        conversation_key="k",
        recipient="+14155550100",
        body=body,
    )


def test_send(provider, http) -> None:
    inbox = INBOX.model_copy(update={"api_base": provider.base})
    path = "/2010-04-01/Accounts/ACcccccccccccccccccccccccccccccccc/Messages.json"
    provider.script(path, 201, {"sid": "SM123", "status": "queued"})
    result = TwilioAdapter().send(outbound(), inbox, http)
    assert result.provider_message_id == "SM123"
    [request] = provider.requests
    assert (request.method, request.path) == ("POST", path)
    user, password = base64.b64decode(request.headers["authorization"].removeprefix("Basic ")).decode().split(":")
    assert (user, password) == ("ACcccccccccccccccccccccccccccccccc", "12345")
    assert request.form() == {"From": "+15005550006", "To": "+14155550100", "Body": "Your refund is on its way"}

    provider.script(
        path, 400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
    )
    with pytest.raises(ProviderError, match="not a valid phone number") as invalid:
        TwilioAdapter().send(outbound(), inbox, http)
    assert (invalid.value.retryable, invalid.value.status) == (False, 400)
    provider.script(path, 503, b"Service Unavailable", "text/plain")
    with pytest.raises(ProviderError) as down:
        TwilioAdapter().send(outbound(), inbox, http)
    assert down.value.retryable is True
