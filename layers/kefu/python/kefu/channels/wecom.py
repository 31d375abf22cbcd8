"""WeCom (企业微信) app callback: encryption is mandatory.

- URL check (GET): ``msg_signature`` = sha1(sorted token, timestamp, nonce, echostr); the answer is the
  *decrypted* echostr (WeCom wants it within 1 s).
- POST: ``msg_signature`` over the ``Encrypt`` element; it decrypts to the message, and the receive id at
  its end must be this inbox's ``corp_id``.
- Send: ``/cgi-bin/message/send`` (text to ``touser`` from app ``agent_id``) with a ``gettoken`` token
  cached in memory and refreshed once on 40001/42001/40014.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from kefu.channels import _tencent
from kefu.channels._common import TokenCache, api_base, check_size, require_query, send_credential
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
from kefu.errors import InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, OutboundMessage
from kefu.modelbase import Attachment

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
TOKENS = TokenCache()


def _crypto(inbox: InboxConfig) -> _tencent.WxCrypto:
    return _tencent.crypto_for(inbox.credential("encoding_aes_key"), inbox.credential("corp_id"))


def _check(request: WebhookRequest, inbox: InboxConfig, encrypted: str) -> None:
    signature = require_query(request, "msg_signature")
    timestamp = require_query(request, "timestamp")
    nonce = require_query(request, "nonce")
    expected = _tencent.msg_signature(inbox.credential("token"), timestamp, nonce, encrypted)
    _tencent.check_signature(expected, signature, "msg_signature")


@register
class WeComAdapter(ChannelAdapter):
    channel = "wecom"
    outbound_media = "link"  # a reply's files go as download links in the text
    credential_keys = ("token", "encoding_aes_key", "corp_id", "agent_id", "secret")

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        if request.method.upper() != "GET":
            return None
        echostr = request.query.get("echostr")
        if not echostr:
            raise InvalidInput("a WeCom URL check needs the 'echostr' query parameter")
        _check(request, inbox, echostr)
        plain = _crypto(inbox).decrypt(echostr)
        return FastAnswer(200, plain.decode("utf-8", "replace"))

    def verify_and_parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        """One pass: the envelope parsed once, ``msg_signature`` checked, the message decrypted and parsed once."""
        if request.method.upper() != "POST":
            raise Unauthenticated("WeCom deliveries are POST requests")
        check_size(request, _tencent.MAX_XML_BYTES)
        encrypted = _tencent.encrypted_of(_tencent.xml_root(request.body))
        if not encrypted:
            raise InvalidInput("WeCom callbacks are encrypted but the body has no Encrypt element")
        fields = _tencent.open_encrypted(request, inbox.credential("token"), _crypto(inbox), encrypted)
        return [_tencent.xml_message(fields, self.channel, inbox)]

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        self.verify_and_parse(request, inbox)  # the signature covers the encrypted body: checking is opening

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        return self.verify_and_parse(request, inbox)

    def answer(self, request: WebhookRequest, inbox: InboxConfig, messages: list[InboundMessage]) -> FastAnswer:
        return FastAnswer(200, "success")

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """Temporary media: ``/cgi-bin/media/get`` with the app's ``gettoken`` token (ids live 3 days)."""
        base = api_base(inbox, DEFAULT_API_BASE)
        corp_id = send_credential(inbox, "corp_id")
        agent_id = send_credential(inbox, "agent_id")
        query = urllib.parse.urlencode({"corpid": corp_id, "corpsecret": send_credential(inbox, "secret")})
        return _tencent.tencent_media(
            http,
            TOKENS,
            (base, f"{corp_id}/{agent_id}"),  # the same token the send path caches
            "WeCom",
            f"{base}/cgi-bin/gettoken?{query}",
            f"{base}/cgi-bin/media/get",
            attachment,
            max_bytes,
        )

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        base = api_base(inbox, DEFAULT_API_BASE)
        corp_id = send_credential(inbox, "corp_id")
        agent_id = send_credential(inbox, "agent_id")
        query = urllib.parse.urlencode({"corpid": corp_id, "corpsecret": send_credential(inbox, "secret")})
        payload = {
            "touser": message.recipient,
            "msgtype": "text",
            "agentid": int(agent_id) if agent_id.isdigit() else agent_id,
            "text": {"content": _tencent.text_with_links(message.body, message.attachments)},
        }

        def check(data: dict[str, Any]) -> None:
            # errcode 0 can still mean "nobody received it": WeCom lists the refused recipients
            if data.get("invaliduser"):
                raise ProviderError(
                    f"WeCom refused the recipient '{data['invaliduser']}' (not in the app's visible range?)",
                    retryable=False,
                )

        data = _tencent.post_with_token(
            http,
            TOKENS,
            (base, f"{corp_id}/{agent_id}"),
            "WeCom",
            f"{base}/cgi-bin/gettoken?{query}",
            f"{base}/cgi-bin/message/send",
            payload,
            check,
        )
        msgid = data.get("msgid")
        return SendResult(provider_message_id=str(msgid) if msgid else None, status="sent")
