"""The web-chat flow through the real handlers: customer -> inbound queue -> ticket -> agent reply -> customer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent_api.handler import lambda_handler as agent_api
from ingest.handler import lambda_handler as ingest
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.support.aws_events import FakeContext, agent_claims, api_event
from webhooks.handler import lambda_handler as webhooks


def call(handler: Any, event: dict[str, Any]) -> tuple[int, Any]:
    resp = handler(event, FakeContext())
    body = resp.get("body") or ""
    try:
        return resp["statusCode"], json.loads(body)
    except ValueError:
        return resp["statusCode"], body


def start_chat(name: str = "Li Lei") -> dict[str, Any]:
    status, body = call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/sessions",
            resource="/chat/{inbox}/sessions",
            body={"name": name},
            path_params={"inbox": "web"},
        ),
    )
    assert status == 201, body
    return body


def say(token: str, text: str, client_id: str | None = None) -> tuple[int, Any]:
    payload: dict[str, Any] = {"text": text}
    if client_id:
        payload["client_message_id"] = client_id
    return call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/messages",
            resource="/chat/{inbox}/messages",
            body=payload,
            headers={"Authorization": f"Bearer {token}"},
            path_params={"inbox": "web"},
        ),
    )


def read_chat(token: str, after: str | None = None) -> tuple[int, Any]:
    return call(
        webhooks,
        api_event(
            "GET",
            "/chat/web/messages",
            resource="/chat/{inbox}/messages",
            headers={"Authorization": f"Bearer {token}"},
            query={"after": after} if after else None,
            path_params={"inbox": "web"},
        ),
    )


def agent(
    method: str, path: str, body: Any = None, query: dict[str, str] | None = None, claims: dict[str, str] | None = None
) -> tuple[int, Any]:
    return call(
        agent_api,
        api_event(
            method,
            path,
            resource="/api/v1/{proxy+}",
            body=body,
            query=query,
            claims=claims or agent_claims(),
            path_params={"proxy": path.removeprefix("/api/v1/")},
        ),
    )


def test_customer_chats_agent_replies_customer_reads(cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    assert say(token, "我的订单 #10086 还没发货", "c-1")[0] == 202
    assert cloud.run_sqs(ingest, cloud.inbound_url) == {"batchItemFailures": []}

    status, page = agent("GET", "/api/v1/tickets", query={"status": "pending"})
    assert status == 200
    assert [t["id"] for t in page["items"]] == [ticket_id]
    assert page["items"][0]["channel"] == "web"
    assert page["items"][0]["customer_name"] == "Li Lei"
    assert page["items"][0]["sla"]["first_response_due_at"]

    status, reply = agent("POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "您好，马上为您查询"})
    assert status == 201, reply
    assert reply["delivery_status"] == "queued"
    # not visible to the customer until the outbound function has delivered it
    assert [m["author_type"] for m in read_chat(token)[1]["items"]] == ["customer"]

    cloud.run_stream(stream)
    assert cloud.run_sqs(outbound, cloud.outbound_url) == {"batchItemFailures": []}
    status, chat = read_chat(token)
    assert status == 200
    assert [(m["author_type"], m["body"]) for m in chat["items"]] == [
        ("customer", "我的订单 #10086 还没发货"),
        ("agent", "您好，马上为您查询"),
    ]
    # the widget recognises its own message by the id it sent it with (and swaps its pending copy for it)
    assert [m["client_message_id"] for m in chat["items"]] == ["c-1", None]
    # the cursor returns only what is new
    assert read_chat(token, chat["cursor"])[1]["items"] == []

    status, detail = agent("GET", f"/api/v1/tickets/{ticket_id}")
    assert detail["status"] == "in_progress"
    assert detail["assignee"] == "agent-1"
    assert [m["delivery_status"] for m in detail["messages"]] == ["received", "sent"]
    assert {"created", "message_received", "replied", "status_changed"} <= {e["type"] for e in detail["events"]}

    status, resolved = agent("PATCH", f"/api/v1/tickets/{ticket_id}", {"status": "resolved"})
    assert status == 200 and resolved["status"] == "resolved"


def test_same_message_three_times_is_stored_once(cloud: Cloud) -> None:
    token = start_chat()["session_token"]
    for _ in range(3):
        assert say(token, "hello", "same-id")[0] == 202
        cloud.run_sqs(ingest, cloud.inbound_url)
    ticket_id = cloud.store.tickets.current_ticket_id(next(iter(_conversations(cloud))))
    assert ticket_id
    messages, _ = cloud.store.tickets.thread(ticket_id)
    assert [m.body for m in messages] == ["hello"]


def test_redelivery_after_the_fifo_window_is_still_stored_once(cloud: Cloud) -> None:
    """SQS drops duplicates only for 5 minutes; the table's dedup marker catches the rest."""
    from kefu.services import chat
    from kefu.services.ingest import ingest_message

    token = start_chat()["session_token"]
    session = chat.authenticate(cloud.store, "web", f"Bearer {token}")
    message = chat.customer_message(session, "late retry", "c-9")
    assert ingest_message(cloud.store, message).outcome == "stored"
    assert ingest_message(cloud.store, message).outcome == "duplicate"


def test_a_reply_to_a_resolved_ticket_reopens_it_and_a_closed_one_starts_a_new_ticket(cloud: Cloud) -> None:
    session = start_chat()
    token, first_id = session["session_token"], session["ticket_id"]
    say(token, "first question")
    cloud.run_sqs(ingest, cloud.inbound_url)
    assert agent("PATCH", f"/api/v1/tickets/{first_id}", {"status": "resolved"})[0] == 200
    say(token, "actually, one more thing")
    cloud.run_sqs(ingest, cloud.inbound_url)
    detail = agent("GET", f"/api/v1/tickets/{first_id}")[1]
    assert detail["status"] == "pending"
    assert "reopened" in {e["type"] for e in detail["events"]}

    assert agent("PATCH", f"/api/v1/tickets/{first_id}", {"status": "closed"})[0] == 200
    say(token, "a new problem")
    cloud.run_sqs(ingest, cloud.inbound_url)
    items = agent("GET", "/api/v1/tickets", query={"status": "pending"})[1]["items"]
    assert len(items) == 1 and items[0]["id"] != first_id
    # the widget shows the whole conversation across both tickets
    assert [m["body"] for m in read_chat(token)[1]["items"]] == [
        "first question",
        "actually, one more thing",
        "a new problem",
    ]


def test_illegal_transition_is_409_and_changes_nothing(cloud: Cloud) -> None:
    session = start_chat()
    say(session["session_token"], "hi")
    cloud.run_sqs(ingest, cloud.inbound_url)
    tid = session["ticket_id"]
    assert agent("PATCH", f"/api/v1/tickets/{tid}", {"status": "closed"})[0] == 200
    before = cloud.store.tickets.get(tid)
    status, body = agent("PATCH", f"/api/v1/tickets/{tid}", {"status": "in_progress"})
    assert status == 409
    assert "closed" in body["message"]
    assert cloud.store.tickets.get(tid) == before


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, 401), ({"Authorization": "Bearer forged-token"}, 401), ({"Authorization": "Basic abc"}, 401)],
)
def test_chat_without_a_valid_session_is_401_and_stores_nothing(
    cloud: Cloud, headers: dict[str, str], expected: int
) -> None:
    status, body = call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/messages",
            resource="/chat/{inbox}/messages",
            body={"text": "hi"},
            headers=headers,
            path_params={"inbox": "web"},
        ),
    )
    assert status == expected and body["message"]
    assert cloud.receive(cloud.inbound_url) == []


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        json.dumps({"text": ""}),
        json.dumps({"txt": "x"}),
        json.dumps({"text": "x" * 6000}),
        json.dumps({"text": "ok", "client_message_id": "bad id with spaces"}),
    ],
)
def test_malformed_chat_message_is_400_and_stores_nothing(cloud: Cloud, body: str) -> None:
    token = start_chat()["session_token"]
    status, answer = call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/messages",
            resource="/chat/{inbox}/messages",
            body=body,
            headers={"Authorization": f"Bearer {token}"},
            path_params={"inbox": "web"},
        ),
    )
    assert status == 400, answer
    assert answer["message"]
    assert cloud.receive(cloud.inbound_url) == []


def test_agent_api_validation_and_errors(cloud: Cloud) -> None:
    status, body = agent("GET", "/api/v1/tickets/NOPE")
    assert status == 400 and "ticket_id" in body["message"]  # not a ticket id at all
    assert agent("GET", "/api/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV")[0] == 404
    status, body = agent("PATCH", "/api/v1/tickets/x", {"status": "done"})
    assert status == 400 and "status" in body["message"]
    assert agent("GET", "/api/v1/tickets", query={"limit": "0"})[0] == 400
    assert agent("GET", "/api/v1/tickets", query={"cursor": "%%%"})[0] == 400
    assert agent("POST", "/api/v1/tickets/x/messages", "{oops")[0] == 400
    status, _ = agent("GET", "/api/v1/me", claims={"sub": "u", "cognito:groups": "[customers]"})
    assert status == 403


def test_me_and_presence(cloud: Cloud) -> None:
    status, me = agent("GET", "/api/v1/me", claims=agent_claims(groups="[agent, supervisor]"))
    assert status == 200 and me["roles"] == ["agent", "supervisor"] and me["presence"] == "offline"
    status, me = agent("PUT", "/api/v1/me/presence", {"status": "online"})
    assert status == 200 and me["presence"] == "online"
    assert agent("PUT", "/api/v1/me/presence", {"status": "asleep"})[0] == 400


def test_openapi_schema_lists_the_routes(cloud: Cloud) -> None:
    status, schema = call(agent_api, api_event("GET", "/api/v1/openapi.json"))
    assert status == 200
    assert {
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/messages",
        "/api/v1/me",
    } <= set(schema["paths"])


def test_every_role_sees_the_phone_masked_in_the_ticket_view(cloud: Cloud) -> None:
    _, session = call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/sessions",
            resource="/chat/{inbox}/sessions",
            body={"name": "Wang", "phone": "+8613812345678", "email": "wang@example.com"},
            path_params={"inbox": "web"},
        ),
    )
    say(session["session_token"], "hi")
    cloud.run_sqs(ingest, cloud.inbound_url)
    tid = session["ticket_id"]
    as_agent = agent("GET", f"/api/v1/tickets/{tid}")[1]["customer"]
    assert as_agent["phone"] == "+86138****5678" and as_agent["email"] == "w***@example.com"
    for groups in ("[supervisor]", "[admin]"):
        shown = agent("GET", f"/api/v1/tickets/{tid}", claims=agent_claims(sub="s", groups=groups))[1]["customer"]
        assert (shown["phone"], shown["email"]) == ("+86138****5678", "w***@example.com"), groups


def test_ingest_reports_partial_batch_failures(cloud: Cloud) -> None:
    """A poison message fails alone; the good one in another conversation is stored and deleted."""
    token = start_chat()["session_token"]
    say(token, "good message")
    cloud.sqs.send_message(
        QueueUrl=cloud.inbound_url,
        MessageBody="{not an inbound message",
        MessageGroupId="poison",
        MessageDeduplicationId="poison-1",
    )
    result = cloud.run_sqs(ingest, cloud.inbound_url)
    assert len(result["batchItemFailures"]) == 1
    remaining = cloud.receive(cloud.inbound_url)
    assert [m["Body"] for m in remaining] == ["{not an inbound message"]
    assert sum(1 for _ in _conversations(cloud)) == 1


def _conversations(cloud: Cloud) -> list[str]:
    resp = cloud.ddb.scan(
        TableName="kefu-test", FilterExpression="entity = :c", ExpressionAttributeValues={":c": {"S": "conversation"}}
    )
    return [item["PK"]["S"].removeprefix("CONV#") for item in resp["Items"]]
