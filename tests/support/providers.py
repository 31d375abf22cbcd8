"""Channel providers for tests: a loopback HTTP server answering like each provider's API, and signers
that turn the vendored sample payloads into real wire-format deliveries (bytes, headers, query) with fresh ids.

The signers are written from the providers' documentation, independently of ``kefu.channels`` (a bug shared
by the signer and the verifier would otherwise cancel out); the unit tests pin both to the official vectors.

``FakeProvider`` records every request and answers what our outbound code calls:
WeChat ``/cgi-bin/token`` + ``/cgi-bin/message/custom/send``, WeCom ``/cgi-bin/gettoken`` +
``/cgi-bin/message/send``, Graph ``/v*/{phone_number_id}/messages`` (WhatsApp) and ``/v*/me/messages``
(Messenger, Instagram), Twilio ``/2010-04-01/Accounts/{sid}/Messages.json``, LINE ``/v2/bot/message/push``,
Telegram ``/bot{token}/sendMessage``, Weibo ``/2/messages/reply.json``; it also serves SNS signing
certificates (``*.pem``) and answers SNS ``ConfirmSubscription``. ``fail(...)`` scripts failures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "unit" / "channels" / "samples"  # providers' official samples and vectors, vendored


def sample(relative: str) -> bytes:
    return (SAMPLES / relative).read_bytes()


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


_counter = itertools.count(int(time.time() * 1000) % 10**9)


def fresh_number() -> int:
    """A number no earlier delivery of this process used (provider ids that are numeric)."""
    return next(_counter)


# --- the fake provider --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"

    @staticmethod
    def of(status: int, payload: Any, content_type: str = "application/json") -> Answer:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        return Answer(status, body, content_type)


@dataclass
class _Script:
    method: str
    path: re.Pattern[str]
    answer: Answer
    times: int
    match: Callable[[Recorded], bool] | None


Responder = Callable[[Recorded, "re.Match[str]"], Answer]


class FakeProvider:
    """A ThreadingHTTPServer on 127.0.0.1 (free port) playing every provider API; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.certificates: dict[str, bytes] = {}  # path -> PEM
        self._scripts: list[_Script] = []
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], Responder]] = [
            ("GET", re.compile(r"^/cgi-bin/token$"), self._wechat_token),
            ("GET", re.compile(r"^/cgi-bin/gettoken$"), self._wechat_token),
            ("POST", re.compile(r"^/cgi-bin/message/custom/send$"), self._tencent_ok),
            ("POST", re.compile(r"^/cgi-bin/message/send$"), self._wecom_sent),
            ("POST", re.compile(r"^/v[\d.]+/me/messages$"), self._messenger_sent),
            ("POST", re.compile(r"^/v[\d.]+/(\d+)/messages$"), self._whatsapp_sent),
            ("POST", re.compile(r"^/2010-04-01/Accounts/(\w+)/Messages\.json$"), self._twilio_sent),
            ("POST", re.compile(r"^/v2/bot/message/push$"), self._line_sent),
            ("POST", re.compile(r"^/bot([^/]+)/sendMessage$"), self._telegram_sent),
            ("POST", re.compile(r"^/2/messages/reply\.json$"), self._weibo_sent),
            ("GET", re.compile(r"^/.*\.pem$"), self._certificate),
            ("GET", re.compile(r"^/$"), self._sns_action),
        ]
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urllib.parse.urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                answer = provider._answer(recorded)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-provider", daemon=True)

    # lifecycle

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # scripting and inspection

    def fail(
        self,
        path: str,
        status: int,
        body: Any,
        *,
        method: str = "POST",
        times: int = 1,
        match: Callable[[Recorded], bool] | None = None,
        content_type: str = "application/json",
    ) -> None:
        """The next ``times`` requests to ``path`` (a regex on the path) answering ``match`` get this answer."""
        with self._lock:
            self._scripts.append(_Script(method, re.compile(path), Answer.of(status, body, content_type), times, match))

    def serve_certificate(self, path: str, pem: bytes) -> None:
        self.certificates[path] = pem

    def received(
        self, path: str, method: str = "POST", match: Callable[[Recorded], bool] | None = None
    ) -> list[Recorded]:
        pattern = re.compile(path)
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and pattern.search(r.path) and (match is None or match(r))
            ]

    def _answer(self, recorded: Recorded) -> Answer:
        with self._lock:
            self.requests.append(recorded)
            for script in self._scripts:
                if (
                    script.times > 0
                    and script.method == recorded.method
                    and script.path.search(recorded.path)
                    and (script.match is None or script.match(recorded))
                ):
                    script.times -= 1
                    return script.answer
        for method, pattern, responder in self._routes:
            found = pattern.match(recorded.path)
            if found and method == recorded.method:
                return responder(recorded, found)
        return Answer.of(404, {"error": f"FakeProvider has no route for {recorded.method} {recorded.path}"})

    # the providers' success answers (shapes from their API references)

    def _wechat_token(self, r: Recorded, _: re.Match[str]) -> Answer:
        if not (r.query.get("secret") or r.query.get("corpsecret")):
            return Answer.of(200, {"errcode": 41004, "errmsg": "appsecret missing"})
        return Answer.of(
            200, {"errcode": 0, "errmsg": "ok", "access_token": unique("ACCESS_TOKEN_"), "expires_in": 7200}
        )

    def _tencent_ok(self, r: Recorded, _: re.Match[str]) -> Answer:
        if not r.query.get("access_token"):
            return Answer.of(200, {"errcode": 41001, "errmsg": "access_token missing"})
        return Answer.of(200, {"errcode": 0, "errmsg": "ok"})

    def _wecom_sent(self, r: Recorded, _: re.Match[str]) -> Answer:
        if not r.query.get("access_token"):
            return Answer.of(200, {"errcode": 41001, "errmsg": "access_token missing"})
        return Answer.of(
            200,
            {"errcode": 0, "errmsg": "ok", "invaliduser": "", "invalidparty": "", "invalidtag": "", "msgid": unique()},
        )

    def _whatsapp_sent(self, r: Recorded, _: re.Match[str]) -> Answer:
        to = str(r.json().get("to", ""))
        wamid = "wamid." + base64.b64encode(uuid.uuid4().bytes).decode()
        return Answer.of(
            200,
            {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": wamid}]},
        )

    def _messenger_sent(self, r: Recorded, _: re.Match[str]) -> Answer:
        recipient = str(r.json().get("recipient", {}).get("id", ""))
        return Answer.of(200, {"recipient_id": recipient, "message_id": unique("m_")})

    def _twilio_sent(self, r: Recorded, found: re.Match[str]) -> Answer:
        form = r.form()
        return Answer.of(
            201,
            {
                "sid": "SM" + uuid.uuid4().hex,
                "account_sid": found.group(1),
                "from": form.get("From"),
                "to": form.get("To"),
                "body": form.get("Body"),
                "status": "queued",
                "api_version": "2010-04-01",
            },
        )

    def _line_sent(self, r: Recorded, _: re.Match[str]) -> Answer:
        return Answer.of(200, {"sentMessages": [{"id": str(fresh_number()), "quoteToken": unique()}]})

    def _telegram_sent(self, r: Recorded, _: re.Match[str]) -> Answer:
        payload = r.json()
        return Answer.of(
            200,
            {
                "ok": True,
                "result": {
                    "message_id": fresh_number(),
                    "chat": {"id": payload.get("chat_id")},
                    "date": int(time.time()),
                    "text": payload.get("text"),
                },
            },
        )

    def _weibo_sent(self, r: Recorded, _: re.Match[str]) -> Answer:
        return Answer.of(200, {"result": True, "id": str(fresh_number())})

    def _certificate(self, r: Recorded, _: re.Match[str]) -> Answer:
        pem = self.certificates.get(r.path)
        if pem is None:
            return Answer.of(404, b"no such certificate", "text/plain")
        return Answer(200, pem, "application/x-x509-ca-cert")

    def _sns_action(self, r: Recorded, _: re.Match[str]) -> Answer:
        if r.query.get("Action") != "ConfirmSubscription":
            return Answer.of(400, b"<ErrorResponse/>", "text/xml")
        arn = r.query.get("TopicArn", "") + ":" + str(uuid.uuid4())
        xml = (
            '<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            f"<ConfirmSubscriptionResult><SubscriptionArn>{arn}</SubscriptionArn></ConfirmSubscriptionResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</ConfirmSubscriptionResponse>"
        )
        return Answer(200, xml.encode(), "text/xml")


# provider error bodies, as their APIs answer them
def whatsapp_error(code: int = 131047, message: str = "Re-engagement message") -> dict[str, Any]:
    details = (
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
    )
    return {
        "error": {
            "message": f"({code}) {message}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": unique("A"),
        }
    }


def messenger_error(code: int = 10, subcode: int = 2018278) -> dict[str, Any]:
    return {
        "error": {
            "message": "(#10) This message is sent outside of allowed window.",
            "type": "OAuthException",
            "code": code,
            "error_subcode": subcode,
            "fbtrace_id": unique("A"),
        }
    }


def twilio_error(code: int = 21610, message: str = "Attempt to send to unsubscribed recipient") -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": 400}


def tencent_error(
    errcode: int = 45015, errmsg: str = "response out of time limit or subscription is canceled"
) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": errmsg}


def line_error(
    message: str = "The property, 'to', in the request body is invalid (line 1, column 7)",
) -> dict[str, Any]:
    return {"message": "The request body has 1 error(s)", "details": [{"message": message, "property": "to"}]}


def telegram_error(code: int = 403, description: str = "Forbidden: bot was blocked by the user") -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def weibo_error(
    code: int = 21602, error: str = "the fan has not sent a message in the last 48 hours"
) -> dict[str, Any]:
    return {"error": error, "error_code": code, "request": "/2/messages/reply.json"}


# --- deliveries ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One provider request to our gateway, exactly as it goes on the wire."""

    method: str
    path: str  # e.g. /webhooks/wechat/wx-1
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    sender: str = ""  # the customer's id on the channel, as Kefu should store it
    text: str = ""
    provider_id: str = ""  # the provider's dedupe key for this delivery

    @property
    def url_path(self) -> str:
        return self.path + ("?" + urllib.parse.urlencode(self.query) if self.query else "")

    def send(self, http: Any) -> Any:
        """Send with an httpx.Client (base_url = the gateway)."""
        return http.request(self.method, self.url_path, headers=self.headers, content=self.body or None)


def _timestamp() -> str:
    return str(int(time.time()))


def _nonce() -> str:
    return str(fresh_number())


def _sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _set_element(xml: str, tag: str, value: str) -> str:
    element = f"<{tag}>{value}</{tag}>"
    return re.sub(rf"<{tag}>.*?</{tag}>", lambda _match: element, xml, flags=re.S)


def tencent_encrypt(encoding_aes_key: str, receive_id: str, message: bytes) -> str:
    """WXBizMsgCrypt: AES-256-CBC, IV = key[:16], 16 random bytes + length + message + receive id, PKCS#7/32."""
    key = base64.b64decode(encoding_aes_key + "=")
    plain = os.urandom(16) + len(message).to_bytes(4, "big") + message + receive_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def new_encoding_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


@dataclass(frozen=True)
class WeChatSigner:
    inbox: str
    token: str
    app_id: str = "wx2c2769f8efd9abc2"
    encoding_aes_key: str = ""
    account: str = "gh_kefu_e2e"

    def url_check(self, echostr: str) -> Delivery:
        ts, nonce = _timestamp(), _nonce()
        query = {"signature": _sha1_sorted(self.token, ts, nonce), "echostr": echostr, "timestamp": ts, "nonce": nonce}
        return Delivery("GET", f"/webhooks/wechat/{self.inbox}", query, text=echostr)

    def text(self, openid: str, text: str, *, safe: bool = False, msg_id: str | None = None) -> Delivery:
        msg_id = msg_id or str(10**15 + fresh_number())
        xml = sample("wechat_oa/plain_text.xml").decode()
        for tag, value in (
            ("ToUserName", _cdata(self.account)),
            ("FromUserName", _cdata(openid)),
            ("CreateTime", _timestamp()),
            ("Content", _cdata(text)),
            ("MsgId", msg_id),
        ):
            xml = _set_element(xml, tag, value)
        ts, nonce = _timestamp(), _nonce()
        query = {"signature": _sha1_sorted(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid}
        body = xml.encode()
        if safe:
            encrypted = tencent_encrypt(self.encoding_aes_key, self.app_id, body)
            body = f"<xml><ToUserName>{_cdata(self.account)}</ToUserName><Encrypt>{_cdata(encrypted)}</Encrypt></xml>".encode()
            query |= {"encrypt_type": "aes", "msg_signature": _sha1_sorted(self.token, ts, nonce, encrypted)}
        headers = {"Content-Type": "text/xml"}
        return Delivery("POST", f"/webhooks/wechat/{self.inbox}", query, headers, body, openid, text, msg_id)


@dataclass(frozen=True)
class WeComSigner:
    inbox: str
    token: str
    encoding_aes_key: str
    corp_id: str
    agent_id: str = "1000002"

    def url_check(self, echostr_plain: str) -> Delivery:
        ts, nonce = _timestamp(), _nonce()
        echostr = tencent_encrypt(self.encoding_aes_key, self.corp_id, echostr_plain.encode())
        query = {
            "msg_signature": _sha1_sorted(self.token, ts, nonce, echostr),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        }
        return Delivery("GET", f"/webhooks/wecom/{self.inbox}", query, text=echostr_plain)

    def text(self, user_id: str, text: str, *, msg_id: str | None = None) -> Delivery:
        msg_id = msg_id or str(10**15 + fresh_number())
        xml = (
            f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName><FromUserName>{_cdata(user_id)}</FromUserName>"
            f"<CreateTime>{_timestamp()}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
            f"<Content>{_cdata(text)}</Content><MsgId>{msg_id}</MsgId><AgentID>{self.agent_id}</AgentID></xml>"
        )
        encrypted = tencent_encrypt(self.encoding_aes_key, self.corp_id, xml.encode())
        body = (
            f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName><Encrypt>{_cdata(encrypted)}</Encrypt>"
            f"<AgentID>{_cdata(self.agent_id)}</AgentID></xml>"
        ).encode()
        ts, nonce = _timestamp(), _nonce()
        query = {"msg_signature": _sha1_sorted(self.token, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}
        return Delivery(
            "POST", f"/webhooks/wecom/{self.inbox}", query, {"Content-Type": "text/xml"}, body, user_id, text, msg_id
        )


def _json_bytes(payload: Any) -> bytes:
    # Meta and LINE send compact UTF-8 JSON; what matters is that the signature covers these exact bytes
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class MetaSigner:
    """WhatsApp Cloud API, Messenger and Instagram: X-Hub-Signature-256 over the raw body."""

    channel: str  # whatsapp | messenger
    inbox: str
    app_secret: str
    verify_token: str

    def verification(self, challenge: str, verify_token: str | None = None) -> Delivery:
        query = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": verify_token or self.verify_token,
        }
        return Delivery("GET", f"/webhooks/{self.channel}/{self.inbox}", query, text=challenge)

    def _signed(self, body: bytes, sender: str, text: str, provider_id: str) -> Delivery:
        signature = "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        return Delivery("POST", f"/webhooks/{self.channel}/{self.inbox}", {}, headers, body, sender, text, provider_id)

    def whatsapp_text(self, phone_number_id: str, wa_id: str, text: str, name: str = "Sheena Nelson") -> Delivery:
        payload = json.loads(sample("whatsapp/text_message.json"))
        value = payload["entry"][0]["changes"][0]["value"]
        wamid = "wamid." + base64.b64encode(uuid.uuid4().bytes).decode()
        value["metadata"]["phone_number_id"] = phone_number_id
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"][0].update(**{"from": wa_id, "id": wamid, "timestamp": _timestamp(), "text": {"body": text}})
        return self._signed(_json_bytes(payload), "+" + wa_id, text, wamid)

    def messenger_text(self, page_id: str, sender_id: str, text: str, *, instagram: bool = False) -> Delivery:
        name = "messenger/instagram_text_message.json" if instagram else "messenger/messenger_text_message.json"
        payload = json.loads(sample(name))
        entry = payload["entry"][0]
        now_ms = int(time.time() * 1000)
        mid = unique("m_")
        entry.update(id=page_id, time=now_ms)
        event = entry["messaging"][0]
        event.update(sender={"id": sender_id}, recipient={"id": page_id}, timestamp=now_ms)
        event["message"] = {"mid": mid, "text": text}
        return self._signed(_json_bytes(payload), sender_id, text, mid)


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@dataclass(frozen=True)
class TwilioSigner:
    inbox: str
    auth_token: str
    public_url: str  # the inbox's public_url: what Twilio signs (the base; the action is appended)
    account_sid: str = "AC" + "c" * 32
    to_number: str = "+15005550006"

    def _signed(self, action: str, params: dict[str, str], sender: str, text: str, provider_id: str) -> Delivery:
        url = f"{self.public_url.rstrip('/')}/{action}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(self.auth_token, url, params),
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        body = urllib.parse.urlencode(params).encode()
        return Delivery("POST", f"/webhooks/twilio/{self.inbox}/{action}", {}, headers, body, sender, text, provider_id)

    def sms(self, from_number: str, text: str) -> Delivery:
        params = dict(urllib.parse.parse_qsl(sample("twilio/sms_inbound.form.txt").decode(), keep_blank_values=True))
        sid = "SM" + uuid.uuid4().hex
        params.update(
            SmsMessageSid=sid, SmsSid=sid, MessageSid=sid, From=from_number, To=self.to_number, Body=text,
            AccountSid=self.account_sid, NumMedia="0",
        )  # fmt: skip
        for key in ("MediaContentType0", "MediaUrl0"):
            params.pop(key, None)
        return self._signed("sms", params, from_number, text, sid)

    def voice(self, from_number: str, call_sid: str | None = None) -> Delivery:
        params = dict(urllib.parse.parse_qsl(sample("twilio/voice_docs_example.form.txt").decode()))
        call_sid = call_sid or "CA" + uuid.uuid4().hex
        params.update(CallSid=call_sid, Caller=from_number, From=from_number, To=self.to_number)
        params |= {
            "AccountSid": self.account_sid,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        params.pop("Digits", None)
        return self._signed("voice", params, from_number, "", call_sid)

    def recording(self, from_number: str, call_sid: str, recording_sid: str, recording_url: str) -> Delivery:
        params = {
            "AccountSid": self.account_sid, "CallSid": call_sid, "From": from_number, "To": self.to_number,
            "RecordingSid": recording_sid, "RecordingUrl": recording_url, "RecordingDuration": "7",
            "RecordingStatus": "completed", "Digits": "hangup",
        }  # fmt: skip
        return self._signed("recording", params, from_number, "", recording_sid)

    def transcription(self, from_number: str, call_sid: str, recording_sid: str, text: str) -> Delivery:
        params = {
            "AccountSid": self.account_sid, "CallSid": call_sid, "From": from_number, "To": self.to_number,
            "RecordingSid": recording_sid, "TranscriptionSid": "TR" + uuid.uuid4().hex,
            "TranscriptionText": text, "TranscriptionStatus": "completed",
        }  # fmt: skip
        return self._signed("transcription", params, from_number, text, f"{recording_sid}:transcription")


@dataclass(frozen=True)
class LineSigner:
    inbox: str
    channel_secret: str
    destination: str = "U" + "0" * 32

    def text(self, user_id: str, text: str) -> Delivery:
        payload = json.loads(sample("line/webhook_text_image_follow.json"))
        event = payload["events"][0]
        event_id = str(uuid.uuid4()).upper().replace("-", "")[:26]
        event.update(
            replyToken=uuid.uuid4().hex, timestamp=int(time.time() * 1000), source={"type": "user", "userId": user_id},
            webhookEventId=event_id,
        )  # fmt: skip
        event["message"] = {"id": str(fresh_number()), "type": "text", "text": text, "quoteToken": unique()}
        body = _json_bytes({"destination": self.destination, "events": [event]})
        signature = base64.b64encode(hmac.new(self.channel_secret.encode(), body, hashlib.sha256).digest()).decode()
        headers = {"Content-Type": "application/json; charset=utf-8", "x-line-signature": signature}
        return Delivery("POST", f"/webhooks/line/{self.inbox}", {}, headers, body, user_id, text, event_id)


@dataclass(frozen=True)
class TelegramSigner:
    inbox: str
    secret_token: str

    def text(self, chat_id: int, text: str, first_name: str = "Test") -> Delivery:
        update = json.loads(sample("telegram/update_text_message.json"))
        update_id = fresh_number()
        update["update_id"] = update_id
        message = update["message"]
        message.update(message_id=fresh_number(), date=int(time.time()), text=text)
        message["from"].update(id=chat_id, first_name=first_name)
        message["chat"].update(id=chat_id, first_name=first_name)
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": self.secret_token}
        return Delivery(
            "POST",
            f"/webhooks/telegram/{self.inbox}",
            {},
            headers,
            _json_bytes(update),
            str(chat_id),
            text,
            str(update_id),
        )


@dataclass(frozen=True)
class WeiboSigner:
    inbox: str
    app_secret: str
    receiver_id: int = 1902538057

    def _query(self) -> dict[str, str]:
        ts, nonce = str(int(time.time() * 1000)), _nonce()
        return {"signature": _sha1_sorted(self.app_secret, ts, nonce), "timestamp": ts, "nonce": nonce}

    def url_check(self, echostr: str) -> Delivery:
        return Delivery("GET", f"/webhooks/weibo/{self.inbox}", {**self._query(), "echostr": echostr}, text=echostr)

    def text(self, sender_id: int, text: str, at: datetime | None = None) -> Delivery:
        """``at``: when the fan wrote (Weibo's dedupe key is sender + created_at, to the second)."""
        push = json.loads(sample("weibo/text_message.json"))
        created = (at or datetime.now(UTC)).astimezone().strftime("%a %b %d %H:%M:%S %z %Y")
        push.update(receiver_id=self.receiver_id, sender_id=sender_id, created_at=created, text=text)
        headers = {"Content-Type": "application/json"}
        provider_id = f"{sender_id}:{created}:text"
        return Delivery(
            "POST",
            f"/webhooks/weibo/{self.inbox}",
            self._query(),
            headers,
            _json_bytes(push),
            str(sender_id),
            text,
            provider_id,
        )


# --- Amazon SNS (SES inbound) ----------------------------------------------------------------------------------

SNS_SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}


@dataclass(frozen=True)
class SnsSigner:
    """Signs SNS messages with a self-signed certificate the FakeProvider serves at ``cert_path``."""

    inbox: str
    topic_arn: str
    key: rsa.RSAPrivateKey
    cert_pem: bytes
    region: str = "us-east-1"
    cert_path: str = "/SimpleNotificationService-kefu-e2e.pem"

    @staticmethod
    def generate(inbox: str, topic_arn: str) -> SnsSigner:
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
        return SnsSigner(inbox, topic_arn, key, cert.public_bytes(serialization.Encoding.PEM))

    @property
    def cert_url(self) -> str:
        return f"https://sns.{self.region}.amazonaws.com{self.cert_path}"

    def _signed(self, envelope: dict[str, str], version: str = "2") -> dict[str, str]:
        envelope = {**envelope, "SignatureVersion": version, "SigningCertURL": self.cert_url}
        canonical = "".join(f"{k}\n{envelope[k]}\n" for k in SNS_SIGNED_KEYS[envelope["Type"]] if k in envelope)
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        envelope["Signature"] = base64.b64encode(
            self.key.sign(canonical.encode(), padding.PKCS1v15(), algorithm)
        ).decode()
        return envelope

    def _delivery(self, envelope: dict[str, str], sender: str = "", text: str = "", provider_id: str = "") -> Delivery:
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",  # what SNS really sends
            "x-amz-sns-message-type": envelope["Type"],
            "x-amz-sns-message-id": envelope["MessageId"],
            "x-amz-sns-topic-arn": envelope["TopicArn"],
            "User-Agent": "Amazon Simple Notification Service Agent",
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        return Delivery("POST", f"/webhooks/email/{self.inbox}", {}, headers, body, sender, text, provider_id)

    def subscription_confirmation(self) -> Delivery:
        token = uuid.uuid4().hex * 2
        subscribe = f"https://sns.{self.region}.amazonaws.com/?" + urllib.parse.urlencode(
            {"Action": "ConfirmSubscription", "TopicArn": self.topic_arn, "Token": token}
        )
        envelope = {
            "Type": "SubscriptionConfirmation",
            "MessageId": str(uuid.uuid4()),
            "Token": token,
            "TopicArn": self.topic_arn,
            "Message": f"You have chosen to subscribe to the topic {self.topic_arn}.\nTo confirm the subscription, "
            "visit the SubscribeURL included in this message.",
            "SubscribeURL": subscribe,
            "Timestamp": _iso_now(),
        }
        return self._delivery(self._signed(envelope, "1"), text=token)

    def email(self, from_address: str, subject: str, text: str, to_address: str, from_name: str = "张三") -> Delivery:
        """An SES "Received" notification (SNS action, UTF8) carrying a fresh email, as SNS posts it."""
        message_id = f"<{uuid.uuid4().hex}@mail.example.cn>"
        mime = EmailMessage()
        mime["From"] = f"{from_name} <{from_address}>"
        mime["To"] = f"Support <{to_address}>"
        mime["Subject"] = subject
        mime["Date"] = formatdate(localtime=True)
        mime["Message-ID"] = message_id
        mime.set_content(text)
        raw = mime.as_bytes().decode("utf-8")
        notification = json.loads(sample("ses/ses_received_sns_action_message.json"))
        ses_id = uuid.uuid4().hex
        notification["mail"].update(
            timestamp=_iso_now(), source=from_address, messageId=ses_id, destination=[to_address],
            headers=[{"name": "From", "value": mime["From"]}, {"name": "Message-ID", "value": message_id}],
            commonHeaders={"from": [mime["From"]], "to": [mime["To"]], "messageId": message_id, "subject": subject},
        )  # fmt: skip
        notification["receipt"]["action"] = {"type": "SNS", "topicArn": self.topic_arn, "encoding": "UTF8"}
        notification["content"] = raw
        envelope = {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": self.topic_arn,
            "Subject": "Amazon SES Email Receipt Notification",
            "Message": json.dumps(notification, ensure_ascii=False),
            "Timestamp": _iso_now(),
            "UnsubscribeURL": f"https://sns.{self.region}.amazonaws.com/?Action=Unsubscribe",
        }
        return self._delivery(self._signed(envelope), from_address, text, message_id)


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
