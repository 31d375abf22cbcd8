"""The foundation's promise, over HTTP only, against the local cloud started like `make dev`:
a customer chats, an agent logs in with Cognito, sees the ticket, replies, the customer receives the reply,
the agent resolves; duplicates, forged tokens, malformed bodies and illegal moves change nothing; data
survives a restart."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


class Customer:
    def __init__(self, http: httpx.Client, inbox: str = "web", name: str = "Li Lei") -> None:
        self.http = http
        self.inbox = inbox
        resp = http.post(f"/chat/{inbox}/sessions", json={"name": name, "locale": "zh-CN"})
        assert resp.status_code == 201, resp.text
        self.token = resp.json()["session_token"]
        self.ticket_id = resp.json()["ticket_id"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str, client_id: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"text": text}
        if client_id:
            body["client_message_id"] = client_id
        return self.http.post(f"/chat/{self.inbox}/messages", json=body, headers=self.auth)

    def conversation(self) -> list[dict[str, Any]]:
        resp = self.http.get(f"/chat/{self.inbox}/messages", headers=self.auth)
        assert resp.status_code == 200, resp.text
        return list(resp.json()["items"])


class Agent:
    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(f"/api/v1{path}", headers=self.headers, params=params)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(f"/api/v1{path}", headers=self.headers, json=body)

    def patch(self, path: str, body: Any) -> httpx.Response:
        return self.http.patch(f"/api/v1{path}", headers=self.headers, json=body)

    def ticket(self, ticket_id: str) -> dict[str, Any] | None:
        resp = self.get(f"/tickets/{ticket_id}")
        return resp.json() if resp.status_code == 200 else None


@pytest.fixture
def http(local_cloud: Any) -> Any:
    with httpx.Client(base_url=local_cloud.url, timeout=15.0) as client:
        yield client


@pytest.fixture
def agent(local_cloud: Any, http: httpx.Client) -> Agent:
    return Agent(http, local_cloud.login("agent1@example.com", "Kefu-demo-1"))


def stored_messages(agent: Agent, ticket_id: str, count: int) -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]] | None:
        ticket = agent.ticket(ticket_id)
        return ticket["messages"] if ticket and len(ticket["messages"]) >= count else None

    return list(eventually(check, f"{count} message(s) on ticket {ticket_id}"))


def test_customer_chats_agent_answers_customer_receives_agent_resolves(http: httpx.Client, agent: Agent) -> None:
    customer = Customer(http)
    assert customer.say("你好，我的订单 #10086 还没发货", "hello-1").status_code == 202

    def in_inbox() -> bool:
        resp = agent.get("/tickets", status="pending")
        assert resp.status_code == 200, resp.text
        return customer.ticket_id in [t["id"] for t in resp.json()["items"]]

    eventually(in_inbox, "the new ticket in the agent's pending inbox")
    ticket = agent.ticket(customer.ticket_id)
    assert ticket is not None
    assert ticket["channel"] == "web" and ticket["inbox"] == "web" and ticket["status"] == "pending"
    assert [m["body"] for m in ticket["messages"]] == ["你好，我的订单 #10086 还没发货"]
    assert ticket["customer"]["name"] == "Li Lei"

    reply = agent.post(f"/tickets/{customer.ticket_id}/messages", {"body": "您好，已为您加急处理"})
    assert reply.status_code == 201, reply.text
    note = agent.post(f"/tickets/{customer.ticket_id}/messages", {"body": "VIP? check order", "internal": True})
    assert note.status_code == 201

    received = eventually(
        lambda: [m for m in customer.conversation() if m["author_type"] == "agent"], "the agent's reply in the chat"
    )
    assert [m["body"] for m in received] == ["您好，已为您加急处理"]  # the internal note never reaches the customer

    resolved = agent.patch(f"/tickets/{customer.ticket_id}", {"status": "resolved"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    final = agent.ticket(customer.ticket_id)
    assert final is not None and final["status"] == "resolved" and final["first_response_at"]


def test_the_same_message_three_times_is_stored_once(http: httpx.Client, agent: Agent) -> None:
    customer = Customer(http)
    for _ in range(3):
        assert customer.say("重复的消息", "dup-1").status_code == 202
    # FIFO per conversation: once the sentinel is stored, the three deliveries before it were processed
    assert customer.say("sentinel", "after-dup").status_code == 202
    messages = stored_messages(agent, customer.ticket_id, 2)
    assert [m["body"] for m in messages] == ["重复的消息", "sentinel"]


@pytest.mark.parametrize("authorization", [None, "Bearer forged-session-token", "Bearer", "Token abc"])
def test_a_forged_or_missing_session_token_is_401_and_changes_nothing(
    http: httpx.Client, agent: Agent, authorization: str | None
) -> None:
    customer = Customer(http)
    headers = {"Authorization": authorization} if authorization is not None else {}
    resp = http.post("/chat/web/messages", json={"text": "sneaky", "client_message_id": "x1"}, headers=headers)
    assert resp.status_code == 401 and resp.json()["message"]
    assert http.get("/chat/web/messages", headers=headers).status_code == 401
    assert customer.say("real", "real-1").status_code == 202
    messages = stored_messages(agent, customer.ticket_id, 1)
    assert [m["body"] for m in messages] == ["real"]
    assert "sneaky" not in agent.get("/tickets", q="sneaky").text


@pytest.mark.parametrize("body", ["{broken json", '{"txt": "no text field"}', '{"text": ""}', "[1, 2]", '{"text": 42}'])
def test_a_malformed_body_is_400_and_changes_nothing(http: httpx.Client, agent: Agent, body: str) -> None:
    customer = Customer(http)
    resp = http.post("/chat/web/messages", content=body, headers={**customer.auth, "Content-Type": "application/json"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["message"]
    assert customer.say("valid", "v-1").status_code == 202
    assert [m["body"] for m in stored_messages(agent, customer.ticket_id, 1)] == ["valid"]


def test_a_closed_ticket_cannot_go_back_to_in_progress(http: httpx.Client, agent: Agent) -> None:
    customer = Customer(http)
    customer.say("please close me", "c-1")
    stored_messages(agent, customer.ticket_id, 1)
    assert agent.patch(f"/tickets/{customer.ticket_id}", {"status": "closed"}).status_code == 200
    resp = agent.patch(f"/tickets/{customer.ticket_id}", {"status": "in_progress"})
    assert resp.status_code == 409 and "closed" in resp.json()["message"]
    ticket = agent.ticket(customer.ticket_id)
    assert ticket is not None and ticket["status"] == "closed"
    bad = agent.patch(f"/tickets/{customer.ticket_id}", {"status": "archived"})
    assert bad.status_code == 400


def test_agent_api_needs_a_valid_token(http: httpx.Client, agent: Agent) -> None:
    assert http.get("/api/v1/tickets").status_code == 401
    assert http.get("/api/v1/tickets", headers={"Authorization": "Bearer not.a.jwt"}).status_code == 401
    assert http.get("/api/v1/openapi.json").status_code == 401  # the schema too, like every /api/v1 route
    schema = agent.get("/openapi.json")
    assert schema.status_code == 200 and "/api/v1/tickets" in schema.json()["paths"]


def test_tickets_users_and_sessions_survive_a_restart(local_cloud: Any, http: httpx.Client, agent: Agent) -> None:
    name = f"Restart {uuid.uuid4().hex[:6]}"
    customer = Customer(http, name=name)
    customer.say("before the restart", "r-1")
    stored_messages(agent, customer.ticket_id, 1)
    agent.post(f"/tickets/{customer.ticket_id}/messages", {"body": "answered before the restart"})
    eventually(lambda: len(customer.conversation()) == 2, "the reply delivered before the restart")

    local_cloud.restart()

    with httpx.Client(base_url=local_cloud.url, timeout=15.0) as again:
        after = Agent(again, local_cloud.login("agent1@example.com", "Kefu-demo-1"))
        ticket = after.ticket(customer.ticket_id)
        assert ticket is not None
        assert [m["body"] for m in ticket["messages"]] == ["before the restart", "answered before the restart"]
        assert ticket["customer"]["name"] == name
        customer.http = again
        assert customer.say("after the restart", "r-2").status_code == 202
        assert [m["body"] for m in stored_messages(after, customer.ticket_id, 3)][-1] == "after the restart"
