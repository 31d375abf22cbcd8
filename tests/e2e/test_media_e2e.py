"""A customer's photo on the local cloud, as deployed: a signed WhatsApp delivery, the stream queues the
download, the media function (its own role: the media prefix, the inbox secret, the table) fetches it from
the provider into the bucket, and the agent gets a working link. The trace of the delivery reaches the media
function's log."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.graph_media import graph_media
from tests.support.providers import sample
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

PASSWORD = "Kefu-demo-1"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def graph() -> Iterator[str]:
    """WhatsApp's Graph API for one media id: the lookup, then the file (both need the inbox's token)."""
    with graph_media("e2e-photo", PNG, token="e2e-wa-token") as server:
        yield server.url


def test_a_photo_is_fetched_by_the_media_function_and_linked_for_the_agent(local_cloud: Any, graph: str) -> None:
    run = uuid.uuid4().hex[:8]
    inbox, secret = f"wa-media-{run}", f"app-secret-{run}"
    admin = {"Authorization": f"Bearer {local_cloud.login('admin@example.com', PASSWORD)}"}
    agent = {"Authorization": f"Bearer {local_cloud.login('agent1@example.com', PASSWORD)}"}
    with httpx.Client(base_url=local_cloud.url, timeout=20.0) as http:
        created = http.post(
            "/api/v1/admin/inboxes",
            headers=admin,
            json={
                "id": inbox,
                "channel": "whatsapp",
                "name": "WhatsApp (media)",
                "api_base": graph,
                "credentials": {
                    "verify_token": "v",
                    "app_secret": secret,
                    "access_token": "e2e-wa-token",
                    "phone_number_id": "106540352242922",
                },
            },
        )
        assert created.status_code == 201, created.text

        payload = json.loads(sample("whatsapp/image_message.json"))
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        caption = f"the damaged item {run}"
        message.update(id=f"wamid.e2e-{run}", timestamp=str(int(time.time())))
        message["image"].update(id="e2e-photo", caption=caption, mime_type="image/png")
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        trace = f"e2e-media-{run}"
        delivered = http.post(
            f"/webhooks/whatsapp/{inbox}",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature, "X-Correlation-Id": trace},
        )
        assert delivered.status_code == 200, delivered.text

        def stored_attachment() -> tuple[str, dict[str, Any]] | None:
            page = http.get("/api/v1/tickets", headers=agent, params={"q": run})
            items = page.json()["items"] if page.status_code == 200 else []
            if not items:
                return None
            ticket = http.get(f"/api/v1/tickets/{items[0]['id']}", headers=agent).json()
            attachments = [a for m in ticket["messages"] for a in m["attachments"]]
            return (ticket["id"], attachments[0]) if attachments and attachments[0].get("url") else None

        ticket_id, attachment = eventually(stored_attachment, "the photo stored and linked")
        assert attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)
        assert "X-Amz-Signature" in attachment["url"]
        # the link is signed with the agent API role's credentials, and that role may read media/
        download = httpx.get(attachment["url"], timeout=20.0)
        assert download.status_code == 200, download.text[:300]
        assert download.content == PNG

    # the bytes in the bucket are the provider's (read as the emulator's root)
    s3 = local_cloud.client("s3")
    stored = [
        (bucket["Name"], item["Key"])
        for bucket in s3.list_buckets()["Buckets"]
        for item in s3.list_objects_v2(Bucket=bucket["Name"], Prefix=f"media/{ticket_id}/").get("Contents", [])
    ]
    assert len(stored) == 1, stored
    assert s3.get_object(Bucket=stored[0][0], Key=stored[0][1])["Body"].read() == PNG

    media_log = Path(local_cloud.state_dir) / "logs"

    def decisions() -> list[Any] | None:
        # the function's output reaches its log a moment after its work is visible (as CloudWatch Logs does)
        lines = [json.loads(line) for f in media_log.glob("*MediaFunction*.log") for line in f.read_text().splitlines()]
        found = [r for r in lines if r.get("use_case") == "media" and r.get("correlation_id") == trace]
        return found or None

    assert [r["outcome"] for r in eventually(decisions, "the media function's decision line")] == ["stored"]
