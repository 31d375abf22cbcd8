from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from kefu.channels import email as email_channel
from kefu.channels.base import HttpClient, HttpResponse, InboxConfig
from kefu.channels.email import EmailAdapter, build_reply_mime, canonical_string, extract_attachments, parse_mime
from kefu.errors import Forbidden, InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import OutboundMessage

from .conftest import make_request, sample

FIXTURE_CERT_URL = "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
FIXTURE_CERT = sample("ses/sns_signing_cert_us-east-2_SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem")
WHILE_FIXTURE_CERT_VALID = datetime(2022, 7, 29, tzinfo=UTC)
TEST_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-kefu-test.pem"
SES_TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-inbound"


class RecordingHttp(HttpClient):
    """Plays sns.<region>.amazonaws.com (https hosts a loopback server cannot be): serves fixed answers."""

    def __init__(self, answers: Mapping[str, HttpResponse] | None = None) -> None:
        super().__init__()
        self.answers = dict(answers or {})
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *, headers: Any = None, body: bytes | None = None) -> HttpResponse:
        self.calls.append((method, url))
        return self.answers.get(url, HttpResponse(404, b"not found"))


def fixture_inbox(*topics: str) -> InboxConfig:
    return InboxConfig(
        id="mail-1",
        channel="email",
        name="Kefu Support",
        credentials={"address": "support@help.example.com", "topic_arns": ",".join(topics)},
    )


@pytest.fixture(autouse=True)
def _fresh_cert_cache() -> None:
    email_channel._CERTS.clear()


@pytest.fixture(scope="module")
def signer() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


def sign(envelope: dict[str, Any], key: rsa.RSAPrivateKey, version: str = "2") -> dict[str, Any]:
    envelope = {**envelope, "SignatureVersion": version, "SigningCertURL": TEST_CERT_URL}
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = key.sign(canonical_string(envelope), padding.PKCS1v15(), algorithm)
    return {**envelope, "Signature": base64.b64encode(signature).decode()}


def post(envelope: dict[str, Any] | bytes):
    body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
    return make_request(
        "POST",
        "https://kefu.example.com/webhooks/email/mail-1",
        body,
        headers={"x-amz-sns-message-type": "Notification"},
    )


def test_real_aws_fixtures_v1_and_v2_verify() -> None:
    http = RecordingHttp({FIXTURE_CERT_URL: HttpResponse(200, FIXTURE_CERT)})
    adapter = EmailAdapter(http=http, now=lambda: WHILE_FIXTURE_CERT_VALID)
    for name in ("sns_notification_aws_fixture_1_sigv1.json", "sns_notification_aws_fixture_2_sigv2.json"):
        envelope = json.loads(sample(f"ses/{name}"))
        adapter.verify(post(sample(f"ses/{name}")), fixture_inbox(envelope["TopicArn"]))
    # the certificate was fetched once, through the HttpClient, then served from the cache
    assert http.calls == [("GET", FIXTURE_CERT_URL)]


@pytest.mark.parametrize(
    "name", ["sns_notification_aws_fixture_1_sigv1.json", "sns_notification_aws_fixture_2_sigv2.json"]
)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Message", "Hello world!"),
        ("MessageId", "792cda85-518f-5dd3-9163-81d851212f3b"),
        ("Timestamp", "2022-07-28T21:23:58.318Z"),
        ("TopicArn", "arn:aws:sns:us-east-2:295079676684:other"),
        ("Subject", "added"),
        ("SignatureVersion", "swap"),
    ],
)
def test_tampered_fixture_fails(name: str, field: str, value: str) -> None:
    envelope = json.loads(sample(f"ses/{name}"))
    inbox = fixture_inbox(envelope["TopicArn"], "arn:aws:sns:us-east-2:295079676684:other")
    if field == "SignatureVersion":
        value = "2" if envelope["SignatureVersion"] == "1" else "1"
    envelope[field] = value
    adapter = EmailAdapter(
        http=RecordingHttp({FIXTURE_CERT_URL: HttpResponse(200, FIXTURE_CERT)}), now=lambda: WHILE_FIXTURE_CERT_VALID
    )
    with pytest.raises(Unauthenticated, match="does not verify"):
        adapter.verify(post(envelope), inbox)


def test_expired_certificate_refused_in_production() -> None:
    envelope = json.loads(sample("ses/sns_notification_aws_fixture_2_sigv2.json"))
    adapter = EmailAdapter(http=RecordingHttp({FIXTURE_CERT_URL: HttpResponse(200, FIXTURE_CERT)}))
    with pytest.raises(Unauthenticated, match="not valid now"):
        adapter.verify(post(envelope), fixture_inbox(envelope["TopicArn"]))


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-2.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.us-east-2.amazonaws.com.evil.example/SimpleNotificationService-x.pem",
        "https://evil.example/sns.us-east-2.amazonaws.com/x.pem",
        "https://sns.us-east-2.amazonaws.com@evil.example/x.pem",
        "https://sns.us-east-2.amazonaws.com:8443/x.pem",
        "https://sns.us-east-2.amazonaws.com/x.pem?redirect=https://evil.example",
        "https://s3.us-east-2.amazonaws.com/x.pem",
        "https://sns.us-east-2.amazonaws.com/x.txt",
    ],
)
def test_signing_cert_url_must_be_sns(url: str) -> None:
    envelope = json.loads(sample("ses/sns_notification_aws_fixture_2_sigv2.json"))
    envelope["SigningCertURL"] = url
    http = RecordingHttp()
    with pytest.raises(Unauthenticated, match="SigningCertURL"):
        EmailAdapter(http=http, now=lambda: WHILE_FIXTURE_CERT_VALID).verify(
            post(envelope), fixture_inbox(envelope["TopicArn"])
        )
    assert http.calls == []


def test_topic_must_be_allowed_comma_or_json() -> None:
    envelope = json.loads(sample("ses/sns_notification_aws_fixture_1_sigv1.json"))
    adapter = EmailAdapter(
        http=RecordingHttp({FIXTURE_CERT_URL: HttpResponse(200, FIXTURE_CERT)}), now=lambda: WHILE_FIXTURE_CERT_VALID
    )
    with pytest.raises(Forbidden, match="not in this inbox's topic_arns"):
        adapter.verify(post(envelope), fixture_inbox("arn:aws:sns:us-east-2:295079676684:something-else"))
    as_json = fixture_inbox().model_copy(
        update={"credentials": {"address": "a@b.c", "topic_arns": json.dumps(["arn:x", envelope["TopicArn"]])}}
    )
    adapter.verify(post(envelope), as_json)


def test_subscription_confirmation(signer) -> None:
    key, pem = signer
    shape = json.loads(sample("ses/sns_subscription_confirmation_SHAPE.json"))
    envelope = sign(shape, key, version="1")
    http = RecordingHttp({TEST_CERT_URL: HttpResponse(200, pem), shape["SubscribeURL"]: HttpResponse(200, b"<ok/>")})
    adapter = EmailAdapter(http=http)
    answer = adapter.handshake(post(envelope), fixture_inbox(shape["TopicArn"]))
    assert answer is not None
    assert answer.status == 200
    assert http.calls == [("GET", TEST_CERT_URL), ("GET", shape["SubscribeURL"])]
    assert adapter.parse(post(envelope), fixture_inbox(shape["TopicArn"])) == []
    # a validly signed confirmation pointing elsewhere is not followed
    evil = sign({**shape, "SubscribeURL": "https://evil.example/?Action=ConfirmSubscription"}, key)
    with pytest.raises(Forbidden, match="SubscribeURL"):
        adapter.handshake(post(evil), fixture_inbox(shape["TopicArn"]))
    forged = {**envelope, "Token": "0" * 10}
    with pytest.raises(Unauthenticated):
        adapter.handshake(post(forged), fixture_inbox(shape["TopicArn"]))
    assert [url for _, url in http.calls].count(shape["SubscribeURL"]) == 1  # refused ones were not followed
    # a normal notification is not a handshake
    notification = json.loads(sample("ses/sns_envelope_ses_received_UNSIGNED.json"))
    assert adapter.handshake(post(sign(notification, key)), fixture_inbox(SES_TOPIC)) is None


def test_ses_received_sns_action(signer) -> None:
    key, pem = signer
    envelope = sign(json.loads(sample("ses/sns_envelope_ses_received_UNSIGNED.json")), key)
    adapter = EmailAdapter(http=RecordingHttp({TEST_CERT_URL: HttpResponse(200, pem)}))
    inbox = fixture_inbox(SES_TOPIC)
    adapter.verify(post(envelope), inbox)
    [message] = adapter.parse(post(envelope), inbox)
    assert message.channel == "email"
    assert message.subject == "回复：订单 #10086 退款进度"
    assert message.ticket_hint is None  # "#10086" is an order number, not our [#ticket] tag
    assert message.text.startswith("您好，")
    assert "银行流水截图" in message.text
    assert "<div>" not in message.text
    assert message.sender.external_id == message.sender.email == "zhangsan@example.cn"
    assert message.sender.display_name == "张三"
    # the thread root (the oldest reference) makes the conversation: one email thread, one ticket
    assert (
        message.conversation_key
        == "email:mail-1:zhangsan@example.cn:<0100019710ffeedd-ticket-10086@email.amazonses.com>"
    )
    assert message.provider_message_id == "<CAF3x9Yk2q7Lw@mail.example.cn>"
    assert message.thread_refs == [
        "<0100019720a1b2c3-ticket-10086@email.amazonses.com>",
        "<0100019710ffeedd-ticket-10086@email.amazonses.com>",
        "<CAF3x9Yk2q7Lw@mail.example.cn>",
    ]
    [attachment] = message.attachments
    assert (attachment.name, attachment.content_type, attachment.media_id) == ("银行流水.png", "image/png", "part:0")
    assert attachment.size == 70
    assert message.received_at == "2025-06-02T08:15:31.245Z"
    assert message.metadata["sns_message_id"] == "5a9a3e9f-0d2c-5f1e-9c7b-2f6d1e0c4a11"
    assert message.metadata["spam_verdict"] == "PASS"
    raw, source = adapter.raw_mime(post(envelope))
    assert source == {"source": "sns"}
    [(described, data)] = extract_attachments(raw or b"")
    assert data.startswith(b"\x89PNG") and described.size == len(data)


def test_ses_received_s3_action(signer) -> None:
    key, pem = signer
    notification = json.loads(sample("ses/ses_received_s3_action_message.json"))
    envelope = sign(
        {**json.loads(sample("ses/sns_envelope_ses_received_UNSIGNED.json")), "Message": json.dumps(notification)}, key
    )
    fetched: list[tuple[str, str]] = []

    def fetch_object(bucket: str, key_name: str) -> bytes:
        fetched.append((bucket, key_name))
        return sample("ses/inbound_email_zh_multipart.eml")

    adapter = EmailAdapter(http=RecordingHttp({TEST_CERT_URL: HttpResponse(200, pem)}), fetch_object=fetch_object)
    adapter.verify(post(envelope), fixture_inbox(SES_TOPIC))
    [message] = adapter.parse(post(envelope), fixture_inbox(SES_TOPIC))
    assert fetched == [("my-inbound-mail", "inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1")]
    assert message.provider_message_id == "<CAF3x9Yk2q7Lw@mail.example.cn>"
    assert message.attachments[0].url == "s3://my-inbound-mail/inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1"
    assert message.metadata["raw_s3_key"] == "inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1"
    assert len(message.thread_refs) == 3

    def failing(bucket: str, key_name: str) -> bytes:
        raise OSError("connection reset")

    with pytest.raises(ProviderError) as transient:
        EmailAdapter(http=RecordingHttp(), fetch_object=failing).parse(post(envelope), fixture_inbox(SES_TOPIC))
    assert transient.value.retryable is True


def test_html_only_email_and_ticket_tag() -> None:
    raw = (
        b"From: Bob <BOB@Example.com>\r\nTo: support@help.example.com\r\n"
        b"Subject: =?UTF-8?Q?Re:_Refund_[#01HZXTICKET]?=\r\nMessage-ID: <m1@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p><p>Line 2<br>Line 3</p></body></html>"
    )
    parsed = parse_mime(raw)
    assert parsed.text == "Hello there\n\nLine 2\nLine 3"
    assert parsed.from_address == "BOB@Example.com"
    assert parsed.subject == "Re: Refund [#01HZXTICKET]"
    envelope = {
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": SES_TOPIC,
        "Timestamp": "2025-01-01T00:00:00.000Z",
        "Message": json.dumps(
            {
                "notificationType": "Received",
                "mail": {"messageId": "ses-1"},
                "receipt": {"action": {"type": "SNS", "encoding": "BASE64"}},
                "content": base64.b64encode(raw).decode(),
            }
        ),
    }
    [message] = EmailAdapter(http=RecordingHttp()).parse(post(envelope), fixture_inbox(SES_TOPIC))
    assert message.ticket_hint == "01HZXTICKET"
    assert message.sender.external_id == "bob@example.com"


def test_bounce_becomes_status() -> None:
    bounce = {
        "notificationType": "Bounce",
        "mail": {"messageId": "0100019720a1b2c3", "timestamp": "2025-01-01T00:00:00Z"},
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "timestamp": "2025-01-01T00:00:05.000Z",
            "bouncedRecipients": [{"emailAddress": "Gone@example.com"}],
        },
    }
    envelope = {
        "Type": "Notification",
        "MessageId": "sns-2",
        "TopicArn": SES_TOPIC,
        "Timestamp": "2025-01-01T00:00:06.000Z",
        "Message": json.dumps(bounce),
    }
    [status] = EmailAdapter(http=RecordingHttp()).parse(post(envelope), fixture_inbox(SES_TOPIC))
    assert (status.kind, status.status, status.status_of) == ("status", "failed", "0100019720a1b2c3")
    assert status.sender.external_id == "gone@example.com"


def test_malformed_notifications() -> None:
    adapter = EmailAdapter(http=RecordingHttp())
    with pytest.raises(InvalidInput):
        adapter.parse(post(b"not json"), fixture_inbox(SES_TOPIC))
    hello = json.loads(sample("ses/sns_notification_aws_fixture_1_sigv1.json"))
    with pytest.raises(InvalidInput, match="not an SES notification"):
        adapter.parse(post(hello), fixture_inbox(SES_TOPIC))
    with pytest.raises(InvalidInput, match="unknown SNS message Type"):
        adapter.verify(post({"Type": "Other"}), fixture_inbox(SES_TOPIC))


# --- replies ---------------------------------------------------------------------------------------------


def reply(**overrides: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "ticket_id": "01HZXTICKET",
        "message_id": "01HZXMSG",
        "channel": "email",
        "inbox": "mail-1",
        "conversation_key": "email:mail-1:zhangsan@example.cn",
        "recipient": "zhangsan@example.cn",
        "body": "您好，退款已经处理。",
        "subject": "回复：订单 #10086 退款进度",
        "in_reply_to": "<CAF3x9Yk2q7Lw@mail.example.cn>",
        "references": ["<0100019710ffeedd-ticket-10086@email.amazonses.com>"],
    }
    fields.update(overrides)
    return OutboundMessage(**fields)


def test_build_reply_mime_threads() -> None:
    raw = build_reply_mime(reply(), fixture_inbox(SES_TOPIC))
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(parsed["From"]) == "Kefu Support <support@help.example.com>"
    assert str(parsed["To"]) == "zhangsan@example.cn"
    assert str(parsed["Subject"]) == "回复：订单 #10086 退款进度 [#01HZXTICKET]"
    assert str(parsed["In-Reply-To"]) == "<CAF3x9Yk2q7Lw@mail.example.cn>"
    assert str(parsed["References"]).split() == [
        "<0100019710ffeedd-ticket-10086@email.amazonses.com>",
        "<CAF3x9Yk2q7Lw@mail.example.cn>",
    ]
    assert str(parsed["Message-ID"]).endswith("@help.example.com>")
    assert parsed.get_content().strip() == "您好，退款已经处理。"
    english = BytesParser(policy=policy.default).parsebytes(
        build_reply_mime(reply(subject="Order late", in_reply_to=None, references=[]), fixture_inbox(SES_TOPIC))
    )
    assert str(english["Subject"]) == "Re: Order late [#01HZXTICKET]"
    assert english["In-Reply-To"] is None
    with pytest.raises(ProviderError) as injected:
        build_reply_mime(reply(recipient="a@b.c\r\nBcc: x@y.z"), fixture_inbox(SES_TOPIC))
    assert injected.value.retryable is False


def test_send_uses_injected_send_raw() -> None:
    sent: list[bytes] = []

    def send_raw(raw: bytes) -> str:
        sent.append(raw)
        return "0100019720a1b2c3-ses-id"

    result = EmailAdapter(send_raw=send_raw).send(reply(), fixture_inbox(SES_TOPIC), HttpClient())
    assert result.provider_message_id == "0100019720a1b2c3-ses-id"
    assert b"In-Reply-To: <CAF3x9Yk2q7Lw@mail.example.cn>" in sent[0]

    def throttled(raw: bytes) -> str:
        raise RuntimeError("Throttling: Maximum sending rate exceeded")

    with pytest.raises(ProviderError, match="Maximum sending rate") as error:
        EmailAdapter(send_raw=throttled).send(reply(), fixture_inbox(SES_TOPIC), HttpClient())
    assert error.value.retryable is True
    with pytest.raises(ProviderError, match="not wired"):
        EmailAdapter().send(reply(), fixture_inbox(SES_TOPIC), HttpClient())
