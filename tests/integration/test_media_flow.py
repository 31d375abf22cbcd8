"""A customer's photo: the message is stored first, the stream fetches the file from the provider into the
media bucket, and the agent gets a short-lived link to it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from agent_api.handler import lambda_handler as agent_api
from media.handler import lambda_handler as media
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.support.aws_events import agent_claims, api_event
from tests.support.graph_media import graph_media
from tests.support.whatsapp_media import ingest_photo, whatsapp_media_inbox

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def graph_api() -> Iterator[str]:
    with graph_media("media-123", PNG, token="wa-token") as server:
        yield server.url


def test_a_photo_is_fetched_into_the_bucket_and_shown_to_the_agent(
    cloud: Cloud, graph_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whatsapp_media_inbox(cloud.store, monkeypatch, graph_api, access_token="wa-token")
    result = ingest_photo(cloud.store, provider_message_id="wamid.photo", wa_id="8613800000001", media_id="media-123")
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
