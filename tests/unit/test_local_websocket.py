"""The local gateway's WebSocket APIs (local/websocket.py): API Gateway's event shape for the routes, the
handshake refused as $connect answers, and the Management API signed and authorized as the caller's role."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto import mock_aws
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from local.websocket import RolePolicies, Signer, WebSocketApiSpec, WebSocketGateway

ALLOWED = Signer("arn:aws:iam::123456789012:role/pusher", "pusher-secret", None)
REFUSED = Signer("arn:aws:iam::123456789012:role/other", "other-secret", None)
KEYS = {"AKIAPUSHER": ALLOWED, "AKIAOTHER": REFUSED}


class Function:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        route = event["requestContext"]["routeKey"]
        if route == "$connect":
            if event["headers"].get("Sec-Websocket-Protocol", "") != "kefu.v1, good":
                return {"statusCode": 401}
            return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "kefu.v1"}}
        return {"statusCode": 200, "body": "pong"}


@pytest.fixture
def gateway() -> Iterator[tuple[WebSocketGateway, Function, TestClient]]:
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        for role, action in (("pusher", "execute-api:ManageConnections"), ("other", "execute-api:Invoke")):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": action,
                        "Resource": "arn:aws:execute-api:us-east-1:123456789012:api1/prod/*/@connections/*",
                    }
                ],
            }
            iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(policy))
        function = Function()
        spec = WebSocketApiSpec("Api", "api1", "prod", {"$connect": "F", "$disconnect": "F", "$default": "F"})
        ws = WebSocketGateway(
            [spec],
            {"F": function},  # type: ignore[dict-item]  # anything with invoke(event)
            region="us-east-1",
            signers=KEYS.get,
            policies=RolePolicies(iam),
        )
        yield ws, function, TestClient(Starlette(routes=ws.routes()))


def signed(method: str, path: str, access_key: str, body: bytes = b"") -> dict[str, str]:
    request = AWSRequest(method=method, url=f"http://testserver{path}", data=body)
    SigV4Auth(Credentials(access_key, KEYS[access_key].secret_key), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_connect_gets_api_gateways_event_and_a_refusal_closes_the_handshake(
    gateway: tuple[WebSocketGateway, Function, TestClient],
) -> None:
    ws, function, client = gateway
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/api1/prod", subprotocols=["kefu.v1", "bad"]):
        pass
    assert ws.connections == {}
    with client.websocket_connect("/ws/api1/prod", subprotocols=["kefu.v1", "good"]) as socket:
        assert socket.accepted_subprotocol == "kefu.v1"
        context = function.events[-1]["requestContext"]
        assert context["routeKey"] == "$connect" and context["eventType"] == "CONNECT"
        assert context["stage"] == "prod" and context["domainName"] == "testserver"
        (connection_id,) = ws.connections
        assert context["connectionId"] == connection_id
        socket.send_text('{"action":"ping"}')
        socket.send_text("{}")
        # Starlette's test client cancels the app as the block ends, so a message still being read then would be
        # dropped by the harness, not by the gateway: wait until both have reached the function.
        deadline = time.monotonic() + 5
        while len(function.events) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    deadline = time.monotonic() + 5
    while len(function.events) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)  # the gateway calls $disconnect once the client has gone
    routes = [e["requestContext"]["routeKey"] for e in function.events]
    assert routes == ["$connect", "$connect", "$default", "$default", "$disconnect"]
    bodies = [e["body"] for e in function.events if e["requestContext"]["routeKey"] == "$default"]
    assert sorted(bodies) == ['{"action":"ping"}', "{}"]
    assert ws.connections == {}


def test_the_management_api_posts_for_a_role_allowed_to_and_refuses_others(
    gateway: tuple[WebSocketGateway, Function, TestClient],
) -> None:
    ws, _function, client = gateway
    with client.websocket_connect("/ws/api1/prod", subprotocols=["kefu.v1", "good"]) as socket:
        (connection_id,) = ws.connections
        path = f"/ws/api1/prod/@connections/{connection_id}"
        body = b'{"type":"ticket.updated","ticket_id":"T1"}'
        refused = client.post(path, content=body, headers=signed("POST", path, "AKIAOTHER", body))
        assert refused.status_code == 403
        assert "not authorized to perform: execute-api:ManageConnections" in refused.json()["message"]
        assert client.post(path, content=body).status_code == 403  # unsigned
        forged = signed("POST", path, "AKIAPUSHER", b"other body")
        assert client.post(path, content=body, headers=forged).status_code == 403  # signature of another body
        allowed = client.post(path, content=body, headers=signed("POST", path, "AKIAPUSHER", body))
        assert allowed.status_code == 200
        assert socket.receive_text() == body.decode()
        described = client.get(path, headers=signed("GET", path, "AKIAPUSHER"))
        assert described.status_code == 200 and "connectedAt" in described.json()
    gone = client.post(path, content=body, headers=signed("POST", path, "AKIAPUSHER", body))
    assert gone.status_code == 410 and gone.headers["x-amzn-ErrorType"] == "GoneException"
