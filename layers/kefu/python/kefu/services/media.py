"""Customers' files: fetched from the provider, checked, stored in S3, handed to agents by presigned URL.

The limits live here and nowhere else:
- at most ``MAX_BYTES`` per attachment (the adapters refuse a bigger body while downloading it);
- images, audio, video, PDF, office documents and plain text only; never an executable, whatever the
  provider calls it (magic bytes and the file extension are checked, not just the content type);
- a content type the provider leaves generic (``application/octet-stream``) is sniffed from the first bytes.

Objects are stored at ``media/<ticket_id>/<message_id>/<index>-<safe name>`` with SSE-KMS; the key is
deterministic, so storing the same message again (a retried invocation) overwrites, never duplicates.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config

from kefu import aws
from kefu.channels.base import ChannelAdapter, HttpClient, InboxConfig, MediaBlob
from kefu.errors import InvalidInput, KefuError
from kefu.models import Attachment

MAX_BYTES = 25 * 1024 * 1024
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's limit
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
CONTAINER_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-ole-storage"}

ALLOWED_PREFIXES = ("image/", "audio/", "video/")
ALLOWED_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
    "application/ogg",
    "text/plain",
    "text/csv",
    "text/rtf",
}
# image/svg+xml can carry script; it is an "image/" type but not one we hand out
REFUSED_TYPES = {"image/svg+xml"}
EXECUTABLE_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-mach-binary",
    "application/java-vm",
    "text/x-shellscript",
}
EXECUTABLE_EXTENSIONS = {
    "apk", "app", "bat", "bin", "cmd", "com", "cpl", "dll", "dmg", "elf", "exe", "hta", "iso", "jar", "js",
    "jse", "lnk", "msi", "msp", "pif", "ps1", "reg", "scr", "sh", "vbe", "vbs", "wsf", "wsh",
}  # fmt: skip
_OFFICE_BY_EXTENSION = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
_ZIP_OFFICE = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
_OLE_OFFICE = {"doc", "xls", "ppt"}  # OLE2 is also .msi: only these extensions make it a document

# (offset, magic, type): checked in order, first match wins
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"MZ", "application/x-msdownload"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (0, b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (0, b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (0, b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (0, b"\xca\xfe\xba\xbe", "application/java-vm"),  # Java class or a universal Mach-O: both code
    (0, b"#!AMR", "audio/amr"),  # before the shebang rule: AMR voice starts with "#!" too
    (0, b"#!", "text/x-shellscript"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
    (0, b"{\\rtf", "application/rtf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (0, b"BM", "image/bmp"),
)
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_FTYP = {
    b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif", b"avif": "image/avif",
    b"M4A ": "audio/mp4", b"qt  ": "video/quicktime", b"3gp4": "video/3gpp", b"3gp5": "video/3gpp",
}  # fmt: skip


def media_type(value: str | None) -> str:
    """``"Image/JPEG; charset=x"`` -> ``"image/jpeg"``."""
    return (value or "").split(";", 1)[0].strip().lower()


def extension_of(name: str | None) -> str:
    return name.rsplit(".", 1)[-1].lower() if name and "." in name else ""


def sniff(data: bytes, name: str | None = None) -> str | None:
    """The type the first bytes show, refined by the extension where a container is ambiguous."""
    head = data[:64]
    found: str | None = None
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        found = _RIFF[head[8:12]]
    elif head[4:8] == b"ftyp":
        found = _FTYP.get(head[8:12], "video/mp4")
    elif head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        found = "audio/mpeg"
    else:
        found = next((kind for offset, magic, kind in _MAGIC if head[offset:].startswith(magic)), None)
    extension = extension_of(name)
    if found == "application/zip" and extension in _ZIP_OFFICE:
        return _OFFICE_BY_EXTENSION[extension]
    if found == "application/x-ole-storage" and extension in _OLE_OFFICE:
        return _OFFICE_BY_EXTENSION[extension]
    if found is None and data and b"\x00" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
        except UnicodeDecodeError as err:
            if err.start < 4093:  # not just a character cut at the 4096-byte boundary
                return None
        return "text/plain; charset=utf-8"
    return found


def resolve_content_type(blob: MediaBlob, attachment: Attachment, name: str | None) -> str:
    """The provider's type unless it is generic (or a bare container), then the webhook's, then the bytes'."""
    sniffed = sniff(blob.content, name)
    for declared in (blob.content_type, attachment.content_type):
        base = media_type(declared)
        if base in CONTAINER_TYPES and sniffed and media_type(sniffed) not in CONTAINER_TYPES:
            return sniffed
        if base not in GENERIC_TYPES and declared:
            return declared.strip().lower() if base.startswith("text/") else base
    if sniffed:
        return sniffed
    guessed, _ = mimetypes.guess_type(name or "")
    return guessed or "application/octet-stream"


def refusal(content: bytes, content_type: str, name: str | None, max_bytes: int = MAX_BYTES) -> str | None:
    """Why this file may not be stored, or None when it may."""
    if not content:
        return "the provider returned an empty file"
    if len(content) > max_bytes:
        return f"the file is {len(content)} bytes, over the {max_bytes}-byte limit"
    sniffed = media_type(sniff(content[:64]))
    if sniffed in EXECUTABLE_TYPES:
        return f"executable files are not accepted (the content is {sniffed})"
    if extension_of(name) in EXECUTABLE_EXTENSIONS:
        return f"executable files are not accepted ('.{extension_of(name)}')"
    base = media_type(content_type)
    if base in EXECUTABLE_TYPES or base in REFUSED_TYPES:
        return f"files of type {base} are not accepted"
    if base in ALLOWED_TYPES or (base.startswith(ALLOWED_PREFIXES) and base not in REFUSED_TYPES):
        return None
    return f"files of type {base} are not accepted (images, audio, video, PDF, office documents and text are)"


def safe_name(name: str) -> str:
    """An S3-key-friendly form of a file name (the real name travels in the metadata and the Attachment)."""
    base = re.split(r"[\\/]", name)[-1]  # never a path
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, extension = ascii_name.rpartition(".")
    extension = re.sub(r"[^A-Za-z0-9]+", "", extension).lower()
    if not dot or not extension or len(extension) > 10:
        stem, extension = ascii_name, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:80] or "file"
    return f"{stem}.{extension}" if extension else stem


def _key_part(value: str) -> str:
    part = re.sub(r"[^A-Za-z0-9_-]+", "_", value)[:100]
    if not part.strip("_"):
        raise InvalidInput(f"'{value}' cannot be part of a media key")
    return part


def object_key(ticket_id: str, message_id: str, index: int, name: str) -> str:
    return f"media/{_key_part(ticket_id)}/{_key_part(message_id)}/{index}-{safe_name(name)}"


def default_name(index: int, content_type: str) -> str:
    extension = mimetypes.guess_extension(media_type(content_type)) or ""
    return f"attachment-{index + 1}{extension}"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266 with an ASCII fallback and the exact UTF-8 name as RFC 5987 ``filename*``."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename) or "file"
    encoded = urllib.parse.quote(filename, safe="")
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


@dataclass(frozen=True)
class MediaFailure:
    """One attachment that was not stored, and why (shown to agents; ``retryable``: worth another try)."""

    index: int
    attachment: Attachment
    reason: str
    retryable: bool


@dataclass
class StoredMedia:
    """``attachments``: every attachment in its original order; the stored ones carry ``s3_key``, ``size``,
    ``content_type`` and ``name``. The others are kept as they came, and ``failures`` says why."""

    attachments: list[Attachment] = field(default_factory=list)
    failures: list[MediaFailure] = field(default_factory=list)

    @property
    def retryable(self) -> bool:
        return any(failure.retryable for failure in self.failures)


def store_attachments(
    ticket_id: str,
    message_id: str,
    attachments: list[Attachment],
    inbox: InboxConfig,
    adapter: ChannelAdapter,
    http: HttpClient,
    s3: Any,
    bucket: str,
    *,
    max_bytes: int = MAX_BYTES,
    kms_key_id: str | None = None,
) -> StoredMedia:
    """Fetch each attachment from its provider, check it, and put it in S3 under the message.

    Attachments that already have an ``s3_key`` are kept as they are (a second call stores only what is
    missing). A provider refusal, a limit or a type we do not accept becomes a ``MediaFailure``; an error of
    S3 itself propagates (the invocation is retried, and the deterministic keys make that safe).
    """
    result = StoredMedia()
    for index, attachment in enumerate(attachments):
        if attachment.s3_key:
            result.attachments.append(attachment)
            continue
        try:
            blob = adapter.fetch_media(attachment, inbox, http, max_bytes=max_bytes)
        except KefuError as err:
            retryable = bool(getattr(err, "retryable", False))
            result.failures.append(MediaFailure(index, attachment, err.message, retryable))
            result.attachments.append(attachment)
            continue
        name = blob.name or attachment.name
        content_type = resolve_content_type(blob, attachment, name)
        name = name or default_name(index, content_type)
        described = attachment.model_copy(
            update={"name": name, "content_type": content_type, "size": len(blob.content)}
        )
        reason = refusal(blob.content, content_type, name, max_bytes)
        if reason:
            result.failures.append(MediaFailure(index, attachment, reason, retryable=False))
            result.attachments.append(described)
            continue
        key = object_key(ticket_id, message_id, index, name)
        extra = {"SSEKMSKeyId": kms_key_id} if kms_key_id else {}
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=blob.content,
            ContentType=content_type,
            ContentDisposition=content_disposition(name),
            ServerSideEncryption="aws:kms",
            Metadata={
                "ticket-id": ticket_id,
                "message-id": message_id,
                "channel": adapter.channel,
                "inbox": inbox.id,
                # S3 metadata is ASCII: the UTF-8 name percent-encoded
                "filename": urllib.parse.quote(name, safe="")[:1024],
                "sha256": hashlib.sha256(blob.content).hexdigest(),
            },
            **extra,
        )
        result.attachments.append(described.model_copy(update={"s3_key": key}))
    return result


def presigned_url(
    s3: Any, bucket: str, s3_key: str, filename: str, ttl_seconds: int = 300, *, inline: bool = False
) -> str:
    """A GET URL for one stored file, valid ``ttl_seconds``, that downloads under its real (UTF-8) name.

    ``inline=True`` lets a browser show it in place (image previews); the default saves it. Always SigV4:
    S3 refuses SigV2 for SSE-KMS objects and on buckets created since 2020, and botocore presigns with
    SigV2 unless the client was explicitly configured for s3v4.
    """
    if not 1 <= ttl_seconds <= MAX_PRESIGN_SECONDS:
        raise InvalidInput(f"ttl_seconds must be between 1 and {MAX_PRESIGN_SECONDS}")
    params = {
        "Bucket": bucket,
        "Key": s3_key,
        "ResponseContentDisposition": content_disposition(filename, inline=inline),
    }
    url: str = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)
    if "X-Amz-Algorithm=AWS4-HMAC-SHA256" not in url:
        url = _sigv4_client(s3).generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)
    return url


_SIGV4_CLIENTS: dict[tuple[str, str | None], Any] = {}
_SIGV4_LOCK = threading.Lock()


def _sigv4_client(s3: Any) -> Any:
    """A sibling of ``s3`` (same region, same custom endpoint, default credentials) that presigns with SigV4."""
    region = s3.meta.region_name
    endpoint: str | None = s3.meta.endpoint_url
    if (urllib.parse.urlsplit(endpoint or "").hostname or "").endswith((".amazonaws.com", ".amazonaws.com.cn")):
        endpoint = None  # AWS's own endpoint: let botocore pick the regional virtual-hosted one
    with _SIGV4_LOCK:
        client = _SIGV4_CLIENTS.get((region, endpoint))
        if client is None:
            config = s3.meta.config.merge(Config(signature_version="s3v4"))
            client = aws.new_client("s3", region_name=region, endpoint_url=endpoint, config=config)
            _SIGV4_CLIENTS[(region, endpoint)] = client
        return client


def stash_raw_email(s3: Any, bucket: str, inbox_id: str, raw: bytes, *, kms_key_id: str | None = None) -> str:
    """Keep an email that came inline through SNS so its attachments can be fetched later; returns the
    ``s3://`` URL to put on its attachments (the SES S3 action gives that URL already)."""
    key = f"raw-email/{_key_part(inbox_id)}/{hashlib.sha256(raw).hexdigest()}.eml"
    extra = {"SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    s3.put_object(
        Bucket=bucket, Key=key, Body=raw, ContentType="message/rfc822", ServerSideEncryption="aws:kms", **extra
    )
    return f"s3://{bucket}/{key}"


def s3_object_reader(s3: Any) -> Callable[[str, str], bytes]:
    """The ``fetch_object`` the email adapter needs (``kefu.channels.email.set_fetch_object``)."""

    def fetch(bucket: str, key: str) -> bytes:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    return fetch


# ---------------------------------------------------------------- wiring into the functions


def wire_email(
    s3_client: Callable[[], Any], ses_client: Callable[[], Any] | None = None, *, verify_identities: bool = False
) -> None:
    """Give the email adapter its S3 reads, raw-email stash and (for the outbound function) SES sending.

    The clients are resolved lazily, at first use, so importing a handler makes no AWS client; nor does it
    import the email adapter: the hooks go where it reads them (kefu.channels._email_wiring), and only an
    email delivery or reply loads the adapter."""
    from kefu.channels._email_wiring import WIRING
    from kefu.config import get_settings

    def fetch_object(bucket: str, key: str) -> bytes:  # the client is made at first use, not at import
        return s3_object_reader(s3_client())(bucket, key)

    WIRING["fetch_object"] = fetch_object
    WIRING["store_raw"] = lambda inbox_id, raw: stash_raw_email(
        s3_client(),
        get_settings().media_bucket,
        inbox_id,
        raw,
        kms_key_id=get_settings().secrets_kms_key_id or None,
    )
    if ses_client is not None and verify_identities:
        WIRING["verify_identity"] = lambda address: ses_client().verify_email_identity(EmailAddress=address)
    elif ses_client is not None:
        WIRING["send_raw"] = lambda raw: _send_raw_email(ses_client(), raw)


def _send_raw_email(ses: Any, raw: bytes) -> str:
    from botocore.exceptions import ClientError

    from kefu.errors import ProviderError

    try:
        return str(ses.send_raw_email(RawMessage={"Data": raw})["MessageId"])
    except ClientError as err:
        code = err.response["Error"]["Code"]
        message = err.response["Error"].get("Message", code)
        # SES refuses for reasons a retry does not change (unverified sender, rejected content, sandbox).
        permanent = code in {
            "MessageRejected",
            "MailFromDomainNotVerified",
            "ConfigurationSetDoesNotExist",
            "AccountSendingPausedException",
        }
        raise ProviderError(f"SES: {message}", retryable=not permanent) from err


def media_job_for(message: Any) -> Any:
    """The media job for a newly stored inbound message (a ``kefu.inbound.MediaJob``), or None when none of
    its attachments is still at the provider."""
    from kefu.inbound import MediaJob

    if not any(not a.s3_key and (a.url or a.media_id) for a in message.attachments):
        return None
    return MediaJob(
        ticket_id=message.ticket_id,
        message_id=message.id,
        created_at=message.created_at,
        channel=message.channel,
        inbox=message.inbox,
    )


def store_job_media(repo: Any, job: Any, *, final_attempt: bool) -> str:
    """The media function's use case: fetch one message's files (``store_message_media``). On the last
    allowed try a provider that still fails is recorded on the ticket (``media_failed``) before the raise
    hands the job to the dead-letter queue, so agents learn the file will not come."""
    from kefu.errors import ProviderError

    message = repo.tickets.get_message(job.ticket_id, job.created_at, job.message_id)
    try:
        return store_message_media(repo, message)
    except ProviderError as err:
        if err.retryable and final_attempt:
            repo.tickets.record_system_event(
                message.ticket_id,
                "media_failed",
                {"message_id": message.id, "reasons": [f"gave up after repeated failures: {err.message}"]},
            )
        raise


def store_message_media(repo: Any, message: Any) -> str:
    """Fetch and keep the attachments of one stored inbound message (the media function calls this).

    Returns what happened. A retryable provider failure raises, so the media queue retries the job; a
    permanent one is recorded on the ticket as a ``media_failed`` event and the message keeps its
    description of the attachment.
    """
    from kefu import aws
    from kefu.channels.base import adapter_for
    from kefu.config import get_settings
    from kefu.errors import ProviderError
    from kefu.services.inboxes import load_inbox

    pending = [a for a in message.attachments if not a.s3_key and (a.url or a.media_id)]
    if not pending:
        return "no_media"
    settings = get_settings()
    if not settings.media_bucket:
        return "no_bucket"
    inbox = load_inbox(repo, message.inbox)
    stored = store_attachments(
        message.ticket_id,
        message.id,
        list(message.attachments),
        inbox,
        adapter_for(inbox.channel),
        HttpClient(),
        aws.client("s3"),
        settings.media_bucket,
        kms_key_id=settings.secrets_kms_key_id or None,
    )
    repo.tickets.update_attachments(message, stored.attachments)
    if stored.retryable:
        reasons = "; ".join(f.reason for f in stored.failures if f.retryable)
        raise ProviderError(f"media not fetched yet: {reasons}", retryable=True)
    if stored.failures:
        repo.tickets.record_system_event(
            message.ticket_id,
            "media_failed",
            {"message_id": message.id, "reasons": [f.reason for f in stored.failures]},
        )
        return "partly_stored"
    return "stored"


def attachment_links(attachments: list[Attachment], *, ttl_seconds: int = 300) -> list[str | None]:
    """Presigned URLs for the stored attachments (None for those not stored), made per request."""
    from kefu import aws
    from kefu.config import get_settings

    bucket = get_settings().media_bucket
    links: list[str | None] = []
    for attachment in attachments:
        if attachment.s3_key and bucket:
            inline = media_type(attachment.content_type).split("/")[0] in {"image", "audio", "video"}
            links.append(
                presigned_url(
                    aws.client("s3"),
                    bucket,
                    attachment.s3_key,
                    attachment.name or "attachment",
                    ttl_seconds,
                    inline=inline,
                )
            )
        else:
            links.append(None)
    return links


# ---------------------------------------------------------------- files agents and web-chat customers upload

UPLOAD_MAX_BYTES = 4 * 1024 * 1024  # a JSON body of base64 stays under Lambda's 6 MB request limit
UPLOAD_BODY_BYTES = UPLOAD_MAX_BYTES * 4 // 3 + 64 * 1024  # the base64 text and the JSON around it
MAX_NAME = 200


def checked_upload(name: str, declared_type: str | None, data_base64: str) -> tuple[bytes, str, str]:
    """The bytes, content type and clean name of a file someone uploads, or ``InvalidInput`` saying why not.

    The same rules as for customers' files from the providers (``refusal``): images, audio, video, PDF, office
    documents and text, never an executable or SVG, at most ``UPLOAD_MAX_BYTES``. A generic or missing type
    is sniffed from the bytes; an image whose bytes are not an image is refused (it would be shown inline)."""
    import base64
    import binascii

    from kefu.errors import PayloadTooLarge

    clean = re.split(r"[\\/]", (name or "").strip())[-1].strip()
    if not clean or len(clean) > MAX_NAME or any(ord(c) < 32 for c in clean):
        raise InvalidInput(f"name must be a file name of 1-{MAX_NAME} characters")
    if len(data_base64) > UPLOAD_BODY_BYTES:
        raise PayloadTooLarge(f"the file is over the {UPLOAD_MAX_BYTES}-byte limit")
    try:
        data = base64.b64decode(data_base64, validate=True)
    except (binascii.Error, ValueError) as err:
        raise InvalidInput("data must be the file's bytes in base64") from err
    if len(data) > UPLOAD_MAX_BYTES:
        raise PayloadTooLarge(f"the file is {len(data)} bytes, over the {UPLOAD_MAX_BYTES}-byte limit")
    sniffed = sniff(data, clean)
    declared = media_type(declared_type)
    if declared in GENERIC_TYPES or (declared in CONTAINER_TYPES and sniffed):
        content_type = sniffed or mimetypes.guess_type(clean)[0] or "application/octet-stream"
    else:
        content_type = declared
    if media_type(content_type).startswith("image/") and media_type(sniffed).split("/")[0] != "image":
        raise InvalidInput(f"the file is declared {content_type} but its bytes are not an image")
    reason = refusal(data, content_type, clean, UPLOAD_MAX_BYTES)
    if reason:
        raise InvalidInput(reason)
    return data, content_type, clean


def store_upload(
    s3: Any,
    bucket: str,
    ticket_id: str,
    upload_id: str,
    name: str,
    content_type: str,
    data: bytes,
    *,
    kms_key_id: str | None = None,
) -> str:
    """Put an uploaded file where the message's files live (``media/<ticket>/upload-<id>/0-<name>``)."""
    key = object_key(ticket_id, f"upload-{upload_id}", 0, name)
    extra = {"SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        ContentDisposition=content_disposition(name),
        ServerSideEncryption="aws:kms",
        Metadata={
            "ticket-id": ticket_id,
            "upload-id": upload_id,
            "filename": urllib.parse.quote(name, safe="")[:1024],
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        **extra,
    )
    return key
