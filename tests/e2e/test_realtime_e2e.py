"""Real time on the local cloud: the agent app's WebSocket from the template, pushes from the stream.

An agent connects to config.json's realtimeUrl with its Cognito ID token (the subprotocols kefu.v1 and the token,
as the SPA does); a customer writes in the web chat and the push arrives within seconds. A bad token is refused
at the handshake; the Management API refuses callers that are not a role allowed execute-api:ManageConnections.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.e2e.conftest import LocalCloudProcess

pytestmark = pytest.mark.e2e

PUSH_WITHIN_S = 5.0


def _realtime_url(cloud: LocalCloudProcess) -> str:
    config = httpx.get(f"{cloud.url}/config.json", timeout=10).json()
    url = str(config["realtimeUrl"])
    assert url.startswith("ws://") and url.endswith("/prod")
    return url


def _events_until(ws: ClientConnection, wanted: Any, within: float) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            seen.append(json.loads(ws.recv(timeout=max(0.05, deadline - time.monotonic()))))
        except TimeoutError:
            break
        if wanted(seen[-1]):
            return seen
    raise AssertionError(f"no wanted push within {within} s; got {seen}")


def test_an_agents_socket_gets_a_push_within_seconds_when_a_customer_writes(local_cloud: LocalCloudProcess) -> None:
    url = _realtime_url(local_cloud)
    token = local_cloud.login("agent1@example.com", "Kefu-demo-1")
    with connect(url, subprotocols=["kefu.v1", token], open_timeout=10) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "kefu.v1"
        http = httpx.Client(base_url=local_cloud.url, timeout=15)
        sent_at = time.monotonic()
        started = http.post("/chat/web/sessions", json={"name": "实时 客户"})
        assert started.status_code == 201, started.text
        ticket_id = started.json()["ticket_id"]
        reply = http.post(
            "/chat/web/messages",
            json={"text": f"在吗？{uuid.uuid4().hex[:6]}"},
            headers={"Authorization": f"Bearer {started.json()['session_token']}"},
        )
        assert reply.status_code in (200, 201, 202), reply.text
        # the message's own push: the push function looks up who holds its ticket, with its own role's grants
        events = _events_until(
            ws, lambda e: e.get("ticket_id") == ticket_id and e.get("type") == "message.created", PUSH_WITHIN_S
        )
        elapsed = time.monotonic() - sent_at
        assert elapsed < PUSH_WITHIN_S
        pushed = [e for e in events if e.get("ticket_id") == ticket_id]
        assert {e["type"] for e in pushed} <= {"ticket.created", "ticket.updated", "ticket.assigned", "message.created"}
        # small events: what changed, never the record (no names, no text)
        assert all(set(e) <= {"type", "ticket_id", "message_id", "agent_id", "presence"} for e in events)
        ws.send(json.dumps({"action": "ping"}))  # the keep-alive reaches $default and keeps the socket open
        assert ws.protocol.state.name == "OPEN"


@pytest.mark.parametrize("offered", [["kefu.v1", "not-a-token"], ["kefu.v1"], None])
def test_a_bad_or_missing_token_is_refused_at_the_handshake(
    local_cloud: LocalCloudProcess, offered: list[str] | None
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(_realtime_url(local_cloud), subprotocols=offered, open_timeout=10)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 401


def test_the_management_api_refuses_callers_without_manage_connections(local_cloud: LocalCloudProcess) -> None:
    url = _realtime_url(local_cloud)
    token = local_cloud.login("agent2@example.com", "Kefu-demo-1")
    endpoint = url.replace("ws://", "http://")
    unsigned = httpx.post(f"{endpoint}/@connections/anything", content=b"{}", timeout=10)
    assert unsigned.status_code == 403
    with connect(url, subprotocols=["kefu.v1", token], open_timeout=10):  # type: ignore[list-item]
        # signed, but with keys that belong to no function's role (the emulator's test account)
        stranger = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            region_name=local_cloud.region,
            aws_access_key_id="AKIAEXAMPLESTRANGER1",
            aws_secret_access_key="stranger-secret",
        )
        with pytest.raises(stranger.exceptions.ForbiddenException):
            stranger.get_connection(ConnectionId="anything")
