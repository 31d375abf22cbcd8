"""Routing on the local cloud, over HTTP only: three agents with different teams, skills and capacities, 20
mixed tickets from web chat and a web form; the rules classify them as they arrive, the agents coming online
take them by team, skill and capacity, and capacity freed by a resolve goes to the next waiting ticket at
once (docs/routing.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LocalCloudProcess, synthesize_once
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
PASSWORD = "Kefu-demo-1"  # the local cloud's demo users (docs/contract.md)
# (text, the team the rules send it to); forms: (subject, body, team)
CHATS = [
    ("我要退款，订单还没发货", "finance"),
    ("I want a refund for my order", "finance"),
    ("重复支付了两笔，请退款", "finance"),
    ("please refund the shipping fee", "finance"),
    ("衣服尺码不合适，想换货", "after_sales"),
    ("The blender arrived cracked, how do I return it?", "after_sales"),
    ("耳机坏了，还在保修期吗", "after_sales"),
    ("my kettle is broken", "after_sales"),
    ("请问什么时候发货", "general"),
    ("Do you ship to Canada?", "general"),
    ("我要投诉你们的快递员", "general"),
    ("This is the worst service, I want to complain", "general"),
]
FORMS = [
    ("退款申请", "发票开错了，要求退款", "finance"),
    ("Refund", "Please refund order 4412", "finance"),
    ("Money back", "I was charged twice, money back please", "finance"),
    ("退货", "我要退货，商品有质量问题", "after_sales"),
    ("Repair", "The washing machine needs a repair", "after_sales"),
    ("咨询", "企业采购有折扣吗", "general"),
    ("Question", "What are your opening hours?", "general"),
    ("Invoice", "Can I get a VAT invoice?", "general"),
]


class Api:
    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
        return self.http.request(method, f"/api/v1{path}", headers=self.headers, json=body, params=params)


@pytest.fixture(scope="module")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    """A cloud of this module's own: routing reads global state (the rule set, every agent's profile and
    presence) that other suites on the shared cloud change at random (schemathesis as admin)."""
    synthesize_once()
    base = tmp_path_factory.mktemp("routing-cloud")
    cloud = LocalCloudProcess(base / "state", base / "local-cloud.log")
    try:
        cloud.start(reset=True)
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture
def http(local_cloud: Any) -> Any:
    with httpx.Client(base_url=local_cloud.url, timeout=15.0) as client:
        yield client


def test_mixed_tickets_end_where_expected(local_cloud: Any, http: httpx.Client) -> None:
    run = uuid.uuid4().hex[:8]
    admin = Api(http, local_cloud.login("admin@example.com", PASSWORD))
    agents = {n: Api(http, local_cloud.login(f"agent{n}@example.com", PASSWORD)) for n in (1, 2, 3)}
    ids = {}
    for n, api in agents.items():
        resp = api.call("PUT", "/me/presence", {"status": "away"})  # known to Kefu, not taking work yet
        assert resp.status_code == 200, resp.text
        ids[n] = resp.json()["id"]
    profiles = {
        1: {"teams": ["finance"], "skills": {"after_sales": 5}, "capacity": {"chat": 3, "ticket": 3}},
        2: {"teams": ["after_sales"], "skills": {"after_sales": 4}, "capacity": {"chat": 2, "ticket": 2}},
        3: {"teams": ["general"], "skills": {"consultation": 3, "complaint": 3}, "capacity": {"chat": 4, "ticket": 4}},
    }
    for n, profile in profiles.items():
        resp = admin.call("PUT", f"/admin/agents/{ids[n]}", profile)
        assert resp.status_code == 200, resp.text
    assert agents[1].call("PUT", f"/admin/agents/{ids[1]}", profiles[1]).status_code == 403
    form = f"form-{run}"
    resp = admin.call("POST", "/admin/inboxes", {"id": form, "channel": "form", "name": "Contact", "credentials": {}})
    assert resp.status_code == 201, resp.text

    chats, forms = CHATS, FORMS
    for i, (text, _) in enumerate(chats):
        started = http.post("/chat/web/sessions", json={"name": f"Chat {i}"})
        assert started.status_code == 201, started.text
        auth = {"Authorization": f"Bearer {started.json()['session_token']}"}
        said = http.post("/chat/web/messages", json={"text": f"{text} ({run}c{i})"}, headers=auth)
        assert said.status_code == 202, said.text
    for i, (subject, body, _) in enumerate(forms):
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

    def ours() -> list[dict[str, Any]]:
        resp = admin.call("GET", "/tickets", q=run, limit="50")
        assert resp.status_code == 200, resp.text
        return list(resp.json()["items"])

    tickets = eventually(lambda: (found := ours()) and len(found) == 20 and found, "20 tickets stored")
    expected = {f"{run}c{i}": team for i, (_, team) in enumerate(chats)}
    expected |= {f"{run}f{i}": team for i, (_, _, team) in enumerate(forms)}

    def marker(ticket: dict[str, Any]) -> str:
        said = ticket["subject"] + " " + ticket.get("last_message_preview", "")
        return next(m for m in expected if f"({m})" in said)  # whole: c1 is not c11

    by_marker = {marker(t): t for t in tickets}
    assert {m: (t["team"] or "general") for m, t in by_marker.items()} == expected
    assert all(t["assignee"] is None and t["status"] == "pending" for t in tickets)  # everyone is away
    assert {m: t["type"] for m, t in by_marker.items() if expected[m] == "finance"} == dict.fromkeys(
        [m for m in expected if expected[m] == "finance"], "after_sales"
    )

    for n in (1, 2, 3):
        assert agents[n].call("PUT", "/me/presence", {"status": "online"}).status_code == 200
    tickets = {marker(t): t for t in ours()}
    held = {n: sorted(m for m, t in tickets.items() if t["assignee"] == ids[n]) for n in (1, 2, 3)}

    def first_in_queue(markers: list[str], seats: int) -> list[str]:
        """Of equal priority and tier, the soonest due (then oldest) take the seats: ingest runs in parallel,
        so the order is the stored one, not the order of sending."""
        ranked = sorted(markers, key=lambda m: (tickets[m]["sla"]["first_response_due_at"], tickets[m]["created_at"]))
        return ranked[:seats]

    finance_chats = first_in_queue([f"{run}c{i}" for i in range(4)], 3)
    after_sales_chats = first_in_queue([f"{run}c{i}" for i in range(4, 8)], 2)
    assert held[1] == sorted([*finance_chats, f"{run}f0", f"{run}f1", f"{run}f2"])
    assert held[2] == sorted([*after_sales_chats, f"{run}f3", f"{run}f4"])
    assert held[3] == sorted([f"{run}c{i}" for i in (8, 9, 10, 11)] + [f"{run}f{i}" for i in (5, 6, 7)])
    waiting = sorted(m for m, t in tickets.items() if t["assignee"] is None)
    assert len(waiting) == 3 and all(tickets[m]["status"] == "pending" for m in waiting)
    (next_refund,) = [m for m in waiting if expected[m] == "finance"]

    first = tickets[finance_chats[0]]["id"]
    resp = agents[1].call("PATCH", f"/tickets/{first}", {"status": "resolved"})
    assert resp.status_code == 200, resp.text
    taken = eventually(
        lambda: (
            (t := agents[1].call("GET", f"/tickets/{tickets[next_refund]['id']}").json())["assignee"] == ids[1] and t
        ),
        "the freed chat seat taken by the waiting refund",
        timeout=5.0,
    )
    assert taken["status"] == "in_progress"
    listed = agents[3].call("GET", "/agents").json()["items"]
    loads = {a["id"]: a["load"] for a in listed if a["id"] in ids.values()}
    assert loads == {
        ids[1]: {"chat": 3, "ticket": 3},
        ids[2]: {"chat": 2, "ticket": 2},
        ids[3]: {"chat": 4, "ticket": 3},
    }
