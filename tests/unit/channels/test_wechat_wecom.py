from __future__ import annotations

import os
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.channels import _tencent, wechat, wecom
from kefu.channels.base import InboxConfig
from kefu.errors import Forbidden, InvalidInput, ProviderError, Unauthenticated
from kefu.inbound import OutboundMessage

from .conftest import make_request, sample

OFFICIAL_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OFFICIAL_APPID = "wx2c2769f8efd9abc2"

WECHAT = InboxConfig(
    id="oa-1",
    channel="wechat",
    credentials={
        "token": "spamtest",
        "encoding_aes_key": OFFICIAL_AES_KEY,
        "app_id": OFFICIAL_APPID,
        "app_secret": "secret-1",
    },
)
WECOM = InboxConfig(
    id="corp-1",
    channel="wecom",
    credentials={
        "token": "QDG6eK",
        "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "corp_id": "wx5823bf96d3bd56c7",
        "agent_id": "218",
        "secret": "corp-secret",
    },
)


def plain_post(body: bytes, token: str = "spamtest", timestamp: str = "1409735669", nonce: str = "42"):
    signature = _tencent.sha1_sorted(token, timestamp, nonce)
    query = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": "fromUser"}
    return make_request("POST", "https://kefu.example.com/webhooks/wechat/oa-1", body, query=query)


# --- official vectors ----------------------------------------------------------------------------------


def test_wechat_url_check_official_vector() -> None:
    assert _tencent.sha1_sorted("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
    inbox = WECHAT.model_copy(update={"credentials": {**WECHAT.credentials, "token": "test"}})
    query = {
        "signature": "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff",
        "timestamp": "1410685589",
        "nonce": "test",
        "echostr": "hello-echo",
    }
    answer = wechat.WeChatAdapter().handshake(make_request("GET", query=query), inbox)
    assert answer is not None
    assert (answer.status, answer.body) == (200, "hello-echo")
    with pytest.raises(Unauthenticated, match="signature"):
        wechat.WeChatAdapter().handshake(make_request("GET", query={**query, "nonce": "x"}), inbox)


def official_safe_request(**overrides: str):
    query = {
        "timestamp": "1409735669",
        "nonce": "1320562132",
        "encrypt_type": "aes",
        "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
        **overrides,
    }
    body = sample("wechat_oa/official_python_sample_encrypted_compat_mode.xml")
    return make_request("POST", "https://kefu.example.com/webhooks/wechat/oa-1", body, query=query)


def test_wechat_safe_mode_official_vector() -> None:
    envelope = _tencent.parse_xml(sample("wechat_oa/official_python_sample_encrypted_compat_mode.xml"))
    signature = _tencent.msg_signature("spamtest", "1409735669", "1320562132", envelope["Encrypt"])
    assert signature == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    adapter = wechat.WeChatAdapter()
    request = official_safe_request()
    adapter.verify(request, WECHAT)
    [message] = adapter.parse(request, WECHAT)
    assert message.text == "abcdteT"
    assert message.kind == "text"
    assert message.provider_message_id == "6054768590064713728"
    assert message.sender.external_id == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert message.conversation_key == "wechat:oa-1:oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert message.received_at == "2014-09-03T09:14:28.000Z"
    answer = adapter.answer(request, WECHAT, [message])
    assert (answer.status, answer.body) == (200, "success")


def test_wechat_safe_mode_refuses_forgery_and_wrong_app() -> None:
    adapter = wechat.WeChatAdapter()
    with pytest.raises(Unauthenticated, match="msg_signature"):
        adapter.verify(official_safe_request(msg_signature="0" * 40), WECHAT)
    with pytest.raises(Unauthenticated, match="msg_signature"):
        adapter.verify(official_safe_request(nonce="1320562133"), WECHAT)
    with pytest.raises(Unauthenticated, match="missing 'msg_signature'"):
        request = official_safe_request()
        adapter.verify(make_request("POST", body=request.body, query={"encrypt_type": "aes"}), WECHAT)
    other_app = WECHAT.model_copy(update={"credentials": {**WECHAT.credentials, "app_id": "wx0000000000000000"}})
    with pytest.raises(Forbidden, match="another app id"):
        adapter.verify(official_safe_request(), other_app)


def test_wecom_url_check_official_vector() -> None:
    line = sample("wecom/official_sample_A_verify_url_get.txt").decode().splitlines()[0]
    target = line.split(" ")[1]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
    request = make_request("GET", "https://kefu.example.com/webhooks/wecom/corp-1", query=query)
    answer = wecom.WeComAdapter().handshake(request, WECOM)
    assert answer is not None
    assert (answer.status, answer.body) == (200, "1616140317555161061")
    forged = make_request("GET", query={**query, "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4"})
    with pytest.raises(Unauthenticated):
        wecom.WeComAdapter().handshake(forged, WECOM)


def test_wecom_post_official_vector() -> None:
    # msg_signature, timestamp and nonce of the same official sample (WeCom's WXBizMsgCrypt Sample.py)
    query = {
        "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
        "timestamp": "1409659813",
        "nonce": "1372623149",
    }
    body = sample("wecom/official_sample_A_post_encrypted.xml")
    request = make_request("POST", "https://kefu.example.com/webhooks/wecom/corp-1", body, query=query)
    adapter = wecom.WeComAdapter()
    adapter.verify(request, WECOM)
    [message] = adapter.parse(request, WECOM)
    assert (message.kind, message.text) == ("text", "hello")
    assert message.channel == "wecom"
    assert message.conversation_key == f"wecom:corp-1:{message.sender.external_id}"
    assert message.metadata["agent_id"] == "218"
    assert message.provider_message_id.isdigit()
    with pytest.raises(Unauthenticated):
        adapter.verify(make_request("POST", body=body, query={**query, "timestamp": "1409659814"}), WECOM)
    other_corp = WECOM.model_copy(update={"credentials": {**WECOM.credentials, "corp_id": "wx0000000000000000"}})
    with pytest.raises(Forbidden):
        adapter.verify(request, other_corp)


# --- plain mode samples --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "kind", "event", "provider_id", "text"),
    [
        ("plain_text.xml", "text", None, "1234567890123456", "this is a test"),
        ("plain_image.xml", "image", None, "1234567890123456", ""),
        ("plain_voice.xml", "voice", None, "1234567890123456", ""),
        ("plain_event_subscribe.xml", "event", "subscribe", "FromUser:123456789:subscribe", ""),
        ("plain_event_subscribe_qrscene.xml", "event", "subscribe", "FromUser:123456789:subscribe", ""),
        ("plain_event_unsubscribe.xml", "event", "unsubscribe", "FromUser:123456789:unsubscribe", ""),
        ("plain_event_click.xml", "event", "click", "FromUser:123456789:CLICK", ""),
    ],
)
def test_wechat_plain_samples(file: str, kind: str, event: str | None, provider_id: str, text: str) -> None:
    adapter = wechat.WeChatAdapter()
    request = plain_post(sample(f"wechat_oa/{file}"))
    adapter.verify(request, WECHAT)
    [message] = adapter.parse(request, WECHAT)
    assert (message.kind, message.event, message.provider_message_id, message.text) == (
        kind,
        event,
        provider_id,
        text,
    )
    assert message.sender.channel == "wechat"
    assert message.conversation_key == f"wechat:oa-1:{message.sender.external_id}"
    assert message.metadata["to_user"] == "toUser"


def test_wechat_sample_details() -> None:
    adapter = wechat.WeChatAdapter()
    [image] = adapter.parse(plain_post(sample("wechat_oa/plain_image.xml")), WECHAT)
    assert image.attachments[0].url == "this is a url"
    assert image.attachments[0].media_id == "media_id"
    assert image.received_at == "2012-09-28T11:31:00.000Z"
    [voice] = adapter.parse(plain_post(sample("wechat_oa/plain_voice.xml")), WECHAT)
    assert voice.attachments[0].media_id == "media_id"
    assert voice.attachments[0].content_type == "audio/format"
    [scene] = adapter.parse(plain_post(sample("wechat_oa/plain_event_subscribe_qrscene.xml")), WECHAT)
    assert scene.metadata["scene"] == "123123"
    assert scene.metadata["ticket"] == "TICKET"
    [click] = adapter.parse(plain_post(sample("wechat_oa/plain_event_click.xml")), WECHAT)
    assert click.metadata["event_key"] == "EVENTKEY"


def test_wechat_location_link_video_and_unknown_event() -> None:
    # field names per the Official Account "receiving ordinary messages" docs
    adapter = wechat.WeChatAdapter()
    location = (
        b"<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
        b"<CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType>"
        b"<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale>"
        b"<Label><![CDATA[\xe5\xb9\xbf\xe5\xb7\x9e\xe5\xb8\x82]]></Label><MsgId>1234567890123456</MsgId></xml>"
    )
    [loc] = adapter.parse(plain_post(location), WECHAT)
    assert (loc.kind, loc.text) == ("location", "广州市")
    assert (loc.metadata["latitude"], loc.metadata["longitude"]) == ("23.134521", "113.358803")
    link = (
        b"<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
        b"<CreateTime>1351776360</CreateTime><MsgType><![CDATA[link]]></MsgType>"
        b"<Title><![CDATA[Order]]></Title><Description><![CDATA[my order]]></Description>"
        b"<Url><![CDATA[https://example.com/o/1]]></Url><MsgId>1234567890123457</MsgId></xml>"
    )
    [lnk] = adapter.parse(plain_post(link), WECHAT)
    assert lnk.kind == "link"
    assert lnk.metadata["url"] == "https://example.com/o/1"
    assert "my order" in lnk.text
    video = (
        b"<xml><ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1357290913</CreateTime>"
        b"<MsgType>video</MsgType><MediaId>m1</MediaId><ThumbMediaId>t1</ThumbMediaId><MsgId>9</MsgId></xml>"
    )
    [vid] = adapter.parse(plain_post(video), WECHAT)
    assert (vid.kind, vid.attachments[0].media_id, vid.metadata["thumb_media_id"]) == ("video", "m1", "t1")
    unknown = (
        b"<xml><ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event></xml>"
    )
    [evt] = adapter.parse(plain_post(unknown), WECHAT)
    assert (evt.kind, evt.event, evt.metadata["unhandled_event"]) == (
        "event",
        "templatesendjobfinish",
        "TEMPLATESENDJOBFINISH",
    )


def test_wechat_plain_forgery_refused() -> None:
    adapter = wechat.WeChatAdapter()
    request = plain_post(sample("wechat_oa/plain_text.xml"), token="not-the-token")
    with pytest.raises(Unauthenticated, match="signature does not match"):
        adapter.verify(request, WECHAT)
    with pytest.raises(Unauthenticated, match="missing 'signature'"):
        adapter.verify(make_request("POST", body=b"<xml/>", query={}), WECHAT)


def test_doctype_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><FromUserName>&a;</FromUserName></xml>'
    with pytest.raises(InvalidInput, match="DTD"):
        wechat.WeChatAdapter().parse(plain_post(bomb), WECHAT)


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (b'<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd"><xml/>', "DTD"),
        (b"<xml><Content>&undefined;</Content></xml>", "undefined entity"),
        (b"<xml><Content>1</Content>", "not well-formed"),
    ],
)
def test_the_xml_parser_refuses_what_tencent_never_sends(body: bytes, refusal: str) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        _tencent.parse_xml(body)


def test_the_xml_parser_keeps_cdata_predefined_and_character_entities_and_ignores_attributes() -> None:
    body = (
        b'<xml><A><![CDATA[x & <y> ]]]]></A><B>a&amp;b &#20320;&lt;</B><C kind="1">c</C><D/><E><![CDATA[]]></E>'
        b"<A>second</A></xml>"
    )
    assert _tencent.parse_xml(body) == {"A": "x & <y> ]]", "B": "a&b \u4f60<", "C": "c", "D": "", "E": ""}


# --- round trips -----------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(content=st.text(max_size=300), prefix=st.binary(min_size=16, max_size=16))
def test_encrypt_then_decrypt_round_trip(content: str, prefix: bytes) -> None:
    for key, receive_id in ((OFFICIAL_AES_KEY, OFFICIAL_APPID), (WECOM.credentials["encoding_aes_key"], "corp")):
        crypto = _tencent.WxCrypto(key, receive_id)
        encrypted = crypto.encrypt(content.encode(), prefix)
        assert len(__import__("base64").b64decode(encrypted)) % 32 == 0
        assert crypto.decrypt(encrypted) == content.encode()


def encrypted_post(inbox: InboxConfig, xml: str, receive_id: str) -> object:
    crypto = _tencent.WxCrypto(inbox.credentials["encoding_aes_key"], receive_id)
    encrypted = crypto.encrypt(xml.encode())
    timestamp, nonce = "1700000000", os.urandom(4).hex()
    signature = _tencent.msg_signature(inbox.credentials["token"], timestamp, nonce, encrypted)
    body = f"<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query = {"timestamp": timestamp, "nonce": nonce, "msg_signature": signature, "encrypt_type": "aes"}
    return make_request("POST", body=body.encode(), query=query)


@settings(max_examples=50, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_safe_mode_round_trip_through_the_adapters(text: str) -> None:
    text = text.strip() or "x"
    if "]]>" in text:
        return
    xml = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[openid-1]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]>"
        "</Content><MsgId>42</MsgId></xml>"
    )
    for adapter, inbox, receive_id in (
        (wechat.WeChatAdapter(), WECHAT, OFFICIAL_APPID),
        (wecom.WeComAdapter(), WECOM, WECOM.credentials["corp_id"]),
    ):
        request = encrypted_post(inbox, xml, receive_id)
        adapter.verify(request, inbox)  # type: ignore[arg-type]
        [message] = adapter.parse(request, inbox)  # type: ignore[arg-type]
        assert message.text == text.strip()


# --- send ------------------------------------------------------------------------------------------------


REPLY = "您好，已为您处理"


def outbound(channel: str, recipient: str, body: str = REPLY) -> OutboundMessage:
    return OutboundMessage(
        ticket_id="T1",
        message_id="M1",
        channel=channel,
        inbox="x",
        conversation_key=f"{channel}:x:{recipient}",
        recipient=recipient,
        body=body,
    )


@pytest.fixture(autouse=True)
def _fresh_tokens() -> None:
    wechat.TOKENS.clear()
    wecom.TOKENS.clear()


def test_wechat_send_caches_token_and_refreshes_on_40001(provider, http) -> None:
    inbox = WECHAT.model_copy(update={"api_base": provider.base})
    provider.script("/cgi-bin/token", body={"access_token": "TOKEN-1", "expires_in": 7200})
    provider.script("/cgi-bin/message/custom/send", body={"errcode": 0, "errmsg": "ok"})
    provider.script("/cgi-bin/message/custom/send", body={"errcode": 40001, "errmsg": "invalid credential"})
    provider.script("/cgi-bin/token", body={"access_token": "TOKEN-2", "expires_in": 7200})
    provider.script("/cgi-bin/message/custom/send", body={"errcode": 0, "errmsg": "ok"})
    adapter = wechat.WeChatAdapter()

    adapter.send(outbound("wechat", "openid-1"), inbox, http)
    adapter.send(outbound("wechat", "openid-1"), inbox, http)

    routes = [(r.method, r.route) for r in provider.requests]
    assert routes == [
        ("GET", "/cgi-bin/token"),
        ("POST", "/cgi-bin/message/custom/send"),
        ("POST", "/cgi-bin/message/custom/send"),  # cached token, refused as stale
        ("GET", "/cgi-bin/token"),
        ("POST", "/cgi-bin/message/custom/send"),
    ]
    token_call = provider.requests[0]
    assert token_call.query == {"grant_type": "client_credential", "appid": OFFICIAL_APPID, "secret": "secret-1"}
    assert [r.query["access_token"] for r in provider.requests if r.method == "POST"] == [
        "TOKEN-1",
        "TOKEN-1",
        "TOKEN-2",
    ]
    assert provider.requests[1].json() == {
        "touser": "openid-1",
        "msgtype": "text",
        "text": {"content": REPLY},
    }
    assert "您好".encode() in provider.requests[1].body  # raw UTF-8, not \\u escapes


def test_wechat_send_errors(provider, http) -> None:
    inbox = WECHAT.model_copy(update={"api_base": provider.base})
    adapter = wechat.WeChatAdapter()
    provider.script("/cgi-bin/token", body={"access_token": "T", "expires_in": 7200})
    provider.script("/cgi-bin/message/custom/send", body={"errcode": 45015, "errmsg": "response out of time limit"})
    with pytest.raises(ProviderError, match="48 hours") as refused:
        adapter.send(outbound("wechat", "openid-1"), inbox, http)
    assert refused.value.retryable is False
    provider.script("/cgi-bin/message/custom/send", 503, b"busy", "text/plain")
    with pytest.raises(ProviderError) as busy:
        adapter.send(outbound("wechat", "openid-1"), inbox, http)
    assert busy.value.retryable is True
    assert busy.value.status == 503
    provider.script("/cgi-bin/message/custom/send", body={"errcode": -1, "errmsg": "system error"})
    with pytest.raises(ProviderError) as system:
        adapter.send(outbound("wechat", "openid-1"), inbox, http)
    assert system.value.retryable is True


def test_wechat_token_refused(provider, http) -> None:
    inbox = WECHAT.model_copy(update={"api_base": provider.base})
    provider.script("/cgi-bin/token", body={"errcode": 40125, "errmsg": "invalid appsecret"})
    with pytest.raises(ProviderError, match="invalid appsecret") as refused:
        wechat.WeChatAdapter().send(outbound("wechat", "openid-1"), inbox, http)
    assert refused.value.retryable is False


def test_wecom_send(provider, http) -> None:
    inbox = WECOM.model_copy(update={"api_base": provider.base})
    provider.script("/cgi-bin/gettoken", body={"errcode": 0, "access_token": "CORP-T", "expires_in": 7200})
    provider.script("/cgi-bin/message/send", body={"errcode": 42001, "errmsg": "access_token expired"})
    provider.script("/cgi-bin/gettoken", body={"errcode": 0, "access_token": "CORP-T2", "expires_in": 7200})
    provider.script("/cgi-bin/message/send", body={"errcode": 0, "errmsg": "ok", "msgid": "MSGID-1"})
    result = wecom.WeComAdapter().send(outbound("wecom", "zhangsan"), inbox, http)
    assert result.provider_message_id == "MSGID-1"
    assert provider.requests[0].query == {"corpid": "wx5823bf96d3bd56c7", "corpsecret": "corp-secret"}
    last = provider.requests[-1]
    assert last.query == {"access_token": "CORP-T2"}
    assert last.json() == {"touser": "zhangsan", "msgtype": "text", "agentid": 218, "text": {"content": REPLY}}
    provider.script("/cgi-bin/message/send", body={"errcode": 0, "errmsg": "ok", "invaliduser": "nobody"})
    with pytest.raises(ProviderError, match="nobody") as refused:
        wecom.WeComAdapter().send(outbound("wecom", "nobody"), inbox, http)
    assert refused.value.retryable is False
    provider.script("/cgi-bin/message/send", 400, {"errcode": 40003, "errmsg": "invalid userid"})
    with pytest.raises(ProviderError, match="invalid userid") as bad:
        wecom.WeComAdapter().send(outbound("wecom", "nobody"), inbox, http)
    assert bad.value.retryable is False


def test_wechat_enrich_sender_adds_the_unionid_once_per_openid(provider, http) -> None:
    from kefu.inbound import Sender

    wechat._UNION_IDS.clear()
    inbox = WECHAT.model_copy(update={"api_base": provider.base})
    provider.script("/cgi-bin/token", body={"access_token": "TOKEN-U", "expires_in": 7200})
    provider.script("/cgi-bin/user/info", body={"subscribe": 1, "openid": "o-1", "unionid": "u-42"})
    adapter = wechat.WeChatAdapter()
    sender = Sender(channel="wechat", external_id="o-1")

    assert adapter.enrich_sender(sender, inbox, http).union_id == "u-42"
    assert adapter.enrich_sender(sender, inbox, http).union_id == "u-42"  # cached: no second call
    info_calls = [r for r in provider.requests if r.route == "/cgi-bin/user/info"]
    assert len(info_calls) == 1
    assert info_calls[0].query == {"access_token": "TOKEN-U", "openid": "o-1", "lang": "zh_CN"}


def test_wechat_enrich_sender_leaves_the_sender_alone_when_wechat_says_no(provider, http) -> None:
    from kefu.inbound import Sender

    wechat._UNION_IDS.clear()
    inbox = WECHAT.model_copy(update={"api_base": provider.base})
    provider.script("/cgi-bin/token", body={"access_token": "TOKEN-V", "expires_in": 7200})
    provider.script("/cgi-bin/user/info", body={"errcode": 40003, "errmsg": "invalid openid"})
    sender = Sender(channel="wechat", external_id="o-2")
    assert wechat.WeChatAdapter().enrich_sender(sender, inbox, http) == sender
