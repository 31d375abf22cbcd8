"""(d) Channel deliveries: our own code's time per webhook delivery, per channel, and its AWS calls.

Time: verify_and_parse (one pass) + building the SQS batch entries, with the real adapters on realistic signed deliveries
(tests.support.providers signs the vendored samples with fresh ids), measured in-process with
``time.perf_counter`` over N deliveries (signing is done beforehand and not timed). Median and p99 per delivery.

AWS calls: one full delivery through the real webhooks ``lambda_handler`` (inbox lookup, credentials,
enqueue) against moto in-process, counted with a botocore ``before-call`` hook. They are excluded from the
time above: their latency is the network's and AWS's, not our code's.

The email certificate is downloaded once from the FakeProvider (``api_base``) and cached, as in a warm Lambda.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kefu.channels.base import InboxConfig, WebhookRequest, adapter_for
from kefu.inbound import InboundMessage
from tests.support.providers import (
    Delivery,
    FakeProvider,
    LineSigner,
    MetaSigner,
    SnsSigner,
    TelegramSigner,
    TwilioSigner,
    WeChatSigner,
    WeComSigner,
    WeiboSigner,
    new_encoding_aes_key,
)

PUBLIC_BASE = "https://kefu.example.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-inbound"
TEXT = "你好，我的订单 #10086 还没有发货，请帮我查一下物流。Where is my order?"


@dataclass
class Case:
    label: str
    inbox: InboxConfig
    make: Callable[[int], Delivery]  # the i-th delivery (fresh ids, a sender per i)


def cases(provider: FakeProvider) -> list[Case]:
    api = provider.url
    wx = WeChatSigner("wx", "wx-token", "wx2c2769f8efd9abc2", new_encoding_aes_key())
    wx_creds = {"token": wx.token, "app_id": wx.app_id, "app_secret": "s", "encoding_aes_key": wx.encoding_aes_key}
    wecom = WeComSigner("wecom", "wecom-token", new_encoding_aes_key(), "ww5823bf96d3bd56c7")
    wecom_creds = {
        "token": wecom.token,
        "encoding_aes_key": wecom.encoding_aes_key,
        "corp_id": wecom.corp_id,
        "agent_id": wecom.agent_id,
        "secret": "s",
    }
    wa = MetaSigner("whatsapp", "wa", "app-secret", "verify")
    fb = MetaSigner("messenger", "fb", "app-secret", "verify")
    twilio = TwilioSigner("twilio", "0123456789abcdef0123456789abcdef", f"{PUBLIC_BASE}/webhooks/twilio/twilio")
    line = LineSigner("line", "line-channel-secret")
    telegram = TelegramSigner("telegram", "tg_secret-1")
    weibo = WeiboSigner("weibo", "weibo-app-secret")
    sns = SnsSigner.generate("email", TOPIC)
    provider.serve_certificate(sns.cert_path, sns.cert_pem)
    meta_creds = {"verify_token": "verify", "app_secret": "app-secret"}

    def inbox(id_: str, channel: str, creds: dict[str, str], **extra: Any) -> InboxConfig:
        return InboxConfig(id=id_, channel=channel, name=id_, credentials=creds, api_base=api, **extra)

    return [
        Case("wechat (plain)", inbox("wx", "wechat", wx_creds), lambda i: wx.text(f"openid-{i}", TEXT)),
        Case("wechat (safe mode)", inbox("wx", "wechat", wx_creds), lambda i: wx.text(f"openid-{i}", TEXT, safe=True)),
        Case("wecom", inbox("wecom", "wecom", wecom_creds), lambda i: wecom.text(f"user-{i}", TEXT)),
        Case(
            "whatsapp",
            inbox("wa", "whatsapp", {**meta_creds, "access_token": "t", "phone_number_id": "106540352242922"}),
            lambda i: wa.whatsapp_text("106540352242922", f"86138{i:08d}", TEXT),
        ),
        Case(
            "messenger",
            inbox("fb", "messenger", {**meta_creds, "page_access_token": "t"}),
            lambda i: fb.messenger_text("1234567890", f"{7000000000 + i}", TEXT),
        ),
        Case(
            "instagram",
            inbox("fb", "messenger", {**meta_creds, "page_access_token": "t"}),
            lambda i: fb.messenger_text("1234567890", f"{7000000000 + i}", TEXT, instagram=True),
        ),
        Case(
            "twilio sms",
            inbox(
                "twilio",
                "twilio",
                {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "from_number": "+15005550006"},
                public_url=twilio.public_url,
            ),
            lambda i: twilio.sms(f"+1415{i:07d}", TEXT),
        ),
        Case(
            "twilio voice",
            inbox(
                "twilio",
                "twilio",
                {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "from_number": "+15005550006"},
                public_url=twilio.public_url,
            ),
            lambda i: twilio.voice(f"+1415{i:07d}"),
        ),
        Case(
            "line",
            inbox("line", "line", {"channel_secret": line.channel_secret, "channel_access_token": "t"}),
            lambda i: line.text(f"U{uuid.uuid4().hex}", TEXT),
        ),
        Case(
            "telegram",
            inbox("telegram", "telegram", {"secret_token": telegram.secret_token, "bot_token": "1:t"}),
            lambda i: telegram.text(100000 + i, TEXT),
        ),
        Case(
            "weibo",
            inbox("weibo", "weibo", {"app_secret": weibo.app_secret, "access_token": "t"}),
            lambda i: weibo.text(2489518277 + i, TEXT),
        ),
        Case(
            "email (SES via SNS)",
            inbox("email", "email", {"address": "support@help.example.com", "topic_arns": TOPIC}),
            lambda i: sns.email(f"customer{i}@example.cn", "订单 #10086 退款进度", TEXT, "support@help.example.com"),
        ),
        Case(
            "web form",
            inbox("form", "form", {}),
            _form,
        ),
    ]


def _form(i: int) -> Delivery:
    import json

    body = {"name": "王芳", "email": f"wang{i}@example.com", "subject": "发票", "body": TEXT}
    return Delivery(
        "POST", "/forms/form/tickets", {}, {"Content-Type": "application/json"}, json.dumps(body).encode(), "", TEXT
    )


def webhook_request(delivery: Delivery, host: str = "kefu.example.com") -> WebhookRequest:
    url = f"https://{host}{delivery.url_path}"
    return WebhookRequest(
        method=delivery.method,
        url=url,
        path=delivery.path,
        headers={k.lower(): v for k, v in delivery.headers.items()},
        query=dict(delivery.query),
        body=delivery.body,
        source_ip="203.0.113.7",
    )


def batch_entries(messages: list[InboundMessage]) -> list[dict[str, str]]:
    """The SendMessageBatch entries kefu.queues.enqueue_inbound builds (the same fields, the same way)."""
    return [
        {
            "Id": str(i),
            "MessageBody": m.model_dump_json(),
            "MessageGroupId": m.message_group,
            "MessageDeduplicationId": m.dedupe_hash,
        }
        for i, m in enumerate(messages)
    ]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_case(case: Case, deliveries: int) -> dict[str, Any]:
    try:
        return _time_case(case, deliveries)
    except Exception as err:  # one channel's failure is reported in its row, the others are still measured
        return {"median_us": float("nan"), "p99_us": float("nan"), "body_bytes": 0, "error": f"{err}"[:160]}


def _time_case(case: Case, deliveries: int) -> dict[str, Any]:
    adapter = adapter_for(case.inbox.channel)
    requests = [webhook_request(case.make(i)) for i in range(deliveries + 1)]
    # warm-up: first-use costs (the SNS certificate download, lazy imports) are not per delivery
    adapter.verify_and_parse(requests[0], case.inbox)
    times: list[float] = []
    produced = 0
    for request in requests[1:]:
        start = time.perf_counter()
        if adapter.handshake(request, case.inbox) is None:
            messages = adapter.verify_and_parse(request, case.inbox)  # what the webhook service calls
            entries = batch_entries(messages)
            adapter.answer(request, case.inbox, messages)
        times.append(time.perf_counter() - start)
        produced += len(entries)
    assert produced == deliveries, f"{case.label}: {produced} messages from {deliveries} deliveries"
    return {
        "median_us": statistics.median(times) * 1e6,
        "p99_us": _percentile(times, 0.99) * 1e6,
        "body_bytes": statistics.median(len(r.body) for r in requests),
    }


def count_aws_calls(case_list: list[Case]) -> dict[str, tuple[Counter[str], Counter[str]]]:
    """Per channel, two deliveries through the real webhooks handler on moto (each case on an inbox of its own):
    the AWS requests of the first (a container that has not read this inbox's secret yet) and of the next."""
    import contextlib
    import io

    import pytest

    import tests.conftest  # noqa: F401  (placeholders for the settings handlers require at import, as under pytest)
    from kefu import aws
    from kefu.store import Store
    from tests.bench.aws_calls import CallCounter
    from tests.integration import conftest
    from tests.support.aws_events import FakeContext, api_event

    results: dict[str, tuple[Counter[str], Counter[str]]] = {}
    monkeypatch = pytest.MonkeyPatch()
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    try:
        with conftest.moto_cloud(monkeypatch), contextlib.redirect_stdout(io.StringIO()):  # the EMF metric lines
            from webhooks.handler import lambda_handler

            repo = Store.from_settings()
            counter = CallCounter()
            for service in ("dynamodb", "sqs", "secretsmanager", "s3"):
                aws.client(service).meta.events.register("before-call.*", counter)
            for number, case in enumerate(case_list):
                own_id = f"{case.inbox.id}-{number}"
                _store_inbox(repo, case.inbox.model_copy(update={"id": own_id}))
                counts = []
                for _ in range(2):
                    delivery = case.make(random.randint(10**6, 10**7))
                    path = re.sub(
                        rf"^(/\w+(?:/\w+)?/){re.escape(case.inbox.id)}(/|$)", rf"\g<1>{own_id}\g<2>", delivery.path
                    )
                    event = api_event(
                        delivery.method,
                        path,
                        body=delivery.body.decode("utf-8"),
                        headers={"Host": "kefu.example.com", **delivery.headers},
                        query=delivery.query or None,
                    )
                    counter.take()
                    result = lambda_handler(event, FakeContext())
                    calls = counter.take()
                    if result["statusCode"] >= 400:
                        calls = Counter({f"failed: HTTP {result['statusCode']} {result['body'][:100]}": 0})
                    counts.append(calls)
                results[case.label] = (counts[0], counts[1])
    finally:
        monkeypatch.undo()
    return results


def _store_inbox(repo: Any, inbox: InboxConfig) -> None:
    """Store an inbox the way the admin API does (credentials to Secrets Manager when the product does so)."""
    from kefu.services import admin

    admin.save_inbox(repo, inbox)


def measure(deliveries: int = 2000) -> list[dict[str, Any]]:
    with FakeProvider() as provider:
        case_list = cases(provider)
        rows = []
        for case in case_list:
            figures = time_case(case, deliveries)
            rows.append({"channel": case.label, **figures})
        calls = count_aws_calls(case_list)
    for row in rows:
        first, after = calls.get(row["channel"], (Counter(), Counter()))
        row["aws_first"] = sum(first.values())
        row["aws_next"] = sum(after.values())
        row["aws_detail"] = _detail(first)
    return rows


def _detail(calls: Counter[str]) -> str:
    return ", ".join(f"{name} x{n}" if n else name for name, n in sorted(calls.items()))


if __name__ == "__main__":
    for row in measure(200):
        print(row)
