"""The media pipeline end to end: provider (loopback) -> checks -> S3 (moto in-process) -> presigned URL."""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from kefu.channels import email as email_channel
from kefu.channels.base import HttpClient, InboxConfig
from kefu.channels.email import EmailAdapter, extract_attachments
from kefu.channels.messenger import MessengerAdapter
from kefu.errors import InvalidInput
from kefu.models import Attachment
from kefu.services.media import presigned_url, s3_object_reader, stash_raw_email, store_attachments
from tests.unit.channels.test_media_channels import JPEG, MediaServer

BUCKET = "kefu-media-test"
SAMPLES = Path(__file__).parents[1] / "unit/channels/samples"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture(scope="module")
def provider() -> Iterator[MediaServer]:
    server = MediaServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def unwired_email() -> Iterator[None]:
    yield
    email_channel.set_fetch_object(None)


MESSENGER = InboxConfig(id="fb-1", channel="messenger", credentials={"page_access_token": "PAGE"})


def test_store_attachments_stores_what_passes_and_explains_the_rest(s3: Any, provider: MediaServer) -> None:
    provider.reset()
    provider.answer("/photo", JPEG, content_type="image/jpeg")
    provider.answer("/setup", b"MZ\x90\x00" + b"\x00" * 60, content_type="application/octet-stream")
    provider.answer("/expired", {"error": {"message": "URL signature expired"}}, status=403)
    provider.answer("/flaky", b"", status=503)
    provider.answer("/scan", b"%PDF-1.7\n%...", content_type="application/octet-stream")
    attachments = [
        Attachment(url=f"{provider.base}/photo", name="破损照片.jpg"),
        Attachment(url=f"{provider.base}/setup", name="invoice.pdf"),
        Attachment(url=f"{provider.base}/expired"),
        Attachment(url=f"{provider.base}/flaky"),
        Attachment(url=f"{provider.base}/scan"),
    ]
    kms_key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]

    stored = store_attachments(
        "01TICKET", "01MESSAGE", attachments, MESSENGER, MessengerAdapter(), HttpClient(timeout=5), s3, BUCKET,
        kms_key_id=kms_key,
    )  # fmt: skip

    photo, setup, expired, flaky, scan = stored.attachments
    assert photo.s3_key == "media/01TICKET/01MESSAGE/0-file.jpg"
    assert (photo.name, photo.content_type, photo.size) == ("破损照片.jpg", "image/jpeg", len(JPEG))
    assert scan.s3_key == "media/01TICKET/01MESSAGE/4-attachment-5.pdf"
    assert (scan.content_type, scan.name) == ("application/pdf", "attachment-5.pdf")  # sniffed, named
    assert setup.s3_key is None and expired.s3_key is None and flaky.s3_key is None
    assert setup.content_type == "application/x-msdownload" and setup.size == 64  # what it really is
    reasons = {f.index: (f.reason, f.retryable) for f in stored.failures}
    assert reasons[1] == ("executable files are not accepted (the content is application/x-msdownload)", False)
    assert reasons[2] == ("Messenger answered HTTP 403: URL signature expired", False)
    assert reasons[3][1] is True and stored.retryable
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [photo.s3_key, scan.s3_key]

    head = s3.head_object(Bucket=BUCKET, Key=photo.s3_key)
    assert head["ContentType"] == "image/jpeg" and head["ContentLength"] == len(JPEG)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == kms_key
    assert head["Metadata"] == {
        "ticket-id": "01TICKET",
        "message-id": "01MESSAGE",
        "channel": "messenger",
        "inbox": "fb-1",
        "filename": urllib.parse.quote("破损照片.jpg", safe=""),
        "sha256": hashlib.sha256(JPEG).hexdigest(),
    }
    assert s3.get_object(Bucket=BUCKET, Key=photo.s3_key)["Body"].read() == JPEG

    # a second call (a retried invocation) fetches only what is still missing, under the same keys
    provider.answer("/flaky", b"OggS" + b"\x00" * 10, content_type="audio/ogg")
    provider.answer("/setup", b"MZ", content_type="application/octet-stream")
    provider.answer("/expired", {"error": {"message": "URL signature expired"}}, status=403)
    before = len(provider.seen)
    again = store_attachments(
        "01TICKET", "01MESSAGE", stored.attachments, MESSENGER, MessengerAdapter(), HttpClient(timeout=5), s3, BUCKET
    )
    assert sorted(s.path for s in provider.seen[before:]) == ["/expired", "/flaky", "/setup"]
    assert again.attachments[0] == photo and again.attachments[4] == scan
    assert again.attachments[3].s3_key == "media/01TICKET/01MESSAGE/3-attachment-4.oga"
    assert not again.retryable


def test_inline_email_attachment_stored_and_downloadable_under_its_chinese_name(s3: Any) -> None:
    raw = (SAMPLES / "ses/inbound_email_zh_multipart.eml").read_bytes()
    [(described, data)] = extract_attachments(raw)
    email_channel.set_fetch_object(s3_object_reader(s3))  # what the ingest function wires
    raw_url = stash_raw_email(s3, BUCKET, "mail-1", raw)  # an email that came inline through SNS
    assert raw_url.startswith(f"s3://{BUCKET}/raw-email/mail-1/") and raw_url.endswith(".eml")
    inbox = InboxConfig(id="mail-1", channel="email", credentials={"address": "support@example.com"})

    stored = store_attachments(
        "01TICKET", "01MAIL", [described.model_copy(update={"url": raw_url})], inbox, EmailAdapter(),
        HttpClient(timeout=5), s3, BUCKET,
    )  # fmt: skip

    assert stored.failures == []
    [attachment] = stored.attachments
    assert (attachment.name, attachment.content_type, attachment.size) == ("银行流水.png", "image/png", len(data))
    url = presigned_url(s3, BUCKET, attachment.s3_key or "", attachment.name or "", ttl_seconds=120)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    disposition = "attachment; filename=\"____.png\"; filename*=UTF-8''%E9%93%B6%E8%A1%8C%E6%B5%81%E6%B0%B4.png"
    assert query["response-content-disposition"] == [disposition]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["120"]
    response = requests.get(url, timeout=10)  # answered by moto in-process
    assert response.status_code == 200 and response.content == data
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Content-Type"] == "image/png"


def test_presigned_url_inline_and_ttl_bounds(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/t/m/0-x.png", Body=b"png")
    url = presigned_url(s3, BUCKET, "media/t/m/0-x.png", "x.png", inline=True)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["response-content-disposition"] == ["inline; filename=\"x.png\"; filename*=UTF-8''x.png"]
    assert query["X-Amz-Expires"] == ["300"]
    for ttl in (0, 7 * 24 * 3600 + 1):
        with pytest.raises(InvalidInput):
            presigned_url(s3, BUCKET, "media/t/m/0-x.png", "x.png", ttl_seconds=ttl)
