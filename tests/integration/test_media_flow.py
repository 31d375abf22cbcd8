"""A customer's photo: the message is stored first, the stream fetches the file from the provider into the
media bucket, and the agent gets a short-lived link to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests

from agent_api.handler import lambda_handler as agent_api
from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.config import Env, get_settings
from kefu.inbound import InboundMessage, Sender
from kefu.models import Attachment
from kefu.services.admin import save_inbox
from kefu.services.ingest import ingest_message
from media.handler import lambda_handler as media
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.support.aws_events import agent_claims, api_event

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def graph_api() -> Iterator[str]:
    class Graph(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"  # type: ignore[index]
            if self.path == "/files/media-123" and self.headers.get("Authorization") == "Bearer wa-token":
                body, kind = PNG, "png"
            elif self.path.endswith("/media-123"):
                body, kind = json.dumps({"url": f"{base}/files/media-123", "mime_type": "image/png"}).encode(), "json"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json" if kind == "json" else "image/png")
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


def test_a_photo_is_fetched_into_the_bucket_and_shown_to_the_agent(
    cloud: Cloud, graph_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="kefu-media")
    monkeypatch.setenv(Env.MEDIA_BUCKET, "kefu-media")
    get_settings.cache_clear()
    save_inbox(
        cloud.store,
        InboxConfig(
            id="wa",
            channel="whatsapp",
            api_base=graph_api,
            credentials={"verify_token": "v", "app_secret": "s", "access_token": "wa-token", "phone_number_id": "1"},
        ),
    )
    result = ingest_message(
        cloud.store,
        InboundMessage(
            channel="whatsapp",
            inbox="wa",
            provider_message_id="wamid.photo",
            conversation_key="whatsapp:wa:+8613800000001",
            sender=Sender(channel="whatsapp", external_id="8613800000001"),
            kind="image",
            attachments=[Attachment(media_id="media-123", content_type="image/png")],
            received_at=now_iso(),
        ),
    )
    assert result.outcome == "stored" and result.ticket_id

    assert cloud.run_stream(stream) == {"batchItemFailures": []}  # queues the download
    assert cloud.run_sqs(media, cloud.media_url) == {"batchItemFailures": []}

    status, ticket = call(
        agent_api,
        api_event("GET", f"/api/v1/tickets/{result.ticket_id}", resource="/api/v1/{proxy+}", claims=agent_claims()),
    )
    assert status == 200
    [attachment] = ticket["messages"][0]["attachments"]
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)
    assert attachment["url"] and "X-Amz-Signature" in attachment["url"]
    stored = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="kefu-media")["Contents"]
    assert [o["Key"].split("/")[0] for o in stored] == ["media"]
    download = requests.get(attachment["url"], timeout=10)  # moto answers for S3 in-process
    assert download.status_code == 200 and download.content == PNG
