"""WhatsApp delivery reports move our outbound message forward (sent -> delivered -> read), never back, and a
report about a message we never sent changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ingest.handler import lambda_handler as ingest
from kefu.auth import Caller
from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.services import tickets
from kefu.services.admin import save_inbox
from kefu.services.ingest import ingest_message
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.support.aws_events import api_event
from webhooks.handler import lambda_handler as webhooks

SECRET = "report-app-secret"
AGENT = Caller(id="agent-1", roles=["agent"])


@pytest.fixture
def graph() -> Iterator[str]:
    class Graph(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT1"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Graph)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def report(status: str, wamid: str, timestamp: int) -> int:
    payload = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "1"},
                                "statuses": [
                                    {
                                        "id": wamid,
                                        "status": status,
                                        "timestamp": str(timestamp),
                                        "recipient_id": "8613800000002",
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    )
    signature = "sha256=" + hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    event = api_event(
        "POST",
        "/webhooks/whatsapp/wa",
        resource="/webhooks/{channel}/{inbox}",
        body=payload,
        headers={"X-Hub-Signature-256": signature},
    )
    return call(webhooks, event)[0]


def test_reports_move_the_message_forward_only(cloud: Cloud, graph: str) -> None:
    save_inbox(
        cloud.store,
        InboxConfig(
            id="wa",
            channel="whatsapp",
            api_base=graph,
            credentials={"verify_token": "v", "app_secret": SECRET, "access_token": "t", "phone_number_id": "1"},
        ),
    )
    result = ingest_message(
        cloud.store,
        InboundMessage(
            channel="whatsapp",
            inbox="wa",
            provider_message_id="wamid.IN1",
            conversation_key="whatsapp:wa:+8613800000002",
            sender=Sender(channel="whatsapp", external_id="8613800000002"),
            text="hi",
            received_at=now_iso(),
        ),
    )
    assert result.ticket_id
    reply = tickets.reply(cloud.store, AGENT, result.ticket_id, "hello", internal=False)
    cloud.run_stream(stream)
    cloud.run_sqs(outbound, cloud.outbound_url)

    def state() -> str:
        messages, _ = cloud.store.tickets.thread(result.ticket_id or "")
        return next(m.delivery_status.value for m in messages if m.id == reply.id)

    assert state() == "sent"
    for status, expected, at in (
        ("delivered", "delivered", 1),
        ("read", "read", 2),
        ("sent", "read", 3),
        ("delivered", "read", 4),
    ):
        assert report(status, "wamid.OUT1", 1_750_000_000 + at) == 200
        cloud.run_sqs(ingest, cloud.inbound_url)
        assert state() == expected, status
    assert report("read", "wamid.NEVER-SENT", 1_750_000_010) == 200
    assert cloud.run_sqs(ingest, cloud.inbound_url) == {"batchItemFailures": []}
