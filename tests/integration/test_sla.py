"""SLA on moto in-process: policies through the agent API (admins, versions, ISO-8601 durations, clear 400s),
each ticket's clocks written with its own changes, the stream keeping exactly one live timer per ticket
(named by ticket and generation), and what a due timer does (warn, level 1, level 2, idempotent, only for
the current generation). The workflow itself runs on the local cloud (tests/e2e/test_sla_e2e.py)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from kefu.auth import Caller
from kefu.config import get_settings
from kefu.errors import Conflict
from kefu.models import Priority, TicketStatus
from kefu.services import sla, tickets
from kefu.services.ingest import ingest_message
from kefu.services.sla import Step
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent
from tests.integration.test_customers import whatsapp_message
from tests.support.aws_events import agent_claims

ADMIN = agent_claims(sub="11111111-2222-4333-8444-555555555555", groups="[admin]", email="admin@example.com")
AGENT = Caller(id="66666666-7777-4888-9999-000000000000", email="a@example.com", roles=["agent"])
URGENT = {"name": "Urgent", "priority": "urgent", "first_response": "PT20S", "resolution": "PT10M", "warn_at": 0.5}


def admin(method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return agent(method, path, body, claims=ADMIN)


def executions(ticket_id: str) -> dict[str, str]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    found = sfn.list_executions(stateMachineArn=get_settings().sla_state_machine_arn)["executions"]
    return {e["name"]: e["status"] for e in found if e["name"].startswith(ticket_id)}


def new_ticket(cloud: Cloud, n: int) -> str:
    result = ingest_message(cloud.store, whatsapp_message(f"86138000{n:05d}", "where is my parcel", f"wamid.sla{n}"))
    assert result.ticket_id
    return result.ticket_id


def test_policies_are_versioned_admin_only_and_durations_checked(cloud: Cloud) -> None:
    status, policies = admin("GET", "/api/v1/admin/sla-policies")
    assert status == 200 and [p["id"] for p in policies["policies"]] == ["default", "vip", "enterprise"]
    assert {p["id"]: p["first_response"] for p in policies["policies"]} == {
        "default": "PT15M",
        "vip": "PT5M",
        "enterprise": "P1D",
    }
    status, saved = admin("POST", "/api/v1/admin/sla-policies", URGENT)
    assert status == 201 and saved["id"] == "urgent" and saved["version"] == 1
    status, saved = admin("POST", "/api/v1/admin/sla-policies", {**URGENT, "first_response": "PT30S"})
    assert status == 201 and saved["version"] == 2
    assert admin("GET", "/api/v1/admin/sla-policies")[1]["revision"] == 2

    for bad, words in (
        ({**URGENT, "first_response": "15 minutes"}, "ISO-8601"),
        ({**URGENT, "first_response": "P1Y"}, "ISO-8601"),
        ({**URGENT, "resolution": "PT0S"}, "between"),
        ({**URGENT, "calendar": "lunar"}, "calendar"),
        ({**URGENT, "warn_at": 1.5}, "warn_at"),
    ):
        status, answer = admin("POST", "/api/v1/admin/sla-policies", bad)
        assert status == 400 and words in answer["message"], (bad, answer)
    assert admin("GET", "/api/v1/admin/sla-policies")[1]["revision"] == 2  # nothing changed
    status, _ = agent("POST", "/api/v1/admin/sla-policies", URGENT)
    assert status == 403


def test_a_ticket_carries_its_policy_and_due_times(cloud: Cloud) -> None:
    ticket_id = new_ticket(cloud, 1)
    status, detail = agent("GET", f"/api/v1/tickets/{ticket_id}")
    assert status == 200
    assert detail["sla"]["policy"] == "default" and detail["sla"]["policy_version"] == 1
    assert detail["sla"]["calendar"] == "calendar"
    created = detail["created_at"]
    assert detail["sla"]["first_response_due_at"] > created and detail["sla"]["resolution_due_at"] > created
    assert detail["sla"]["first_response_met"] is None and detail["sla"]["breached"] is False


def test_one_live_timer_per_ticket_replaced_when_the_schedule_moves(cloud: Cloud) -> None:
    admin("POST", "/api/v1/admin/sla-policies", URGENT)
    ticket_id = new_ticket(cloud, 2)
    cloud.run_stream(stream)
    assert executions(ticket_id) == {f"{ticket_id}-1": "RUNNING"}
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(priority=Priority.URGENT))
    cloud.run_stream(stream)
    assert executions(ticket_id) == {f"{ticket_id}-1": "ABORTED", f"{ticket_id}-2": "RUNNING"}
    # a change that does not move the schedule (tags) starts and stops nothing
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(tags=["parcel"]))
    cloud.run_stream(stream)
    assert executions(ticket_id) == {f"{ticket_id}-1": "ABORTED", f"{ticket_id}-2": "RUNNING"}
    # answered: no clock runs while the ticket waits on the customer, so no timer at all
    tickets.reply(cloud.store, AGENT, ticket_id, "We are on it", internal=False)
    cloud.run_stream(stream)
    assert executions(ticket_id) == {f"{ticket_id}-1": "ABORTED", f"{ticket_id}-2": "ABORTED"}
    ticket = cloud.store.tickets.get(ticket_id)
    assert ticket.sla.first_response_met is True and ticket.sla.timers == []


def test_a_redelivered_stream_record_starts_nothing_twice(cloud: Cloud) -> None:
    ticket_id = new_ticket(cloud, 3)
    image = cloud.ddb.get_item(
        TableName=get_settings().table_name, Key={"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": "TICKET"}}
    )["Item"]
    first = sla.on_ticket_change(None, image)
    again = sla.on_ticket_change(None, image)
    assert first is not None and again is not None and first.started == again.started
    assert executions(ticket_id) == {f"{ticket_id}-1": "RUNNING"}


def test_a_due_timer_warns_then_escalates_once_per_level(cloud: Cloud) -> None:
    admin("POST", "/api/v1/admin/sla-policies", URGENT)
    ticket_id = new_ticket(cloud, 4)
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(priority=Priority.URGENT))
    generation = cloud.store.tickets.get(ticket_id).sla.generation

    assert sla.act(cloud.store, Step(ticket_id, generation - 1, "first_response", "breach", 1)) == "stale"
    assert sla.act(cloud.store, Step(ticket_id, generation, "first_response", "warn", 0)) == "warned"
    assert sla.act(cloud.store, Step(ticket_id, generation, "first_response", "warn", 0)) == "done"
    assert sla.act(cloud.store, Step(ticket_id, generation, "first_response", "breach", 1)) == "escalated"
    assert sla.act(cloud.store, Step(ticket_id, generation, "first_response", "breach", 1)) == "done"
    ticket = cloud.store.tickets.get(ticket_id)
    assert ticket.escalation_level == 1 and ticket.sla.breached and ticket.sla.breaches == ["first_response"]
    assert ticket.sla.generation == generation  # acting on a timer does not move the schedule
    feed = cloud.store.sla.notifications("supervisors#general")
    assert [(n["kind"], n["level"], n["ticket_id"]) for n in feed] == [("escalated", 1, ticket_id)]
    assert [n["kind"] for n in cloud.store.sla.notifications("team#general")] == ["sla_warning"]

    assert sla.act(cloud.store, Step(ticket_id, generation, "first_response", "breach", 2)) == "escalated"
    ticket = cloud.store.tickets.get(ticket_id)
    assert (ticket.escalation_level, ticket.team, ticket.assignee, ticket.status) == (
        2,
        "experts",
        None,
        TicketStatus.PENDING,
    )
    assert [n["level"] for n in cloud.store.sla.notifications("team#experts")] == [2]
    _, detail = agent("GET", f"/api/v1/tickets/{ticket_id}")
    assert [e["data"]["level"] for e in detail["events"] if e["type"] == "escalated"] == [1, 2]


def test_manual_escalation_takes_the_same_path(cloud: Cloud) -> None:
    ticket_id = new_ticket(cloud, 5)
    status, answer = agent("POST", f"/api/v1/tickets/{ticket_id}/escalate", {"reason": "  "})
    assert status == 400
    status, escalated = agent("POST", f"/api/v1/tickets/{ticket_id}/escalate", {"reason": "customer threatens to sue"})
    assert status == 200 and escalated["escalation_level"] == 1 and escalated["sla"]["breached"] is False
    status, escalated = agent("POST", f"/api/v1/tickets/{ticket_id}/escalate", {"reason": "still angry"})
    assert status == 200 and escalated["escalation_level"] == 2 and escalated["team"] == "experts"
    status, answer = agent("POST", f"/api/v1/tickets/{ticket_id}/escalate", {"reason": "more"})
    assert status == 409 and "level 2" in answer["message"]
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(status=TicketStatus.RESOLVED))
    with pytest.raises(Conflict):
        sla.escalate(cloud.store, AGENT, ticket_id, "too late")


def test_the_live_figures_count_risk_breaches_and_first_responses(cloud: Cloud) -> None:
    admin("POST", "/api/v1/admin/sla-policies", URGENT)
    answered, late = new_ticket(cloud, 6), new_ticket(cloud, 7)
    for ticket_id in (answered, late):
        tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(priority=Priority.URGENT))
    tickets.reply(cloud.store, AGENT, answered, "Hello", internal=False)
    generation = cloud.store.tickets.get(late).sla.generation
    sla.act(cloud.store, Step(late, generation, "first_response", "warn", 0))
    cloud.run_stream(stream)
    status, live = agent("GET", "/api/v1/metrics/live")
    assert status == 200, live
    figures = live["sla"]
    assert (figures["at_risk"], figures["breaches_today"], figures["first_responses_today"]) == (1, 0, 1)
    assert figures["average_first_response_seconds"] is not None and figures["average_first_response_seconds"] >= 0
    sla.act(cloud.store, Step(late, generation, "first_response", "breach", 1))
    cloud.run_stream(stream)
    figures = agent("GET", "/api/v1/metrics/live")[1]["sla"]
    assert (figures["at_risk"], figures["breaches_today"]) == (0, 1)
    assert [(t["team"], t["breaches_today"]) for t in figures["teams"]] == [("general", 1)]
    # the backlog gauge (the backlog alarm's metric): the late ticket still waits, the answered one does not
    assert cloud.store.sla.count_backlog(0) == 1


def test_an_escalation_is_published_and_mailed(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from kefu import aws
    from kefu.config import Env

    monkeypatch.setenv(Env.SLA_EMAIL, "sla@example.com")
    get_settings.cache_clear()
    aws.reset_clients()
    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="sla@example.com")
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="sla-notices")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=get_settings().sla_topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )

    ticket_id = new_ticket(cloud, 8)
    sla.escalate(cloud.store, AGENT, ticket_id, "the customer asked for a manager")
    published = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]
    assert [(m["kind"], m["level"], m["recipient"], m["reason"]) for m in published] == [
        ("escalated", 1, "supervisors#general", "the customer asked for a manager")
    ]
    mails = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert [(m.source, m.destinations["ToAddresses"]) for m in mails] == [("sla@example.com", ["sla@example.com"])]
    assert f"ticket {ticket_id} escalated, level 1" in mails[0].subject


def test_business_time_follows_the_team_shifts(cloud: Cloud) -> None:
    from datetime import time as clock

    from kefu.clock import now, parse_iso
    from kefu.routing.queue import Shift, Team
    from kefu.routing.rules import BusinessHours

    moment = now()
    if (moment.hour, moment.minute) >= (23, 57) or (moment.hour, moment.minute) < (0, 2):
        pytest.skip("the test's shifts are around midnight UTC")
    calendar = BusinessHours(timezone="UTC", days=list(range(7)))
    # two shifts with a gap between them: 00:00-00:01 and 23:59-24:00 (so a ticket made now waits for one)
    shifts = [
        Shift(name="late", opens=clock(23, 59), closes=clock(0, 0)),
        Shift(name="early", opens=clock(0), closes=clock(0, 1)),
    ]
    cloud.store.routing.put_team(Team(id="night", name="Night", calendar=calendar, shifts=shifts))
    admin(
        "POST",
        "/api/v1/admin/sla-policies",
        {"name": "Low", "priority": "low", "first_response": "PT90S", "calendar": "business"},
    )
    ticket_id = new_ticket(cloud, 10)
    tickets.assign(cloud.store, AGENT, ticket_id, None, "night")
    ticket = tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(priority=Priority.LOW))
    due = parse_iso(ticket.sla.first_response_due_at or "")
    # 60 s of the late shift and 30 s of the early one after midnight, whatever time it is now (before 23:59)
    assert (due.hour, due.minute, due.second) == (0, 0, 30) and ticket.sla.calendar == "business"


def test_a_policy_can_put_a_breached_ticket_back_into_the_queue(cloud: Cloud) -> None:
    from kefu.models import Agent

    admin("POST", "/api/v1/admin/sla-policies", {**URGENT, "reassign_on_breach": True})
    cloud.store.agents.put(Agent(id=AGENT.id, email=AGENT.email, roles=["agent"]))
    ticket_id = new_ticket(cloud, 11)
    tickets.assign(cloud.store, AGENT, ticket_id, AGENT.id, None)
    ticket = tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(priority=Priority.URGENT))
    assert ticket.assignee == AGENT.id
    assert sla.act(cloud.store, Step(ticket_id, ticket.sla.generation, "first_response", "breach", 1)) == "escalated"
    ticket = cloud.store.tickets.get(ticket_id)
    assert (ticket.assignee, ticket.status, ticket.escalation_level) == (None, TicketStatus.PENDING, 1)
    assert ticket.queued_at is not None  # waiting in the routing queue again
    _, detail = agent("GET", f"/api/v1/tickets/{ticket_id}")
    (escalated,) = [e for e in detail["events"] if e["type"] == "escalated"]
    assert escalated["data"]["from_agent"] == AGENT.id


def test_a_supervisor_reads_the_escalations_of_the_teams_their_agent_profile_names(cloud: Cloud) -> None:
    """Team membership is in the agent profile (/me) even without a routing profile; the feed reads both."""
    from kefu.models import Agent

    supervisor = agent_claims(sub="sup-9", groups="[supervisor]", email="sup9@example.com")
    cloud.store.agents.put(Agent(id="sup-9", email="sup9@example.com", roles=["supervisor"], teams=["general"]))
    assert cloud.store.routing.profile("sup-9") is None
    ticket_id = new_ticket(cloud, 8)
    status, _ = agent("POST", f"/api/v1/tickets/{ticket_id}/escalate", {"reason": "customer threatens to sue"})
    assert status == 200
    status, feed = agent("GET", "/api/v1/notifications", claims=supervisor)
    assert status == 200, feed
    assert [(n["kind"], n["ticket_id"], n["level"]) for n in feed["items"]] == [("escalated", ticket_id, 1)]


def test_a_tier_change_reaches_the_customers_open_tickets(cloud: Cloud) -> None:
    """Made VIP, a customer's open ticket gets the VIP target at once: new due times, its timer replaced, an
    event, and the VIP place in the queue; their closed ticket and other customers' tickets are left alone."""
    supervisor = agent_claims(sub="sup-7", groups="[supervisor]", email="sup7@example.com")
    closed_id = new_ticket(cloud, 11)
    tickets.update_ticket(cloud.store, AGENT, closed_id, tickets.TicketChanges(status=TicketStatus.CLOSED))
    opened = ingest_message(cloud.store, whatsapp_message("8613800000011", "new question", "wamid.sla11b"))
    assert opened.ticket_id and opened.ticket_id != closed_id  # a closed ticket stays closed: a new one
    other_id = new_ticket(cloud, 12)
    cloud.run_stream(stream)
    normal = cloud.store.tickets.get(opened.ticket_id)
    customer_id = normal.customer_id
    assert normal.customer_tier.value == "normal" and normal.sla.first_response_due_at

    status, answer = agent("PATCH", f"/api/v1/customers/{customer_id}", {"tier": "vip"}, claims=supervisor)
    assert status == 200, answer
    vip = cloud.store.tickets.get(opened.ticket_id)
    assert vip.customer_tier.value == "vip"
    assert vip.sla.first_response_due_at and normal.sla.first_response_due_at
    assert vip.sla.first_response_due_at < normal.sla.first_response_due_at  # VIP: 5 minutes, not 15
    assert vip.sla.generation == normal.sla.generation + 1
    cloud.run_stream(stream)
    assert executions(opened.ticket_id) == {
        f"{opened.ticket_id}-{normal.sla.generation}": "ABORTED",
        f"{opened.ticket_id}-{vip.sla.generation}": "RUNNING",
    }
    _, events = cloud.store.tickets.thread(opened.ticket_id)
    assert [(e.type, e.data) for e in events if e.data.get("field") == "customer_tier"] == [
        ("updated", {"field": "customer_tier", "from": "normal", "to": "vip"})
    ]
    assert cloud.store.tickets.get(closed_id).customer_tier.value == "normal"
    assert cloud.store.tickets.get(other_id).customer_tier.value == "normal"
