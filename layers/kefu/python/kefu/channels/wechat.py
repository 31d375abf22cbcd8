"""WeChat Official Account (微信公众号): plain, compatible and safe (AES) mode.

- URL check (GET): ``signature`` = sha1(sorted token, timestamp, nonce); answer ``echostr``.
- Plain mode POST: the same ``signature`` in the query (WeChat does not sign the body in plain mode).
- Compatible / safe mode POST (``encrypt_type=aes``): ``msg_signature`` over the ``Encrypt`` element,
  which decrypts to the message; the AppID at its end must be this inbox's ``app_id``.
  Compatible mode also carries the fields in clear: only the decrypted, authenticated copy is used.
- Replays are not rejected by timestamp (WeChat does not require it); the dedupe key drops repeats.
- Answer: ``success`` in every mode (an unencrypted ``success`` is accepted in safe mode too).
- Send: customer-service message API, ``/cgi-bin/message/custom/send`` (allowed within 48 h of the
  customer's last message), with an access token cached in memory and refreshed once on 40001/42001/40014.
"""

from __future__ import annotations

import time
import urllib.parse

from kefu.channels import _tencent
from kefu.channels._common import (
    TokenCache,
    api_base,
    check_size,
    require_query,
    response_json,
    send_credential,
    sha1_sorted,
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
from kefu.errors import InvalidInput, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TOKENS = TokenCache()
UNION_ID_CACHE_SECONDS = 86_400.0
_UNION_IDS: dict[tuple[str, str], tuple[float, str | None]] = {}


def _is_encrypted(request: WebhookRequest) -> bool:
    return request.query.get("encrypt_type", "").lower() == "aes" or "msg_signature" in request.query


@register
class WeChatAdapter(ChannelAdapter):
    channel = "wechat"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("token", "app_id", "app_secret")
    optional_credential_keys = ("encoding_aes_key",)

    def _check_plain_signature(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        signature = require_query(request, "signature")
        timestamp = require_query(request, "timestamp")
        nonce = require_query(request, "nonce")
        expected = sha1_sorted(inbox.credential("token"), timestamp, nonce)
        _tencent.check_signature(expected, signature, "signature")

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        if request.method.upper() != "GET":
            return None
        echostr = request.query.get("echostr")
        if echostr is None:
            raise InvalidInput("a WeChat URL check needs the 'echostr' query parameter")
        self._check_plain_signature(request, inbox)
        return FastAnswer(200, echostr)

    def verify_and_parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        """One pass: in safe/compatible mode the envelope is parsed once, the Encrypt value is checked
        against ``msg_signature`` and decrypted once, and only the decrypted, authenticated copy is used."""
        if request.method.upper() != "POST":
            raise Unauthenticated("WeChat deliveries are POST requests")
        check_size(request, _tencent.MAX_XML_BYTES)
        if not _is_encrypted(request):
            self._check_plain_signature(request, inbox)  # before the body is even parsed
            return [_tencent.xml_message(_tencent.parse_xml(request.body), self.channel, inbox)]
        encrypted = _tencent.encrypted_of(_tencent.xml_root(request.body))
        if not encrypted:
            raise InvalidInput("encrypt_type=aes but the body has no Encrypt element")
        crypto = _tencent.crypto_for(inbox.credential("encoding_aes_key"), inbox.credential("app_id"))
        fields = _tencent.open_encrypted(request, inbox.credential("token"), crypto, encrypted)
        return [_tencent.xml_message(fields, self.channel, inbox)]

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        if _is_encrypted(request) or request.method.upper() != "POST":
            self.verify_and_parse(request, inbox)  # the signature covers the encrypted body
        else:
            self._check_plain_signature(request, inbox)

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        return self.verify_and_parse(request, inbox)

    def answer(self, request: WebhookRequest, inbox: InboxConfig, messages: list[InboundMessage]) -> FastAnswer:
        return FastAnswer(200, "success")

    def _token_url(self, base: str, inbox: InboxConfig) -> str:
        query = urllib.parse.urlencode(
            {
                "grant_type": "client_credential",
                "appid": send_credential(inbox, "app_id"),
                "secret": send_credential(inbox, "app_secret"),
            }
        )
        return f"{base}/cgi-bin/token?{query}"

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """Temporary media (images, voice, video the customer sent): ``/cgi-bin/media/get``, kept 3 days."""
        base = api_base(inbox, DEFAULT_API_BASE)
        return _tencent.tencent_media(
            http,
            TOKENS,
            (base, send_credential(inbox, "app_id")),
            "WeChat",
            self._token_url(base, inbox),
            f"{base}/cgi-bin/media/get",
            attachment,
            max_bytes,
        )

    def enrich_sender(self, sender: Sender, inbox: InboxConfig, http: HttpClient) -> Sender:
        """The follower's unionid from ``/cgi-bin/user/info`` (present when the account is bound to a WeChat
        Open Platform account): the same person across the company's Official Accounts and mini-programs.
        Cached a day per openid; any failure leaves the sender as it was."""
        if sender.union_id or not sender.external_id:
            return sender
        base = api_base(inbox, DEFAULT_API_BASE)
        app_id = send_credential(inbox, "app_id")
        key = (app_id, sender.external_id)
        cached = _UNION_IDS.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return sender.model_copy(update={"union_id": cached[1]}) if cached[1] else sender
        for attempt in range(2):
            token = TOKENS.get(
                (base, app_id), lambda: _tencent.fetch_token(http, "WeChat", self._token_url(base, inbox))
            )
            query = urllib.parse.urlencode({"access_token": token, "openid": sender.external_id, "lang": "zh_CN"})
            response = http.request("GET", f"{base}/cgi-bin/user/info?{query}")
            data = response_json(response)
            errcode = data.get("errcode") or 0
            if errcode in _tencent.TOKEN_ERRORS and attempt == 0:
                TOKENS.invalidate((base, app_id))
                continue
            if response.status != 200 or errcode:
                return sender
            union_id = str(data.get("unionid") or "") or None
            _UNION_IDS[key] = (time.monotonic() + UNION_ID_CACHE_SECONDS, union_id)
            return sender.model_copy(update={"union_id": union_id}) if union_id else sender
        return sender

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, DEFAULT_API_BASE)
        app_id = send_credential(inbox, "app_id")
        query = urllib.parse.urlencode(
            {"grant_type": "client_credential", "appid": app_id, "secret": send_credential(inbox, "app_secret")}
        )
        payload = {
            "touser": message.recipient,
            "msgtype": "text",
            "text": {"content": _tencent.text_with_links(message.body, message.attachments)},
        }
        _tencent.post_with_token(
            http,
            TOKENS,
            (base, app_id),
            "WeChat",
            f"{base}/cgi-bin/token?{query}",
            f"{base}/cgi-bin/message/custom/send",
            payload,
        )
        # the customer-service API answers no message id
        return SendResult(provider_message_id=None, status="sent")
