"""Every channel end to end on the local cloud, over HTTP only.

For each channel an inbox is created through the admin API with ``api_base`` pointing at a loopback
FakeProvider; then, as the provider would: (a) the URL check / handshake, (b) a signed delivery becomes a
ticket and gets the provider's expected fast answer, (c) a forged signature is refused and changes nothing,
(d) the same delivery three times is one message, (e) an agent reply reaches the provider as its exact API
request and shows ``sent``; a provider refusal shows ``failed`` with the provider's reason.

"Nothing happened" is proven with a sentinel: a later genuine delivery from the same customer shares the
FIFO group of the earlier one, so once the sentinel is visible the earlier one was processed (or dropped).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import re
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kefu.models import Identity
from kefu.services.customers import mask_identity
from tests.support.providers import (
    Delivery,
    FakeProvider,
    LineSigner,
    MetaSigner,
    Recorded,
    SnsSigner,
    TelegramSigner,
    TwilioSigner,
    WeChatSigner,
    WeComSigner,
    WeiboSigner,
    line_error,
    messenger_error,
    new_encoding_aes_key,
    telegram_error,
    tencent_error,
    twilio_error,
    unique,
    weibo_error,
    whatsapp_error,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

PUBLIC_BASE = "https://kefu-e2e.example.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-e2e-inbound"
SUPPORT_ADDRESS = "support@help.example.com"


class Api:
    """The agent/admin API as one logged-in user."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(f"/api/v1{path}", headers=self.headers, params=params)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(f"/api/v1{path}", headers=self.headers, json=body)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        resp = self.get(f"/tickets/{ticket_id}")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def tickets_matching(self, text: str) -> list[dict[str, Any]]:
        """Tickets whose subject or latest message contains ``text`` (the inbox's ``q`` filter)."""
        resp = self.get("/tickets", q=text, limit="100")
        assert resp.status_code == 200, resp.text
        return list(resp.json()["items"])

    def ticket_with(self, text: str, what: str = "") -> dict[str, Any]:
        """Wait for the ticket whose latest message contains ``text``; the ticket with its messages."""

        def found() -> dict[str, Any] | None:
            items = self.tickets_matching(text)
            return self.ticket(items[0]["id"]) if items else None

        return dict(eventually(found, what or f"a ticket with '{text}'"))

    def message_state(self, ticket_id: str, message_id: str, states: set[str]) -> dict[str, Any]:
        def settled() -> dict[str, Any] | None:
            for message in self.ticket(ticket_id)["messages"]:
                if message["id"] == message_id and message["delivery_status"] in states:
                    return dict(message)
            return None

        return dict(eventually(settled, f"message {message_id} of ticket {ticket_id} in {sorted(states)}"))


@pytest.fixture(scope="session")
def admin(http: httpx.Client, admin_token: str) -> Api:
    return Api(http, admin_token)


@pytest.fixture(scope="session")
def agent(http: httpx.Client, agent_token: str) -> Api:
    return Api(http, agent_token)


def _digits(n: int) -> str:
    return "".join(random.choice("0123456789") for _ in range(n))


@dataclass
class Channel:
    """One channel as its provider sees us: how to sign deliveries, what our answers and API calls must be."""

    name: str
    channel: str  # the ticket's channel
    inbox: dict[str, Any]  # the admin API body (api_base is added)
    new_sender: Callable[[], str]
    deliver: Callable[[str, str], Delivery]  # (sender, text) -> a signed delivery
    forge: Callable[[str, str], Delivery]  # the same, signed without the real secret
    fast_answer: Callable[[httpx.Response], None]
    sent: Callable[[FakeProvider, str, str], list[Recorded]] | None  # the provider requests carrying the reply
    refuse: Callable[[FakeProvider], str] | None = None  # scripts a provider refusal; a fragment of its reason
    identity: Callable[[str], str] = lambda sender: sender  # the stored external id
    signer: Any = None  # the channel's signer (handshakes)
    created: bool = field(default=False)

    @property
    def inbox_id(self) -> str:
        return str(self.inbox["id"])


def answers(status: int, body: str | None = None, content_type: str | None = None) -> Callable[[httpx.Response], None]:
    def check(resp: httpx.Response) -> None:
        assert resp.status_code == status, resp.text
        if body is not None:
            assert resp.text == body
        if content_type is not None:
            assert resp.headers["content-type"].startswith(content_type)

    return check


def twiml(resp: httpx.Response) -> None:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/xml")
    assert resp.text.startswith("<?xml") and "<Response" in resp.text


def _wrong(secret: str) -> str:
    return "x" + secret[1:] if not secret.startswith("x") else "y" + secret[1:]


# --- the channels ----------------------------------------------------------------------------------------------


def _wechat(mode: str, run: str) -> Channel:
    """A WeChat Official Account inbox; safe mode encrypts every delivery."""
    wx = WeChatSigner(
        inbox=f"wx-{mode}-{run}",
        token=unique("tok"),
        app_id="wx" + uuid.uuid4().hex[:16],
        encoding_aes_key=new_encoding_aes_key(),
    )
    safe = mode == "safe"
    forger = dataclasses.replace(wx, token=_wrong(wx.token))
    return Channel(
        name=f"wechat-{mode}",
        channel="wechat",
        inbox={
            "id": wx.inbox,
            "channel": "wechat",
            "name": f"WeChat OA ({mode})",
            "credentials": {
                "token": wx.token,
                "app_id": wx.app_id,
                "app_secret": unique("secret"),
                "encoding_aes_key": wx.encoding_aes_key,
            },
        },
        new_sender=lambda: "o" + uuid.uuid4().hex[:27],
        deliver=lambda s, t: wx.text(s, t, safe=safe),
        forge=lambda s, t: forger.text(s, t, safe=safe),
        fast_answer=answers(200, "success"),
        sent=lambda p, s, b: _wechat_sent(p, wx, s, b),
        refuse=lambda p: _script_tencent(p, r"^/cgi-bin/message/custom/send$", 45015),
        signer=wx,
    )


def _meta(platform: str, run: str) -> Channel:
    """A Messenger or Instagram inbox (one adapter, Meta's webhooks)."""
    meta = MetaSigner("messenger", f"{platform}-{run}", app_secret=unique("appsecret"), verify_token=unique("v"))
    forger = dataclasses.replace(meta, app_secret=_wrong(meta.app_secret))
    page_id, page_token = _digits(15), unique("EAAP")
    instagram = platform == "instagram"
    return Channel(
        name=platform,
        channel="messenger",
        inbox={
            "id": meta.inbox,
            "channel": "messenger",
            "name": platform.title(),
            "credentials": {
                "verify_token": meta.verify_token,
                "app_secret": meta.app_secret,
                "page_access_token": page_token,
            },
        },
        new_sender=lambda: _digits(16),
        deliver=lambda s, t: meta.messenger_text(page_id, s, t, instagram=instagram),
        forge=lambda s, t: forger.messenger_text(page_id, s, t, instagram=instagram),
        fast_answer=answers(200),
        sent=lambda p, s, b: _messenger_sent(p, page_token, s, b),
        refuse=lambda p: _script(
            p,
            r"^/v[\d.]+/me/messages$",
            400,
            messenger_error(),
            "24 hours",
            lambda r: r.query.get("access_token") == page_token,
        ),
        signer=meta,
    )


def build_channels(run: str, provider: FakeProvider) -> dict[str, Channel]:
    channels = [_wechat("plain", run), _wechat("safe", run)]

    wecom = WeComSigner(
        inbox=f"wecom-{run}",
        token=unique("tok"),
        encoding_aes_key=new_encoding_aes_key(),
        corp_id="ww" + uuid.uuid4().hex[:16],
        agent_id="1000002",
    )
    corp_secret = unique("corpsecret")
    channels.append(
        Channel(
            name="wecom",
            channel="wecom",
            inbox={
                "id": wecom.inbox,
                "channel": "wecom",
                "name": "WeCom app",
                "credentials": {
                    "token": wecom.token,
                    "encoding_aes_key": wecom.encoding_aes_key,
                    "corp_id": wecom.corp_id,
                    "agent_id": wecom.agent_id,
                    "secret": corp_secret,
                },
            },
            new_sender=lambda: "user-" + uuid.uuid4().hex[:10],
            deliver=wecom.text,
            forge=lambda s, t: dataclasses.replace(wecom, token=_wrong(wecom.token)).text(s, t),
            fast_answer=answers(200, "success"),
            sent=lambda p, s, b: _wecom_sent(p, wecom, corp_secret, s, b),
            refuse=lambda p: _script_tencent(p, r"^/cgi-bin/message/send$", 81013),
            signer=wecom,
        )
    )

    wa = MetaSigner("whatsapp", f"wa-{run}", app_secret=unique("appsecret"), verify_token=unique("verify"))
    phone_number_id, wa_token = _digits(15), unique("EAAG")
    channels.append(
        Channel(
            name="whatsapp",
            channel="whatsapp",
            inbox={
                "id": wa.inbox,
                "channel": "whatsapp",
                "name": "WhatsApp",
                "credentials": {
                    "verify_token": wa.verify_token,
                    "app_secret": wa.app_secret,
                    "access_token": wa_token,
                    "phone_number_id": phone_number_id,
                },
            },
            new_sender=lambda: "8613" + _digits(9),
            deliver=lambda s, t: wa.whatsapp_text(phone_number_id, s, t),
            forge=lambda s, t: dataclasses.replace(wa, app_secret=_wrong(wa.app_secret)).whatsapp_text(
                phone_number_id, s, t
            ),
            fast_answer=answers(200),
            sent=lambda p, s, b: _whatsapp_sent(p, phone_number_id, wa_token, s, b),
            refuse=lambda p: _script(
                p, rf"^/v[\d.]+/{phone_number_id}/messages$", 400, whatsapp_error(131047), "24 hours"
            ),
            identity=lambda s: "+" + s,
            signer=wa,
        )
    )

    channels += [_meta("messenger", run), _meta("instagram", run)]

    twilio = TwilioSigner(
        inbox=f"twilio-{run}",
        auth_token=uuid.uuid4().hex,
        public_url=f"{PUBLIC_BASE}/webhooks/twilio/twilio-{run}",
        account_sid="AC" + uuid.uuid4().hex,
    )
    from_number = "+1500555" + _digits(4)
    channels.append(
        Channel(
            name="twilio-sms",
            channel="twilio",
            inbox={
                "id": twilio.inbox,
                "channel": "twilio",
                "name": "Twilio SMS and voice",
                "credentials": {
                    "account_sid": twilio.account_sid,
                    "auth_token": twilio.auth_token,
                    "from_number": from_number,
                },
                "public_url": twilio.public_url,
            },
            new_sender=lambda: "+1415" + _digits(7),
            deliver=twilio.sms,
            forge=lambda s, t: dataclasses.replace(twilio, auth_token=_wrong(twilio.auth_token)).sms(s, t),
            fast_answer=twiml,
            sent=lambda p, s, b: _twilio_sent(p, twilio, from_number, s, b),
            refuse=lambda p: _script(p, r"/Messages\.json$", 400, twilio_error(), "21610"),
            signer=twilio,
        )
    )

    line = LineSigner(f"line-{run}", channel_secret=uuid.uuid4().hex)
    line_token = unique("line-token-")
    channels.append(
        Channel(
            name="line",
            channel="line",
            inbox={
                "id": line.inbox,
                "channel": "line",
                "name": "LINE",
                "credentials": {"channel_secret": line.channel_secret, "channel_access_token": line_token},
            },
            new_sender=lambda: "U" + uuid.uuid4().hex,
            deliver=line.text,
            forge=lambda s, t: dataclasses.replace(line, channel_secret=_wrong(line.channel_secret)).text(s, t),
            fast_answer=answers(200),
            sent=lambda p, s, b: _line_sent(p, line_token, s, b),
            refuse=lambda p: _script(p, r"^/v2/bot/message/push$", 400, line_error(), "'to'"),
            signer=line,
        )
    )

    telegram = TelegramSigner(f"tg-{run}", secret_token=unique("tg_secret-"))
    bot_token = f"{_digits(10)}:AA{uuid.uuid4().hex}"
    channels.append(
        Channel(
            name="telegram",
            channel="telegram",
            inbox={
                "id": telegram.inbox,
                "channel": "telegram",
                "name": "Telegram",
                "credentials": {"secret_token": telegram.secret_token, "bot_token": bot_token},
            },
            new_sender=lambda: str(random.randint(10**8, 10**10)),
            deliver=lambda s, t: telegram.text(int(s), t),
            forge=lambda s, t: dataclasses.replace(telegram, secret_token=_wrong(telegram.secret_token)).text(
                int(s), t
            ),
            fast_answer=answers(200),
            sent=lambda p, s, b: _telegram_sent(p, bot_token, s, b),
            refuse=lambda p: _script(p, r"/sendMessage$", 403, telegram_error(), "blocked"),
            signer=telegram,
        )
    )

    weibo = WeiboSigner(f"weibo-{run}", app_secret=uuid.uuid4().hex)
    weibo_token = unique("2.00")
    channels.append(
        Channel(
            name="weibo",
            channel="weibo",
            inbox={
                "id": weibo.inbox,
                "channel": "weibo",
                "name": "Weibo fan service",
                "credentials": {"app_secret": weibo.app_secret, "access_token": weibo_token},
            },
            new_sender=lambda: str(random.randint(10**9, 10**10)),
            deliver=lambda s, t: weibo.text(int(s), t),
            # the forgery is dated earlier than the sentinel, so the two never share Weibo's dedupe key
            forge=lambda s, t: dataclasses.replace(weibo, app_secret=_wrong(weibo.app_secret)).text(
                int(s), t, at=datetime.now(UTC) - timedelta(seconds=5)
            ),
            fast_answer=answers(200),
            sent=lambda p, s, b: _weibo_sent(p, weibo_token, s, b),
            refuse=lambda p: _script(p, r"^/2/messages/reply\.json$", 400, weibo_error(), "21602"),
            signer=weibo,
        )
    )

    sns = SnsSigner.generate(f"email-{run}", TOPIC)
    provider.serve_certificate(sns.cert_path, sns.cert_pem)
    other_key = SnsSigner.generate(sns.inbox, TOPIC).key
    channels.append(
        Channel(
            name="email",
            channel="email",
            inbox={
                "id": sns.inbox,
                "channel": "email",
                "name": "Support email",
                "credentials": {"address": SUPPORT_ADDRESS, "topic_arns": TOPIC},
            },
            new_sender=lambda: f"cust-{uuid.uuid4().hex[:8]}@example.cn",
            deliver=lambda s, t: sns.email(s, f"订单问题 {t[-12:]}", t, SUPPORT_ADDRESS),
            forge=lambda s, t: dataclasses.replace(sns, key=other_key).email(
                s, f"订单问题 {t[-12:]}", t, SUPPORT_ADDRESS
            ),
            fast_answer=answers(200),
            sent=None,  # replies leave through SES (the emulator), not an HTTP provider
            signer=sns,
        )
    )
    return {c.name: c for c in channels}


# --- what each provider must receive for a reply ------------------------------------------------------------------


def _one(requests: list[Recorded], what: str) -> list[Recorded]:
    assert len(requests) == 1, f"{what}: expected exactly one request, got {len(requests)}"
    return requests


def _wechat_sent(p: FakeProvider, wx: WeChatSigner, openid: str, body: str) -> list[Recorded]:
    sends = p.received(r"^/cgi-bin/message/custom/send$", match=lambda r: r.json().get("touser") == openid)
    if not sends:
        return []
    send = _one(sends, "WeChat custom/send")[0]
    assert send.json() == {"touser": openid, "msgtype": "text", "text": {"content": body}}
    tokens = p.received(r"^/cgi-bin/token$", "GET", lambda r: r.query.get("appid") == wx.app_id)
    assert tokens and tokens[0].query["grant_type"] == "client_credential"
    assert send.query["access_token"].startswith("ACCESS_TOKEN_")
    return sends


def _wecom_sent(p: FakeProvider, wecom: WeComSigner, secret: str, user: str, body: str) -> list[Recorded]:
    sends = p.received(r"^/cgi-bin/message/send$", match=lambda r: r.json().get("touser") == user)
    if not sends:
        return []
    send = _one(sends, "WeCom message/send")[0]
    assert send.json() == {"touser": user, "msgtype": "text", "agentid": int(wecom.agent_id), "text": {"content": body}}
    tokens = p.received(r"^/cgi-bin/gettoken$", "GET", lambda r: r.query.get("corpid") == wecom.corp_id)
    assert tokens and tokens[0].query["corpsecret"] == secret
    assert send.query["access_token"].startswith("ACCESS_TOKEN_")
    return sends


def _whatsapp_sent(p: FakeProvider, phone_number_id: str, token: str, wa_id: str, body: str) -> list[Recorded]:
    sends = p.received(rf"^/v[\d.]+/{phone_number_id}/messages$", match=lambda r: r.json().get("to") == wa_id)
    if sends:
        send = _one(sends, "WhatsApp messages")[0]
        assert send.headers["authorization"] == f"Bearer {token}"
        assert send.json()["messaging_product"] == "whatsapp" and send.json()["type"] == "text"
        assert send.json()["text"]["body"] == body
    return sends


def _messenger_sent(p: FakeProvider, token: str, psid: str, body: str) -> list[Recorded]:
    sends = p.received(r"^/v[\d.]+/me/messages$", match=lambda r: r.json().get("recipient", {}).get("id") == psid)
    if sends:
        send = _one(sends, "Send API")[0]
        assert send.query["access_token"] == token
        assert send.json() == {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": body}}
    return sends


def _twilio_sent(p: FakeProvider, twilio: TwilioSigner, from_number: str, to: str, body: str) -> list[Recorded]:
    path = f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    sends = p.received("^" + re.escape(path) + "$", match=lambda r: r.form().get("To") == to)
    if sends:
        send = _one(sends, "Twilio Messages.json")[0]
        basic = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
        assert send.headers["authorization"] == f"Basic {basic}"
        assert send.form() == {"From": from_number, "To": to, "Body": body}
    return sends


def _line_sent(p: FakeProvider, token: str, user: str, body: str) -> list[Recorded]:
    sends = p.received(r"^/v2/bot/message/push$", match=lambda r: r.json().get("to") == user)
    if sends:
        send = _one(sends, "LINE push")[0]
        assert send.headers["authorization"] == f"Bearer {token}"
        assert send.headers.get("x-line-retry-key")
        assert send.json() == {"to": user, "messages": [{"type": "text", "text": body}]}
    return sends


def _telegram_sent(p: FakeProvider, bot_token: str, chat_id: str, body: str) -> list[Recorded]:
    sends = p.received(r"/sendMessage$", match=lambda r: str(r.json().get("chat_id")) == chat_id)
    if sends:
        send = _one(sends, "Telegram sendMessage")[0]
        assert urllib.parse.unquote(send.path) == f"/bot{bot_token}/sendMessage"
        assert send.json()["text"] == body
    return sends


def _weibo_sent(p: FakeProvider, token: str, fan: str, body: str) -> list[Recorded]:
    sends = p.received(r"^/2/messages/reply\.json$", match=lambda r: r.form().get("receiver_id") == fan)
    if sends:
        form = _one(sends, "Weibo reply")[0].form()
        assert form["access_token"] == token and form["type"] == "text"
        assert json.loads(urllib.parse.unquote(form["data"])) == {"text": body}
    return sends


def _script(
    p: FakeProvider,
    path: str,
    status: int,
    body: Any,
    reason: str,
    match: Callable[[Recorded], bool] | None = None,
) -> str:
    p.fail(path, status, body, match=match)
    return reason


def _script_tencent(p: FakeProvider, path: str, errcode: int) -> str:
    p.fail(path, 200, tencent_error(errcode, "refused by the e2e FakeProvider"))  # Tencent errors come as HTTP 200
    return str(errcode)


# --- fixtures --------------------------------------------------------------------------------------------------

CHANNELS = [
    "wechat-plain",
    "wechat-safe",
    "wecom",
    "whatsapp",
    "messenger",
    "instagram",
    "twilio-sms",
    "line",
    "telegram",
    "weibo",
    "email",
]
REPLIES_OVER_HTTP = [c for c in CHANNELS if c != "email"]


@pytest.fixture(scope="session")
def channels(run_id: str, provider: FakeProvider) -> dict[str, Channel]:
    return build_channels(run_id, provider)


def ensure_inbox(admin: Api, provider: FakeProvider, channel: Channel) -> Channel:
    if not channel.created:
        body = {**channel.inbox, "api_base": provider.url}
        resp = admin.post("/admin/inboxes", body)
        assert resp.status_code == 201, f"creating inbox {channel.inbox_id}: {resp.status_code} {resp.text}"
        shown = json.dumps(resp.json())
        for key, secret in channel.inbox["credentials"].items():
            if key not in {
                "app_id",
                "corp_id",
                "agent_id",
                "phone_number_id",
                "account_sid",
                "from_number",
                "address",
                "topic_arns",
            }:
                assert secret not in shown, f"credential {key} is returned whole"
        channel.created = True
    return channel


@pytest.fixture
def channel(
    request: pytest.FixtureRequest, channels: dict[str, Channel], admin: Api, provider: FakeProvider
) -> Channel:
    return ensure_inbox(admin, provider, channels[request.param])


def text_for(channel: Channel, what: str) -> tuple[str, str]:
    """A message text with a token that identifies it in the inbox search."""
    token = f"e2e{uuid.uuid4().hex[:10]}"
    return token, f"{what} 订单 {token} 怎么还没到？"


def assert_ticket_of(ticket: dict[str, Any], channel: Channel, sender: str, text: str) -> None:
    assert ticket["channel"] == channel.channel and ticket["inbox"] == channel.inbox_id, ticket
    bodies = [m["body"] for m in ticket["messages"] if m["direction"] == "inbound"]
    assert any(text in body for body in bodies), bodies
    identities = {(i["channel"], i["external_id"]) for i in (ticket.get("customer") or {}).get("identities", [])}
    # every role reads identities made of phone numbers and emails masked (the whole values take a reveal)
    expected = mask_identity(Identity(channel=channel.channel, external_id=channel.identity(sender)))
    assert (expected.channel, expected.external_id) in identities, identities


# --- (a) URL checks and handshakes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["wechat-plain", "wechat-safe"], indirect=True)
def test_wechat_url_check_echoes(channel: Channel, http: httpx.Client) -> None:
    wx: WeChatSigner = channel.signer
    echostr = _digits(19)
    resp = wx.url_check(echostr).send(http)
    assert resp.status_code == 200 and resp.text == echostr
    bad = dataclasses.replace(wx, token=_wrong(wx.token)).url_check(echostr).send(http)
    assert bad.status_code in (401, 403) and echostr not in bad.text


@pytest.mark.parametrize("channel", ["wecom"], indirect=True)
def test_wecom_url_check_answers_the_decrypted_echostr(channel: Channel, http: httpx.Client) -> None:
    wecom: WeComSigner = channel.signer
    echostr = _digits(19)
    resp = wecom.url_check(echostr).send(http)
    assert resp.status_code == 200 and resp.text == echostr
    bad = dataclasses.replace(wecom, token=_wrong(wecom.token)).url_check(echostr).send(http)
    assert bad.status_code in (401, 403) and echostr not in bad.text


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram"], indirect=True)
def test_meta_verification_echoes_the_challenge(channel: Channel, http: httpx.Client) -> None:
    meta: MetaSigner = channel.signer
    challenge = _digits(10)
    resp = meta.verification(challenge).send(http)
    assert resp.status_code == 200 and resp.text == challenge
    bad = meta.verification(challenge, verify_token=_wrong(meta.verify_token)).send(http)
    assert bad.status_code in (401, 403) and challenge not in bad.text


@pytest.mark.parametrize("channel", ["weibo"], indirect=True)
def test_weibo_url_check_echoes(channel: Channel, http: httpx.Client) -> None:
    weibo: WeiboSigner = channel.signer
    echostr = unique()
    resp = weibo.url_check(echostr).send(http)
    assert resp.status_code == 200 and resp.text == echostr
    bad = dataclasses.replace(weibo, app_secret=_wrong(weibo.app_secret)).url_check(echostr).send(http)
    assert bad.status_code in (401, 403) and echostr not in bad.text


@pytest.mark.parametrize("channel", ["email"], indirect=True)
def test_sns_subscription_is_confirmed(channel: Channel, provider: FakeProvider, http: httpx.Client) -> None:
    sns: SnsSigner = channel.signer
    confirmation = sns.subscription_confirmation()
    resp = confirmation.send(http)
    assert resp.status_code == 200, resp.text
    confirmed = provider.received(r"^/$", "GET", lambda r: r.query.get("Token") == confirmation.text)
    assert len(confirmed) == 1 and confirmed[0].query["Action"] == "ConfirmSubscription"
    assert confirmed[0].query["TopicArn"] == TOPIC


# --- (b) + (d): a signed delivery becomes one ticket, however often it is delivered -----------------------------------


@pytest.mark.parametrize("channel", CHANNELS, indirect=True)
def test_signed_delivery_three_times_is_one_ticket_message(channel: Channel, agent: Api, http: httpx.Client) -> None:
    sender = channel.new_sender()
    token, text = text_for(channel, "hello")
    delivery = channel.deliver(sender, text)
    for _ in range(3):
        channel.fast_answer(delivery.send(http))
    ticket = agent.ticket_with(token, f"{channel.name}: the ticket for the delivery")
    assert_ticket_of(ticket, channel, sender, text)

    sentinel_token, sentinel = text_for(channel, "sentinel")
    channel.fast_answer(channel.deliver(sender, sentinel).send(http))
    agent.ticket_with(sentinel_token, f"{channel.name}: the sentinel after the repeats")
    ticket = agent.ticket(ticket["id"])
    assert [m["body"] for m in ticket["messages"]].count(text) == 1, ticket["messages"]
    assert {t["id"] for t in agent.tickets_matching(token)} <= {ticket["id"]}  # no second ticket for a repeat


# --- (c) forged signatures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS, indirect=True)
def test_forged_delivery_is_refused_and_changes_nothing(channel: Channel, agent: Api, http: httpx.Client) -> None:
    sender = channel.new_sender()
    forged_token, forged_text = text_for(channel, "forged")
    resp = channel.forge(sender, forged_text).send(http)
    assert resp.status_code in (401, 403), f"{channel.name}: a forged delivery got {resp.status_code} {resp.text}"

    sentinel_token, sentinel = text_for(channel, "sentinel")
    channel.fast_answer(channel.deliver(sender, sentinel).send(http))
    ticket = agent.ticket_with(sentinel_token, f"{channel.name}: the sentinel after the forgery")
    assert all(forged_token not in m["body"] for m in ticket["messages"]), ticket["messages"]
    assert agent.tickets_matching(forged_token) == []


# --- (e) replies ------------------------------------------------------------------------------------------------------


def _reply(agent: Api, ticket_id: str, body: str) -> dict[str, Any]:
    resp = agent.post(f"/tickets/{ticket_id}/messages", {"body": body})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


@pytest.mark.parametrize("channel", REPLIES_OVER_HTTP, indirect=True)
def test_agent_reply_reaches_the_provider_and_shows_sent(
    channel: Channel, agent: Api, provider: FakeProvider, http: httpx.Client
) -> None:
    assert channel.sent is not None
    sender = channel.new_sender()
    token, text = text_for(channel, "reply please")
    channel.fast_answer(channel.deliver(sender, text).send(http))
    ticket = agent.ticket_with(token)

    body = f"您好，已为您查询 {uuid.uuid4().hex[:6]}"
    message = _reply(agent, ticket["id"], body)
    settled = agent.message_state(ticket["id"], message["id"], {"sent", "delivered", "failed"})
    assert settled["delivery_status"] == "sent", settled
    assert channel.sent(provider, sender, body), f"{channel.name}: the provider never got the reply"


@pytest.mark.parametrize("channel", REPLIES_OVER_HTTP, indirect=True)
def test_provider_refusal_shows_failed_with_the_reason(
    channel: Channel, agent: Api, provider: FakeProvider, http: httpx.Client
) -> None:
    assert channel.refuse is not None
    sender = channel.new_sender()
    token, text = text_for(channel, "refuse me")
    channel.fast_answer(channel.deliver(sender, text).send(http))
    ticket = agent.ticket_with(token)

    reason = channel.refuse(provider)
    message = _reply(agent, ticket["id"], "这条会被拒绝")
    settled = agent.message_state(ticket["id"], message["id"], {"sent", "delivered", "failed"})
    assert settled["delivery_status"] == "failed", settled
    assert reason in (settled["delivery_error"] or ""), settled


@pytest.mark.parametrize("channel", ["email"], indirect=True)
def test_email_reply_leaves_through_ses_and_shows_sent(channel: Channel, agent: Api, http: httpx.Client) -> None:
    sender = channel.new_sender()
    token, text = text_for(channel, "email me back")
    channel.fast_answer(channel.deliver(sender, text).send(http))
    ticket = agent.ticket_with(token)
    message = _reply(agent, ticket["id"], "您好，退款已处理")
    settled = agent.message_state(ticket["id"], message["id"], {"sent", "delivered", "failed"})
    assert settled["delivery_status"] == "sent", settled


# --- Twilio voice: a call is answered with TwiML, the voicemail and its transcription land on one ticket -------------


@pytest.mark.parametrize("channel", ["twilio-sms"], indirect=True)
def test_twilio_call_voicemail_and_transcription(channel: Channel, agent: Api, http: httpx.Client) -> None:
    twilio: TwilioSigner = channel.signer
    caller = channel.new_sender()
    call = twilio.voice(caller)
    for _ in range(2):  # Twilio retries a slow answer: still one call
        resp = call.send(http)
        twiml(resp)
    base = twilio.public_url
    assert "<Say>" in resp.text and "<Record " in resp.text, resp.text
    assert f'action="{base}/recording"' in resp.text and f'transcribeCallback="{base}/transcription"' in resp.text

    recording_sid = "RE" + uuid.uuid4().hex
    recording_url = f"https://api.twilio.com/2010-04-01/Accounts/{twilio.account_sid}/Recordings/{recording_sid}"
    recorded = twilio.recording(caller, call.provider_id, recording_sid, recording_url).send(http)
    twiml(recorded)
    assert "<Hangup/>" in recorded.text

    token, text = text_for(channel, "voicemail")
    transcription = twilio.transcription(caller, call.provider_id, recording_sid, text)
    for _ in range(2):
        twiml(transcription.send(http))
    ticket = agent.ticket_with(token, "the voicemail's transcription on a ticket")
    assert_ticket_of(ticket, channel, caller, text)
    kinds = [m["kind"] for m in ticket["messages"] if m["direction"] == "inbound"]
    assert kinds.count("voice") == 2, ticket["messages"]  # the recording, then its text
    assert kinds.count("call") <= 1
    assert [m["body"] for m in ticket["messages"]].count(text) == 1


# --- the web form: no signature, so (c) becomes "malformed is refused" ------------------------------------------------


def _form(http: httpx.Client, inbox: str, body: dict[str, str], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return http.post(f"/forms/{inbox}/tickets", json=body, headers=headers)


@pytest.fixture(scope="session")
def form_inbox(admin: Api, run_id: str) -> str:
    inbox = f"form-{run_id}"
    resp = admin.post("/admin/inboxes", {"id": inbox, "channel": "form", "name": "Contact form", "credentials": {}})
    assert resp.status_code == 201, resp.text
    return inbox


def test_web_form_ticket_once_per_idempotency_key(form_inbox: str, agent: Api, http: httpx.Client) -> None:
    email = f"form-{uuid.uuid4().hex[:8]}@example.com"
    token = f"e2e{uuid.uuid4().hex[:10]}"
    body = {"name": "王芳", "email": email, "subject": f"发票 {token}", "body": f"请开发票 {token}"}
    key = uuid.uuid4().hex
    for _ in range(3):
        resp = _form(http, form_inbox, body, key)
        assert resp.status_code == 202 and resp.json() == {"status": "received"}, resp.text
    ticket = agent.ticket_with(token, "the form's ticket")
    assert ticket["channel"] == "form" and ticket["inbox"] == form_inbox

    malformed = _form(http, form_inbox, {"name": "x", "email": "not-an-address", "subject": "s", "body": "b"})
    assert malformed.status_code == 400, malformed.text
    sentinel = f"e2e{uuid.uuid4().hex[:10]}"
    assert _form(http, form_inbox, {**body, "body": f"再问一下 {sentinel}"}).status_code == 202
    agent.ticket_with(sentinel, "the form sentinel")
    same = [*list(agent.tickets_matching(token)), agent.ticket(ticket["id"])]
    bodies = [m["body"] for m in agent.ticket(ticket["id"])["messages"]]
    assert bodies.count(body["body"]) == 1, bodies
    assert len({t["id"] for t in same}) == 1


def test_web_form_reply_is_refused_with_a_reason(form_inbox: str, agent: Api, http: httpx.Client) -> None:
    token = f"e2e{uuid.uuid4().hex[:10]}"
    email = f"form-{uuid.uuid4().hex[:8]}@example.com"
    resp = _form(http, form_inbox, {"email": email, "subject": f"问 {token}", "body": f"问题 {token}"})
    assert resp.status_code == 202, resp.text
    ticket = agent.ticket_with(token)
    message = _reply(agent, ticket["id"], "我们会通过邮件回复")
    settled = agent.message_state(ticket["id"], message["id"], {"sent", "failed"})
    assert settled["delivery_status"] == "failed" and "email" in (settled["delivery_error"] or ""), settled


@pytest.mark.parametrize("channel", ["whatsapp", "line"], indirect=True)
def test_provider_5xx_is_retried_until_sent(
    channel: Channel, agent: Api, provider: FakeProvider, http: httpx.Client
) -> None:
    sender = channel.new_sender()
    token, text = text_for(channel, "retry")
    channel.fast_answer(channel.deliver(sender, text).send(http))
    ticket = agent.ticket_with(token)

    body = f"稍等，正在处理 {uuid.uuid4().hex[:6]}"
    outage = {"error": {"message": "Service temporarily unavailable", "code": 2}}
    provider.fail(r"(/messages|/push)$", 503, outage, match=lambda r: sender in r.body.decode("utf-8", "replace"))
    message = _reply(agent, ticket["id"], body)
    settled = agent.message_state(ticket["id"], message["id"], {"sent", "delivered", "failed"})
    assert settled["delivery_status"] == "sent", settled
    tries = provider.received(r"(/messages|/push)$", match=lambda r: sender in r.body.decode("utf-8", "replace"))
    assert len(tries) == 2, [t.path for t in tries]  # the 503, then the retry that went through


@pytest.mark.parametrize("channel", ["whatsapp"], indirect=True)
def test_inbox_admin_lists_masked_credentials_and_refuses_agents(channel: Channel, admin: Api, agent: Api) -> None:
    listed = admin.get("/admin/inboxes")
    assert listed.status_code == 200, listed.text
    mine = [i for i in listed.json()["items"] if i["id"] == channel.inbox_id]
    assert len(mine) == 1 and mine[0]["channel"] == "whatsapp"
    assert channel.inbox["credentials"]["app_secret"] not in listed.text
    assert channel.inbox["credentials"]["access_token"] not in listed.text
    refused = agent.post("/admin/inboxes", {**channel.inbox, "id": f"{channel.inbox_id}-agent"})
    assert refused.status_code == 403, refused.text


def test_twilio_without_public_url_checks_the_url_it_was_called_on(
    local_cloud: Any, admin: Api, agent: Api, http: httpx.Client, run_id: str
) -> None:
    """The contract's default: the gateway's public base URL plus the path. Twilio signs the URL it called,
    which on the local cloud has no stage prefix (as behind a custom domain)."""
    inbox = f"twilio-default-{run_id}"
    token = uuid.uuid4().hex
    created = admin.post(
        "/admin/inboxes",
        {
            "id": inbox,
            "channel": "twilio",
            "name": "Twilio without public_url",
            "credentials": {"account_sid": "AC" + uuid.uuid4().hex, "auth_token": token, "from_number": "+15005550006"},
        },
    )
    assert created.status_code in (200, 201), created.text
    signer = TwilioSigner(inbox=inbox, auth_token=token, public_url=f"{local_cloud.url}/webhooks/twilio/{inbox}")
    sender, text = "+1415" + _digits(7), f"default public url {uuid.uuid4().hex[:8]}"
    twiml(signer.sms(sender, text).send(http))
    assert agent.ticket_with(text, "the message signed for the URL it was sent to")
    forged = dataclasses.replace(signer, auth_token=_wrong(token)).sms(sender, "forged")
    assert forged.send(http).status_code in (401, 403)
