"""Twilio SMS and voice (voicemail).

Paths (the action is the last path segment): ``/webhooks/twilio/{inbox}/sms``, ``.../voice``, and the
callbacks our TwiML asks for, ``.../recording`` and ``.../transcription``.

Signature (``X-Twilio-Signature``): base64 HMAC-SHA1(auth_token, URL + every POST parameter name+value in
sorted order, a value repeated under one name counted once). With a JSON body (``application/json``) Twilio
puts ``bodySHA256=<hex sha256(body)>`` in the URL and signs the URL alone; we check that hash too. A form
body is signed as URL + parameters even when its URL carries ``bodySHA256`` (docs/channels.md, "Where we
differ from the SDKs": here we do not). The URL is the one Twilio called, which behind proxies/API Gateway may not be
what we see, so an inbox can set ``public_url``: the base of its Twilio webhooks
(``https://support.example.com/webhooks/twilio/main``); the action and the query string as received are
appended (a ``public_url`` that already ends in the action is used as is). Port quirk: Twilio signs
``https://host/...`` for some configurations and ``https://host:443/...`` for others (and keeps an explicit
port from the webhook URL), so, like Twilio's own SDKs, both the URL without and with the standard port are
accepted, the host spelt as received.

Voice: an incoming call becomes kind "call" and is answered with TwiML that says a greeting (credential
``voice_greeting`` or a default) and records a voicemail with transcription; the recording callback becomes
kind "voice" with the recording as attachment (dedupe: RecordingSid), and the transcription callback a
second "voice" message carrying the text (dedupe: RecordingSid + ":transcription"), so the voicemail shows
up at once and its text when Twilio has it.

Send: Messages API ``/2010-04-01/Accounts/{sid}/Messages.json`` (basic auth, form body From/To/Body, plus
MediaUrl for attachments that have a public URL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse
from typing import Any

from kefu.channels import _fetch
from kefu.channels._common import (
    api_base,
    check_size,
    conversation_key,
    first_values,
    load_json_object,
    parse_form,
    raise_for_http,
    require_header,
    response_json,
    secure_equals,
    send_credential,
    text_of,
)
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
from kefu.clock import now_iso
from kefu.errors import InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment
from kefu.phone import to_e164

DEFAULT_API_BASE = "https://api.twilio.com"
ACTIONS = ("sms", "voice", "recording", "transcription")
DEFAULT_GREETING = "Thank you for calling. Please leave a message after the tone, and we will get back to you."
TWIML = "text/xml; charset=utf-8"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def compute_signature(auth_token: str, url: str, params: dict[str, list[str]]) -> str:
    """Twilio's algorithm: URL, then each parameter name followed by its sorted values, name by name.

    A value repeated under one name counts once, as in Twilio's SDK (``sorted(set(values))``).
    """
    payload = url
    for name in sorted(params):
        for value in sorted(set(params[name])):
            payload += name + value
    digest = hmac.digest(auth_token.encode(), payload.encode(), "sha1")
    return base64.b64encode(digest).decode()


def _action(request: WebhookRequest) -> str:
    action = request.path.rstrip("/").rsplit("/", 1)[-1]
    if action not in ACTIONS:
        raise InvalidInput(f"unknown Twilio webhook '{action}': expected one of {', '.join(ACTIONS)}")
    return action


def signed_url(request: WebhookRequest, inbox: InboxConfig) -> str:
    if not inbox.public_url:
        return request.url
    base = inbox.public_url
    if urllib.parse.urlsplit(base).query:
        return base
    action = _action(request)
    base = base.rstrip("/")
    if not base.endswith(f"/{action}"):
        base = f"{base}/{action}"
    query = urllib.parse.urlsplit(request.url).query
    return f"{base}?{query}" if query else base


def _port_variants(url: str) -> list[str]:
    """The URL without and with the scheme's standard port, the host spelt as received (Twilio's SDKs try
    the same two; an explicit non-standard port is kept in both)."""
    parts = urllib.parse.urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme.lower())
    netloc = parts.netloc
    if parts.port is None:
        without, with_port = netloc, f"{netloc}:{default_port}" if default_port else netloc
    elif parts.port == default_port:
        without, with_port = netloc.rsplit(":", 1)[0], netloc
    else:
        without = with_port = netloc
    return list(dict.fromkeys([parts._replace(netloc=without).geturl(), parts._replace(netloc=with_port).geturl()]))


def _is_json(request: WebhookRequest) -> bool:
    """The JSON rule (bodySHA256) is for JSON bodies; a form body is signed as URL + parameters even when
    the URL happens to carry ``bodySHA256`` (as Twilio's SDK does)."""
    return "json" in (request.header("content-type") or "").lower()


def _params(request: WebhookRequest) -> dict[str, str]:
    if _is_json(request):
        return {key: text_of(value) for key, value in load_json_object(request.body).items()}
    return first_values(parse_form(request.body))


def _check_signature(request: WebhookRequest, inbox: InboxConfig, form: dict[str, list[str]] | None) -> None:
    given = require_header(request, "X-Twilio-Signature")
    token = inbox.credential("auth_token")
    url = signed_url(request, inbox)
    if form is None:
        expected_hash = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("bodySHA256", [""])[0]
        if not expected_hash:
            raise Unauthenticated("a JSON body needs bodySHA256 in the signed URL")
        if not secure_equals(hashlib.sha256(request.body).hexdigest(), expected_hash.lower()):
            raise Unauthenticated("bodySHA256 does not match the body")
        form = {}
    for candidate in _port_variants(url):
        if secure_equals(compute_signature(token, candidate, form), given):
            return
    raise Unauthenticated("X-Twilio-Signature does not match (check the inbox's auth_token and public_url)")


def _base_url(request: WebhookRequest, inbox: InboxConfig) -> str:
    """The inbox's webhook base (without the action) for the callback URLs our TwiML names."""
    parts = urllib.parse.urlsplit(signed_url(request, inbox))
    path = parts.path.rstrip("/").rsplit("/", 1)[0]
    return parts._replace(path=path, query="", fragment="").geturl()


def _is_twilio_host(host: str) -> bool:
    return host == "twilio.com" or host.endswith(".twilio.com")


def media_url(attachment_url: str, inbox: InboxConfig) -> tuple[str, bool]:
    """Where to GET a MediaUrl / RecordingUrl, and whether it gets the account's basic auth.

    Twilio's URLs are on api.twilio.com; an inbox ``api_base`` (a regional host, a proxy, a test server)
    takes their place. Credentials only go to Twilio's own hosts (or the configured api_base).
    A recording URL without an extension is asked for as ``.mp3`` (no extension would be a WAV 10x larger).
    """
    parts = urllib.parse.urlsplit(attachment_url)
    trusted = _is_twilio_host((parts.hostname or "").lower())
    if trusted and inbox.api_base:
        base = urllib.parse.urlsplit(inbox.api_base.rstrip("/"))
        parts = parts._replace(scheme=base.scheme, netloc=base.netloc, path=base.path + parts.path)
    if "/Recordings/" in parts.path and not re.search(r"\.[A-Za-z0-9]+$", parts.path):
        parts = parts._replace(path=parts.path + ".mp3")
    return parts.geturl(), trusted


def _kind_of(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    return {"image": "image", "audio": "voice", "video": "video"}.get(major, "file")


@register
class TwilioAdapter(ChannelAdapter):
    channel = "twilio"
    outbound_media = "inline"  # MMS: each file's https link as MediaUrl
    credential_keys = ("account_sid", "auth_token", "from_number")

    def verify_and_parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        """One pass: the form is decoded once, signed as received, then read into the message."""
        check_size(request)
        action = _action(request)
        if _is_json(request):
            _check_signature(request, inbox, None)
            params = _params(request)
        else:
            form = parse_form(request.body)
            _check_signature(request, inbox, form)
            params = first_values(form)
        return self._messages(action, params, inbox)

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        check_size(request)
        _check_signature(request, inbox, None if _is_json(request) else parse_form(request.body))

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        return self._messages(_action(request), _params(request), inbox)

    def _messages(self, action: str, params: dict[str, str], inbox: InboxConfig) -> list[InboundMessage]:
        if action == "sms":
            return [self._sms(params, inbox)]
        if action == "voice":
            return [self._call(params, inbox)]
        return [self._voicemail(params, inbox, action)]

    def _sender(self, params: dict[str, str], inbox: InboxConfig) -> tuple[Sender, str]:
        number = params.get("From") or params.get("Caller") or ""
        if not number:
            raise InvalidInput("Twilio request has no From number")
        sender = Sender(channel="twilio", external_id=number, phone=to_e164(number))
        return sender, conversation_key("twilio", inbox, number)

    def _metadata(self, params: dict[str, str], *keys: str) -> dict[str, str]:
        return {key.lower(): params[key] for key in keys if params.get(key)}

    def _sms(self, params: dict[str, str], inbox: InboxConfig) -> InboundMessage:
        sid = params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid")
        if not sid:
            raise InvalidInput("Twilio SMS request has no MessageSid")
        sender, key = self._sender(params, inbox)
        try:
            media_count = min(int(params.get("NumMedia") or 0), 10)
        except ValueError:
            media_count = 0
        attachments = [
            Attachment(url=params[f"MediaUrl{i}"], content_type=params.get(f"MediaContentType{i}") or None)
            for i in range(media_count)
            if params.get(f"MediaUrl{i}")
        ]
        text = params.get("Body", "")
        kind = "text" if text or not attachments else _kind_of(attachments[0].content_type or "")
        return InboundMessage(
            channel="twilio",
            inbox=inbox.id,
            provider_message_id=sid,
            conversation_key=key,
            sender=sender,
            kind=kind,
            text=text,
            attachments=attachments,
            metadata=self._metadata(params, "To", "FromCity", "FromState", "FromCountry", "MessagingServiceSid"),
            received_at=now_iso(),  # Twilio sends no timestamp with inbound messages
        )

    def _call(self, params: dict[str, str], inbox: InboxConfig) -> InboundMessage:
        call_sid = params.get("CallSid")
        if not call_sid:
            raise InvalidInput("Twilio voice request has no CallSid")
        sender, key = self._sender(params, inbox)
        return InboundMessage(
            channel="twilio",
            inbox=inbox.id,
            provider_message_id=call_sid,
            conversation_key=key,
            sender=sender,
            kind="call",
            text="",
            event="incoming_call",
            metadata=self._metadata(params, "To", "CallStatus", "CallerCity", "CallerCountry", "Digits"),
            received_at=now_iso(),
        )

    def _voicemail(self, params: dict[str, str], inbox: InboxConfig, action: str) -> InboundMessage:
        call_sid = params.get("CallSid", "")
        recording_sid = params.get("RecordingSid") or (f"{call_sid}:recording" if call_sid else "")
        if not recording_sid:
            raise InvalidInput(f"Twilio {action} callback has no RecordingSid or CallSid")
        sender, key = self._sender(params, inbox)
        url = params.get("RecordingUrl")
        seconds = params.get("RecordingDuration", "")
        duration = int(seconds) if seconds.isdigit() and len(seconds) < 7 else None
        attachments = (
            [Attachment(url=url, content_type="audio/wav", name="voicemail.wav", duration_seconds=duration)]
            if url
            else []
        )
        text = params.get("TranscriptionText", "") if action == "transcription" else ""
        metadata = self._metadata(
            params, "CallSid", "RecordingDuration", "TranscriptionStatus", "TranscriptionSid", "To"
        )
        provider_id = recording_sid if action == "recording" else f"{recording_sid}:transcription"
        return InboundMessage(
            channel="twilio",
            inbox=inbox.id,
            provider_message_id=provider_id,
            conversation_key=key,
            sender=sender,
            kind="voice",
            text=text,
            attachments=attachments,
            metadata=metadata,
            received_at=now_iso(),
        )

    def answer(self, request: WebhookRequest, inbox: InboxConfig, messages: list[InboundMessage]) -> FastAnswer:
        action = _action(request)
        if action == "voice":
            # here, not at module level: xml.sax.saxutils loads urllib.request (http.client, ssl, email), and
            # only a call's first webhook answers with TwiML
            from xml.sax.saxutils import escape, quoteattr

            base = _base_url(request, inbox)
            greeting = inbox.credentials.get("voice_greeting") or DEFAULT_GREETING
            twiml = (
                '<?xml version="1.0" encoding="UTF-8"?><Response>'
                f"<Say>{escape(greeting)}</Say>"
                f'<Record action={quoteattr(base + "/recording")} method="POST" maxLength="300" '
                f'playBeep="true" transcribe="true" transcribeCallback={quoteattr(base + "/transcription")}/>'
                "</Response>"
            )
            return FastAnswer(200, twiml, TWIML)
        if action == "recording":
            return FastAnswer(200, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>', TWIML)
        return FastAnswer(200, EMPTY_TWIML, TWIML)

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """MMS media (MediaUrl<n>) and voicemail recordings (RecordingUrl), with HTTP basic auth
        account_sid:auth_token (required when the account enforces auth on media URLs, harmless otherwise).

        Twilio redirects media to a signed storage URL; the download drops the credentials on the way.
        """
        url, trusted = media_url(_fetch.require_url("Twilio", attachment), inbox)
        headers: dict[str, str] = {}
        if trusted:
            sid, token = send_credential(inbox, "account_sid"), send_credential(inbox, "auth_token")
            headers["Authorization"] = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
        response = _fetch.download("Twilio", http, url, headers=headers, max_bytes=max_bytes)
        recording = "/Recordings/" in urllib.parse.urlsplit(url).path
        name = "voicemail." + url.rsplit(".", 1)[-1] if recording else None
        blob = _fetch.blob_of(response, attachment)
        return MediaBlob(blob.content, blob.content_type, name or blob.name)

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, DEFAULT_API_BASE)
        sid = send_credential(inbox, "account_sid")
        token = send_credential(inbox, "auth_token")
        fields: list[tuple[str, str]] = [
            ("From", send_credential(inbox, "from_number")),
            ("To", message.recipient),
            ("Body", message.body),
        ]
        fields += [("MediaUrl", a.url) for a in message.attachments if a.url and a.url.startswith("https://")]
        auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
        response = http.request(
            "POST",
            f"{base}/2010-04-01/Accounts/{urllib.parse.quote(sid)}/Messages.json",
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/x-www-form-urlencoded"},
            body=urllib.parse.urlencode(fields).encode(),
        )
        data: dict[str, Any] = response_json(response)
        if response.status >= 400:
            code = data.get("code")
            reason = f"{data.get('message') or 'no details'}" + (f" (Twilio error {code})" if code else "")
            raise_for_http("Twilio", response, reason)
        if not data.get("sid"):
            raise ProviderError("Twilio accepted the message but answered no sid", retryable=False)
        return SendResult(provider_message_id=str(data["sid"]), status="sent")
