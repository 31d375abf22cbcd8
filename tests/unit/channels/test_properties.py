"""Whatever arrives, an adapter answers with a KefuError (a 4xx) or a result: never a crash (a 500)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.channels import _meta, _tencent
from kefu.channels._common import sha1_sorted
from kefu.channels.base import HttpClient, HttpResponse, InboxConfig, adapter_for, registered_channels
from kefu.channels.email import EmailAdapter
from kefu.channels.line import line_signature
from kefu.channels.twilio import compute_signature
from kefu.errors import KefuError

from .conftest import make_request

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CREDENTIALS = {
    "token": "tok",
    "app_id": "wxapp",
    "app_secret": "secret",
    "encoding_aes_key": AES_KEY,
    "corp_id": "corp",
    "agent_id": "1",
    "secret": "s",
    "verify_token": "vt",
    "access_token": "at",
    "phone_number_id": "1",
    "page_access_token": "pat",
    "account_sid": "AC1",
    "auth_token": "12345",
    "from_number": "+1",
    "channel_secret": "cs",
    "channel_access_token": "cat",
    "secret_token": "st",
    "bot_token": "1:A",
    "address": "support@example.com",
    "topic_arns": "arn:aws:sns:us-east-1:1:t",
}
CHANNELS = ["wechat", "wecom", "whatsapp", "messenger", "twilio", "line", "telegram", "weibo", "email", "form"]


class NoNetwork(HttpClient):
    def request(self, method: str, url: str, *, headers: Any = None, body: bytes | None = None) -> HttpResponse:
        return HttpResponse(404, b"")


def adapter(channel: str):
    return EmailAdapter(http=NoNetwork()) if channel == "email" else adapter_for(channel)


def inbox(channel: str) -> InboxConfig:
    return InboxConfig(id="i", channel=channel, credentials=CREDENTIALS)


def run(channel: str, request) -> None:
    target, box = adapter(channel), inbox(channel)
    for step in (target.handshake, target.verify, target.parse):
        with contextlib.suppress(KefuError):
            step(request, box)


text = st.text(max_size=40)
headers = st.dictionaries(
    st.sampled_from(
        [
            "x-hub-signature-256",
            "x-line-signature",
            "x-twilio-signature",
            "content-type",
            "x-telegram-bot-api-secret-token",
            "idempotency-key",
        ]
    ),
    text,
    max_size=4,
)
queries = st.dictionaries(
    st.sampled_from(
        [
            "signature",
            "timestamp",
            "nonce",
            "echostr",
            "msg_signature",
            "encrypt_type",
            "hub.mode",
            "hub.verify_token",
            "hub.challenge",
            "bodySHA256",
        ]
    ),
    text,
    max_size=6,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=15,
)


def test_every_contract_channel_is_registered() -> None:
    assert set(CHANNELS) <= set(registered_channels())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    channel=st.sampled_from(CHANNELS),
    method=st.sampled_from(["GET", "POST"]),
    body=st.binary(max_size=300),
    headers=headers,
    query=queries,
    action=st.sampled_from(["sms", "voice", "recording", "transcription", "x"]),
)
def test_arbitrary_requests_never_crash(channel, method, body, headers, query, action) -> None:
    request = make_request(method, f"https://kefu.example.com/webhooks/{channel}/i/{action}", body, headers, query)
    run(channel, request)


# Arbitrary JSON that passes the signature check exercises the parsers themselves.


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    channel=st.sampled_from(["whatsapp", "messenger", "line", "telegram", "weibo", "form", "email"]),
    payload=json_values,
    wrap=st.booleans(),
)
def test_signed_arbitrary_json_never_crashes(channel: str, payload: Any, wrap: bool) -> None:
    if wrap:  # a plausible envelope around arbitrary content reaches deeper
        payload = {
            "whatsapp": {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": payload}]}]},
            "messenger": {"object": "page", "entry": [{"id": "P", "messaging": [payload]}]},
            "line": {"destination": "U", "events": [payload]},
            "telegram": {"update_id": 1, "message": payload},
            "weibo": payload,
            "form": payload,
            "email": {
                "Type": "Notification",
                "MessageId": "m",
                "TopicArn": "arn:aws:sns:us-east-1:1:t",
                "Timestamp": "t",
                "Message": json.dumps(
                    {"notificationType": "Received", "mail": payload, "content": json.dumps(payload)}
                ),
            },
        }[channel]
    body = json.dumps(payload).encode()
    query = {}
    request_headers: dict[str, str] = {"content-type": "application/json"}
    if channel in {"whatsapp", "messenger"}:
        request_headers["x-hub-signature-256"] = _meta.hub_signature("secret", body)
    elif channel == "line":
        request_headers["x-line-signature"] = line_signature("cs", body)
    elif channel == "telegram":
        request_headers["x-telegram-bot-api-secret-token"] = "st"
    elif channel == "weibo":
        query = {"signature": sha1_sorted("secret", "1", "2"), "timestamp": "1", "nonce": "2"}
    run(channel, make_request("POST", "https://kefu.example.com/webhooks/x/i", body, request_headers, query))
    target = adapter(channel)
    # parse straight away too: the email signature cannot be forged, its parser must still hold
    with contextlib.suppress(KefuError):
        target.parse(make_request("POST", body=body, headers=request_headers, query=query), inbox(channel))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xml_body=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: f"<xml>{t}</xml>".encode()),
    fields=st.dictionaries(
        st.sampled_from(
            ["FromUserName", "MsgType", "CreateTime", "MsgId", "Event", "Content", "Location_X", "EventKey", "PicUrl"]
        ),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
        max_size=6,
    ),
)
def test_signed_tencent_xml_never_crashes(xml_body: bytes, fields: dict[str, str]) -> None:
    from xml.sax.saxutils import escape

    built = "<xml>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()) + "</xml>"
    for body in (xml_body, built.encode()):
        # plain WeChat (query signature) and encrypted WeCom (the body encrypted and signed properly)
        query = {"signature": sha1_sorted("tok", "1", "2"), "timestamp": "1", "nonce": "2"}
        run("wechat", make_request("POST", body=body, query=query))
        encrypted = _tencent.WxCrypto(AES_KEY, "corp").encrypt(body)
        signature = _tencent.msg_signature("tok", "1", "2", encrypted)
        envelope = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
        run(
            "wecom",
            make_request("POST", body=envelope, query={"msg_signature": signature, "timestamp": "1", "nonce": "2"}),
        )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "From",
                "To",
                "Body",
                "MessageSid",
                "CallSid",
                "NumMedia",
                "MediaUrl0",
                "RecordingSid",
                "RecordingUrl",
                "TranscriptionText",
            ]
        ),
        text,
        max_size=8,
    ),
    action=st.sampled_from(["sms", "voice", "recording", "transcription"]),
)
def test_signed_twilio_forms_never_crash(params: dict[str, str], action: str) -> None:
    import urllib.parse

    url = f"https://kefu.example.com/webhooks/twilio/i/{action}"
    body = urllib.parse.urlencode(params).encode()
    signature = compute_signature("12345", url, urllib.parse.parse_qs(body.decode(), keep_blank_values=True))
    request = make_request("POST", url, body, {"x-twilio-signature": signature})
    target = adapter("twilio")
    target.verify(request, inbox("twilio"))  # a correct signature always verifies
    try:
        messages = target.parse(request, inbox("twilio"))
        target.answer(request, inbox("twilio"), messages)
    except KefuError:
        pass
