"""The media pipeline's limits: type sniffing, what is refused, S3 key names and download names."""

from __future__ import annotations

import urllib.parse

import pytest

from kefu.channels.base import MediaBlob
from kefu.errors import InvalidInput
from kefu.models import Attachment
from kefu.services.media import (
    MAX_BYTES,
    content_disposition,
    object_key,
    refusal,
    resolve_content_type,
    safe_name,
    sniff,
)

from .conftest import sample

OOXML = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", None, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None, "image/png"),
        (b"GIF89a\x01\x00", None, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None, "audio/wav"),
        (b"\x00\x00\x00\x18ftypheic\x00", None, "image/heic"),
        (b"\x00\x00\x00\x18ftypisom\x00", None, "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A \x00", None, "audio/mp4"),
        (b"%PDF-1.7\n", None, "application/pdf"),
        (b"OggS\x00\x02", None, "audio/ogg"),
        (b"ID3\x03\x00", None, "audio/mpeg"),
        (b"#!AMR\n", None, "audio/amr"),
        (b"PK\x03\x04\x14\x00", "report.docx", OOXML),
        (b"PK\x03\x04\x14\x00", "archive.zip", "application/zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "application/vnd.ms-excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "setup.msi", "application/x-ole-storage"),
        (b"MZ\x90\x00\x03", "invoice.pdf", "application/x-msdownload"),
        (b"\x7fELF\x02\x01", None, "application/x-executable"),
        ("订单号 10086，谢谢".encode(), None, "text/plain; charset=utf-8"),
        (b"\x00\x01\x02\x03binary", None, None),
    ],
)
def test_sniff(head: bytes, name: str | None, expected: str | None) -> None:
    assert sniff(head, name) == expected


def test_resolve_prefers_the_provider_then_the_webhook_then_the_bytes() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 8
    assert resolve_content_type(MediaBlob(jpeg, "image/png"), Attachment(), None) == "image/png"
    generic = MediaBlob(jpeg, "application/octet-stream")
    assert resolve_content_type(generic, Attachment(content_type="image/webp"), None) == "image/webp"
    assert resolve_content_type(generic, Attachment(), None) == "image/jpeg"
    assert resolve_content_type(MediaBlob(b"\x00\x01", ""), Attachment(), "notes.csv") == "text/csv"
    assert resolve_content_type(MediaBlob(b"\x00\x01", ""), Attachment(), None) == "application/octet-stream"
    # a zip label on an OOXML document is corrected; parameters are dropped except on text
    assert resolve_content_type(MediaBlob(b"PK\x03\x04", "application/zip"), Attachment(), "a.docx") == OOXML
    assert resolve_content_type(MediaBlob(jpeg, "Image/JPEG; q=1"), Attachment(), None) == "image/jpeg"
    assert resolve_content_type(MediaBlob(b"hi", "text/plain; charset=GBK"), Attachment(), None) == (
        "text/plain; charset=gbk"
    )


@pytest.mark.parametrize(
    ("content", "content_type", "name", "accepted"),
    [
        (b"\xff\xd8\xff\xe0", "image/jpeg", "photo.jpg", True),
        (b"#!AMR\n", "audio/amr", None, True),
        (b"\x00\x00\x00\x18ftypisom", "video/mp4", None, True),
        (b"%PDF-1.4", "application/pdf", "invoice.pdf", True),
        (b"PK\x03\x04", OOXML, "report.docx", True),
        (b"hello", "text/plain; charset=utf-8", "notes.txt", True),
        (b"MZ\x90\x00", "image/jpeg", "photo.jpg", False),  # an executable whatever it is called
        (b"\x7fELF", "application/octet-stream", None, False),
        (b"#!/bin/sh\nrm -rf /", "text/plain", "run.txt", False),
        (b"%PDF-1.4", "application/pdf", "invoice.pdf.exe", False),
        (b"PK\x03\x04", "application/zip", "archive.zip", False),
        (b"<svg onload=alert(1)>", "image/svg+xml", "x.svg", False),
        (b"<html>", "text/html", "page.html", False),
        (b"", "image/jpeg", "empty.jpg", False),
    ],
)
def test_refusal(content: bytes, content_type: str, name: str | None, accepted: bool) -> None:
    assert (refusal(content, content_type, name) is None) is accepted


def test_refusal_over_the_size_limit() -> None:
    assert refusal(b"\xff\xd8\xff" + b"\x00" * 10, "image/jpeg", None, max_bytes=12) == (
        "the file is 13 bytes, over the 12-byte limit"
    )
    assert MAX_BYTES == 25 * 1024 * 1024


def test_safe_names_and_keys() -> None:
    assert safe_name("银行流水.png") == "file.png"
    assert safe_name("Café menu (2).PDF") == "Cafe_menu_2.pdf"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\scan.JPG") == "scan.jpg"
    assert safe_name(".bashrc") == "file.bashrc"
    assert safe_name("voicemail") == "voicemail"
    assert len(safe_name("a" * 500 + ".jpeg")) == 85
    assert object_key("01TICKET", "01MSG", 2, "银行流水.png") == "media/01TICKET/01MSG/2-file.png"
    with pytest.raises(InvalidInput):
        object_key("../", "01MSG", 0, "x")


def test_content_disposition_carries_the_utf8_name() -> None:
    value = content_disposition("银行流水.png")
    assert value == ("attachment; filename=\"____.png\"; filename*=UTF-8''%E9%93%B6%E8%A1%8C%E6%B5%81%E6%B0%B4.png")
    assert urllib.parse.unquote(value.split("''", 1)[1]) == "银行流水.png"
    assert content_disposition('a"b\r\n.txt', inline=True).startswith('inline; filename="a_b__.txt"')
    assert "\r" not in content_disposition('a"b\r\n.txt') and "\n" not in content_disposition('a"b\r\n.txt')


def test_the_sample_email_attachment_is_a_png_we_accept() -> None:
    from kefu.channels.email import extract_attachments

    [(attachment, data)] = extract_attachments(sample("ses/inbound_email_zh_multipart.eml"))
    content_type = resolve_content_type(MediaBlob(data, attachment.content_type or ""), attachment, attachment.name)
    assert refusal(data, content_type, attachment.name) is None
