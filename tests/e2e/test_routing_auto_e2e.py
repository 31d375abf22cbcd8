"""Routing without anyone clicking, on a local cloud of this module's own, over HTTP (and the routing queue
where a test plays many deciders at once): a ticket that starts waiting is assigned within 5 s, freed room
is taken within 5 s, 50 claims of one ticket at once leave one owner, an assignment nobody answers goes to
another agent with an event saying why, 20 mixed tickets arriving while agents are online end where
expected, and the live figures show it (docs/routing.md).

The tests run in file order and each leaves the agents it used with no load: routing state (presence,
load) is global to the cloud."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LocalCloudProcess, synthesize_once
from tests.e2e.test_routing_e2e import CHATS, FORMS, PASSWORD, Api
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
USERS = ("agent1", "agent2", "agent3", "supervisor", "admin")


@pytest.fixture(scope="module")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    synthesize_once()
    base = tmp_path_factory.mktemp("routing-auto-cloud")
    cloud = LocalCloudProcess(base / "state", base / "local-cloud.log")
    try:
        cloud.start(reset=True)
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def http(local_cloud: LocalCloudProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=20.0) as client:
        yield client


@pytest.fixture(scope="module")
def people(local_cloud: LocalCloudProcess, http: httpx.Client) -> dict[str, tuple[Api, str]]:
    """Every demo user signed in, known to Kefu and away: name -> (api, agent id)."""
    out = {}
    for name in USERS:
        api = Api(http, local_cloud.login(f"{name}@example.com", PASSWORD))
        resp = api.call("PUT", "/me/presence", {"status": "away"})
        assert resp.status_code == 200, resp.text
        out[name] = (api, resp.json()["id"])
    return out


def set_profile(people: dict[str, tuple[Api, str]], name: str, teams: list[str], chats: int, **skills: int) -> None:
    admin = people["admin"][0]
    body = {"teams": teams, "skills": skills or {"consultation": 5}, "capacity": {"chat": chats, "ticket": chats}}
    resp = admin.call("PUT", f"/admin/agents/{people[name][1]}", body)
    assert resp.status_code == 200, resp.text


def presence(people: dict[str, tuple[Api, str]], name: str, status: str) -> None:
    resp = people[name][0].call("PUT", "/me/presence", {"status": status})
    assert resp.status_code == 200, resp.text


def chat(http: httpx.Client, text: str) -> str:
    started = http.post("/chat/web/sessions", json={"name": "Customer"})
    assert started.status_code == 201, started.text
    auth = {"Authorization": f"Bearer {started.json()['session_token']}"}
    said = http.post("/chat/web/messages", json={"text": text}, headers=auth)
    assert said.status_code == 202, said.text
    return str(started.json()["ticket_id"])


def ticket(api: Api, ticket_id: str) -> dict[str, Any]:
    resp = api.call("GET", f"/tickets/{ticket_id}")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def stored(api: Api, ticket_id: str) -> dict[str, Any]:
    return eventually(lambda: (r := api.call("GET", f"/tickets/{ticket_id}")).status_code == 200 and r.json(), "stored")


def load_of(people: dict[str, tuple[Api, str]], name: str) -> dict[str, int]:
    listed = people["admin"][0].call("GET", "/agents").json()["items"]
    return dict(next(a for a in listed if a["id"] == people[name][1])["load"])


def resolve(people: dict[str, tuple[Api, str]], ticket_id: str) -> None:
    resp = people["admin"][0].call("PATCH", f"/tickets/{ticket_id}", {"status": "resolved"})
    assert resp.status_code == 200, resp.text


def routing_queue_url(cloud: LocalCloudProcess) -> str:
    urls = cloud.client("sqs").list_queues()["QueueUrls"]
    return next(u for u in urls if u.rsplit("/", 1)[-1].endswith("RoutingQueue"))


def test_a_ticket_that_starts_waiting_is_assigned_within_5_s_and_freed_room_within_5_s(
    people: dict[str, tuple[Api, str]], http: httpx.Client
) -> None:
    run = uuid.uuid4().hex[:8]
    admin = people["admin"][0]
    set_profile(people, "agent3", ["general"], 1)
    presence(people, "agent3", "online")  # nothing waits yet: the agent takes nothing

    first = chat(http, f"hello, a question ({run}a)")
    stored(admin, first)  # ingest runs behind the queue; from here the ticket waits
    taken = eventually(
        lambda: (t := ticket(admin, first))["assignee"] == people["agent3"][1] and t,
        "the new ticket assigned without anyone clicking",
        timeout=5.0,
    )
    assert taken["status"] == "in_progress"
    assert [e["data"]["by"] for e in taken["events"] if e["type"] == "assigned"] == ["queue"]

    second = chat(http, f"another question ({run}b)")  # agent3 is full: it waits
    stored(admin, second)

    def general_waiting() -> int:
        figures = admin.call("GET", "/metrics/live").json()["routing"]
        return next((q["waiting"] for q in figures["queues"] if (q["team"], q["kind"]) == ("general", "chat")), 0)

    eventually(lambda: general_waiting() == 1, "the live figures count the waiting ticket")
    assert ticket(admin, second)["assignee"] is None
    figures = admin.call("GET", "/metrics/live").json()["routing"]
    online = {a["id"]: a for a in figures["agents"]}
    assert online[people["agent3"][1]]["load"]["chat"] == 1 and figures["agents_online"] >= 1

    resolve(people, first)  # room again: the waiting one is taken at once
    eventually(
        lambda: ticket(admin, second)["assignee"] == people["agent3"][1],
        "the freed room taken by the waiting ticket",
        timeout=5.0,
    )
    assert admin.call("GET", "/metrics/live").json()["routing"]["assignments_today"][0]["assigned"] >= 2
    resolve(people, second)
    presence(people, "agent3", "away")
    assert load_of(people, "agent3")["chat"] == 0


def test_fifty_claims_of_one_ticket_at_once_leave_one_owner(
    people: dict[str, tuple[Api, str]], http: httpx.Client, local_cloud: LocalCloudProcess
) -> None:
    """Every demo user may take it; 45 deciders on the routing queue and 5 agents coming online, all at
    once, each a claim of the one waiting ticket (as many run in parallel as the functions have workers)."""
    run = uuid.uuid4().hex[:8]
    team = f"race{run}"
    admin = people["admin"][0]
    ticket_id = chat(http, f"who gets this ({run})")
    stored(admin, ticket_id)
    resp = admin.call("POST", f"/tickets/{ticket_id}/assign", {"team": team})  # nobody of that team is online
    assert resp.status_code == 200, resp.text
    for name in USERS:
        set_profile(people, name, [team], 5)

    sqs = local_cloud.client("sqs")
    url = routing_queue_url(local_cloud)
    job = json.dumps({"kind": "route", "team": team, "work": "chat"})
    start = threading.Barrier(50)
    errors: list[str] = []

    def decider(i: int) -> None:
        start.wait()
        try:
            if i < len(USERS):
                presence(people, USERS[i], "online")
            else:
                sqs.send_message(QueueUrl=url, MessageBody=job)
        except Exception as err:
            errors.append(repr(err))

    threads = [threading.Thread(target=decider, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    owner = eventually(lambda: ticket(admin, ticket_id)["assignee"], "the ticket assigned")

    def settled() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (
            attributes["ApproximateNumberOfMessages"] == "0"
            and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        )

    eventually(settled, "every decider done", timeout=30.0)
    final = ticket(admin, ticket_id)
    assert final["assignee"] == owner
    assert len([e for e in final["events"] if e["type"] == "assigned" and e["data"].get("by") == "queue"]) == 1
    loads = {name: load_of(people, name)["chat"] for name in USERS}
    assert sum(loads.values()) == 1 and loads[next(n for n in USERS if people[n][1] == owner)] == 1
    resolve(people, ticket_id)
    for name in USERS:
        presence(people, name, "away")


def test_an_assignment_nobody_answers_goes_to_another_agent_with_the_reason(
    people: dict[str, tuple[Api, str]], http: httpx.Client
) -> None:
    run = uuid.uuid4().hex[:8]
    team = f"rs{run}"
    admin = people["admin"][0]
    resp = admin.call("PUT", f"/admin/teams/{team}", {"name": "Reassign", "reassign_after": "PT3S"})
    assert resp.status_code == 200, resp.text
    for name in ("agent1", "agent2"):
        set_profile(people, name, [team], 2)
        presence(people, name, "online")
    ticket_id = chat(http, f"is anyone there ({run})")
    stored(admin, ticket_id)
    assert admin.call("POST", f"/tickets/{ticket_id}/assign", {"team": team}).status_code == 200

    first = eventually(lambda: ticket(admin, ticket_id)["assignee"], "assigned in the team", timeout=5.0)
    second = eventually(
        lambda: (a := ticket(admin, ticket_id)["assignee"]) not in (None, first) and a,
        "sent back unanswered and assigned to the other agent",
        timeout=15.0,
    )
    events = ticket(admin, ticket_id)["events"]
    (back,) = [e for e in events if e["type"] == "unassigned"]
    assert back["data"]["reason"] == "no_answer" and back["data"]["from"] == first
    assert {first, second} == {people["agent1"][1], people["agent2"][1]}
    resolve(people, ticket_id)
    for name in ("agent1", "agent2"):
        presence(people, name, "away")


def test_twenty_mixed_tickets_arriving_while_agents_are_online_end_where_expected(
    people: dict[str, tuple[Api, str]], http: httpx.Client
) -> None:
    """The three agents of the other routing e2e, online before anything arrives: every ticket is assigned as
    it comes, by team, skill and capacity, with no one taking anything by hand."""
    run = uuid.uuid4().hex[:8]
    admin = people["admin"][0]
    profiles: dict[str, dict[str, Any]] = {
        "agent1": {"teams": ["finance"], "skills": {"after_sales": 5}, "capacity": {"chat": 3, "ticket": 3}},
        "agent2": {"teams": ["after_sales"], "skills": {"after_sales": 4}, "capacity": {"chat": 2, "ticket": 2}},
        "agent3": {
            "teams": ["general"],
            "skills": {"consultation": 3, "complaint": 3},
            "capacity": {"chat": 4, "ticket": 4},
        },
    }
    for name, profile in profiles.items():
        assert admin.call("PUT", f"/admin/agents/{people[name][1]}", profile).status_code == 200
        presence(people, name, "online")
    form = f"form-{run}"
    resp = admin.call("POST", "/admin/inboxes", {"id": form, "channel": "form", "name": "Contact", "credentials": {}})
    assert resp.status_code == 201, resp.text

    for i, (text, _) in enumerate(CHATS):
        chat(http, f"{text} ({run}c{i})")
    for i, (subject, body, _) in enumerate(FORMS):
        sent = http.post(
            f"/forms/{form}/tickets",
            json={
                "name": f"Form {i}",
                "email": f"f{i}-{run}@example.com",
                "subject": subject,
                "body": f"{body} ({run}f{i})",
            },
        )
        assert sent.status_code in (200, 201, 202), sent.text
    expected = {f"{run}c{i}": team for i, (_, team) in enumerate(CHATS)}
    expected |= {f"{run}f{i}": team for i, (_, _, team) in enumerate(FORMS)}

    def ours() -> dict[str, dict[str, Any]]:
        resp = admin.call("GET", "/tickets", q=run, limit="50")
        assert resp.status_code == 200, resp.text
        found = {}
        for item in resp.json()["items"]:
            said = item["subject"] + " " + item.get("last_message_preview", "")
            found[next(m for m in expected if f"({m})" in said)] = item
        return found

    def settled() -> dict[str, dict[str, Any]] | None:
        found = ours()
        assigned = [t for t in found.values() if t["assignee"]]
        return found if len(found) == 20 and len(assigned) == 17 else None

    tickets = eventually(settled, "20 tickets stored and 17 assigned without a click", timeout=30.0)
    agent_of = {people[name][1]: name for name in profiles}
    teams = {name: profile["teams"][0] for name, profile in profiles.items()}
    for marker, item in tickets.items():
        assert (item["team"] or "general") == expected[marker]
        if item["assignee"]:
            assert teams[agent_of[item["assignee"]]] == expected[marker]  # an agent of the ticket's team
            assert item["status"] == "in_progress"
    waiting = sorted(m for m, t in tickets.items() if t["assignee"] is None)
    # finance has 3 chat seats for 4 refund chats, after-sales 2 for 4; forms and general fit
    assert sorted(expected[m] for m in waiting) == ["after_sales", "after_sales", "finance"]
    assert all(m.startswith(f"{run}c") for m in waiting)
    assert {name: load_of(people, name) for name in profiles} == {
        "agent1": {"chat": 3, "ticket": 3},
        "agent2": {"chat": 2, "ticket": 2},
        "agent3": {"chat": 4, "ticket": 3},
    }
    figures = admin.call("GET", "/metrics/live").json()["routing"]
    waiting_by_team = {q["team"]: q["waiting"] for q in figures["queues"] if q["kind"] == "chat"}
    assert (waiting_by_team.get("finance"), waiting_by_team.get("after_sales")) == (1, 2)
