"""Outbound delivery: a provider that is down is retried with backoff, then the job goes to the DLQ and the
message shows `failed`; a provider's refusal (4xx) is not retried and its reason is shown."""

from __future__ import annotations

import json
import socket
from typing import Any

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from kefu.auth import Caller
from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.queues import retry_delay
from kefu.services import tickets
from kefu.services.admin import save_inbox
from kefu.services.ingest import ingest_message
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.support.aws_events import FakeContext, sqs_event

AGENT = Caller(id="agent-1", roles=["agent"])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket is closed


def queued_reply(cloud: Cloud) -> str:
    save_inbox(
        cloud.store,
        InboxConfig(
            id="wa",
            channel="whatsapp",
            api_base=f"http://127.0.0.1:{closed_port()}",
            credentials={"verify_token": "v", "app_secret": "s", "access_token": "t", "phone_number_id": "1"},
        ),
    )
    result = ingest_message(
        cloud.store,
        InboundMessage(
            channel="whatsapp",
            inbox="wa",
            provider_message_id="wamid.1",
            conversation_key="whatsapp:wa:+8613800000000",
            sender=Sender(channel="whatsapp", external_id="8613800000000", phone="+8613800000000"),
            text="hi",
            received_at=now_iso(),
        ),
    )
    assert result.ticket_id
    tickets.reply(cloud.store, AGENT, result.ticket_id, "hello from support", internal=False)
    cloud.run_stream(stream)
    return result.ticket_id


def deliver_once(cloud: Cloud, receive_count: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    messages = cloud.receive(cloud.outbound_url)
    arn = cloud.sqs.get_queue_attributes(QueueUrl=cloud.outbound_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    event = sqs_event(messages, arn)
    if receive_count:
        for record in event["Records"]:
            record["attributes"]["ApproximateReceiveCount"] = receive_count
    try:
        return outbound(event, FakeContext()), messages
    except BatchProcessingError:  # Powertools fails the whole invocation when every record failed
        return {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}, messages


def reply_state(cloud: Cloud, ticket_id: str) -> tuple[str, str | None]:
    messages, _ = cloud.store.tickets.thread(ticket_id)
    reply = next(m for m in messages if m.direction == "outbound")
    return reply.delivery_status.value, reply.delivery_error


def test_a_provider_that_is_down_is_retried_later_not_at_once(cloud: Cloud) -> None:
    ticket_id = queued_reply(cloud)
    result, messages = deliver_once(cloud)
    assert len(messages) == 1
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [messages[0]["MessageId"]]
    assert reply_state(cloud, ticket_id) == ("queued", None)
    # backed off: not visible again straight away (the queue's own timeout would be minutes, ours 10 s)
    assert cloud.receive(cloud.outbound_url) == []
    assert [retry_delay(n) for n in range(1, 6)] == [10, 20, 40, 80, 160]
    assert retry_delay(20) == 900


def test_on_the_last_attempt_the_message_is_marked_failed_and_the_job_still_fails_into_the_dlq(
    cloud: Cloud,
) -> None:
    ticket_id = queued_reply(cloud)
    result, _ = deliver_once(cloud, receive_count="5")
    assert len(result["batchItemFailures"]) == 1
    status, error = reply_state(cloud, ticket_id)
    assert status == "failed" and error and "gave up" in error and "could not reach" in error
    events = [e.type for e in cloud.store.tickets.thread(ticket_id)[1]]
    assert "delivery_failed" in events


def test_a_refusal_is_not_retried_and_its_reason_is_shown(cloud: Cloud) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Refuse(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"error": {"message": "Recipient phone number not in allowed list", "code": 131030}})
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ticket_id = queued_reply(cloud)
        record = cloud.store.inboxes.get("wa")
        cloud.store.inboxes.put(record.model_copy(update={"api_base": f"http://127.0.0.1:{server.server_port}"}))
        from kefu.services.inboxes import credentials

        credentials._cache.clear()
        result, _ = deliver_once(cloud)
        assert result["batchItemFailures"] == []
        status, error = reply_state(cloud, ticket_id)
        assert status == "failed" and error and "allowed list" in error
    finally:
        server.shutdown()
