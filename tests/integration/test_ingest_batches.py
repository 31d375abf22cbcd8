"""An SQS batch's messages are read ahead together (kefu.services.ingest.read_ahead): what they read costs two
BatchGetItems for the batch instead of one or two requests a message, and a message still reads anew what an
earlier message of the same batch wrote (its conversation, its ticket, a dedup marker)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from ingest.handler import lambda_handler as ingest
from kefu import aws
from kefu.store.table import Table
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import say, start_chat
from tests.support.aws_events import FakeContext, sqs_event


class DynamoRequests:
    def __init__(self) -> None:
        self.made: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.made[model.name] += 1


@pytest.fixture
def dynamodb_requests(cloud: Cloud) -> Iterator[DynamoRequests]:
    counter = DynamoRequests()
    aws.client("dynamodb").meta.events.register("before-call.*.*", counter)
    yield counter
    aws.client("dynamodb").meta.events.unregister("before-call.*.*", counter)


def _one_batch(cloud: Cloud, *, twice: int | None = None) -> dict[str, Any]:
    """Everything waiting on the inbound queue as one Lambda batch (record ``twice`` handed twice in it)."""
    messages = cloud.receive(cloud.inbound_url)
    assert 1 < len(messages) <= 10
    if twice is not None:
        messages.insert(twice + 1, {**messages[twice], "MessageId": "handed-again"})
    arn = cloud.sqs.get_queue_attributes(QueueUrl=cloud.inbound_url, AttributeNames=["QueueArn"])["Attributes"]
    result: dict[str, Any] = ingest(sqs_event(messages, arn["QueueArn"]), FakeContext())
    return result


def _thread(cloud: Cloud, ticket_id: str) -> list[str]:
    messages, _ = cloud.store.tickets.thread(ticket_id)
    return [m.body for m in messages]


def test_follow_ups_of_five_conversations_cost_one_read_for_the_batch(
    cloud: Cloud, dynamodb_requests: DynamoRequests
) -> None:
    chats = [start_chat(f"customer {n}") for n in range(5)]
    for n, chat in enumerate(chats):
        assert say(chat["session_token"], f"hello {n}", f"first-{n}")[0] == 202
        cloud.run_sqs(ingest, cloud.inbound_url)
    for n, chat in enumerate(chats):
        assert say(chat["session_token"], f"a follow-up {n}", f"second-{n}")[0] == 202
    dynamodb_requests.made.clear()
    assert _one_batch(cloud) == {"batchItemFailures": []}
    # was a BatchGetItem a message (dedup marker, conversation, hinted ticket, identities)
    assert dynamodb_requests.made == {"BatchGetItem": 1, "TransactWriteItems": 5}
    for n, chat in enumerate(chats):
        assert _thread(cloud, chat["ticket_id"]) == [f"hello {n}", f"a follow-up {n}"]


def test_a_conversations_messages_in_one_batch_land_on_one_ticket_in_order(cloud: Cloud) -> None:
    chat = start_chat()
    for n in range(4):  # the first opens the ticket: the others must read what it wrote, not the batch's read
        assert say(chat["session_token"], f"message {n}", f"m-{n}")[0] == 202
    assert _one_batch(cloud) == {"batchItemFailures": []}
    assert _thread(cloud, chat["ticket_id"]) == [f"message {n}" for n in range(4)]
    ticket = cloud.store.tickets.find(chat["ticket_id"])
    assert ticket is not None and ticket.message_count == 4


def test_a_delivery_handed_twice_in_one_batch_is_stored_once(cloud: Cloud) -> None:
    chat = start_chat()
    for n in range(2):
        assert say(chat["session_token"], f"message {n}", f"m-{n}")[0] == 202
    assert _one_batch(cloud, twice=0) == {"batchItemFailures": []}
    assert _thread(cloud, chat["ticket_id"]) == ["message 0", "message 1"]


def test_when_the_read_ahead_fails_each_message_reads_for_itself(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    chats = [start_chat(f"customer {n}") for n in range(3)]
    for n, chat in enumerate(chats):
        assert say(chat["session_token"], f"hello {n}", f"first-{n}")[0] == 202
    fetch = Table._fetch
    calls: list[int] = []

    def throttled_once(self: Table, wanted: Any) -> Any:
        calls.append(len(wanted))
        if len(calls) == 1:
            raise RuntimeError("throttled")
        return fetch(self, wanted)

    monkeypatch.setattr(Table, "_fetch", throttled_once)
    assert _one_batch(cloud) == {"batchItemFailures": []}
    assert len(calls) == 4  # the failed read ahead, then one read a message
    for n, chat in enumerate(chats):
        assert _thread(cloud, chat["ticket_id"]) == [f"hello {n}"]
