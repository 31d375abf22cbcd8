"""Email: SES receiving, delivered to us through an SNS HTTPS subscription; replies as raw MIME through SES.

Verification (SNS message signatures): the canonical string is ``Key\\nvalue\\n`` for the documented keys of
the message's Type, in this order (Subject only when present):
Notification: Message, MessageId, Subject, Timestamp, TopicArn, Type;
(Un)SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA. ``SigningCertURL`` must be https on
``sns.<region>.amazonaws.com`` (or ``.amazonaws.com.cn``); the certificate is fetched through the adapter's
HttpClient (TLS-verified), cached in memory by URL, and must be within its validity period. ``TopicArn`` must
be one of the inbox's ``topic_arns`` credential: a comma-separated list or a JSON list of ARNs.

``handshake`` confirms a verified SubscriptionConfirmation by GETting its SubscribeURL (only an https
``sns.<region>.amazonaws.com`` URL) and answers 200.

Parsing a "Received" notification: the raw MIME is ``content`` (SNS action, UTF8 or BASE64 encoding) or an
S3 object (S3 action) read through an injected ``fetch_object(bucket, key) -> bytes`` (the webhooks function
wires boto3 S3 with ``set_fetch_object``; no AWS here). The MIME is parsed with the standard library
(policy=default: RFC 2047 subjects, RFC 2231 file names); the text part is preferred, HTML is reduced to
text when it is the only body. Attachments are described on the message (name, content type, size,
``media_id = "part:<n>"``, and for the S3 action ``url = s3://bucket/key`` of the whole email); their bytes
are NOT carried (SQS messages are small): the media pipeline gets them with ``EmailAdapter.raw_mime`` +
``extract_attachments``.

Dedupe: the email's Message-ID is the provider_message_id (SES can notify the same email twice under two SNS
MessageIds); without one, the SES message id, then the SNS MessageId. ``thread_refs`` = In-Reply-To,
References (newest first) and the Message-ID; a ``[#<ticket id>]`` in the subject becomes ``ticket_hint``.
SES Bounce / Complaint / Delivery notifications on the same topic become kind "status" messages about the
SES message id we sent.

Sending: ``build_reply_mime`` builds the reply (From the inbox ``address``, Subject "Re: ... [#ticket]",
In-Reply-To and References so mail clients thread it); ``send`` hands the bytes to an injected
``send_raw(raw) -> message id`` (the outbound function wires SES SendRawEmail with ``set_send_raw``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from kefu import clock
from kefu.channels._common import (
    arr,
    check_size,
    conversation_key,
    iso_from_text,
    load_json_object,
    obj,
    send_credential,
    text_of,
)
from kefu.channels._email_wiring import WIRING
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
from kefu.errors import Forbidden, InvalidInput, KefuError, ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment

if TYPE_CHECKING:
    from email.message import Message

    from cryptography import x509

# The email package, MIME parsing and cryptography are imported where they are used: importing this module
# must not cost what only an email delivery needs (and functions wire its hooks through _email_wiring,
# without importing it at all).

FetchObject = Callable[[str, str], bytes]
SendRaw = Callable[[bytes], str]

SNS_HOST = re.compile(r"^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$")
MAX_EMAIL_BYTES = 40 * 1024 * 1024  # SES receiving's own limit
MAX_TEXT_CHARS = 100_000
SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
TICKET_REF = re.compile(r"\[#([A-Za-z0-9][A-Za-z0-9_-]{0,63})\]")
MSG_ID = re.compile(r"<[^<>\s]+>")

_CERTS: dict[str, x509.Certificate] = {}
_CERTS_LOCK = threading.Lock()
_wiring = WIRING  # one dict, set here or by kefu.services.media.wire_email without importing this module


def set_verify_identity(verify: Callable[[str], None] | None) -> None:
    """Wire how an inbox's address is put forward for sending (the admin API passes SES VerifyEmailIdentity)."""
    _wiring["verify_identity"] = verify


def set_store_raw(store: Callable[[str, bytes], str] | None) -> None:
    """Wire where an email that came inline through SNS is kept (``store(inbox_id, raw) -> s3:// URL``), so
    its attachments can be fetched later like those of the S3 action."""
    _wiring["store_raw"] = store


def via_api_base(url: str, api_base: str | None) -> str:
    """The URL to fetch: the SNS host as signed, or the inbox's ``api_base`` in its place (proxies, tests).
    The signed URL's host is always checked first; only where the bytes come from changes."""
    if not api_base:
        return url
    parts = urllib.parse.urlsplit(url)
    return api_base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def set_fetch_object(fetch: FetchObject | None) -> None:
    """Wire how S3-action emails are read (the webhooks function passes a boto3 S3 get_object wrapper)."""
    _wiring["fetch_object"] = fetch


def set_send_raw(send: SendRaw | None) -> None:
    """Wire how replies leave (the outbound function passes SES SendRawEmail; it returns the message id)."""
    _wiring["send_raw"] = send


def is_sns_url(url: str, *, pem: bool = False) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "https" or parts.username or parts.password or port not in (None, 443):
        return False
    if not SNS_HOST.match(parts.hostname or ""):
        return False
    return not pem or (parts.path.endswith(".pem") and not parts.query and not parts.fragment)


def canonical_string(envelope: dict[str, Any]) -> bytes:
    keys = SIGNED_KEYS.get(text_of(envelope.get("Type")))
    if keys is None:
        raise InvalidInput(f"unknown SNS message Type '{text_of(envelope.get('Type'))}'")
    lines = []
    for key in keys:
        if key not in envelope:
            if key == "Subject":
                continue
            raise InvalidInput(f"SNS message has no '{key}'")
        lines.append(f"{key}\n{text_of(envelope[key])}\n")
    return "".join(lines).encode()


def allowed_topics(inbox: InboxConfig) -> set[str]:
    raw = inbox.credential("topic_arns").strip()
    if raw.startswith("["):
        try:
            return {str(arn).strip() for arn in json.loads(raw)}
        except ValueError:
            raise InvalidInput("topic_arns is neither a JSON list nor comma-separated") from None
    return {arn.strip() for arn in raw.split(",") if arn.strip()}


# --- MIME ------------------------------------------------------------------------------------------------


class _TextFromHtml(HTMLParser):
    BLOCKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"}:
            self._skip = max(self._skip - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", "replace")


def _ids(value: str | None) -> list[str]:
    return MSG_ID.findall(value or "")


@dataclass
class ParsedEmail:
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    text: str = ""
    html: str = ""  # the HTML body, sanitized (kefu.channels._email_html); "" when there is none
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    auto_submitted: str = ""
    attachments: list[tuple[Attachment, bytes]] = field(default_factory=list)


def parse_mime(raw: bytes) -> ParsedEmail:
    """A raw RFC 5322 message: the fields a ticket needs, attachments with their bytes."""
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser
    from email.utils import getaddresses

    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        parsed = ParsedEmail(subject=" ".join(str(msg.get("subject", "")).split()))
        addresses = getaddresses([str(v) for v in msg.get_all("from", [])])
        if addresses:
            parsed.from_name, parsed.from_address = addresses[0]
        message_ids = _ids(str(msg.get("message-id", "")))
        parsed.message_id = message_ids[0] if message_ids else None
        parsed.in_reply_to = _ids(" ".join(str(v) for v in msg.get_all("in-reply-to", [])))
        parsed.references = _ids(" ".join(str(v) for v in msg.get_all("references", [])))
        parsed.auto_submitted = str(msg.get("auto-submitted", ""))
        if isinstance(msg, EmailMessage):
            body = msg.get_body(preferencelist=("plain", "html"))
            if body is not None:
                text = _part_text(body)
                parsed.text = html_to_text(text) if body.get_content_subtype() == "html" else text.strip()
            html_body = msg.get_body(preferencelist=("html",))
            if html_body is not None:
                from kefu.channels._email_html import sanitize  # only emails with HTML load the sanitizer

                parsed.html = sanitize(_part_text(html_body)) or ""
            parts = list(msg.iter_attachments()) if msg.is_multipart() else []
        else:  # pragma: no cover - policy.default always builds EmailMessage
            parts = []
        for index, part in enumerate(parts):
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            attachment = Attachment(
                name=part.get_filename() or None,
                content_type=part.get_content_type(),
                size=len(data),
                media_id=f"part:{index}",
            )
            parsed.attachments.append((attachment, data))
        parsed.text = parsed.text[:MAX_TEXT_CHARS]
        return parsed
    except (ValueError, TypeError, LookupError, IndexError, KeyError, AttributeError, UnicodeError) as err:
        raise InvalidInput(f"the email could not be parsed: {err}") from None


def extract_attachments(raw: bytes) -> list[tuple[Attachment, bytes]]:
    """Each attachment of a raw email with its bytes, ``media_id`` matching the parsed message's."""
    return parse_mime(raw).attachments


def build_reply_mime(message: OutboundMessage, inbox: InboxConfig) -> bytes:
    """The raw reply: From the inbox address, threaded under the customer's email, ticket id in the subject."""
    address = send_credential(inbox, "address")
    subject = " ".join((message.subject or "").split())
    if not re.match(r"^(re|aw|答复|回复)\s*[:：]", subject, re.IGNORECASE):
        subject = f"Re: {subject}".strip() if subject else "Re: your request"
    tag = f"[#{message.ticket_id}]"
    if tag not in subject:
        subject = f"{subject} {tag}"
    in_reply_to = _ids(message.in_reply_to)
    references = list(dict.fromkeys([ref for r in message.references for ref in _ids(r)] + in_reply_to))
    domain = address.rsplit("@", 1)[-1]
    local = re.sub(r"[^A-Za-z0-9.-]", "-", f"{message.message_id}.{message.ticket_id}")
    from email import policy
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import formataddr, formatdate

    try:
        reply = EmailMessage(policy=policy.SMTP)
        reply["From"] = formataddr((inbox.name, address)) if inbox.name else address
        reply["To"] = Address(addr_spec=message.recipient)
        reply["Subject"] = subject
        reply["Date"] = formatdate(usegmt=True)
        reply["Message-ID"] = f"<{local}@{domain}>"
        if in_reply_to:
            reply["In-Reply-To"] = in_reply_to[-1]
        if references:
            reply["References"] = " ".join(references)
        links = [a.url for a in message.attachments if a.url]
        reply.set_content("\n\n".join([message.body, *links]) if links else message.body)
        return reply.as_bytes()
    except (ValueError, TypeError, IndexError) as err:
        raise ProviderError(f"the reply email could not be built: {err}", retryable=False) from None


# --- the adapter ---------------------------------------------------------------------------------------------


# One delivery reads its envelope in handshake, verify, parse and raw_mime: decoded once (the SNS Message
# carries the whole email, up to 150 KB of JSON). Read-only: callers never change what these return.
@lru_cache(maxsize=4)
def _decoded_envelope(body: bytes) -> dict[str, Any]:
    return load_json_object(body)


@lru_cache(maxsize=4)
def _decoded_notification(message: str) -> dict[str, Any]:
    try:
        notification = json.loads(message)
    except ValueError:
        raise InvalidInput("the SNS Message is not an SES notification (not JSON)") from None
    if not isinstance(notification, dict):
        raise InvalidInput("the SNS Message is not an SES notification")
    return notification


@register
class EmailAdapter(ChannelAdapter):
    channel = "email"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("address", "topic_arns")

    def __init__(
        self,
        http: HttpClient | None = None,
        fetch_object: FetchObject | None = None,
        send_raw: SendRaw | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.http = http or HttpClient()
        self._fetch_object = fetch_object
        self._send_raw = send_raw
        self.now = now or clock.now

    # verification

    def _certificate(self, signed_url: str, inbox: InboxConfig) -> x509.Certificate:
        from cryptography import x509

        url = via_api_base(signed_url, inbox.api_base)
        with _CERTS_LOCK:
            cached = _CERTS.get(url)
        if cached is not None:
            return cached
        response = self.http.request("GET", url)
        if response.status != 200:
            raise Unauthenticated(f"could not fetch the SNS signing certificate (HTTP {response.status})")
        try:
            cert = x509.load_pem_x509_certificate(response.body)
        except ValueError:
            raise Unauthenticated("the SNS signing certificate is not a PEM certificate") from None
        with _CERTS_LOCK:
            _CERTS[url] = cert
        return cert

    def _envelope(self, request: WebhookRequest) -> dict[str, Any]:
        check_size(request)
        return _decoded_envelope(request.body)

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        envelope = self._envelope(request)
        canonical = canonical_string(envelope)
        if text_of(envelope.get("TopicArn")) not in allowed_topics(inbox):
            raise Forbidden(f"SNS topic '{text_of(envelope.get('TopicArn'))}' is not in this inbox's topic_arns")
        version = text_of(envelope.get("SignatureVersion"))
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        algorithm: hashes.HashAlgorithm
        if version == "1":
            algorithm = hashes.SHA1()  # noqa: S303 - SNS SignatureVersion 1 is SHA1withRSA
        elif version == "2":
            algorithm = hashes.SHA256()
        else:
            raise Unauthenticated(f"unsupported SNS SignatureVersion '{version}'")
        cert_url = text_of(envelope.get("SigningCertURL"))
        if not is_sns_url(cert_url, pem=True):
            raise Unauthenticated("SigningCertURL is not an https sns.<region>.amazonaws.com certificate URL")
        try:
            signature = base64.b64decode(text_of(envelope.get("Signature")), validate=True)
        except (binascii.Error, ValueError):
            raise Unauthenticated("Signature is not valid base64") from None
        cert = self._certificate(cert_url, inbox)
        moment = self.now()
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            raise Unauthenticated(
                f"the SNS signing certificate is not valid now (valid {cert.not_valid_before_utc:%Y-%m-%d} "
                f"to {cert.not_valid_after_utc:%Y-%m-%d})"
            )
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise Unauthenticated("the SNS signing certificate does not hold an RSA key")
        try:
            key.verify(signature, canonical, padding.PKCS1v15(), algorithm)
        except InvalidSignature:
            raise Unauthenticated("SNS message signature does not verify") from None

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        if request.method.upper() != "POST":
            raise InvalidInput("SNS deliveries are POST requests")
        try:
            envelope = self._envelope(request)
        except InvalidInput:
            return None  # parse reports the malformed body
        kind = envelope.get("Type")
        if kind not in {"SubscriptionConfirmation", "UnsubscribeConfirmation"}:
            return None
        self.verify(request, inbox)
        if kind == "UnsubscribeConfirmation":
            return FastAnswer(200, "")
        subscribe_url = text_of(envelope.get("SubscribeURL"))
        if not is_sns_url(subscribe_url):
            raise Forbidden("SubscribeURL is not an https sns.<region>.amazonaws.com URL")
        response = self.http.request("GET", via_api_base(subscribe_url, inbox.api_base))
        if response.status != 200:
            raise ProviderError(
                f"SNS refused the subscription confirmation (HTTP {response.status})",
                retryable=response.status >= 500,
                status=response.status,
            )
        return FastAnswer(200, "subscription confirmed")

    # parsing

    def raw_mime(self, request: WebhookRequest) -> tuple[bytes | None, dict[str, str]]:
        """The raw email of a Received notification (inline or from S3) and where it came from."""
        envelope = self._envelope(request)
        notification = self._notification(envelope)
        receipt = obj(notification.get("receipt"))
        action = obj(receipt.get("action"))
        content = notification.get("content")
        if isinstance(content, str):
            if text_of(action.get("encoding")).upper() == "BASE64":
                try:
                    return base64.b64decode(content, validate=False), {"source": "sns"}
                except (binascii.Error, ValueError):
                    raise InvalidInput("SES content is not valid base64") from None
            return content.encode("utf-8", "replace"), {"source": "sns"}
        if action.get("type") == "S3":
            bucket, key = text_of(action.get("bucketName")), text_of(action.get("objectKey"))
            if not bucket or not key:
                raise InvalidInput("SES S3 action without bucketName / objectKey")
            fetch = self._fetch_object or _wiring["fetch_object"]
            if fetch is None:
                raise ProviderError("reading SES emails from S3 is not wired (set_fetch_object)", retryable=False)
            try:
                raw = fetch(bucket, key)
            except KefuError:
                raise
            except Exception as err:  # the wired S3 client's own errors: transient until proven otherwise
                raise ProviderError(f"could not read s3://{bucket}/{key}: {err}", retryable=True) from err
            if len(raw) > MAX_EMAIL_BYTES:
                raise InvalidInput(f"email s3://{bucket}/{key} is larger than {MAX_EMAIL_BYTES} bytes")
            return raw, {"source": "s3", "raw_s3_bucket": bucket, "raw_s3_key": key}
        return None, {"source": "headers"}

    def _notification(self, envelope: dict[str, Any]) -> dict[str, Any]:
        return _decoded_notification(text_of(envelope.get("Message")))

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        envelope = self._envelope(request)
        if envelope.get("Type") != "Notification":
            return []
        notification = self._notification(envelope)
        kind = text_of(notification.get("notificationType") or notification.get("eventType"))
        if kind in {"Bounce", "Complaint", "Delivery"}:
            return self._statuses(kind, notification, inbox)
        if kind != "Received":
            return []
        mail = obj(notification.get("mail"))
        raw, source = self.raw_mime(request)
        parsed = parse_mime(raw) if raw is not None else self._from_headers(mail)
        address = (parsed.from_address or text_of(mail.get("source"))).strip().lower()
        if "@" not in address:
            raise InvalidInput("the email has no usable From address")
        own = inbox.credentials.get("address", "").lower()
        refs = list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))
        if parsed.message_id and parsed.message_id not in refs:
            refs.append(parsed.message_id)
        # One email thread is one conversation: its root is the oldest reference (kept by every reply,
        # ours included), else what it answers, else this email itself, which then starts a new thread.
        root = next(iter([*parsed.references, *parsed.in_reply_to]), None) or parsed.message_id
        hint = TICKET_REF.search(parsed.subject)
        ses_id = text_of(mail.get("messageId"))
        provider_id = parsed.message_id or (f"ses:{ses_id}" if ses_id else f"sns:{text_of(envelope.get('MessageId'))}")
        thread = root or provider_id
        receipt = obj(notification.get("receipt"))
        metadata = {
            **source,
            "sns_message_id": text_of(envelope.get("MessageId")),
            "ses_message_id": ses_id,
            "spam_verdict": text_of(obj(receipt.get("spamVerdict")).get("status")),
            "virus_verdict": text_of(obj(receipt.get("virusVerdict")).get("status")),
            "auto_submitted": "" if parsed.auto_submitted in {"", "no"} else parsed.auto_submitted,
            "from_self": "true" if own and address == own else "",
        }
        attachments = [attachment for attachment, _ in parsed.attachments]
        if source.get("source") == "s3":
            whole_email = f"s3://{source['raw_s3_bucket']}/{source['raw_s3_key']}"
            attachments = [a.model_copy(update={"url": whole_email}) for a in attachments]
        elif attachments and raw is not None and _wiring["store_raw"] is not None:
            whole_email = _wiring["store_raw"](inbox.id, raw)
            attachments = [a.model_copy(update={"url": whole_email}) for a in attachments]
        return [
            InboundMessage(
                channel="email",
                inbox=inbox.id,
                provider_message_id=provider_id,
                conversation_key=f"{conversation_key('email', inbox, address)}:{thread}",
                sender=Sender(
                    channel="email", external_id=address, email=address, display_name=parsed.from_name or None
                ),
                kind="text",
                text=parsed.text,
                html=parsed.html or None,
                subject=parsed.subject or None,
                attachments=attachments,
                ticket_hint=hint.group(1) if hint else None,
                thread_refs=refs,
                metadata={k: v for k, v in metadata.items() if v},
                received_at=iso_from_text(mail.get("timestamp") or envelope.get("Timestamp")),
            )
        ]

    def _from_headers(self, mail: dict[str, Any]) -> ParsedEmail:
        """No content (e.g. an SNS action over the size limit): what commonHeaders tell."""
        from email.utils import getaddresses

        common = obj(mail.get("commonHeaders"))
        senders = getaddresses([text_of(v) for v in arr(common.get("from"))])
        name, address = senders[0] if senders else ("", "")
        message_ids = _ids(text_of(common.get("messageId")))
        headers = {text_of(obj(h).get("name")).lower(): text_of(obj(h).get("value")) for h in arr(mail.get("headers"))}
        return ParsedEmail(
            subject=text_of(common.get("subject")),
            from_name=name,
            from_address=address,
            message_id=message_ids[0] if message_ids else None,
            in_reply_to=_ids(headers.get("in-reply-to")),
            references=_ids(headers.get("references")),
        )

    def _statuses(self, kind: str, notification: dict[str, Any], inbox: InboxConfig) -> list[InboundMessage]:
        mail = obj(notification.get("mail"))
        sent_id = text_of(mail.get("messageId"))
        if not sent_id:
            return []
        detail = obj(notification.get(kind.lower()))
        if kind == "Bounce":
            recipients = [text_of(obj(r).get("emailAddress")) for r in arr(detail.get("bouncedRecipients"))]
            status = "failed"
            text = f"{text_of(detail.get('bounceType'))} bounce ({text_of(detail.get('bounceSubType'))})"
        elif kind == "Complaint":
            recipients = [text_of(obj(r).get("emailAddress")) for r in arr(detail.get("complainedRecipients"))]
            status, text = "complained", "the recipient marked the email as spam"
        else:
            recipients = [text_of(r) for r in arr(detail.get("recipients"))]
            status, text = "delivered", ""
        messages = []
        for recipient in filter(None, recipients):
            address = recipient.lower()
            messages.append(
                InboundMessage(
                    channel="email",
                    inbox=inbox.id,
                    provider_message_id=f"{sent_id}:{status}:{address}",
                    conversation_key=conversation_key("email", inbox, address),
                    sender=Sender(channel="email", external_id=address, email=address),
                    kind="status",
                    text=text,
                    status_of=sent_id,
                    status=status,
                    received_at=iso_from_text(detail.get("timestamp") or mail.get("timestamp")),
                )
            )
        return messages

    # media

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """One attachment (``media_id = "part:<n>"``) cut out of the raw email it came in.

        The raw email must be in S3: ``url = s3://bucket/key`` (the SES S3 action sets it; an email that came
        inline through SNS needs its raw MIME stored first, see kefu.services.media.stash_raw_email). It is
        read through the same ``fetch_object`` as parsing, and kept for the next part of the same email.
        """
        media_id = attachment.media_id or ""
        if not media_id.startswith("part:"):
            raise ProviderError("email attachment has no 'part:<n>' media id", retryable=False)
        url = attachment.url or ""
        if not url.startswith("s3://") or "/" not in url[5:]:
            raise ProviderError("the raw email is not stored in S3, so its attachments cannot be read", retryable=False)
        cached = getattr(self, "_parts", None)
        if cached is None or cached[0] != url:
            bucket, key = url[5:].split("/", 1)
            fetch = self._fetch_object or _wiring["fetch_object"]
            if fetch is None:
                raise ProviderError("reading emails from S3 is not wired (set_fetch_object)", retryable=False)
            try:
                raw = fetch(bucket, key)
            except KefuError:
                raise
            except Exception as err:  # the wired S3 client's own errors: transient until proven otherwise
                raise ProviderError(f"could not read {url}: {err}", retryable=True) from err
            try:
                parts = extract_attachments(raw)
            except InvalidInput as err:
                raise ProviderError(f"the stored email cannot be parsed: {err.message}", retryable=False) from None
            cached = (url, parts)
            self._parts = cached
        for part, data in cached[1]:
            if part.media_id == media_id:
                if max_bytes is not None and len(data) > max_bytes:
                    raise ProviderError(
                        f"the file is {len(data)} bytes, over the {max_bytes}-byte limit", retryable=False
                    )
                return MediaBlob(data, part.content_type or "application/octet-stream", part.name)
        raise ProviderError(f"the email has no attachment {media_id}", retryable=False)

    # sending

    def on_inbox_saved(self, inbox: InboxConfig) -> None:
        """SES sends only from verified addresses: ask for verification when the inbox is saved (SES mails
        the address a link; replies fail with a clear reason until it is clicked)."""
        verify = _wiring["verify_identity"]
        address = inbox.credentials.get("address")
        if verify is not None and address:
            verify(address)

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        raw = build_reply_mime(message, inbox)
        send_raw = self._send_raw or _wiring["send_raw"]
        if send_raw is None:
            raise ProviderError("sending email is not wired (set_send_raw)", retryable=False)
        try:
            message_id = send_raw(raw)
        except KefuError:
            raise
        except Exception as err:  # the wired SES client's errors: transient until the wiring says otherwise
            raise ProviderError(f"sending the email failed: {err}", retryable=True) from err
        return SendResult(provider_message_id=str(message_id) if message_id else None, status="sent")
