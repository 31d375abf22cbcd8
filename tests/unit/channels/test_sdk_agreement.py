"""Where our adapters and the providers' official SDKs (twilio-python 9.13, wechatpy 1.8.18) could disagree on
what to accept: one test per case, decided in docs/channels.md ("Where we differ from the SDKs").

Expected signatures are computed here from the providers' documented algorithms (or taken from the SDKs'
published test vectors), never with the adapter's own signing code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import urllib.parse

import pytest

from kefu.channels import _tencent
from kefu.channels.base import InboxConfig, WebhookRequest, adapter_for
from kefu.channels.twilio import compute_signature
from kefu.errors import InvalidInput, Unauthenticated
from tests.support.providers import new_encoding_aes_key, tencent_encrypt

from .conftest import make_request

# --- Twilio ---------------------------------------------------------------------------------------------

TOKEN = "12345"
SMS = {"MessageSid": "SM" + "a" * 32, "From": "+14158675309", "To": "+18005551212", "Body": "hi", "NumMedia": "0"}


def twilio_inbox() -> InboxConfig:
    creds = {"account_sid": "AC" + "c" * 32, "auth_token": TOKEN, "from_number": "+18005551212"}
    return InboxConfig(id="tw", channel="twilio", credentials=creds)


def twilio_signature(url: str, pairs: list[tuple[str, str]]) -> str:
    """Twilio's documented algorithm, the way its SDK applies it: names sorted, each value once, sorted."""
    values: dict[str, set[str]] = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    return base64.b64encode(hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def twilio_request(url: str, pairs: list[tuple[str, str]], signature: str) -> WebhookRequest:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return make_request(url=url, body=urllib.parse.urlencode(pairs).encode(), headers=headers)


def test_twilio_sdk_vectors() -> None:
    """twilio-python's own test vectors: the docs example, duplicates under one name, the :443 variant."""
    uri = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": ["CA1234567890ABCDE"], "Digits": ["1234"], "From": ["+14158675309"]}
    params |= {"To": ["+18005551212"], "Caller": ["+14158675309"]}
    assert compute_signature(TOKEN, uri, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert compute_signature(TOKEN, uri.replace(".com", ".com:443"), params) == "kvajT1Ptam85bY51eRf/AJRuM3w="
    duplicates = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234"]}
    assert compute_signature(TOKEN, uri, duplicates) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_twilio_repeated_parameter_with_one_value_is_signed_once() -> None:
    url = "https://kefu.example.com/webhooks/twilio/tw/sms"
    pairs = [*SMS.items(), ("MediaUrl", "https://api.twilio.com/x"), ("MediaUrl", "https://api.twilio.com/x")]
    [message] = adapter_for("twilio").verify_and_parse(
        twilio_request(url, pairs, twilio_signature(url, pairs)), twilio_inbox()
    )
    assert message.provider_message_id == SMS["MessageSid"]
    # signed twice (what we did before) is not what Twilio signs
    twice = url + "".join(n + v for n, v in sorted(pairs))
    forged = base64.b64encode(hmac.new(TOKEN.encode(), twice.encode(), hashlib.sha1).digest()).decode()
    with pytest.raises(Unauthenticated, match="X-Twilio-Signature does not match"):
        adapter_for("twilio").verify_and_parse(twilio_request(url, pairs, forged), twilio_inbox())


@pytest.mark.parametrize("signed_port", ["", ":443"])
def test_twilio_host_spelt_with_capitals_with_or_without_the_standard_port(signed_port: str) -> None:
    received = "https://Kefu.Example.COM/webhooks/twilio/tw/sms"
    signed = received.replace(".COM", ".COM" + signed_port)
    pairs = list(SMS.items())
    request = twilio_request(received, pairs, twilio_signature(signed, pairs))
    assert adapter_for("twilio").verify_and_parse(request, twilio_inbox())
    lower = twilio_request(received, pairs, twilio_signature(signed.lower(), pairs))
    with pytest.raises(Unauthenticated, match="X-Twilio-Signature"):  # the host is signed as spelt, like the SDK
        adapter_for("twilio").verify_and_parse(lower, twilio_inbox())


def test_twilio_form_body_with_body_sha256_in_the_url_is_signed_as_url_plus_parameters() -> None:
    url = "https://kefu.example.com/webhooks/twilio/tw/sms?bodySHA256=" + "0" * 64
    pairs = list(SMS.items())
    [message] = adapter_for("twilio").verify_and_parse(
        twilio_request(url, pairs, twilio_signature(url, pairs)), twilio_inbox()
    )
    assert message.text == "hi"


def test_twilio_json_body_follows_the_body_hash_rule() -> None:
    """twilio-python's vector for a JSON body: the URL carries bodySHA256 and is signed alone."""
    body = b'{"property": "value", "boolean": true}'
    url = f"https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256={hashlib.sha256(body).hexdigest()}"
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4="}
    adapter_for("twilio").verify(make_request(url=url, body=body, headers=headers), twilio_inbox())
    tampered = make_request(url=url, body=body.replace(b"true", b"false"), headers=headers)
    with pytest.raises(Unauthenticated, match="bodySHA256 does not match the body"):
        adapter_for("twilio").verify(tampered, twilio_inbox())


# --- WeChat / WeCom -------------------------------------------------------------------------------------

APP_ID = "wx2c2769f8efd9abc2"
AES_KEY = new_encoding_aes_key()
WECHAT = InboxConfig(
    id="oa",
    channel="wechat",
    credentials={"token": "tok", "app_id": APP_ID, "app_secret": "s", "encoding_aes_key": AES_KEY},
)
MESSAGE = (
    "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[openid-1]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>"
    "<MsgId>1234567890123456</MsgId></xml>"
)


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def safe_mode(encrypt_elements: list[str], signed: str, signature: str | None = None) -> WebhookRequest:
    """A safe-mode POST whose msg_signature covers ``signed`` (Tencent: sha1 of sorted token, ts, nonce, Encrypt)."""
    ts, nonce = "1700000000", str(int.from_bytes(os.urandom(4), "big"))
    body = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>"
    body += "".join(f"<Encrypt><![CDATA[{e}]]></Encrypt>" for e in encrypt_elements) + "</xml>"
    query = {
        "encrypt_type": "aes",
        "timestamp": ts,
        "nonce": nonce,
        "msg_signature": signature or sha1_sorted("tok", ts, nonce, signed),
    }
    return make_request(url="https://kefu.example.com/webhooks/wechat/oa", body=body.encode(), query=query)


def test_wechat_upper_case_msg_signature_is_refused() -> None:
    encrypted = tencent_encrypt(AES_KEY, APP_ID, MESSAGE.encode())
    ts_nonce = safe_mode([encrypted], encrypted)
    upper = dict(ts_nonce.query, msg_signature=ts_nonce.query["msg_signature"].upper())
    request = make_request(url="https://kefu.example.com/webhooks/wechat/oa", body=ts_nonce.body, query=upper)
    with pytest.raises(Unauthenticated, match="msg_signature does not match"):
        adapter_for("wechat").verify_and_parse(request, WECHAT)
    assert adapter_for("wechat").verify_and_parse(ts_nonce, WECHAT)[0].text == "你好"  # lower case, as sent


def test_wechat_two_encrypt_elements_are_refused() -> None:
    encrypted = tencent_encrypt(AES_KEY, APP_ID, MESSAGE.encode())
    other = tencent_encrypt(AES_KEY, APP_ID, MESSAGE.replace("你好", "forged").encode())
    for elements in ([encrypted, other], [other, encrypted]):
        with pytest.raises(InvalidInput, match="2 Encrypt elements"):
            adapter_for("wechat").verify_and_parse(safe_mode(elements, encrypted), WECHAT)


def test_wecom_two_encrypt_elements_are_refused() -> None:
    inbox = InboxConfig(
        id="corp",
        channel="wecom",
        credentials={"token": "tok", "encoding_aes_key": AES_KEY, "corp_id": "ww1", "agent_id": "1", "secret": "s"},
    )
    encrypted = tencent_encrypt(AES_KEY, "ww1", MESSAGE.encode())
    request = safe_mode([encrypted, encrypted], encrypted)
    with pytest.raises(InvalidInput, match="2 Encrypt elements"):
        adapter_for("wecom").verify_and_parse(request, inbox)


def test_wechat_encrypt_wrapped_over_lines_is_accepted() -> None:
    encrypted = tencent_encrypt(AES_KEY, APP_ID, MESSAGE.encode())
    wrapped = "\n".join(encrypted[i : i + 64] for i in range(0, len(encrypted), 64))
    [message] = adapter_for("wechat").verify_and_parse(safe_mode([wrapped], wrapped), WECHAT)
    assert message.text == "你好"
    with pytest.raises(InvalidInput, match="Encrypt is not valid base64"):  # other junk stays refused
        junk = encrypted[:10] + "*" + encrypted[10:]
        adapter_for("wechat").verify_and_parse(safe_mode([junk], junk), WECHAT)


def test_wechat_empty_content_is_empty_text() -> None:
    """wechatpy gives None for <Content/>; our messages carry text as a string, so '' (no text)."""
    empty = MESSAGE.replace("<Content><![CDATA[你好]]></Content>", "<Content/>")
    encrypted = tencent_encrypt(AES_KEY, APP_ID, empty.encode())
    [message] = adapter_for("wechat").verify_and_parse(safe_mode([encrypted], encrypted), WECHAT)
    assert message.text == "" and message.kind == "text"


def test_wecom_accepts_wechatpys_own_test_vector() -> None:
    """wechatpy's WeCom decrypt_message vector (tests/test_crypto.py), through our adapter."""
    inbox = InboxConfig(
        id="corp",
        channel="wecom",
        credentials={
            "token": "123456",
            "encoding_aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
            "corp_id": "wx49f0ab532d5d035a",
            "agent_id": "1",
            "secret": "s",
        },
    )
    encrypted = (
        "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6"
        "ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqG"
        "p/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS"
        "709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
    )
    body = (
        "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>\n<AgentID><![CDATA[1]]></AgentID>\n</xml>"
    ).encode()
    query = {
        "msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
        "timestamp": "1411525903",
        "nonce": "461056294",
    }
    request = make_request(url="https://kefu.example.com/webhooks/wecom/corp", body=body, query=query)
    [message] = adapter_for("wecom").verify_and_parse(request, inbox)
    assert (message.text, message.sender.external_id) == ("test", "messense")


def test_provider_xml_with_a_dtd_or_entities_is_refused() -> None:
    for body in (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
        b'<!DOCTYPE xml SYSTEM "http://example.com/x.dtd"><xml><Encrypt>x</Encrypt></xml>',
    ):
        with pytest.raises(InvalidInput, match="DTD or entity"):
            _tencent.xml_root(body)


# --- Meta -----------------------------------------------------------------------------------------------

META = InboxConfig(
    id="wa",
    channel="whatsapp",
    credentials={"verify_token": "v", "app_secret": "app-secret", "access_token": "t", "phone_number_id": "1"},
)
BODY = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
HEX = hmac.new(b"app-secret", BODY, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("header", "check"),
    [
        (f"sha256={HEX.upper()}", "does not match"),  # Meta sends lower-case hex
        (f"SHA256={HEX}", "must look like 'sha256="),  # and a lower-case prefix
        (f" sha256={HEX} ", "must look like 'sha256="),  # and no padding (HTTP strips it before us anyway)
        (HEX, "must look like 'sha256="),
    ],
)
def test_meta_signature_is_compared_exactly_as_meta_sends_it(header: str, check: str) -> None:
    request = make_request(body=BODY, headers={"X-Hub-Signature-256": header})
    with pytest.raises(Unauthenticated, match=check):
        adapter_for("whatsapp").verify_and_parse(request, META)
    exact = make_request(body=BODY, headers={"X-Hub-Signature-256": f"sha256={HEX}"})
    assert adapter_for("whatsapp").verify_and_parse(exact, META) == []
