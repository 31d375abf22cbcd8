"""The live figures (``GET /api/v1/metrics/live``, routing section) on the real store (moto): the stream
keeps the queue and assignment counters as tickets enter and leave the queue, the figures read them and the
sparse indexes, and the API answers them to any signed-in agent."""

from __future__ import annotations

import json
from typing import Any

from agent_api.handler import lambda_handler as agent_api
from kefu.auth import Caller
from kefu.services import agents, metrics
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_routing import agent, say
from tests.support.aws_events import FakeContext, agent_claims, api_event


def drain_stream(cloud: Cloud) -> None:
    """Play the stream mapping until it has nothing more to deliver (each call reads what came since)."""
    for _ in range(5):
        assert cloud.run_stream(stream) == {"batchItemFailures": []}


def routing_figures(cloud: Cloud) -> dict[str, Any]:
    drain_stream(cloud)
    figures = metrics.live(cloud.store, Caller(id="sup", roles=["supervisor"]))
    return dict(figures["routing"])


def test_queue_length_longest_wait_time_to_assignment_and_agents_online(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "ag-1", teams=["finance"], skills={"after_sales": 5}, chats=1)
    agents.set_presence(store, Caller(id="ag-1", roles=["agent"]), "away")
    first = say(store, "8613800000101", "我要退款", "wamid.live1")
    second = say(store, "8613800000102", "refund please", "wamid.live2")
    say(store, "8613800000103", "hello there", "wamid.live3")

    figures = routing_figures(cloud)
    queues = {(q["team"], q["kind"]): q for q in figures["queues"]}
    assert queues[("finance", "chat")]["waiting"] == 2
    assert queues[("general", "chat")]["waiting"] == 1
    assert queues[("finance", "chat")]["longest_wait_seconds"] >= 0
    assert {t["team"]: t["waiting"] for t in figures["teams"]} == {"finance": 2, "general": 1}
    assert figures["agents_online"] == 0
    assert figures["assignments_today"][0] == {
        "team": None,
        "assigned": 0,
        "average_wait_seconds": None,
        "median_wait_seconds_at_most": None,
    }

    # online with room for one: the oldest of the two finance tickets is assigned
    agents.set_presence(store, Caller(id="ag-1", roles=["agent"]), "online")
    assert store.tickets.get(first).assignee == "ag-1" and store.tickets.get(second).assignee is None
    figures = routing_figures(cloud)
    queues = {(q["team"], q["kind"]): q for q in figures["queues"]}
    assert queues[("finance", "chat")]["waiting"] == 1
    total, finance = figures["assignments_today"]
    assert total["team"] is None and total["assigned"] == 1 and finance["team"] == "finance"
    assert finance["average_wait_seconds"] is not None and finance["median_wait_seconds_at_most"] == 5.0
    assert figures["agents_online"] == 1
    assert figures["agents"] == [
        {"id": "ag-1", "teams": ["finance"], "load": {"chat": 1, "ticket": 0}, "capacity": {"chat": 1, "ticket": 0}}
    ]

    # offline: out of the online list, and the ticket back in the queue
    agents.set_presence(store, Caller(id="ag-1", roles=["agent"]), "offline")
    figures = routing_figures(cloud)
    assert figures["agents_online"] == 0
    assert {(q["team"], q["kind"]): q["waiting"] for q in figures["queues"]}[("finance", "chat")] == 2


def test_an_empty_queue_shows_empty_even_if_its_counter_drifted(cloud: Cloud) -> None:
    store = cloud.store
    store.routing.count_waiting("finance", "chat", +3)  # as a replayed stream batch might leave it
    queues = {(q["team"], q["kind"]): q for q in routing_figures(cloud)["queues"]}
    assert queues[("finance", "chat")] == {
        "team": "finance",
        "kind": "chat",
        "waiting": 0,
        "longest_wait_seconds": None,
    }


def test_the_api_answers_the_live_figures_to_any_agent(cloud: Cloud) -> None:
    say(cloud.store, "8613800000104", "refund", "wamid.live4")
    drain_stream(cloud)
    event = api_event("GET", "/api/v1/metrics/live", claims=agent_claims("ag-9", groups="agent"))
    response = agent_api(event, FakeContext())
    assert response["statusCode"] == 200, response["body"]
    body = json.loads(response["body"])
    assert set(body) == {"generated_at", "routing", "sla", "kb", "csat"}
    (finance,) = body["routing"]["teams"]
    assert finance["team"] == "finance" and finance["waiting"] == 1 and finance["longest_wait_seconds"] >= 0
