"""One correlation id from the request that started the work to the last function that did it, in process:
a signed WhatsApp delivery (webhooks -> inbound queue -> ingest -> stream) and an agent's reply
(agent API -> table -> stream -> outbound queue -> outbound -> provider). No line shows the customer's phone
number or email, though both pass through every function."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from agent_api.handler import lambda_handler as agent_api
from ingest.handler import lambda_handler as ingest
from kefu.channels.base import InboxConfig
from kefu.observability import logger
from kefu.services.admin import save_inbox
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.support.aws_events import FakeContext, agent_claims, api_event
from tests.support.providers import FakeProvider, MetaSigner
from webhooks.handler import lambda_handler as webhooks

SECRET = "trace-app-secret"
PHONE = "8613812345678"  # the customer's WhatsApp id is their phone number
EMAIL = "li.lei@example.com"


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Every line the functions write: Kefu's log records (through its formatter) and the printed metrics."""
    stream_ = io.StringIO()
    handler = logging.StreamHandler(stream_)
    handler.setFormatter(logger.registered_formatter)
    underlying = logging.getLogger(logger.name)  # the stdlib logger Powertools writes through
    underlying.addHandler(handler)

    def read(peek: bool = False) -> list[str]:
        return stream_.getvalue().splitlines() + ([] if peek else capsys.readouterr().out.splitlines())

    yield read
    underlying.removeHandler(handler)


def test_one_id_per_request_through_every_function_and_no_phone_or_email_in_any_line(cloud: Cloud, output: Any) -> None:
    with FakeProvider() as provider:
        save_inbox(
            cloud.store,
            InboxConfig(
                id="wa",
                channel="whatsapp",
                api_base=provider.url,
                credentials={"verify_token": "v", "app_secret": SECRET, "access_token": "t", "phone_number_id": "1"},
            ),
        )
        delivery = MetaSigner("whatsapp", "wa", SECRET, "v").whatsapp_text("1", PHONE, f"hi, I am {EMAIL}")
        answer = webhooks(
            api_event(
                "POST",
                "/webhooks/whatsapp/wa",
                resource="/webhooks/{channel}/{inbox}",
                body=delivery.body.decode(),
                headers={**delivery.headers, "X-Correlation-Id": "trace-delivery-0001"},
            ),
            FakeContext(),
        )
        assert answer["statusCode"] == 200
        assert answer["multiValueHeaders"]["X-Correlation-Id"] == ["trace-delivery-0001"]  # the caller can quote it
        assert cloud.run_sqs(ingest, cloud.inbound_url) == {"batchItemFailures": []}
        assert cloud.run_stream(stream) == {"batchItemFailures": []}
        ticket_id = next(json.loads(line)["ticket_id"] for line in output(peek=True) if '"use_case":"ingest"' in line)

        # no caller id on the reply: API Gateway's request id is the trace
        reply_event = api_event(
            "POST",
            f"/api/v1/tickets/{ticket_id}/messages",
            resource="/api/v1/{proxy+}",
            body={"body": "Hello, we are looking into it"},
            claims=agent_claims(),
            path_params={"proxy": f"tickets/{ticket_id}/messages"},
        )
        reply_id = reply_event["requestContext"]["requestId"]
        replied = agent_api(reply_event, FakeContext())
        assert replied["statusCode"] == 201
        assert replied["multiValueHeaders"]["X-Correlation-Id"] == [reply_id]
        assert cloud.run_stream(stream) == {"batchItemFailures": []}
        assert cloud.run_sqs(outbound, cloud.outbound_url) == {"batchItemFailures": []}
        assert len(provider.received(r"/1/messages$")) == 1

        # a supervisor's change is one decision line under the id the caller sent
        patched = call(
            agent_api,
            api_event(
                "PATCH",
                f"/api/v1/tickets/{ticket_id}",
                resource="/api/v1/{proxy+}",
                body={"priority": "high"},
                claims=agent_claims(),
                headers={"X-Correlation-Id": "trace-change-0003"},
                path_params={"proxy": f"tickets/{ticket_id}"},
            ),
        )
        assert patched[0] == 200, patched

    lines = output()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    logs = [r for r in records if "level" in r]
    metrics = [r for r in records if "_aws" in r]

    def decisions(correlation_id: str) -> list[tuple[str, str]]:
        return [(r["use_case"], r["outcome"]) for r in logs if r.get("correlation_id") == correlation_id]

    assert decisions("trace-delivery-0001") == [
        ("webhook", "queued"),
        ("ingest", "stored"),
        ("stream", "no_media"),
    ]
    assert decisions(reply_id) == [("reply", "reply_queued"), ("stream", "outbound_queued"), ("outbound", "sent")]
    assert decisions("trace-change-0003") == [("ticket_update", "changed")]
    assert all(r.get("correlation_id") for r in logs), "every log line carries its trace"
    # the ingest line names the sender, masked
    [ingested] = [r for r in logs if r.get("use_case") == "ingest"]
    assert ingested["sender"] == "+86138****5678"
    # metrics carry the channel, and the trace as metadata
    stored = next(m for m in metrics if "MessageStored" in m)
    assert (stored["channel"], stored["correlation_id"]) == ("whatsapp", "trace-delivery-0001")
    assert ["service", "channel"] in stored["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    sent = next(m for m in metrics if "OutboundSent" in m)
    assert (sent["channel"], sent["correlation_id"]) == ("whatsapp", reply_id)
    # nothing personal, in any line
    for line in lines:
        assert PHONE not in line and EMAIL not in line, line
