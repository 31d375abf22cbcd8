"""(a) AWS requests per inbound chat message (HTTP to stored ticket) and per agent reply (HTTP to delivered).

Counted with a botocore ``before-call`` hook on every client the functions use, with the real handlers
running against moto in-process, so the count is exact and independent of the machine's speed.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any


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

    import tests.conftest  # noqa: F401  (placeholders for the settings handlers require at import, as under pytest)
    from kefu import aws
    from kefu.config import get_settings
    from tests.integration import conftest
    from tests.integration.test_chat_flow import agent, say, start_chat

    results: dict[str, Counter[str]] = {}
    monkeypatch = pytest.MonkeyPatch()
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    with conftest.moto_cloud(monkeypatch) as cloud:
        counter = CallCounter()
        for service in ("dynamodb", "sqs", "secretsmanager", "s3", "ses"):
            aws.client(service).meta.events.register("before-call.*", counter)

        from agent_api.handler import lambda_handler as agent_api_handler  # noqa: F401  (warm imports)
        from ingest.handler import lambda_handler as ingest
        from outbound.handler import lambda_handler as outbound
        from stream.handler import lambda_handler as stream

        started = start_chat()
        token = started["session_token"]
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

        get_settings.cache_clear()  # every container starts afresh: nothing cached
        say(token, "a follow-up after a cold start", "m-3")
        cloud.run_sqs(ingest, cloud.inbound_url)
        results["follow-up message, cold containers"] = counter.take()

        ticket_id = started["ticket_id"]
        cloud.run_stream(stream)  # the stream's earlier records (the customer's messages) are not the reply's
        counter.take()
        agent("POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "we are on it"})
        cloud.run_stream(stream)
        cloud.run_sqs(outbound, cloud.outbound_url)
        results["agent reply (API -> stream outbox -> outbound -> sent)"] = counter.take()

        get_settings.cache_clear()
        agent("POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "and now it has shipped"})
        cloud.run_stream(stream)
        cloud.run_sqs(outbound, cloud.outbound_url)
        results["agent reply, cold containers"] = counter.take()
    monkeypatch.undo()
    return results
