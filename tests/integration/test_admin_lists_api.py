"""The read routes the admin screens need: every agent with roles and routing profile, the teams and the
organizations (``GET /api/v1/admin/agents``, ``GET /api/v1/admin/teams``, ``GET /api/v1/admin/teams/{id}``,
``GET /api/v1/admin/organizations``, paged by ``limit`` and ``cursor``); admins only."""

from __future__ import annotations

import pytest

from kefu import cursor as cursors
from kefu.auth import Caller
from kefu.errors import Forbidden, InvalidInput
from kefu.models import Agent
from kefu.routing.queue import Organization
from kefu.services import routing
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


def test_organizations_come_in_pages_by_id(cloud: Cloud) -> None:
    for org_id in ("echo", "alpha", "delta", "bravo", "charlie"):
        cloud.store.routing.put_organization(Organization(id=org_id, name=org_id.title()))

    def page(**query: str) -> tuple[list[str], str | None]:
        status, answer = agent("GET", "/api/v1/admin/organizations", query=query, claims=ADMIN)
        assert status == 200, answer
        return [o["id"] for o in answer["items"]], answer["next_cursor"]

    first, cursor = page(limit="2")
    assert first == ["alpha", "bravo"] and cursor
    second, cursor = page(limit="2", cursor=cursor)
    assert second == ["charlie", "delta"] and cursor
    assert page(limit="2", cursor=cursor) == (["echo"], None)
    # a page that ends with the list has no cursor (no empty page to ask for), and the default page holds them all
    assert page(limit="5") == (["alpha", "bravo", "charlie", "delta", "echo"], None)
    assert page() == (["alpha", "bravo", "charlie", "delta", "echo"], None)
    # a cursor does not fix the page size: the next page may ask for another
    _, cursor = page(limit="1")
    assert cursor and page(limit="3", cursor=cursor) == (["bravo", "charlie", "delta"], page(limit="4")[1])


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "x" * 4001}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_a_bad_cursor_or_limit_is_a_400_naming_it(cloud: Cloud, query: dict[str, str], named: str) -> None:
    status, answer = agent("GET", "/api/v1/admin/organizations", query=query, claims=ADMIN)
    assert status == 400 and named in answer["message"], answer


def test_the_use_case_refuses_a_page_size_out_of_range_too(cloud: Cloud) -> None:
    admin_caller = Caller(id="admin-1", roles=["admin"])
    for limit in (0, -1, 101):
        with pytest.raises(InvalidInput, match="limit must be 1-100"):
            routing.admin_organizations(cloud.store, admin_caller, limit=limit, cursor=None)
    with pytest.raises(Forbidden):  # the role first
        routing.admin_organizations(cloud.store, Caller(id="sup-1", roles=["supervisor"]), limit=0, cursor="x")


def test_a_changed_cursor_or_another_lists_is_refused(cloud: Cloud) -> None:
    for org_id in ("alpha", "bravo"):
        cloud.store.routing.put_organization(Organization(id=org_id, name=org_id.title()))
    cursor = agent("GET", "/api/v1/admin/organizations", query={"limit": "1"}, claims=ADMIN)[1]["next_cursor"]
    payload, _, mac = cursor.partition(".")
    changed = f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{mac}"
    another = cursors.encode({"position": "elsewhere"}, cursors.query_fingerprint(list="tickets"))
    for bad in (changed, another):
        status, answer = agent("GET", "/api/v1/admin/organizations", query={"cursor": bad}, claims=ADMIN)
        assert status == 400 and "cursor is not valid" in answer["message"], answer


@pytest.mark.parametrize(
    "path",
    ["/api/v1/admin/agents", "/api/v1/admin/teams", "/api/v1/admin/teams/finance", "/api/v1/admin/organizations"],
)
def test_agents_and_supervisors_may_not_read_them(cloud: Cloud, path: str) -> None:
    for groups in ("[agent]", "[supervisor]"):
        status, answer = agent("GET", path, claims=agent_claims(groups=groups))
        assert status == 403, (groups, path, answer)
    assert agent("GET", path, claims=ADMIN)[0] in (200, 404)
