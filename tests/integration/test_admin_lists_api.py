"""The read routes the admin screens need: every agent with roles and routing profile, the teams and the
organizations (``GET /api/v1/admin/agents``, ``GET /api/v1/admin/teams``, ``GET /api/v1/admin/teams/{id}``,
``GET /api/v1/admin/organizations``); admins only."""

from __future__ import annotations

import pytest

from kefu.models import Agent
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent
from tests.integration.test_routing_api import ADMIN, AGENT_ID, admin
from tests.support.aws_events import agent_claims

OTHER_ID = "66666666-7777-4888-9999-000000000002"


def test_agents_are_listed_with_roles_and_profile_or_the_defaults(cloud: Cloud) -> None:
    cloud.store.agents.put(Agent(id=AGENT_ID, email="agent1@example.com", roles=["agent"], presence="online"))
    cloud.store.agents.put(Agent(id=OTHER_ID, email="agent2@example.com", roles=["agent", "supervisor"]))
    profile = {"teams": ["finance"], "skills": {"after_sales": 4}, "capacity": {"chat": 2, "ticket": 8}}
    assert admin("PUT", f"/api/v1/admin/agents/{AGENT_ID}", profile)[0] == 200

    status, answer = admin("GET", "/api/v1/admin/agents")
    assert status == 200, answer
    by_id = {item["id"]: item for item in answer["items"]}
    configured, fresh = by_id[AGENT_ID], by_id[OTHER_ID]
    assert configured["configured"] is True
    assert (configured["teams"], configured["skills"], configured["capacity"]) == (
        ["finance"],
        {"after_sales": 4},
        {"chat": 2, "ticket": 8},
    )
    assert configured["roles"] == ["agent"] and configured["email"] == "agent1@example.com"
    assert fresh["configured"] is False and fresh["roles"] == ["agent", "supervisor"]
    assert fresh["capacity"] == {"chat": 3, "ticket": 10} and fresh["skills"] == {}


def test_teams_are_listed_and_read_one_by_one(cloud: Cloud) -> None:
    assert admin("GET", "/api/v1/admin/teams") == (200, {"items": [], "next_cursor": None})
    team = {
        "name": "Finance",
        "reassign_after": "PT5M",
        "calendar": {"timezone": "Asia/Shanghai", "days": [0, 1, 2, 3, 4], "holidays": ["2027-01-01"]},
        "shifts": [{"name": "day", "opens": "08:00", "closes": "16:00"}],
    }
    assert admin("PUT", "/api/v1/admin/teams/finance", team)[0] == 200
    assert admin("PUT", "/api/v1/admin/teams/after_sales", {"name": "After-sales"})[0] == 200

    status, answer = admin("GET", "/api/v1/admin/teams")
    assert status == 200 and [t["id"] for t in answer["items"]] == ["after_sales", "finance"], answer
    status, one = admin("GET", "/api/v1/admin/teams/finance")
    assert status == 200 and one["reassign_after"] == "PT5M" and one["calendar"]["holidays"] == ["2027-01-01"]
    assert one["shifts"] == [{"name": "day", "opens": "08:00:00", "closes": "16:00:00"}]
    status, missing = admin("GET", "/api/v1/admin/teams/nobody")
    assert status == 404 and "nobody" in missing["message"]
    assert admin("GET", "/api/v1/admin/teams/Not A Team")[0] == 400


def test_organizations_are_listed_by_id_as_they_were_saved(cloud: Cloud) -> None:
    assert admin("GET", "/api/v1/admin/organizations") == (200, {"items": [], "next_cursor": None})
    cloud.store.agents.put(Agent(id=AGENT_ID, email="agent1@example.com", roles=["agent"]))
    saved = {}
    for org_id, body in (
        ("zeta", {"name": "Zeta Trading", "tier": "vip"}),
        ("acme", {"name": "ACME", "team": "b2b", "agent": AGENT_ID}),
    ):
        status, saved[org_id] = admin("PUT", f"/api/v1/admin/organizations/{org_id}", body)
        assert status == 200, saved[org_id]
    # a team and a customer are in other partitions: only organizations come back
    assert admin("PUT", "/api/v1/admin/teams/b2b", {"name": "B2B"})[0] == 200

    status, answer = admin("GET", "/api/v1/admin/organizations")
    assert status == 200, answer
    assert answer == {"items": [saved["acme"], saved["zeta"]], "next_cursor": None}
    assert (answer["items"][1]["tier"], answer["items"][1]["team"], answer["items"][1]["agent"]) == ("vip", None, None)

    # an edit is what the list shows next; a refused one changes nothing
    status, edited = admin("PUT", "/api/v1/admin/organizations/zeta", {"name": "Zeta Trading", "tier": "normal"})
    assert status == 200 and edited["tier"] == "normal"
    refused = admin(
        "PUT", "/api/v1/admin/organizations/acme", {"name": "ACME", "agent": "99999999-7777-4888-9999-000000000009"}
    )
    assert refused[0] == 400 and "no agent" in refused[1]["message"], refused
    items = admin("GET", "/api/v1/admin/organizations")[1]["items"]
    assert [(o["id"], o["tier"], o["agent"]) for o in items] == [
        ("acme", "enterprise", AGENT_ID),
        ("zeta", "normal", None),
    ]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/admin/agents", "/api/v1/admin/teams", "/api/v1/admin/teams/finance", "/api/v1/admin/organizations"],
)
def test_agents_and_supervisors_may_not_read_them(cloud: Cloud, path: str) -> None:
    for groups in ("[agent]", "[supervisor]"):
        status, answer = agent("GET", path, claims=agent_claims(groups=groups))
        assert status == 403, (groups, path, answer)
    assert agent("GET", path, claims=ADMIN)[0] in (200, 404)
