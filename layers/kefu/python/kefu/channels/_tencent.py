"""What WeChat Official Accounts and WeCom share: the message crypto, the XML messages and the token dance.

Crypto (Tencent's WXBizMsgCrypt): AES-256-CBC with key = b64decode(EncodingAESKey + "="), IV = key[:16],
PKCS#7 padding to a multiple of 32; plaintext = 16 random bytes + 4-byte big-endian length + message + the
receive id (the AppID for WeChat, the CorpID for WeCom). msg_signature = sha1 of the sorted token,
timestamp, nonce and Encrypt value.
"""

from __future__ import annotations

import base64
import binascii
import os
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from kefu.channels import _fetch
from kefu.channels._common import (
    TokenCache,
    conversation_key,
    iso_from_epoch,
    json_body,
    raise_for_http,
    require_query,
    response_json,
    secure_equals,
    sha1_sorted,
)
from kefu.channels.base import HttpClient, InboxConfig, MediaBlob, WebhookRequest
from kefu.errors import Forbidden, InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import InboundMessage, Sender
from kefu.modelbase import Attachment

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK_SIZE = 32
MAX_XML_BYTES = 256 * 1024
_C_NO_OP = tuple  # called with no argument, returns the empty tuple: cheaper for expat than a Python function


class WxCrypto:
    def __init__(self, encoding_aes_key: str, receive_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise InvalidInput("encoding_aes_key must be the 43-character EncodingAESKey")
        try:
            self.key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error:
            raise InvalidInput("encoding_aes_key is not valid base64") from None
        self.receive_id = receive_id.encode()
        # imported here: plain-mode WeChat never decrypts, so it never pays for cryptography's import
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self._cipher: Cipher[modes.CBC] = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: bytes, random_prefix: bytes | None = None) -> str:
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = prefix + len(message).to_bytes(4, "big") + message + self.receive_id
        pad = BLOCK_SIZE - len(plain) % BLOCK_SIZE
        plain += bytes([pad]) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> bytes:
        # Line breaks inside the base64 (a wrapped CDATA) are part of what was signed and carry no data:
        # accepted, as wechatpy does; any other character outside the alphabet is refused.
        try:
            data = base64.b64decode("".join(encrypted.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("Encrypt is not valid base64") from None
        if not data or len(data) % 16:
            raise InvalidInput("Encrypt is not a whole number of AES blocks")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK_SIZE or len(plain) < 20 + pad:
            raise InvalidInput("Encrypt does not decrypt with this inbox's encoding_aes_key")
        content = plain[16:-pad]
        length = int.from_bytes(content[:4], "big")
        if length > len(content) - 4:
            raise InvalidInput("Encrypt does not decrypt with this inbox's encoding_aes_key")
        message, receive_id = content[4 : 4 + length], content[4 + length :]
        if not secure_equals(self.receive_id, receive_id):
            raise Forbidden("the encrypted message is addressed to another app id / corp id")
        return message


@lru_cache(maxsize=256)
def crypto_for(encoding_aes_key: str, receive_id: str) -> WxCrypto:
    """One WxCrypto per inbox key, kept for the container's life (the key and cipher setup are per inbox)."""
    return WxCrypto(encoding_aes_key, receive_id)


def msg_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return sha1_sorted(token, timestamp, nonce, encrypted)


def check_signature(expected: str, given: str, name: str) -> None:
    # Exactly as sent: Tencent signs with lower-case hex, and its own sample code (and wechatpy) compare
    # the strings as they are, so an upper-case signature is refused too.
    if not secure_equals(expected, given):
        raise Unauthenticated(f"{name} does not match this inbox's token")


def xml_root(body: bytes) -> ET.Element:
    """A provider's XML body, parsed with defusedxml: a DTD or an entity declaration is refused (400)."""
    if len(body) > MAX_XML_BYTES:
        raise InvalidInput(f"XML body is larger than {MAX_XML_BYTES} bytes")
    builder = ET.TreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    # defusedxml's guards (DTD, entity declarations, external references) are expat handlers that it
    # installs; the handlers below replace only the pure-Python parser's own, which translate namespaces and
    # attributes that Tencent's flat XML never has, so expat calls the C TreeBuilder directly (attributes as a
    # dict, which is what it takes). The CDATA markers around every field would otherwise go to the parser's
    # Python default handler, which does nothing with them: a C no-op takes them instead. Entity references
    # still reach the default handler, which refuses undefined ones.
    expat = parser.parser
    expat.ordered_attributes = False
    expat.StartElementHandler = builder.start
    expat.EndElementHandler = builder.end
    expat.StartCdataSectionHandler = expat.EndCdataSectionHandler = _C_NO_OP
    try:
        parser.feed(body)
        return parser.close()
    except DefusedXmlException:
        raise InvalidInput("XML body must not contain a DTD or entity declarations") from None
    except (ET.ParseError, ValueError, RecursionError) as err:
        raise InvalidInput(f"body is not well-formed XML: {err}") from None


def fields_of(root: ET.Element) -> dict[str, str]:
    """The flat <xml><Field>value</Field>...</xml> Tencent sends, as a dict (empty elements give '')."""
    fields: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = (child.text or "").strip()
    return fields


def parse_xml(body: bytes) -> dict[str, str]:
    return fields_of(xml_root(body))


def encrypted_of(root: ET.Element) -> str | None:
    """The one ``Encrypt`` element's text. Two of them are refused: Tencent never sends that, and it would
    leave open which of the two the signature vouches for."""
    found = root.findall("Encrypt")
    if len(found) > 1:
        raise InvalidInput(f"the body has {len(found)} Encrypt elements; Tencent sends exactly one")
    return (found[0].text or "").strip() if found else None


def open_encrypted(request: WebhookRequest, token: str, crypto: WxCrypto, encrypted: str) -> dict[str, str]:
    """Check ``msg_signature`` over the Encrypt value, decrypt it once, and parse the message inside."""
    signature = require_query(request, "msg_signature")
    timestamp = require_query(request, "timestamp")
    nonce = require_query(request, "nonce")
    check_signature(msg_signature(token, timestamp, nonce, encrypted), signature, "msg_signature")
    return parse_xml(crypto.decrypt(encrypted))


# --- inbound messages --------------------------------------------------------------------------------------

_KNOWN_EVENTS = {"subscribe", "unsubscribe", "scan", "click", "view", "location", "enter_agent"}


def xml_message(fields: dict[str, str], channel: str, inbox: InboxConfig) -> InboundMessage:
    """One WeChat / WeCom message or event as an InboundMessage (the two speak the same XML)."""
    sender_id = fields.get("FromUserName", "")
    if not sender_id:
        raise InvalidInput("message has no FromUserName")
    msg_type = fields.get("MsgType", "").lower()
    if not msg_type:
        raise InvalidInput("message has no MsgType")
    created = fields.get("CreateTime", "")
    metadata = {"to_user": fields.get("ToUserName", ""), "msg_type": msg_type}
    if fields.get("AgentID"):
        metadata["agent_id"] = fields["AgentID"]
    kind, text, event = "text", "", None
    attachments: list[Attachment] = []

    if msg_type == "text":
        text = fields.get("Content", "")
    elif msg_type == "image":
        kind = "image"
        attachments.append(
            Attachment(content_type="image/jpeg", url=fields.get("PicUrl") or None, media_id=fields.get("MediaId"))
        )
    elif msg_type == "voice":
        kind = "voice"
        audio_format = fields.get("Format", "amr").lower()
        attachments.append(Attachment(content_type=f"audio/{audio_format}", media_id=fields.get("MediaId")))
        text = fields.get("Recognition", "")  # speech recognition, when the account has it enabled
    elif msg_type in {"video", "shortvideo"}:
        kind = "video"
        attachments.append(Attachment(content_type="video/mp4", media_id=fields.get("MediaId")))
        if fields.get("ThumbMediaId"):
            metadata["thumb_media_id"] = fields["ThumbMediaId"]
    elif msg_type == "location":
        kind = "location"
        text = fields.get("Label", "")
        metadata.update(latitude=fields.get("Location_X", ""), longitude=fields.get("Location_Y", ""))
        metadata["scale"] = fields.get("Scale", "")
    elif msg_type == "link":
        kind = "link"
        text = "\n".join(p for p in (fields.get("Title"), fields.get("Description"), fields.get("Url")) if p)
        metadata.update(title=fields.get("Title", ""), url=fields.get("Url", ""))
    elif msg_type == "event":
        kind = "event"
        raw_event = fields.get("Event", "")
        event = raw_event.lower() or "unknown"
        event_key = fields.get("EventKey", "")
        if event_key:
            metadata["event_key"] = event_key
        if event == "subscribe" and event_key.startswith("qrscene_"):
            metadata["scene"] = event_key.removeprefix("qrscene_")
        elif event == "scan" and event_key:
            metadata["scene"] = event_key
        if fields.get("Ticket"):
            metadata["ticket"] = fields["Ticket"]
        if event not in _KNOWN_EVENTS:
            metadata["unhandled_event"] = raw_event
    else:
        # a type we do not model yet (e.g. miniprogrampage): keep it visible rather than dropping it
        kind = "event"
        event = msg_type
        text = fields.get("Content", "") or fields.get("Title", "")

    if msg_type != "event" and fields.get("MsgId"):
        provider_id = fields["MsgId"]
    else:
        # events have no MsgId: the documented dedupe key is FromUserName + CreateTime (+ the event)
        provider_id = f"{sender_id}:{created}:{fields.get('Event', msg_type)}"

    return InboundMessage(
        channel=channel,
        inbox=inbox.id,
        provider_message_id=provider_id,
        conversation_key=conversation_key(channel, inbox, sender_id),
        sender=Sender(channel=channel, external_id=sender_id),
        kind=kind,
        text=text,
        attachments=attachments,
        event=event,
        metadata={k: v for k, v in metadata.items() if v},
        received_at=iso_from_epoch(created) if created else iso_from_epoch(None),
    )


# --- outbound: access tokens and the JSON APIs -------------------------------------------------------------

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential / invalid token / token expired: fetch a new one
BUSY_ERRORS = {-1, 45009, 45011}  # system busy / rate limits: retry later

_HINTS = {
    45015: "the customer has not written in the last 48 hours, so the platform refuses a customer-service message",
    45047: "too many messages sent without a customer reply; wait for the customer to write again",
    81013: "the recipient is not in the app's visible range",
}


def _error_message(provider: str, errcode: int, errmsg: str) -> str:
    hint = _HINTS.get(errcode)
    return f"{provider} error {errcode}: {errmsg}" + (f" ({hint})" if hint else "")


def fetch_token(http: HttpClient, provider: str, url: str) -> tuple[str, int]:
    response = http.request("GET", url)
    data = response_json(response)
    raise_for_http(provider, response, str(data.get("errmsg") or "") or None)
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        errcode = int(data.get("errcode") or 0)
        raise ProviderError(
            "could not get an access token: " + _error_message(provider, errcode, str(data.get("errmsg", ""))),
            retryable=errcode in BUSY_ERRORS,
            status=response.status,
        )
    expires_in = data.get("expires_in", 7200)
    return token, int(expires_in) if isinstance(expires_in, int | str) and str(expires_in).isdigit() else 7200


def post_with_token(
    http: HttpClient,
    cache: TokenCache,
    cache_key: tuple[str, str],
    provider: str,
    token_url: str,
    url: str,
    payload: dict[str, Any],
    check: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """POST JSON to ``url?access_token=``; on a stale-token error fetch a new token once and try again."""
    for attempt in range(2):
        token = cache.get(cache_key, lambda: fetch_token(http, provider, token_url))
        separator = "&" if "?" in url else "?"
        full_url = f"{url}{separator}access_token={urllib.parse.quote(token)}"
        response = http.request(
            "POST",
            full_url,
            headers={"Content-Type": "application/json; charset=utf-8"},
            body=json_body(payload),
        )
        data = response_json(response)
        raise_for_http(provider, response, str(data.get("errmsg") or "") or None)
        errcode = int(data.get("errcode") or 0) if str(data.get("errcode") or "0").lstrip("-").isdigit() else 0
        if errcode in TOKEN_ERRORS and attempt == 0:
            cache.invalidate(cache_key)
            continue
        if errcode != 0:
            raise ProviderError(
                _error_message(provider, errcode, str(data.get("errmsg", ""))),
                retryable=errcode in BUSY_ERRORS,
                status=response.status,
            )
        if check:
            check(data)
        return data
    raise AssertionError("unreachable")  # pragma: no cover


def text_with_links(body: str, attachments: list[Attachment]) -> str:
    """Text-only channels get attachment links appended (uploading media is the media pipeline's job)."""
    links = [a.url for a in attachments if a.url]
    return "\n".join([body, *links]) if links else body


# Tencent errors worth a hint: media ids live three days; WeCom wants Range downloads above ~20 MB
_TENCENT_HINTS = {
    40007: "the media id is invalid or expired (Tencent keeps received media for 3 days)",
    830002: "the file is too large for a single download",
}


def tencent_media(
    http: HttpClient,
    cache: TokenCache,
    cache_key: tuple[str, str],
    provider: str,
    token_url: str,
    media_url: str,
    attachment: Attachment,
    max_bytes: int | None,
) -> MediaBlob:
    """WeChat / WeCom ``/cgi-bin/media/get``: the file, or JSON (an errcode, or WeChat's ``video_url``).

    A stale token (40001/42001/40014) is replaced once, as for sending.
    """
    media_id = _fetch.require_media_id(provider, attachment)
    for attempt in range(2):
        token = cache.get(cache_key, lambda: fetch_token(http, provider, token_url))
        query = urllib.parse.urlencode({"access_token": token, "media_id": media_id})
        response = _fetch.download(provider, http, f"{media_url}?{query}", max_bytes=max_bytes)
        answer = _fetch.json_answer(response)
        if answer is None:
            return _fetch.blob_of(response, attachment)
        raw_code = str(answer.get("errcode") or "0")
        errcode = int(raw_code) if raw_code.lstrip("-").isdigit() else 0
        if errcode in TOKEN_ERRORS and attempt == 0:
            cache.invalidate(cache_key)
            continue
        if errcode:
            hint = _TENCENT_HINTS.get(errcode)
            message = _error_message(provider, errcode, str(answer.get("errmsg", "")))
            raise ProviderError(
                message + (f" ({hint})" if hint else ""),
                retryable=errcode in BUSY_ERRORS,
                status=response.status,
            )
        video_url = answer.get("video_url")
        if isinstance(video_url, str) and video_url:
            # WeChat answers video messages with a download address instead of the bytes
            video = _fetch.download(provider, http, video_url, max_bytes=max_bytes)
            return _fetch.blob_of(video, attachment, name=f"{media_id}.mp4")
        raise ProviderError(f"{provider} answered JSON without a file for media {media_id}", retryable=False)
    raise AssertionError("unreachable")  # pragma: no cover
