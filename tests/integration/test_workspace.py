"""Canned replies, saved views and customer notes through the agent API handler (DynamoDB in moto)."""

from __future__ import annotations

from typing import Any

from agent_api.handler import lambda_handler as agent_api
from ingest.handler import lambda_handler as ingest
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent, call, say, start_chat
from tests.support.aws_events import agent_claims, api_event
from webhooks.handler import lambda_handler as webhooks

AGENT_2 = agent_claims(sub="agent-2", email="agent2@example.com")
SUPERVISOR = agent_claims(sub="super-1", groups="[supervisor]", email="supervisor@example.com")


def delete(path: str, claims: dict[str, str] | None = None) -> int:
    status, _ = call(
        agent_api,
        api_event(
            "DELETE",
            path,
            resource="/api/v1/{proxy+}",
            claims=claims or agent_claims(),
            path_params={"proxy": path.removeprefix("/api/v1/")},
        ),
    )
    return status


def a_ticket(cloud: Cloud, name: str = "王小明") -> tuple[str, str]:
    session = start_chat(name)
    assert say(session["session_token"], "你好", "w-1")[0] == 202
    assert cloud.run_sqs(ingest, cloud.inbound_url) == {"batchItemFailures": []}
    status, ticket = agent("GET", f"/api/v1/tickets/{session['ticket_id']}")
    assert status == 200, ticket
    return ticket["id"], ticket["customer_id"]


def reply_body(body: str, shortcut: str = "greet", **extra: Any) -> dict[str, Any]:
    return {"shortcut": shortcut, "title": "Greeting", "body": body, **extra}


def test_canned_replies_are_personal_or_shared_and_fill_in_their_variables(cloud: Cloud) -> None:
    ticket_id, _ = a_ticket(cloud)
    status, own = agent(
        "POST", "/api/v1/canned-replies", reply_body("{{customer.name | 您}}好，我是{{ agent.name }}。")
    )
    assert status == 201, own
    assert own["scope"] == "personal" and own["owner_id"] == "agent-1"

    # an agent cannot add a shared reply; a supervisor can, and every agent sees it
    shared_body = reply_body("Ticket {{ticket.id}} is with our {{ticket.team | support}} team.", shortcut="status")
    assert agent("POST", "/api/v1/canned-replies", {**shared_body, "scope": "shared"})[0] == 403
    status, shared = agent("POST", "/api/v1/canned-replies", {**shared_body, "scope": "shared"}, claims=SUPERVISOR)
    assert status == 201, shared

    status, mine = agent("GET", "/api/v1/canned-replies")
    assert status == 200
    assert [r["shortcut"] for r in mine["items"]] == ["greet", "status"]
    assert "customer.name" in mine["variables"]
    status, theirs = agent("GET", "/api/v1/canned-replies", claims=AGENT_2)
    assert [r["shortcut"] for r in theirs["items"]] == ["status"]  # agent 1's own reply is theirs alone
    assert [r["shortcut"] for r in agent("GET", "/api/v1/canned-replies", query={"q": "TEAM"})[1]["items"]] == [
        "status"
    ]

    status, rendered = agent("POST", f"/api/v1/canned-replies/{own['id']}/render", {"ticket_id": ticket_id})
    assert status == 200, rendered
    # agent-1 has no name in the profile table here: the caller's email stands in
    assert rendered == {"body": "王小明好，我是agent1@example.com。", "missing": []}
    status, rendered = agent("POST", f"/api/v1/canned-replies/{shared['id']}/render", {"ticket_id": ticket_id})
    assert rendered["body"] == f"Ticket {ticket_id} is with our support team."

    # agent 2 cannot render, change or delete agent 1's own reply (to them it does not exist)
    assert (
        agent("POST", f"/api/v1/canned-replies/{own['id']}/render", {"ticket_id": ticket_id}, claims=AGENT_2)[0] == 404
    )
    assert agent("PUT", f"/api/v1/canned-replies/{own['id']}", reply_body("x"), claims=AGENT_2)[0] == 404
    assert delete(f"/api/v1/canned-replies/{own['id']}", AGENT_2) == 404
    # an agent sees the shared reply but may not change it
    assert agent("PUT", f"/api/v1/canned-replies/{shared['id']}", shared_body)[0] == 403

    status, changed = agent("PUT", f"/api/v1/canned-replies/{own['id']}", reply_body("Hi {{customer.name}}!"))
    assert status == 200 and changed["body"] == "Hi {{customer.name}}!"
    assert delete(f"/api/v1/canned-replies/{own['id']}") == 200
    assert [r["shortcut"] for r in agent("GET", "/api/v1/canned-replies")[1]["items"]] == ["status"]


def test_a_canned_reply_with_an_unknown_variable_is_refused_and_nothing_is_stored(cloud: Cloud) -> None:
    for body in ("Hello {{custmer.name}}", "Hello {{customer.name", "Hello {{ }}"):
        status, answer = agent("POST", "/api/v1/canned-replies", reply_body(body))
        assert status == 400, (body, answer)
        assert "{{" in answer["message"] or "variable" in answer["message"]
    assert agent("POST", "/api/v1/canned-replies", reply_body("ok", shortcut="Not A Shortcut"))[0] == 400
    assert agent("GET", "/api/v1/canned-replies")[1]["items"] == []


def test_a_missing_value_without_fallback_is_named(cloud: Cloud) -> None:
    ticket_id, _ = a_ticket(cloud)
    _, reply = agent("POST", "/api/v1/canned-replies", reply_body("We will email {{customer.email}}."))
    status, rendered = agent("POST", f"/api/v1/canned-replies/{reply['id']}/render", {"ticket_id": ticket_id})
    assert status == 200
    assert rendered == {"body": "We will email .", "missing": ["customer.email"]}


def test_contact_variables_are_masked_for_every_role(cloud: Cloud) -> None:
    # a variable never shows more than the customer panel: masked for supervisors and admins too
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
    assert say(session["session_token"], "hi", "w-2")[0] == 202
    assert cloud.run_sqs(ingest, cloud.inbound_url) == {"batchItemFailures": []}
    status, reply = agent(
        "POST",
        "/api/v1/canned-replies",
        reply_body("{{customer.phone}} / {{customer.email}}", scope="shared"),
        claims=SUPERVISOR,
    )
    assert status == 201, reply
    admin = agent_claims(sub="admin-1", groups="[admin]", email="admin@example.com")
    for claims in (agent_claims(), SUPERVISOR, admin):
        path = f"/api/v1/canned-replies/{reply['id']}/render"
        status, rendered = agent("POST", path, {"ticket_id": session["ticket_id"]}, claims=claims)
        assert status == 200, rendered
        assert rendered["body"] == "+86138****5678 / w***@example.com", claims


def test_saved_views_belong_to_their_agent(cloud: Cloud) -> None:
    view = {"name": "VIP waiting", "filters": {"status": "pending", "tier": "vip", "assignee": "unassigned"}}
    status, saved = agent("PUT", "/api/v1/me/views/vip-waiting", view)
    assert status == 200, saved
    assert saved["filters"]["tier"] == "vip"
    status, saved = agent(
        "PUT", "/api/v1/me/views/mine", {"name": "Mine", "filters": {"assignee": "me"}, "position": 1}
    )
    assert status == 200
    # replacing keeps the creation time
    first = agent("GET", "/api/v1/me/views")[1]["items"]
    assert [v["id"] for v in first] == ["vip-waiting", "mine"]
    agent("PUT", "/api/v1/me/views/vip-waiting", {**view, "name": "VIPs", "position": 2})
    again = agent("GET", "/api/v1/me/views")[1]["items"]
    assert [v["id"] for v in again] == ["mine", "vip-waiting"]
    assert again[1]["created_at"] == first[0]["created_at"] and again[1]["name"] == "VIPs"

    assert agent("GET", "/api/v1/me/views", claims=AGENT_2)[1]["items"] == []
    assert delete("/api/v1/me/views/mine", AGENT_2) == 404
    assert agent("PUT", "/api/v1/me/views/bad", {"name": "x", "filters": {"status": "nonsense"}})[0] == 400
    assert agent("PUT", "/api/v1/me/views/Bad%20Id", {"name": "x"})[0] == 400
    assert delete("/api/v1/me/views/mine") == 200
    assert [v["id"] for v in agent("GET", "/api/v1/me/views")[1]["items"]] == ["vip-waiting"]


def test_customer_notes_and_who_may_delete_them(cloud: Cloud) -> None:
    _, customer_id = a_ticket(cloud)
    status, note = agent("POST", f"/api/v1/customers/{customer_id}/notes", {"body": "  Prefers calls after 6pm  "})
    assert status == 201, note
    assert note["body"] == "Prefers calls after 6pm" and note["author_id"] == "agent-1"
    status, other = agent("POST", f"/api/v1/customers/{customer_id}/notes", {"body": "VIP since 2024"}, claims=AGENT_2)
    assert status == 201
    status, notes = agent("GET", f"/api/v1/customers/{customer_id}/notes")
    assert [n["body"] for n in notes["items"]] == ["Prefers calls after 6pm", "VIP since 2024"]

    # another agent may not delete it; a supervisor may, and that is audited
    assert delete(f"/api/v1/customers/{customer_id}/notes/{note['id']}", AGENT_2) == 403
    assert delete(f"/api/v1/customers/{customer_id}/notes/{note['id']}", SUPERVISOR) == 200
    trail = cloud.store.audit.trail(note["created_at"][:7])
    assert [(e.action, e.actor_id, e.details["author_id"]) for e in trail] == [
        ("customer_note.deleted", "super-1", "agent-1")
    ]
    # the author deletes their own without an audit entry
    assert delete(f"/api/v1/customers/{customer_id}/notes/{other['id']}", AGENT_2) == 200
    assert agent("GET", f"/api/v1/customers/{customer_id}/notes")[1]["items"] == []
    assert len(cloud.store.audit.trail(note["created_at"][:7])) == 1

    assert agent("POST", f"/api/v1/customers/{customer_id}/notes", {"body": "   "})[0] == 400
    assert agent("POST", "/api/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/notes", {"body": "x"})[0] == 404
