"""The stream's two jobs do not share a batch or a timeout: a customer's file that a provider is slow to serve
never holds up an agent's reply written at the same time.

The provider here holds its answer to the download until the test lets it go, so "slow" is as slow as it needs
to be without the test timing anything: while the media function is still waiting on the provider, the reply
has already been delivered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent_api.handler import lambda_handler as agent_api
from ingest.handler import lambda_handler as ingest
from kefu.config import MAX_RECEIVE_COUNT
from media.handler import lambda_handler as media
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent, call, say, start_chat
from tests.support.aws_events import agent_claims, api_event
from tests.support.graph_media import graph_media
from tests.support.whatsapp_media import ingest_photo, whatsapp_media_inbox

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOLD_LIMIT_SECONDS = 30  # a safety net only: the test releases the download as soon as the reply is out


@dataclass
class SlowProvider:
    url: str
    download_started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def slow_graph() -> Iterator[SlowProvider]:
    """WhatsApp's Graph API: the media lookup answers at once, the file itself only when released."""
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(HOLD_LIMIT_SECONDS)

    with graph_media("slow-photo", PNG, before_file=hold) as server:
        provider = SlowProvider(url=server.url, download_started=started, release=release)
        yield provider
        provider.release.set()


def ticket_view(ticket_id: str) -> dict[str, Any]:
    status, ticket = call(
        agent_api,
        api_event("GET", f"/api/v1/tickets/{ticket_id}", resource="/api/v1/{proxy+}", claims=agent_claims()),
    )
    assert status == 200, ticket
    return dict(ticket)


def test_a_slow_download_never_delays_a_reply_written_at_the_same_time(
    cloud: Cloud, slow_graph: SlowProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    whatsapp_media_inbox(cloud.store, monkeypatch, slow_graph.url, access_token="wa-token")
    # a web-chat customer waiting for an answer
    session = start_chat()
    assert say(session["session_token"], "where is my order?")[0] == 202
    assert cloud.run_sqs(ingest, cloud.inbound_url) == {"batchItemFailures": []}
    chat_ticket = session["ticket_id"]

    # at the same moment: a WhatsApp customer sends a photo, and the agent answers the web-chat customer
    photo = ingest_photo(
        cloud.store, provider_message_id="wamid.slow-photo", wa_id="8613800000009", media_id="slow-photo"
    )
    assert photo.outcome == "stored" and photo.ticket_id
    status, reply = agent("POST", f"/api/v1/tickets/{chat_ticket}/messages", {"body": "It ships today"})
    assert status == 201, reply

    # one stream batch holds both records; it only queues work and never calls the provider
    assert cloud.run_stream(stream) == {"batchItemFailures": []}
    assert not slow_graph.download_started.is_set()

    # the media function starts the download and waits on the provider ...
    media_result: dict[str, Any] = {}
    downloading = threading.Thread(target=lambda: media_result.update(cloud.run_sqs(media, cloud.media_url)))
    downloading.start()
    try:
        assert slow_graph.download_started.wait(HOLD_LIMIT_SECONDS), "the media function never asked for the file"

        # ... while the reply goes out: delivered, the download still unanswered
        assert cloud.run_sqs(outbound, cloud.outbound_url) == {"batchItemFailures": []}
        delivered = next(m for m in ticket_view(chat_ticket)["messages"] if m["id"] == reply["id"])
        assert delivered["delivery_status"] == "sent"
        assert downloading.is_alive() and not slow_graph.release.is_set()
    finally:
        slow_graph.release.set()
        downloading.join(HOLD_LIMIT_SECONDS)

    # and the file, once the provider answered, is stored as before
    assert media_result == {"batchItemFailures": []}
    [attachment] = ticket_view(photo.ticket_id)["messages"][0]["attachments"]
    assert attachment["size"] == len(PNG) and attachment["url"]


def test_a_provider_that_stays_down_is_retried_then_the_ticket_says_the_file_will_not_come(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        whatsapp_media_inbox(cloud.store, monkeypatch, f"http://127.0.0.1:{server.server_port}", access_token="t")
        photo = ingest_photo(
            cloud.store, provider_message_id="wamid.down", wa_id="8613800000010", media_id="down-photo"
        )
        assert photo.ticket_id
        assert cloud.run_stream(stream) == {"batchItemFailures": []}
        # every receive but the last hands the job back for a later try; the ticket says nothing yet
        for _ in range(MAX_RECEIVE_COUNT - 1):
            assert cloud.run_sqs(media, cloud.media_url)["batchItemFailures"]
            assert "media_failed" not in [e["type"] for e in ticket_view(photo.ticket_id)["events"]]
        # the last one records why on the ticket, and still fails so the DLQ keeps the job
        assert cloud.run_sqs(media, cloud.media_url)["batchItemFailures"]
        [failed] = [e for e in ticket_view(photo.ticket_id)["events"] if e["type"] == "media_failed"]
        assert "gave up after repeated failures" in failed["data"]["reasons"][0]
        assert "503" in failed["data"]["reasons"][0]
    finally:
        server.shutdown()
        server.server_close()
