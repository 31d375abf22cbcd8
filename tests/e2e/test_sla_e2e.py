"""SLA timers on the local cloud: the state machine from the template runs each ticket's timers on the
emulator (Wait until the due time, a DynamoDB read, the SLA function through its own runtime), so what is
checked here is what runs in AWS. Policies use seconds (PT6S) so the timers fire within a test.

- unanswered: warned, then level 1 (the team's supervisors), then level 2 (the expert team), each with a
  notification in the app and on the SLA topic;
- answered in time: no escalation, and the resolution clock pauses while waiting on the customer;
- priority raised: new due times, the old execution stopped, one live timer;
- paused while waiting on the customer, resumed when the customer writes;
- business hours: a ticket created while the team is closed is due after the opening, not at night.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kefu.clock import iso, parse_iso
from tests.e2e.conftest import LocalCloudProcess, synthesize_once
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
PASSWORD = "Kefu-demo-1"


class Api:
    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
        return self.http.request(method, f"/api/v1{path}", headers=self.headers, json=body, params=params)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        resp = self.call(method, path, body)
        assert resp.status_code == status, resp.text
        return resp.json()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    """A cloud of this module's own: the policies and the team calendar here are global state."""
    synthesize_once()
    base = tmp_path_factory.mktemp("sla-cloud")
    local = LocalCloudProcess(base / "state", base / "local-cloud.log")
    try:
        local.start(reset=True)
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def http(cloud: LocalCloudProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cloud.url, timeout=15.0) as client:
        yield client


@pytest.fixture(scope="module")
def admin(cloud: LocalCloudProcess, http: httpx.Client) -> Api:
    api = Api(http, cloud.login("admin@example.com", PASSWORD))
    policies = [
        # unanswered tickets escalate within seconds: warn at 3 s, level 1 at 6 s, level 2 at 10 s
        {"name": "e2e urgent", "priority": "urgent", "first_response": "PT6S", "next_response": "PT6S",
         "resolution": "PT1H", "warn_at": 0.5, "level2_after": "PT4S"},
        # the resolution clock alone, paused while waiting on the customer
        {"name": "e2e high", "priority": "high", "first_response": "PT1H", "resolution": "PT8S",
         "level2_after": None},
        # counted in the team's business hours
        {"name": "e2e low", "priority": "low", "first_response": "PT5S", "calendar": "business",
         "level2_after": None},
    ]  # fmt: skip
    for policy in policies:
        api.ok("POST", "/admin/sla-policies", policy, status=201)
    return api


@pytest.fixture(scope="module")
def notices(cloud: LocalCloudProcess) -> Any:
    """The SLA topic, read through an SQS queue subscribed to it (as an operator's integration would)."""
    sns, sqs = cloud.client("sns"), cloud.client("sqs")
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if "SlaTopic" in t["TopicArn"])
    url = sqs.create_queue(QueueName=f"sla-notices-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    seen: list[dict[str, Any]] = []

    def read(ticket_id: str) -> list[dict[str, Any]]:
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [n for n in seen if n["ticket_id"] == ticket_id]

    return read


def open_ticket(http: httpx.Client, text: str) -> tuple[str, str]:
    started = http.post("/chat/web/sessions", json={"name": "SLA e2e"})
    assert started.status_code == 201, started.text
    session = started.json()
    said = http.post(
        "/chat/web/messages", json={"text": text}, headers={"Authorization": f"Bearer {session['session_token']}"}
    )
    assert said.status_code == 202, said.text
    return str(session["ticket_id"]), str(session["session_token"])


def ticket(api: Api, ticket_id: str) -> dict[str, Any]:
    resp = api.call("GET", f"/tickets/{ticket_id}")
    return resp.json() if resp.status_code == 200 else {}


def stored(api: Api, ticket_id: str) -> dict[str, Any]:
    return eventually(lambda: ticket(api, ticket_id), f"ticket {ticket_id} stored")


def events_of(detail: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in detail.get("events", []) if e["type"] == kind]


def executions(cloud: LocalCloudProcess, ticket_id: str) -> dict[str, str]:
    sfn = cloud.client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if "Sla" in m["name"])
    found = sfn.list_executions(stateMachineArn=machine)["executions"]
    return {e["name"]: e["status"] for e in found if e["name"].startswith(ticket_id)}


def test_an_unanswered_ticket_is_warned_then_escalated_twice(
    cloud: LocalCloudProcess, http: httpx.Client, admin: Api, notices: Any
) -> None:
    ticket_id, _ = open_ticket(http, "nobody answers me")
    stored(admin, ticket_id)
    admin.ok("PATCH", f"/tickets/{ticket_id}", {"priority": "urgent"})
    detail = ticket(admin, ticket_id)
    assert detail["sla"]["policy"] == "e2e-urgent"
    due = parse_iso(detail["sla"]["first_response_due_at"])

    warned = eventually(lambda: events_of(d := ticket(admin, ticket_id), "sla_warning") and d, "warned", 20)
    assert warned["escalation_level"] == 0
    level1 = eventually(lambda: (d := ticket(admin, ticket_id))["escalation_level"] == 1 and d, "level 1", 20)
    assert level1["sla"]["breached"] is True and level1["sla"]["breaches"] == ["first_response"]
    first = events_of(level1, "escalated")[0]
    assert parse_iso(first["created_at"]) >= due  # never before the due time
    level2 = eventually(lambda: (d := ticket(admin, ticket_id))["escalation_level"] == 2 and d, "level 2", 20)
    assert level2["team"] == "experts" and level2["assignee"] is None and level2["status"] == "pending"
    kinds = [
        (n["kind"], n["level"], n["recipient"])
        for n in eventually(lambda: len(notices(ticket_id)) >= 3 and notices(ticket_id), "3 notices")
    ]
    assert kinds == [
        ("sla_warning", 0, "team#general"),
        ("escalated", 1, "supervisors#general"),
        ("escalated", 2, "team#experts"),
    ]
    # the supervisors of the team read the escalation in the app
    supervisor = Api(http, cloud.login("supervisor@example.com", PASSWORD))
    me = supervisor.ok("GET", "/me")
    admin.ok(
        "PUT",
        f"/admin/agents/{me['id']}",
        {"teams": ["general", "experts"], "skills": {}, "capacity": {"chat": 0, "ticket": 0}},
    )
    feed = supervisor.ok("GET", "/notifications")["items"]
    assert {(n["kind"], n["level"]) for n in feed if n["ticket_id"] == ticket_id} >= {
        ("escalated", 1),
        ("escalated", 2),
    }


def test_a_ticket_answered_in_time_is_not_escalated(cloud: LocalCloudProcess, http: httpx.Client, admin: Api) -> None:
    ticket_id, _ = open_ticket(http, "please answer quickly")
    stored(admin, ticket_id)
    admin.ok("PATCH", f"/tickets/{ticket_id}", {"priority": "urgent"})
    admin.ok("POST", f"/tickets/{ticket_id}/messages", {"body": "Here I am", "internal": False}, status=201)
    detail = ticket(admin, ticket_id)
    assert detail["sla"]["first_response_met"] is True
    assert detail["sla"]["waiting_on_customer"] is True and detail["sla"]["resolution_due_at"] is None
    # past every step the first response had (level 2 at 10 s): nothing fired
    eventually(lambda: all(s != "RUNNING" for s in executions(cloud, ticket_id).values()), "timers ended", 20)
    later = ticket(admin, ticket_id)
    assert later["escalation_level"] == 0 and later["sla"]["breached"] is False
    assert not events_of(later, "escalated") and not events_of(later, "sla_warning")


def test_a_raised_priority_replaces_the_timer(cloud: LocalCloudProcess, http: httpx.Client, admin: Api) -> None:
    ticket_id, _ = open_ticket(http, "not urgent yet")
    first = stored(admin, ticket_id)
    assert first["sla"]["policy"] == "default"
    generation_one = eventually(lambda: executions(cloud, ticket_id), "the first timer started")
    assert list(generation_one.values()) == ["RUNNING"]
    raised = admin.ok("PATCH", f"/tickets/{ticket_id}", {"priority": "urgent"})
    assert parse_iso(raised["sla"]["first_response_due_at"]) < parse_iso(first["sla"]["first_response_due_at"])

    def replaced() -> dict[str, str] | None:
        now = executions(cloud, ticket_id)
        running = [name for name, status in now.items() if status == "RUNNING"]
        return now if len(now) == 2 and len(running) == 1 and running[0] not in generation_one else None

    states = eventually(replaced, "the old timer stopped and one new one running")
    assert states[next(iter(generation_one))] == "ABORTED"


def test_the_resolution_clock_pauses_while_waiting_on_the_customer(
    cloud: LocalCloudProcess, http: httpx.Client, admin: Api
) -> None:
    ticket_id, token = open_ticket(http, "my parcel is lost")
    stored(admin, ticket_id)
    admin.ok("PATCH", f"/tickets/{ticket_id}", {"priority": "high"})
    admin.ok("POST", f"/tickets/{ticket_id}/messages", {"body": "Which order?", "internal": False}, status=201)
    paused = ticket(admin, ticket_id)
    assert paused["sla"]["waiting_on_customer"] is True and paused["sla"]["resolution_due_at"] is None
    eventually(lambda: all(s != "RUNNING" for s in executions(cloud, ticket_id).values()), "no timer while paused")
    assert ticket(admin, ticket_id)["escalation_level"] == 0
    # the customer answers: the clock runs again with what was left of the 8 s, and breaches
    said = http.post("/chat/web/messages", json={"text": "order 42"}, headers={"Authorization": f"Bearer {token}"})
    assert said.status_code == 202
    resumed = eventually(lambda: (d := ticket(admin, ticket_id))["sla"]["resolution_due_at"] and d, "clock resumed")
    assert resumed["sla"]["waiting_on_customer"] is False
    breached = eventually(
        lambda: (d := ticket(admin, ticket_id))["escalation_level"] == 1 and d, "resolution breached", 20
    )
    assert breached["sla"]["breaches"] == ["resolution"]


def test_a_breach_outside_business_hours_waits_for_the_opening(
    cloud: LocalCloudProcess, http: httpx.Client, admin: Api
) -> None:
    now = datetime.now(UTC)
    if now.hour == 23 and now.minute >= 50:
        pytest.skip("the test's calendar would cross midnight")
    opens = (now + timedelta(seconds=25)).replace(microsecond=0)
    calendar = {"timezone": "UTC", "days": list(range(7)), "opens": f"{opens:%H:%M:%S}", "closes": "23:59:59"}
    admin.ok("PUT", "/admin/teams/night", {"name": "Night shift", "calendar": calendar})
    ticket_id, _ = open_ticket(http, "written at night")
    stored(admin, ticket_id)
    admin.ok("POST", f"/tickets/{ticket_id}/assign", {"team": "night"})
    detail = admin.ok("PATCH", f"/tickets/{ticket_id}", {"priority": "low"})
    assert detail["sla"]["policy"] == "e2e-low" and detail["sla"]["calendar"] == "business"
    assert detail["sla"]["first_response_due_at"] == iso(opens + timedelta(seconds=5))
    # closed hours pass without an escalation; it comes after the opening
    escalated = eventually(lambda: (d := ticket(admin, ticket_id))["escalation_level"] == 1 and d, "breached", 60)
    at = parse_iso(events_of(escalated, "escalated")[0]["created_at"])
    assert at >= opens + timedelta(seconds=5)
