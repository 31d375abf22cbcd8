"""A ticket's SLA clocks (kefu.sla.clocks): what each event does to the due times, met/breached, the pause,
and when the schedule (and so the one live timer) changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from kefu.clock import iso, parse_iso
from kefu.models import Priority, Ticket, TicketStatus
from kefu.routing.rules import BusinessHours
from kefu.sla.clocks import Happened, refresh
from kefu.sla.policy import SlaPolicy

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
POLICY = SlaPolicy(
    id="p", name="P", first_response="PT10M", next_response="PT5M", resolution="PT1H", level2_after="PT5M"
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_ticket() -> Ticket:
    ticket = Ticket(
        id="T",
        channel="web",
        inbox="web",
        customer_id="C",
        conversation_key="k",
        created_at=iso(T0),
        updated_at=iso(T0),
    )
    assert refresh(ticket, POLICY, None, T0, Happened.CUSTOMER_MESSAGE)
    return ticket


def reply(ticket: Ticket, minutes: float) -> bool:
    ticket.first_response_at = ticket.first_response_at or iso(at(minutes))
    ticket.status = TicketStatus.IN_PROGRESS
    return refresh(ticket, POLICY, None, at(minutes), Happened.AGENT_REPLY)


def test_a_new_ticket_has_due_times_and_a_schedule() -> None:
    ticket = new_ticket()
    assert ticket.sla.first_response_due_at == iso(at(10)) and ticket.sla.resolution_due_at == iso(at(60))
    assert [(t.target, t.action, t.level, t.at) for t in ticket.sla.timers][:3] == [
        ("first_response", "warn", 0, iso(at(8))),
        ("first_response", "breach", 1, iso(at(10))),
        ("first_response", "breach", 2, iso(at(15))),
    ]
    assert ticket.sla.generation == 1
    assert not refresh(ticket, POLICY, None, at(1))  # nothing happened: same schedule, same generation


def test_a_reply_in_time_meets_the_target_and_pauses_resolution() -> None:
    ticket = new_ticket()
    assert reply(ticket, 4)
    assert ticket.sla.first_response_met is True and not ticket.sla.breached
    assert ticket.sla.timers == [] and ticket.sla.resolution_due_at is None  # waiting on the customer
    assert ticket.sla.resolution_used_seconds == 240


def test_a_late_reply_is_a_breach_even_before_the_timer() -> None:
    ticket = new_ticket()
    reply(ticket, 11)
    assert ticket.sla.first_response_met is False and ticket.sla.breaches == ["first_response"]


def test_the_customer_writing_again_starts_next_response_and_resumes_resolution() -> None:
    ticket = new_ticket()
    reply(ticket, 4)
    assert refresh(ticket, POLICY, None, at(20), Happened.CUSTOMER_MESSAGE)
    assert ticket.sla.next_response_due_at == iso(at(25))
    assert ticket.sla.resolution_due_at == iso(at(20 + 60 - 4))  # what was left of the hour, from now
    refresh(ticket, POLICY, None, at(21), Happened.CUSTOMER_MESSAGE)  # a second message: same clock
    assert ticket.sla.next_response_due_at == iso(at(25))
    reply(ticket, 27)
    assert ticket.sla.next_response_met is False and "next_response" in ticket.sla.breaches


def test_a_higher_priority_policy_moves_the_due_times_and_the_generation() -> None:
    ticket = new_ticket()
    urgent = POLICY.model_copy(update={"id": "u", "first_response": "PT2M"})
    ticket.priority = Priority.URGENT
    assert refresh(ticket, urgent, None, at(1))
    assert ticket.sla.first_response_due_at == iso(at(2)) and ticket.sla.generation == 2
    assert ticket.sla.policy == "u"


def test_resolved_stops_every_clock_and_a_reopen_runs_on() -> None:
    ticket = new_ticket()
    ticket.status, ticket.resolved_at = TicketStatus.RESOLVED, iso(at(30))
    assert refresh(ticket, POLICY, None, at(30))
    assert ticket.sla.timers == [] and ticket.sla.resolution_met is True
    ticket.status, ticket.resolved_at = TicketStatus.PENDING, None
    assert refresh(ticket, POLICY, None, at(50), Happened.CUSTOMER_MESSAGE)
    assert ticket.sla.resolution_met is None and ticket.sla.resolution_due_at == iso(at(50 + 30))


def test_steps_done_are_not_scheduled_again() -> None:
    ticket = new_ticket()
    ticket.sla.warned.append("first_response")
    ticket.sla.escalated["first_response"] = 1
    ticket.priority = Priority.HIGH
    refresh(ticket, POLICY.model_copy(update={"id": "h", "first_response": "PT20M"}), None, at(12))
    first = [(t.action, t.level) for t in ticket.sla.timers if t.target == "first_response"]
    assert first == [("breach", 2)]


def test_business_time_counts_only_open_hours() -> None:
    hours = BusinessHours(timezone="UTC", days=list(range(7)), opens=time(11), closes=time(12))
    business = POLICY.model_copy(update={"calendar": "business"})
    ticket = Ticket(
        id="T",
        channel="web",
        inbox="web",
        customer_id="C",
        conversation_key="k",
        created_at=iso(T0),
        updated_at=iso(T0),
    )
    refresh(ticket, business, hours, T0, Happened.CUSTOMER_MESSAGE)
    assert parse_iso(ticket.sla.first_response_due_at or "") == datetime(2026, 12, 1, 11, 10, tzinfo=UTC)
    assert ticket.sla.calendar == "business"


def test_the_first_response_clock_starts_at_the_bots_handoff() -> None:
    ticket = Ticket(
        id="T",
        channel="web",
        inbox="web",
        customer_id="C",
        conversation_key="k",
        created_at=iso(T0),
        updated_at=iso(T0),
    )
    ticket.bot_active = True
    refresh(ticket, POLICY, None, T0, Happened.CUSTOMER_MESSAGE)
    assert ticket.sla.first_response_due_at is None
    assert not [t for t in ticket.sla.timers if t.target == "first_response"]  # nothing runs while the bot answers
    ticket.bot_active = False
    assert refresh(ticket, POLICY, None, at(7), Happened.HANDOFF)
    assert ticket.sla.first_response_from == iso(at(7)) and ticket.sla.first_response_due_at == iso(at(17))
    assert ticket.sla.resolution_due_at == iso(at(60))  # resolution counts from creation
