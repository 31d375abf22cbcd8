"""Service levels: which policy a ticket follows, its clocks kept current on every change, the one timer
workflow per ticket started and stopped from the stream, and what a due timer (or an agent) escalates.

Who does what:
- the use cases that change a ticket (ingest, reply, update, transfer) call ``apply`` inside their
  transaction: the ticket's ``sla`` (due times, met, the schedule and its ``generation``) is written with
  the change itself;
- the stream function calls ``on_ticket_change`` for each changed ticket: when ``generation`` moved, the
  execution of the old generation is stopped and one for the new started, named ``<ticket>-<generation>``
  (so a redelivered stream record starts nothing twice, and one ticket never has two live timers);
- the state machine waits until each timer, reads the ticket (a DynamoDB task) and, when the timer still
  belongs to the ticket's current generation, invokes the SLA function, which calls ``act``;
- ``escalate`` (POST /tickets/{id}/escalate) raises the level by the same code as a breach.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from kefu import aws
from kefu.auth import Caller
from kefu.clock import new_id, now_iso, parse_iso
from kefu.config import get_settings
from kefu.errors import Conflict, InvalidInput, retry_on_concurrent_update
from kefu.models import OPEN_STATUSES, AuthorType, Ticket, TicketEvent, TicketStatus, Tier
from kefu.observability import count, decided, logger
from kefu.routing.queue import DEFAULT_TEAM, kind_of
from kefu.routing.rules import BusinessHours
from kefu.sla import clocks
from kefu.sla.business_time import Hours
from kefu.sla.clocks import Happened
from kefu.sla.policy import TARGETS, PolicySet, SlaPolicy
from kefu.store import Store, Transaction, keys
from kefu.store.table import from_av

MAX_ATTEMPTS = 5
MAX_REASON = 1000
LEVELS = (1, 2)


# ---------------------------------------------------------------- clocks, inside the ticket's own write


def policy_for(store: Store, ticket: Ticket) -> SlaPolicy | None:
    return store.sla.policies().policy_for(ticket.priority, ticket.customer_tier, ticket.organization)


def calendar_for(store: Store, ticket: Ticket) -> Hours:
    """The team's hours (its calendar, or one calendar per shift), else the routing rule set's (both cached
    per container)."""
    team = store.routing.team(ticket.team or DEFAULT_TEAM)
    if team is not None and (team.calendar is not None or team.shifts):
        base = team.calendar or BusinessHours()  # as routing reads a team's shifts (Team.is_open)
        if not team.shifts:
            return base
        return [base.model_copy(update={"opens": shift.opens, "closes": shift.closes}) for shift in team.shifts]
    return store.routing.rule_set().business_hours


def apply(store: Store, ticket: Ticket, stamp: str, happened: Happened = Happened.CHANGED) -> bool:
    """The ticket's clocks brought up to date (before the caller writes it); True when the schedule changed."""
    policy = policy_for(store, ticket)
    hours = calendar_for(store, ticket) if policy is not None and policy.calendar == "business" else None
    return clocks.refresh(ticket, policy, hours, parse_iso(stamp), happened)


# ---------------------------------------------------------------- the one live timer (stream)


@dataclass(frozen=True)
class TimerChange:
    stopped: str | None
    started: str | None


def execution_name(ticket_id: str, generation: int) -> str:
    return f"{ticket_id}-{generation}"


def _generation(image: dict[str, Any] | None) -> tuple[int, bool]:
    """The generation and whether it had timers, from a stream image (no full decode for other items)."""
    if not image:
        return 0, False
    sla = image.get("sla", {}).get("M", {})
    generation = int(sla.get("generation", {}).get("N", "0"))
    return generation, bool(sla.get("timers", {}).get("L"))


def on_ticket_change(old_image: dict[str, Any] | None, new_image: dict[str, Any] | None) -> TimerChange | None:
    """Stop the old generation's execution and start the new one's; None when the schedule did not move."""
    source = new_image or old_image
    if not source or source.get(keys.ENTITY, {}).get("S") != "ticket":
        return None
    old_generation, old_timers = _generation(old_image)
    new_generation, _ = _generation(new_image)
    if new_image is not None and new_generation == old_generation:
        return None
    ticket_id = str(source["id"]["S"])
    machine = get_settings().sla_state_machine_arn
    sfn = aws.client("stepfunctions")
    stopped = started = None
    if old_timers:
        stopped = execution_name(ticket_id, old_generation)
        arn = machine.replace(":stateMachine:", ":execution:") + f":{stopped}"
        try:
            sfn.stop_execution(executionArn=arn, cause="the ticket's SLA schedule changed")
        except sfn.exceptions.ExecutionDoesNotExist:
            stopped = None  # never started (no timers then) or long gone
    ticket = Ticket.model_validate(from_av(new_image)) if new_image else None
    if ticket is not None and ticket.sla.timers and ticket.status in OPEN_STATUSES:
        started = execution_name(ticket.id, ticket.sla.generation)
        payload = {
            "ticket_id": ticket.id,
            "generation": str(ticket.sla.generation),  # the ticket item's number, as the Choice compares it
            "key": {name: {"S": value} for name, value in keys.ticket(ticket.id).as_dict().items()},
            "timers": [timer.model_dump() for timer in ticket.sla.timers],
        }
        # the same record again: this generation's execution runs already
        with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):
            sfn.start_execution(stateMachineArn=machine, name=started, input=json.dumps(payload))
    return TimerChange(stopped, started)


# ---------------------------------------------------------------- the live figures' counters (stream)


def _ticket_of(image: dict[str, Any] | None) -> Ticket | None:
    if not image or image.get(keys.ENTITY, {}).get("S") != "ticket":
        return None
    return Ticket.model_validate(from_av(image))


def at_risk(ticket: Ticket | None) -> str | None:
    """The team of an open ticket whose assignee was warned on a clock that still runs and has not breached;
    None otherwise."""
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return None
    sla = ticket.sla
    running = {
        "first_response": ticket.first_response_at is None,
        "next_response": sla.next_response_due_at is not None,
        "resolution": sla.resolution_due_at is not None,
    }
    risky = any(running[t] and t in sla.warned and t not in sla.escalated for t in TARGETS)
    return (ticket.team or DEFAULT_TEAM) if risky else None


def _waiting(ticket: Ticket | None) -> bool:
    return (
        ticket is not None
        and ticket.status == TicketStatus.PENDING
        and ticket.assignee is None
        and ticket.queued_at is not None
    )


def count_change(store: Store, old_image: dict[str, Any] | None, new_image: dict[str, Any] | None) -> bool:
    """The SLA counters a ticket change moves: today's first responses (and their calendar seconds) and
    breaches per team, and the tickets at risk now. True when something was counted."""
    new, old = _ticket_of(new_image), _ticket_of(old_image)
    if new is None and old is None:
        return False
    counted = False
    if new is not None and new.first_response_at and (old is None or not old.first_response_at):
        waited = parse_iso(new.first_response_at) - parse_iso(new.sla.first_response_from or new.created_at)
        store.sla.count_day(
            new.first_response_at[:10],
            new.team or DEFAULT_TEAM,
            first_responses=1,
            first_response_ms=max(0, int(waited.total_seconds() * 1000)),
        )
        counted = True
    breached = set(new.sla.breaches if new else []) - set(old.sla.breaches if old else [])
    if new is not None and breached:
        store.sla.count_day(new.updated_at[:10], new.team or DEFAULT_TEAM, breaches=len(breached))
        counted = True
    moved = int(_waiting(new)) - int(_waiting(old))
    if moved:  # the backlog: tickets waiting for an agent, as a gauge the backlog alarm reads (EMF)
        store.sla.count_backlog(moved, then=lambda total: count("Backlog", None, total))
        counted = True
    risk_before, risk_now = at_risk(old), at_risk(new)
    if risk_before != risk_now:
        if risk_before:
            store.sla.count_risk(risk_before, -1)
        if risk_now:
            store.sla.count_risk(risk_now, +1)
        counted = True
    return counted


# ---------------------------------------------------------------- what a due timer does (SLA function)


@dataclass(frozen=True)
class Step:
    ticket_id: str
    generation: int
    target: str
    action: str  # "warn" | "breach"
    level: int


def act(store: Store, step: Step) -> str:
    """One due timer: warn the assignee, or escalate to ``level``; idempotent (a step done is not redone),
    and only for the ticket's current generation (an older execution that outlived a change does nothing)."""
    if step.action not in ("warn", "breach") or step.target not in TARGETS:
        raise InvalidInput(f"unknown SLA step {step.action}/{step.target}")
    notices: list[Notice] = []
    vip = [False]

    def attempt() -> str:
        notices.clear()
        ticket = store.tickets.get(step.ticket_id)
        vip[0] = ticket.customer_tier == Tier.VIP
        sla = ticket.sla
        if sla.generation != step.generation:
            return "stale"
        if ticket.status not in OPEN_STATUSES:
            return "closed"
        stamp = now_iso()
        expected = ticket.version
        if step.action == "warn":
            if step.target in sla.warned:
                return "done"
            sla.warned.append(step.target)
            recipient = f"agent#{ticket.assignee}" if ticket.assignee else f"team#{ticket.team or DEFAULT_TEAM}"
            notices.append(Notice("sla_warning", recipient, step.target, 0, None))
            event = _event(ticket, "sla_warning", stamp, {"target": step.target})
            _write(store, ticket, expected, [event], notices, stamp, queued_before=_queued(ticket))
            return "warned"
        if sla.escalated.get(step.target, 0) >= step.level:
            return "done"
        sla.escalated[step.target] = step.level
        if step.target not in sla.breaches:
            sla.breaches.append(step.target)
        sla.breached = True
        return _escalate(store, ticket, expected, step.level, step.target, None, stamp, notices)

    outcome = retry_on_concurrent_update(attempt, MAX_ATTEMPTS)
    _send(notices, step.ticket_id)
    if outcome == "escalated" and step.level == 1 and step.target == "first_response" and vip[0]:
        count("VipFirstResponseBreaches", None)  # the VIP-waiting alarm
    decided("sla_step", outcome, ticket_id=step.ticket_id, target=step.target, level=step.level)
    if outcome in ("warned", "escalated"):
        count("SlaWarnings" if outcome == "warned" else "SlaBreaches", None)
    return outcome


def escalate(store: Store, caller: Caller, ticket_id: str, reason: str) -> Ticket:
    """An agent escalates by hand: the next level (1: the team's supervisors, 2: the expert team)."""
    text = reason.strip()
    if not text:
        raise InvalidInput("reason must not be empty")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"reason is longer than {MAX_REASON} characters")
    notices: list[Notice] = []
    holder: list[Ticket] = []

    def attempt() -> str:
        notices.clear()
        holder.clear()
        ticket = store.tickets.get(ticket_id)
        if ticket.status not in OPEN_STATUSES:
            raise Conflict(f"a {ticket.status.value} ticket cannot be escalated")
        if ticket.escalation_level >= max(LEVELS):
            raise Conflict("the ticket is at the expert team already (level 2)")
        holder.append(ticket)
        stamp = now_iso()
        return _escalate(store, ticket, ticket.version, ticket.escalation_level + 1, text, caller.id, stamp, notices)

    retry_on_concurrent_update(attempt, MAX_ATTEMPTS)
    _send(notices, ticket_id)
    decided("escalate", "escalated", ticket_id=ticket_id, level=holder[0].escalation_level)
    return holder[0]


@dataclass(frozen=True)
class Notice:
    kind: str  # sla_warning | escalated
    recipient: str  # agent#<id>, team#<id>, supervisors#<team>
    target: str | None
    level: int
    reason: str | None


def _escalate(
    store: Store,
    ticket: Ticket,
    expected: int,
    level: int,
    reason: str,  # a breached target's name, or the agent's words
    actor: str | None,
    stamp: str,
    notices: list[Notice],
) -> str:
    """Level 1: the team's supervisors are told (and, when the policy says so, the ticket goes back into the
    routing queue); level 2: the ticket moves to the policy's expert team, into its queue, and they are told."""
    queued = _queued(ticket)
    policy = policy_for(store, ticket)
    team = ticket.team or DEFAULT_TEAM
    target = reason if actor is None else None
    released: str | None = None
    previous = ticket.assignee
    data: dict[str, object] = {"level": level, "reason": reason, "from_team": team}
    ticket.escalation_level = max(ticket.escalation_level, level)
    if level >= 2:
        expert = policy.expert_team if policy is not None else "experts"
        data["to_team"] = expert
        notices.append(Notice("escalated", f"team#{expert}", target, level, reason))
        ticket.team = expert
        released = _back_to_queue(ticket)
    else:
        notices.append(Notice("escalated", f"supervisors#{team}", target, level, reason))
        if policy is not None and policy.reassign_on_breach and actor is None:
            released = _back_to_queue(ticket)
    if previous is not None and ticket.assignee is None:
        data["from_agent"] = previous  # back in the queue: whose ticket it was
    event = TicketEvent(
        id=new_id(),
        ticket_id=ticket.id,
        type="escalated",
        actor_type=AuthorType.AGENT if actor else AuthorType.SYSTEM,
        actor_id=actor,
        data=data,
        created_at=stamp,
    )
    apply(store, ticket, stamp)  # a new team may have a calendar of its own
    _write(store, ticket, expected, [event], notices, stamp, queued_before=queued)
    if released:
        from kefu.services import routing

        routing.release_quietly(store, released, ticket.channel)
    if ticket.assignee is None:
        from kefu.services import routing

        routing.assign_next(store, ticket.team or DEFAULT_TEAM, kind_of(ticket.channel))
    return "escalated"


def _back_to_queue(ticket: Ticket) -> str | None:
    """Unassigned and pending, so the routing queue takes it; returns whose load held it."""
    held = ticket.load_holder
    ticket.assignee = None
    ticket.load_holder = None
    ticket.status = TicketStatus.PENDING
    return held


def _queued(ticket: Ticket) -> Any:
    from kefu.services import routing

    return routing.entry_for(ticket)


def _write(
    store: Store,
    ticket: Ticket,
    expected: int,
    events: list[TicketEvent],
    notices: list[Notice],
    stamp: str,
    *,
    queued_before: Any,
) -> None:
    from kefu.services import routing

    ticket.updated_at = stamp
    ticket.version += 1
    tx = Transaction()
    routing.requeue(store, tx, queued_before, ticket, stamp)
    store.tickets.add_ticket(tx, ticket, expected_version=expected)
    for event in events:
        store.tickets.add_event(tx, event)
    for notice in notices:
        store.sla.add_notification(tx, notice.recipient, _notification(ticket, notice, stamp))
    store.tickets.commit(tx)


def _notification(ticket: Ticket, notice: Notice, stamp: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": notice.kind,
        "ticket_id": ticket.id,
        "subject": ticket.subject,
        "target": notice.target,
        "level": notice.level,
        "reason": notice.reason,
        "due_at": _due_of(ticket, notice.target),
        "created_at": stamp,
    }


def _due_of(ticket: Ticket, target: str | None) -> str | None:
    return getattr(ticket.sla, f"{target}_due_at", None) if target else None


def _send(notices: list[Notice], ticket_id: str) -> None:
    """After the write: each notice onto the SLA topic, and escalations by mail when an address is set. A
    failed send is logged and counted; the escalation itself is stored and shown in the app either way."""
    settings = get_settings()
    for notice in notices:
        message = {
            "kind": notice.kind,
            "ticket_id": ticket_id,
            "recipient": notice.recipient,
            "target": notice.target,
            "level": notice.level,
            "reason": notice.reason,
        }
        subject = f"Kefu: ticket {ticket_id} " + (
            "SLA warning" if notice.kind == "sla_warning" else f"escalated, level {notice.level}"
        )
        try:
            if settings.sla_topic_arn:
                aws.client("sns").publish(
                    TopicArn=settings.sla_topic_arn,
                    Subject=subject,
                    Message=json.dumps(message),
                    MessageAttributes={"kind": {"DataType": "String", "StringValue": notice.kind}},
                )
            if settings.sla_email and notice.kind == "escalated":
                aws.client("ses").send_email(
                    Source=settings.sla_email,
                    Destination={"ToAddresses": [settings.sla_email]},
                    Message={
                        "Subject": {"Data": subject},
                        "Body": {"Text": {"Data": json.dumps(message, indent=2)}},
                    },
                )
        except Exception:
            logger.exception("SLA notice not sent", extra={"ticket_id": ticket_id, "kind": notice.kind})
            count("SlaNoticeFailures", None)


def _event(ticket: Ticket, kind: str, stamp: str, data: dict[str, object]) -> TicketEvent:
    return TicketEvent(
        id=new_id(), ticket_id=ticket.id, type=kind, actor_type=AuthorType.SYSTEM, data=data, created_at=stamp
    )


# ---------------------------------------------------------------- administration and reading


def admin_policies(store: Store, caller: Caller) -> PolicySet:
    caller.require("admin")
    return store.sla.policies(fresh=True)


def admin_save_policy(store: Store, caller: Caller, policy: SlaPolicy) -> SlaPolicy:
    """Save a policy as its next version (a new id is version 1) in a new revision of the set."""
    caller.require("admin")

    def attempt() -> SlaPolicy:
        current = store.sla.policies(fresh=True)
        others = [p for p in current.policies if p.id != policy.id]
        before = next((p for p in current.policies if p.id == policy.id), None)
        saved = policy.model_copy(update={"version": (before.version + 1) if before else 1, "updated_at": now_iso()})
        # a policy keeps its place in the set: equally specific policies apply in saved order
        ordered = [saved if p.id == policy.id else p for p in current.policies] if before else [*others, saved]
        store.sla.save(PolicySet(revision=current.revision + 1, policies=ordered), saved)
        return saved

    saved = retry_on_concurrent_update(attempt, MAX_ATTEMPTS)
    decided("sla_policy", "saved", policy=saved.id, version=saved.version)
    return saved


def notifications_for(store: Store, caller: Caller, teams: list[str]) -> list[dict[str, Any]]:
    """The caller's own notifications and their teams' (and, for supervisors, the teams' escalations)."""
    feeds = [f"agent#{caller.id}", *(f"team#{t}" for t in teams)]
    if caller.has("supervisor") or caller.has("admin"):
        feeds += [f"supervisors#{t}" for t in teams]
    items = [item for feed in feeds for item in store.sla.notifications(feed)]
    return sorted(items, key=lambda item: str(item.get("created_at")), reverse=True)[:50]
