"""What each hot flow costs in AWS requests, counted on every client the functions use (botocore's
``before-call`` event, real handlers on moto in-process). Counting is exact, unlike timing: a change that adds
a round trip fails here. bench (a) prints the same figures into docs/benchmarks.md.

"Warm" is a container that served the flow's earlier requests (its inbox and chat-session caches filled);
"cold" has just started, with nothing cached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from ingest.handler import lambda_handler as ingest
from kefu import aws
from kefu.config import get_settings
from kefu.store import current
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent, say, start_chat

COUNTED = ("dynamodb", "sqs", "secretsmanager", "s3", "ses", "stepfunctions")
TICKET_REPLY_BODY = {"body": "we are on it"}


class Requests:
    def __init__(self) -> None:
        self.made: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.made[f"{model.service_model.service_name}:{model.name}"] += 1

    def take(self) -> dict[str, int]:
        taken, self.made = dict(self.made), Counter()
        return taken


@pytest.fixture
def requests(cloud: Cloud) -> Iterator[Requests]:
    counter = Requests()
    for service in COUNTED:
        aws.client(service).meta.events.register("before-call.*.*", counter)
    yield counter
    assert aws.created_services() <= set(COUNTED), "a client was made that nobody counted"


def cold_containers() -> None:
    """Every function's container starts afresh: settings parsed again, a new store with empty caches."""
    get_settings.cache_clear()
    current()


def chat_message(cloud: Cloud, token: str, text: str, client_id: str) -> None:
    status, body = say(token, text, client_id)
    assert status == 202, body
    cloud.run_sqs(ingest, cloud.inbound_url)


def test_a_web_chat_message_costs_one_send_one_batch_read_and_one_transaction(cloud: Cloud, requests: Requests) -> None:
    started = start_chat()
    token = started["session_token"]
    requests.take()

    chat_message(cloud, token, "first message of a new customer", "m-1")
    first = {"sqs:SendMessageBatch": 1, "dynamodb:BatchGetItem": 1, "dynamodb:TransactWriteItems": 1}
    assert requests.take() == first  # customer, identity, ticket, message: one transaction

    chat_message(cloud, token, "a follow-up on the same ticket", "m-2")
    assert requests.take() == first  # the session from this container's cache, the ticket from the batch

    chat_message(cloud, token, "a follow-up on the same ticket", "m-2")
    assert requests.take() == {"sqs:SendMessageBatch": 1, "dynamodb:BatchGetItem": 1}  # duplicate: no write

    cold_containers()
    chat_message(cloud, token, "after a cold start", "m-3")
    assert requests.take() == {**first, "dynamodb:GetItem": 1}  # the session, read once per container

    messages, _ = current().tickets.thread(started["ticket_id"])  # the ticket the session handed out
    assert [m.body for m in messages] == [
        "first message of a new customer",
        "a follow-up on the same ticket",
        "after a cold start",
    ]


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
def test_an_agent_reply_end_to_end_costs_five_requests_and_the_stream_s_bookkeeping(
    cloud: Cloud, requests: Requests, cold: bool
) -> None:
    started = start_chat()
    chat_message(cloud, started["session_token"], "hello?", "m-1")
    ticket_id = started["ticket_id"]
    cloud.run_stream(stream)  # the customer's message is not the reply's business
    if cold:
        cold_containers()
    requests.take()

    status, body = agent("POST", f"/api/v1/tickets/{ticket_id}/messages", TICKET_REPLY_BODY)
    assert status == 201, body
    # read the ticket (a cold container reads the SLA policies in the same batch), write
    read = "dynamodb:BatchGetItem" if cold else "dynamodb:GetItem"
    assert requests.take() == {read: 1, "dynamodb:TransactWriteItems": 1}
    cloud.run_stream(stream)
    # the outbox needs nothing but the stream record. Off the reply's path the stream also keeps the live
    # figures (the queue's length, today's first responses, tickets at SLA risk: one counter each) and ends
    # the first-response timer, which the reply has met; the counters' records-applied markers are read in one
    # batch first, so a batch handed again counts nothing twice (kefu.store.counters)
    assert requests.take() == {
        "sqs:SendMessage": 1,
        "dynamodb:BatchGetItem": 1,
        "dynamodb:UpdateItem": 3,
        "stepfunctions:StopExecution": 1,
    }
    cloud.run_sqs(outbound, cloud.outbound_url)
    # message, ticket (and the inbox, when this container has not got it) in one read; sent + pointer in one write
    assert requests.take() == {"dynamodb:BatchGetItem": 1, "dynamodb:TransactWriteItems": 1}

    messages, _ = current().tickets.thread(ticket_id)
    assert [(m.body, m.delivery_status.value) for m in messages][-1] == ("we are on it", "sent")


def test_a_whatsapp_message_is_found_through_its_conversation(cloud: Cloud, requests: Requests) -> None:
    """Without a ticket hint the conversation item names the ticket, so a follow-up reads it once more."""
    from kefu.services.ingest import ingest_message
    from tests.integration.test_customers import whatsapp_message

    store = current()
    first = ingest_message(store, whatsapp_message("8613812345678", "where is my parcel", "wamid.1"))
    assert first.outcome == "stored"
    # customer with its WhatsApp and phone identities, ticket and message in one transaction; the phone then
    # meets the contact index (customers who typed that number), which a batch read cannot ask
    assert requests.take() == {"dynamodb:BatchGetItem": 1, "dynamodb:TransactWriteItems": 1, "dynamodb:Query": 1}

    again = ingest_message(store, whatsapp_message("8613812345678", "any news?", "wamid.2"))
    assert (again.outcome, again.ticket_id) == ("stored", first.ticket_id)
    assert requests.take() == {"dynamodb:BatchGetItem": 1, "dynamodb:GetItem": 1, "dynamodb:TransactWriteItems": 1}

    assert ingest_message(store, whatsapp_message("8613812345678", "any news?", "wamid.2")).outcome == "duplicate"
    assert requests.take() == {"dynamodb:BatchGetItem": 1}


def test_a_warm_agent_api_container_builds_no_clients(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients are made once per container (kefu.aws), never per request (a boto3 client costs milliseconds)."""
    import boto3

    built: list[str] = []
    real_client = boto3.session.Session.client

    def counting_client(self: Any, service: str, **kwargs: Any) -> Any:
        built.append(service)
        return real_client(self, service, **kwargs)  # type: ignore[call-overload]

    started = start_chat()
    chat_message(cloud, started["session_token"], "hello?", "m-1")
    chat_message(cloud, start_chat()["session_token"], "and me", "m-1")  # two tickets: the list has a next page
    requests = [
        ("/api/v1/me", None),
        ("/api/v1/tickets", {"limit": "1"}),  # signs a cursor (its key from Secrets Manager)
        (f"/api/v1/tickets/{started['ticket_id']}", None),
    ]
    for path, query in requests:  # the container's first requests make its clients
        assert agent("GET", path, query=query)[0] == 200, path
    monkeypatch.setattr(boto3.session.Session, "client", counting_client)
    for path, query in requests:
        assert agent("GET", path, query=query)[0] == 200, path
    assert built == []
