"""Routing without anyone clicking, on the real store and queues (moto): the stream asks the routing
function to assign a ticket that starts waiting, and queues routing's timers; the routing function assigns,
sends back an unanswered assignment (with its event, not to the same agent), takes an agent whose heartbeats
stopped offline, and counts a reopened ticket against its assignee again."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from routing.handler import lambda_handler as routing_function

from kefu.auth import Caller
from kefu.clock import iso, now, parse_iso
from kefu.models import AuthorType, Direction, TicketStatus
from kefu.routing.jobs import JobKind, RoutingJob
from kefu.routing.queue import Shift, Team
from kefu.routing.rules import BusinessHours, written
from kefu.services import agents, routing, routing_jobs, tickets
from kefu.services.tickets import TicketChanges
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_routing import agent, profile, say


def settle(cloud: Cloud, rounds: int = 4) -> None:
    """Play the stream mapping and the routing queue's mapping until both have nothing to hand over."""
    for _ in range(rounds):
        assert cloud.run_stream(stream) == {"batchItemFailures": []}
        assert cloud.run_sqs(routing_function, cloud.routing_url) == {"batchItemFailures": []}


def delayed_jobs(cloud: Cloud) -> int:
    attributes = cloud.sqs.get_queue_attributes(QueueUrl=cloud.routing_url, AttributeNames=["All"])["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessagesDelayed", 0))


def events_of(cloud: Cloud, ticket_id: str, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in cloud.store.tickets.thread(ticket_id)[1] if e.type == kind]


def test_a_ticket_that_starts_waiting_is_assigned_by_the_stream_and_the_routing_function(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=2)
    ticket_id = say(store, "8613800000201", "我要退款", "wamid.j1")
    assert store.tickets.get(ticket_id).assignee is None  # ingest only queues it
    settle(cloud)
    ticket = store.tickets.get(ticket_id)
    assert (ticket.assignee, ticket.status) == ("a1", TicketStatus.IN_PROGRESS)
    assert events_of(cloud, ticket_id, "assigned")[0]["by"] == "queue"
    assert profile(store, "a1").load["chat"] == 1


def test_a_route_job_twice_assigns_once(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=5)
    ticket_id = say(store, "8613800000202", "hello", "wamid.j2")
    job = RoutingJob(kind=JobKind.ROUTE, team="general", work="chat")
    assert routing_jobs.run(store, job) == "assigned_1"
    assert routing_jobs.run(store, job) == "assigned_0"
    assert len(events_of(cloud, ticket_id, "assigned")) == 1 and profile(store, "a1").load["chat"] == 1


def test_an_unanswered_assignment_goes_back_and_to_another_agent(cloud: Cloud) -> None:
    store = cloud.store
    routing.admin_save_team(
        store, Caller(id="adm", roles=["admin"]), Team(id="finance", name="F", reassign_after="PT30S")
    )
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=2)
    ticket_id = say(store, "8613800000203", "refund please", "wamid.j3")
    settle(cloud, rounds=1)  # assigned to a1 (the only one)
    assert store.tickets.get(ticket_id).assignee == "a1"
    cloud.run_stream(stream)  # the assigned event: the check is queued, 30 s away
    assert delayed_jobs(cloud) == 1
    agent(store, "a2", teams=["finance"], skills={"after_sales": 5}, chats=2)
    (assigned,) = [e for e in store.tickets.thread(ticket_id)[1] if e.type == "assigned"]
    check = RoutingJob(kind=JobKind.CHECK_ASSIGNMENT, ticket_id=ticket_id, agent_id="a1", since=assigned.created_at)

    early = check.model_copy(update={"due_at": iso(now() + timedelta(seconds=30))})
    assert routing_jobs.run(store, early) == "delayed_again"  # came back before it was due: waits the rest
    assert routing_jobs.run(store, check) == "sent_back"
    assert events_of(cloud, ticket_id, "unassigned") == [
        {"from": "a1", "reason": "no_answer", "by": "queue", "assigned_at": assigned.created_at}
    ]
    assert profile(store, "a1").load["chat"] == 0
    settle(cloud)
    ticket = store.tickets.get(ticket_id)
    assert ticket.assignee == "a2" and ticket.passed_over is None  # a1 had more room, but did not answer
    assert routing_jobs.run(store, check) == "reassigned_already"  # the old check, again: nothing


def test_room_an_unanswered_assignment_gives_back_goes_to_the_agents_other_team_at_once(cloud: Cloud) -> None:
    """The sent-back ticket's new entry asks only for its own queue; the agent's freed room is used in all
    their teams at once, as when any other capacity frees."""
    store = cloud.store
    agent(store, "a1", teams=["finance", "general"], skills={"after_sales": 5, "consultation": 5}, chats=1)
    refund = say(store, "8613800000211", "refund please", "wamid.j11")
    settle(cloud)
    hello = say(store, "8613800000212", "hello", "wamid.j12")  # general's, and a1 is full
    settle(cloud)
    assert store.tickets.get(refund).assignee == "a1" and store.tickets.get(hello).assignee is None
    assert routing.send_back(store, refund, "a1", "no_answer", pass_over=True) is not None
    assert store.tickets.get(hello).assignee == "a1"  # at once, not at the next event of general's queue
    settle(cloud)
    waiting = store.tickets.get(refund)
    assert waiting.assignee is None and waiting.passed_over == "a1" and profile(store, "a1").load["chat"] == 1


def test_a_ticket_left_waiting_is_routed_again_when_its_skill_requirement_relaxes(cloud: Cloud) -> None:
    """Nothing happens when a relaxation step begins, so the route job that left the ticket waiting sets a
    timer for it: at 60 s the novice may take it."""
    store = cloud.store
    agent(store, "a1", teams=["finance"], skills={"after_sales": 1}, chats=2)  # below 3: not at once
    ticket_id = say(store, "8613800000213", "refund please", "wamid.j13")
    settle(cloud)
    ticket = store.tickets.get(ticket_id)
    assert ticket.assignee is None and ticket.queued_at is not None
    assert delayed_jobs(cloud) == 1  # the timer for the next step, and only one
    entered = parse_iso(ticket.queued_at)
    timer = RoutingJob(
        kind=JobKind.ROUTE,
        team="finance",
        work="chat",
        ticket_id=ticket_id,
        since=ticket.queued_at,
        due_at=iso(entered + timedelta(seconds=60)),
    )
    assert routing_jobs.run(store, timer, entered + timedelta(seconds=30)) == "delayed_again"
    assert routing_jobs.run(store, timer, entered + timedelta(seconds=61)) == "assigned_1"
    assigned = store.tickets.get(ticket_id)
    assert assigned.assignee == "a1" and events_of(cloud, ticket_id, "assigned")[0]["min_proficiency"] == 1


def test_the_relaxation_timer_stops_when_the_ticket_is_taken_or_waits_again(cloud: Cloud) -> None:
    store = cloud.store
    ticket_id = say(store, "8613800000214", "refund please", "wamid.j14")  # nobody in finance
    ticket = store.tickets.get(ticket_id)
    assert ticket.queued_at is not None
    job = RoutingJob(kind=JobKind.ROUTE, team="finance", work="chat", ticket_id=ticket_id, since=ticket.queued_at)
    before = delayed_jobs(cloud)
    assert routing_jobs.run(store, job) == "assigned_0"
    assert delayed_jobs(cloud) == before + 1  # waits: a timer for 60 s
    stale = job.model_copy(update={"since": "2026-01-01T00:00:00.000Z"})  # an earlier stint in the queue
    assert routing_jobs.run(store, stale) == "assigned_0"
    assert delayed_jobs(cloud) == before + 1  # no timer for a stint that is over
    later = parse_iso(ticket.queued_at) + timedelta(minutes=5)
    assert routing_jobs.run(store, job, later) == "assigned_0"
    assert delayed_jobs(cloud) == before + 1  # the last step has begun: nothing left to wait for


def test_an_answered_assignment_stays(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=2)
    ticket_id = say(store, "8613800000204", "refund", "wamid.j4")
    settle(cloud, rounds=1)
    tickets.reply(store, Caller(id="a1", roles=["agent"]), ticket_id, "we are on it", internal=False)
    (assigned,) = [e for e in store.tickets.thread(ticket_id)[1] if e.type == "assigned"]
    check = RoutingJob(kind=JobKind.CHECK_ASSIGNMENT, ticket_id=ticket_id, agent_id="a1", since=assigned.created_at)
    assert routing_jobs.run(store, check) == "answered"
    assert store.tickets.get(ticket_id).assignee == "a1"


def test_presence_expires_without_a_heartbeat_and_the_tickets_go_to_someone_else(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=2)
    agents.set_presence(store, Caller(id="a1", roles=["agent"]), "away")
    agents.set_presence(store, Caller(id="a1", roles=["agent"]), "online")  # the first heartbeat
    seen_at = profile(store, "a1").seen_at
    assert seen_at is not None
    ticket_id = say(store, "8613800000205", "hello", "wamid.j5")
    settle(cloud, rounds=1)
    assert store.tickets.get(ticket_id).assignee == "a1"
    assert delayed_jobs(cloud) == 1  # the presence check after the heartbeat
    agent(store, "a2", teams=["general"], skills={"consultation": 5}, chats=2)

    stale = RoutingJob(kind=JobKind.CHECK_PRESENCE, agent_id="a1", since="2026-01-01T00:00:00.000Z")
    assert routing_jobs.run(store, stale) == "heartbeat_since"
    check = RoutingJob(kind=JobKind.CHECK_PRESENCE, agent_id="a1", since=seen_at)
    assert routing_jobs.run(store, check) == "expired"
    found = store.agents.find("a1")
    assert profile(store, "a1").presence == "offline" and found is not None and found.presence == "offline"
    assert events_of(cloud, ticket_id, "unassigned")[0]["reason"] == "presence_expired"
    settle(cloud)
    assert store.tickets.get(ticket_id).assignee == "a2"


def test_a_heartbeat_is_written_now_and_then_not_every_time(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    store = cloud.store
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=2)
    caller = Caller(id="a1", roles=["agent"])
    agents.set_presence(store, caller, "online")
    first = profile(store, "a1")
    agents.set_presence(store, caller, "online")  # at once again: not worth a write
    assert profile(store, "a1").version == first.version


def test_a_reopened_ticket_counts_against_its_assignee_again(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=2)
    ticket_id = say(store, "8613800000206", "hello", "wamid.j6")
    settle(cloud)
    caller = Caller(id="a1", roles=["agent"])
    tickets.update_ticket(store, caller, ticket_id, TicketChanges(status=TicketStatus.RESOLVED))
    assert profile(store, "a1").load["chat"] == 0
    assert say(store, "8613800000206", "it broke again", "wamid.j7") == ticket_id  # reopened, back to a1
    settle(cloud)
    ticket = store.tickets.get(ticket_id)
    assert (ticket.assignee, ticket.load_holder, ticket.status) == ("a1", "a1", TicketStatus.IN_PROGRESS)
    assert profile(store, "a1").load["chat"] == 1
    assert routing_jobs.run(store, RoutingJob(kind=JobKind.COUNT_REOPENED, ticket_id=ticket_id)) == "nothing_to_count"
    tickets.update_ticket(store, caller, ticket_id, TicketChanges(status=TicketStatus.RESOLVED))
    assert profile(store, "a1").load["chat"] == 0  # given back once more, once


def test_between_shifts_a_ticket_waits_for_the_next_shift(cloud: Cloud) -> None:
    """Night duty: the team's only shift is over, so the online agent gets nothing now; the route job comes
    back when the next shift starts and the ticket is assigned then."""
    store = cloud.store
    moment = now()
    start = (moment + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    end = (moment + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    calendar = BusinessHours(timezone="UTC")
    team = Team(id="finance", name="F", calendar=calendar, shifts=[Shift(name="later", opens=start, closes=end)])
    routing.admin_save_team(store, Caller(id="adm", roles=["admin"]), team)
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=2)
    ticket_id = say(store, "8613800000207", "refund please", "wamid.j8")
    job = RoutingJob(kind=JobKind.ROUTE, team="finance", work="chat")
    assert routing_jobs.run(store, job, moment) == "waits_for_next_shift"
    assert routing.assign_next(store, "finance", "chat") is None  # an agent coming online gets nothing either
    assert store.tickets.get(ticket_id).assignee is None and delayed_jobs(cloud) == 1
    opening = team.next_opening(moment)
    due = job.model_copy(update={"due_at": iso(opening)})
    assert routing_jobs.run(store, due, moment) == "delayed_again"  # back early (15-minute delays): waits on
    later = opening + timedelta(minutes=1)
    assert routing.assign_next(store, "finance", "chat", at=later) is not None
    assert store.tickets.get(ticket_id).assignee == "a1"


def test_at_night_the_customer_is_told_when_the_team_is_back_and_the_ticket_waits_for_it(cloud: Cloud) -> None:
    """The seeded night-duty rule: outside finance's only shift, a refund gets the auto-reply naming the
    shift's start in finance's zone, in the customer's language; the ticket waits, unassigned, until then."""
    store = cloud.store
    moment = now()
    calendar = BusinessHours(timezone="America/Sao_Paulo")  # not the rule set's zone (Asia/Shanghai)
    local_start = (moment + timedelta(hours=2)).astimezone(ZoneInfo("America/Sao_Paulo"))
    start = local_start.time().replace(second=0, microsecond=0)
    end = (local_start + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    team = Team(id="finance", name="F", calendar=calendar, shifts=[Shift(name="later", opens=start, closes=end)])
    routing.admin_save_team(store, Caller(id="adm", roles=["admin"]), team)
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=2)
    opening = team.next_opening(moment)
    chinese = say(store, "8613800000215", "你好，我要退款", "wamid.j15")
    english = say(store, "8613800000216", "I need a refund", "wamid.j16")
    for ticket_id, language in ((chinese, "zh-CN"), (english, "en")):
        messages = store.tickets.thread(ticket_id)[0]
        (reply,) = [m for m in messages if m.direction == Direction.OUTBOUND]
        assert reply.author_type == AuthorType.SYSTEM
        assert written(opening, "America/Sao_Paulo", language) in reply.body, reply.body
        assert {e["rule_id"] for e in events_of(cloud, ticket_id, "rule_applied")} == {"refund", "night_duty"}
    assert "上班后尽快回复您" in store.tickets.thread(chinese)[0][-1].body
    settle(cloud)  # the stream and the routing function: the route job waits for the shift
    assert all(store.tickets.get(t).assignee is None for t in (chinese, english))
    assert delayed_jobs(cloud) >= 1
    job = RoutingJob(kind=JobKind.ROUTE, team="finance", work="chat")
    assert routing_jobs.run(store, job, opening - timedelta(minutes=1)) == "waits_for_next_shift"
    assert routing_jobs.run(store, job, opening + timedelta(minutes=1)) == "assigned_2"  # the shift starts
    assert {store.tickets.get(t).assignee for t in (chinese, english)} == {"a1"}


def test_a_malformed_job_fails_its_record_only(cloud: Cloud) -> None:
    """It goes back to the queue and, after the last try, to the dead-letter queue; the good one is done."""
    cloud.sqs.send_message(QueueUrl=cloud.routing_url, MessageBody=json.dumps({"kind": "nonsense"}))
    good = RoutingJob(kind=JobKind.ROUTE, team="general", work="chat").model_dump_json()
    cloud.sqs.send_message(QueueUrl=cloud.routing_url, MessageBody=good)
    result = cloud.run_sqs(routing_function, cloud.routing_url)
    assert len(result["batchItemFailures"]) == 1
    (left,) = cloud.receive(cloud.routing_url)
    assert json.loads(left["Body"]) == {"kind": "nonsense"}
