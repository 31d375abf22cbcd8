"""(a) AWS requests per inbound chat message (HTTP to stored ticket) and per agent reply (HTTP to delivered).

Counted with a botocore ``before-call`` hook on every client the functions use, with the real handlers
running against moto in-process, so the count is exact and independent of the machine's speed.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from tests.integration.conftest import Cloud


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def take(self) -> Counter[str]:
        taken, self.calls = self.calls, Counter()
        return taken


def measure() -> dict[str, Counter[str]]:
    import pytest

    from kefu import aws
    from tests.integration import conftest
    from tests.integration.test_chat_flow import agent, say, start_chat

    results: dict[str, Counter[str]] = {}
    monkeypatch = pytest.MonkeyPatch()
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    with conftest.moto_cloud(monkeypatch) as cloud:
        counter = CallCounter()
        for service in ("dynamodb", "sqs"):
            aws.client(service).meta.events.register("before-call.*", counter)

        from agent_api.handler import lambda_handler as agent_api_handler  # noqa: F401  (warm imports)
        from ingest.handler import lambda_handler as ingest
        from outbound.handler import lambda_handler as outbound
        from stream.handler import lambda_handler as stream

        token = start_chat()["session_token"]
        counter.take()
        say(token, "first message of a new customer", "m-1")
        cloud.run_sqs(ingest, cloud.inbound_url)
        results["first message (new customer, new ticket)"] = counter.take()

        say(token, "a follow-up on the same ticket", "m-2")
        cloud.run_sqs(ingest, cloud.inbound_url)
        results["follow-up message (existing ticket)"] = counter.take()

        say(token, "a follow-up on the same ticket", "m-2")
        cloud.run_sqs(ingest, cloud.inbound_url)
        results["duplicate delivery"] = counter.take()

        ticket_id = cloud.store.tickets.current_ticket_id("web:web:" + _visitor(cloud))
        cloud.run_stream(stream)  # the stream's earlier records (the customer's messages) are not the reply's
        counter.take()
        agent("POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "we are on it"})
        cloud.run_stream(stream)
        cloud.run_sqs(outbound, cloud.outbound_url)
        results["agent reply (API -> stream outbox -> outbound -> sent)"] = counter.take()
    monkeypatch.undo()
    return results


def _visitor(cloud: Cloud) -> str:
    resp = cloud.ddb.scan(
        TableName="kefu-test", FilterExpression="entity = :e", ExpressionAttributeValues={":e": {"S": "chat_session"}}
    )
    return str(resp["Items"][0]["visitor_id"]["S"])
