"""The routing admin API through the real agent_api handler: rules (list, save, dry run), agents' routing
profiles and teams; admins only, bad input a 400 that says what is wrong and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.models import Agent
from kefu.services.ingest import ingest_message
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent
from tests.integration.test_customers import whatsapp_message
from tests.support.aws_events import agent_claims

ADMIN = agent_claims(sub="11111111-2222-4333-8444-555555555555", groups="[admin]", email="admin@example.com")
AGENT_ID = "66666666-7777-4888-9999-000000000000"
REFUND_RULE: dict[str, Any] = {
    "id": "invoice",
    "name": "Invoices go to finance",
    "position": 40,
    "conditions": {"keywords": ["发票", "invoice"]},
    "actions": {"team": "finance", "add_tags": ["invoice"]},
}


def admin(method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return agent(method, path, body, claims=ADMIN)


def test_rules_are_listed_saved_in_versions_and_dry_run(cloud: Cloud) -> None:
    status, rules = admin("GET", "/api/v1/admin/rules")
    seeded = ["returns", "refund", "complaint", "vip", "night_duty"]
    assert status == 200 and [r["id"] for r in rules["rules"]] == seeded
    assert "schedules" not in rules  # the teams' schedules ride in the stored rule set, not in its API
    assert rules["revision"] == 0

    status, saved = admin("POST", "/api/v1/admin/rules", REFUND_RULE)
    assert status == 201 and saved["version"] == 1
    status, saved = admin("POST", "/api/v1/admin/rules", {**REFUND_RULE, "name": "Invoices: finance"})
    assert status == 201 and saved["version"] == 2 and saved["updated_by"] == ADMIN["sub"]
    assert admin("GET", "/api/v1/admin/rules")[1]["revision"] == 2

    hours = {"timezone": "Asia/Shanghai", "days": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "18:00"}
    status, saved_hours = admin("PUT", "/api/v1/admin/rules/business-hours", hours)
    assert status == 200 and saved_hours["revision"] == 3 and saved_hours["business_hours"]["days"] == [0, 1, 2, 3, 4]
    status, answer = admin("PUT", "/api/v1/admin/rules/business-hours", {**hours, "timezone": "Mars/Olympus"})
    assert status == 400 and "time zone" in answer["message"]

    status, outcome = admin(
        "POST", "/api/v1/admin/rules/dry-run", {"text": "我要退款，还要开发票", "tier": "vip", "channel": "wechat"}
    )
    assert status == 200, outcome
    assert [(h["rule_id"], h["rule_version"]) for h in outcome["hits"]] == [("refund", 1), ("invoice", 2), ("vip", 1)]
    assert (outcome["type"], outcome["priority"], outcome["team"], outcome["tags"]) == (
        "after_sales",
        "urgent",
        "finance",
        ["invoice"],
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({**REFUND_RULE, "conditions": {"patterns": ["(unclosed"]}}, "not a regular expression"),
        ({**REFUND_RULE, "actions": {}}, "at least one"),
        ({**REFUND_RULE, "actions": {"team": "Finance Team"}}, "team"),
        ({**REFUND_RULE, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_is_a_400_saying_why_and_changes_nothing(cloud: Cloud, body: dict[str, Any], says: str) -> None:
    status, answer = admin("POST", "/api/v1/admin/rules", body)
    assert status == 400 and says in answer["message"], answer
    assert admin("GET", "/api/v1/admin/rules")[1]["revision"] == 0


def test_agents_and_teams_are_configured_by_admins(cloud: Cloud) -> None:
    cloud.store.agents.put(Agent(id=AGENT_ID, email="agent1@example.com", presence="online"))
    profile = {"teams": ["finance"], "skills": {"after_sales": 4}, "capacity": {"chat": 3, "ticket": 8}}
    status, saved = admin("PUT", f"/api/v1/admin/agents/{AGENT_ID}", profile)
    assert status == 200, saved
    assert (saved["teams"], saved["skills"], saved["capacity"], saved["presence"]) == (
        ["finance"],
        {"after_sales": 4},
        {"chat": 3, "ticket": 8},
        "online",
    )
    status, answer = admin("PUT", f"/api/v1/admin/agents/{AGENT_ID}", {**profile, "skills": {"after_sales": 7}})
    assert status == 400 and "proficiency" in answer["message"]
    assert admin("PUT", "/api/v1/admin/agents/not-an-id", profile)[0] == 400
    missing = "66666666-7777-4888-9999-000000000001"
    assert admin("PUT", f"/api/v1/admin/agents/{missing}", profile)[0] == 404

    team = {"name": "Finance", "reassign_after": "PT5M", "relaxation": [{"after_seconds": 0, "min_proficiency": 4}]}
    status, saved = admin("PUT", "/api/v1/admin/teams/finance", team)
    assert status == 200 and saved["relaxation"] == [{"after_seconds": 0, "min_proficiency": 4}], saved
    assert cloud.store.routing.team("finance") is not None
    status, answer = admin("PUT", "/api/v1/admin/teams/finance", {**team, "relaxation": [{"after_seconds": 30}]})
    assert status == 400 and "after_seconds 0" in answer["message"]
    assert admin("PUT", "/api/v1/admin/teams/finance", {**team, "reassign_after": "5 minutes"})[0] == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/admin/rules", None),
        ("POST", "/api/v1/admin/rules", REFUND_RULE),
        ("POST", "/api/v1/admin/rules/dry-run", {"text": "refund"}),
        ("PUT", "/api/v1/admin/rules/business-hours", {"timezone": "UTC"}),
        ("PUT", f"/api/v1/admin/agents/{AGENT_ID}", {"teams": ["finance"]}),
        ("PUT", "/api/v1/admin/teams/finance", {"name": "Finance"}),
    ],
)
def test_agents_and_supervisors_are_refused(cloud: Cloud, method: str, path: str, body: Any) -> None:
    for groups in ("[agent]", "[supervisor]"):
        status, _ = agent(method, path, body, claims=agent_claims(groups=groups))
        assert status == 403, (groups, method, path)
    assert cloud.store.routing.team("finance") is None


def test_organizations_the_directory_and_a_customers_tier(cloud: Cloud) -> None:
    cloud.store.agents.put(Agent(id=AGENT_ID, email="agent1@example.com", name="Li Na", presence="online"))
    admin("PUT", f"/api/v1/admin/agents/{AGENT_ID}", {"teams": ["b2b"], "capacity": {"chat": 2, "ticket": 5}})
    body = {"name": "ACME", "team": "b2b", "agent": AGENT_ID}
    status, saved = admin("PUT", "/api/v1/admin/organizations/acme", body)
    assert status == 200 and (saved["tier"], saved["team"], saved["agent"]) == ("enterprise", "b2b", AGENT_ID)
    assert admin("PUT", "/api/v1/admin/organizations/acme", {**body, "agent": "not-an-id"})[0] == 400
    assert agent("PUT", "/api/v1/admin/organizations/acme", body, claims=agent_claims(groups="[supervisor]"))[0] == 403

    status, listed = agent("GET", "/api/v1/agents")  # any role
    assert status == 200
    assert [(a["id"], a["teams"], a["presence"], a["load"]) for a in listed["items"] if a["id"] == AGENT_ID] == [
        (AGENT_ID, ["b2b"], "online", {"chat": 0, "ticket": 0})
    ]

    stored = ingest_message(cloud.store, whatsapp_message("8613800000099", "hello", "wamid.api1"))
    assert stored.ticket_id is not None
    customer_id = cloud.store.tickets.get(stored.ticket_id).customer_id
    path = f"/api/v1/customers/{customer_id}"
    assert agent("PATCH", path, {"tier": "vip"})[0] == 403  # supervisors and admins only
    status, changed = agent("PATCH", path, {"tier": "vip", "organization": "acme"}, claims=ADMIN)
    assert status == 200 and (changed["tier"], changed["organization"]) == ("vip", "acme"), changed
    assert agent("PATCH", path, {"tier": "gold"}, claims=ADMIN)[0] == 400
    status, changed = agent("PATCH", path, {"organization": None}, claims=ADMIN)
    assert status == 200 and (changed["tier"], changed.get("organization")) == ("vip", None)
