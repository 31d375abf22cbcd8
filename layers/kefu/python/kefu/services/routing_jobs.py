"""What the routing function does with each job of its queue (kefu.routing.jobs): assign what waits in a
queue (and come back when a ticket left waiting may be taken by more agents), send back an assignment its
agent has not answered in time, take an agent offline whose heartbeats stopped, count a reopened ticket
against its assignee. Every job is safe to do twice, and a check that
comes back before it is due (SQS delays stop at 15 minutes) is put back to wait the rest.
"""

from __future__ import annotations

from datetime import datetime

from kefu.clock import iso, now, parse_iso
from kefu.models import AuthorType, Direction, TicketStatus
from kefu.observability import decided
from kefu.queues import enqueue_routing
from kefu.routing.jobs import JobKind, RoutingJob
from kefu.routing.queue import DEFAULT_RELAXATION, Team, next_relaxation
from kefu.services import routing
from kefu.store import Store

CONTENDED_RETRY_SECONDS = 1  # another decider won every attempt: look again in a moment


def run(store: Store, job: RoutingJob, moment: datetime | None = None) -> str:
    """Do one job; what was done (for logs and tests)."""
    at = moment or now()
    if job.due_at is not None and parse_iso(job.due_at) > at:
        enqueue_routing(job, int((parse_iso(job.due_at) - at).total_seconds()) + 1)
        return "delayed_again"
    if job.kind == JobKind.ROUTE:
        return _route(store, job, at)
    if job.kind == JobKind.CHECK_ASSIGNMENT:
        return _check_assignment(store, job)
    if job.kind == JobKind.CHECK_PRESENCE:
        return _check_presence(store, job, at)
    return "counted" if routing.count_reopened(store, job.ticket_id or "") is not None else "nothing_to_count"


def _route(store: Store, job: RoutingJob, at: datetime) -> str:
    if not job.team or not job.work:
        return "malformed"
    team = store.routing.team(job.team)  # cached per container
    if team is not None and not team.is_open(at):
        # night duty: the queue is served again when the next shift starts, whoever is online by then
        opening = team.next_opening(at)
        enqueue_routing(job.model_copy(update={"due_at": iso(opening)}), int((opening - at).total_seconds()) + 1)
        return "waits_for_next_shift"
    filled = routing.fill(store, job.team, job.work, at=at)
    if filled.contended:  # others are deciding on this queue too: make sure nothing is left behind
        enqueue_routing(job, CONTENDED_RETRY_SECONDS)
    else:
        _relax_later(store, job, team, filled, at)
    return f"assigned_{len(filled.assigned)}"


def _relax_later(store: Store, job: RoutingJob, team: Team | None, filled: routing.Fill, at: datetime) -> None:
    """The job's ticket still waits, and what it asks of an agent relaxes later (``Team.relaxation``): come
    back then, as nothing else happens at that moment. One timer at a time per ticket and stint in the queue
    (the timer sets the next), so a ticket costs at most one job per relaxation step."""
    if not job.ticket_id or not job.since or any(t.id == job.ticket_id for t in filled.assigned):
        return
    relaxation = team.relaxation if team else list(DEFAULT_RELAXATION)
    due = next_relaxation(job.since, relaxation, at)
    if due is None:
        return
    ticket = store.tickets.find(job.ticket_id)
    if ticket is None or not routing.is_waiting(ticket) or ticket.queued_at != job.since:
        return  # assigned, or waiting again since (the new stint has a job of its own)
    enqueue_routing(job.model_copy(update={"due_at": iso(due)}), int((due - at).total_seconds()) + 1)


def _check_assignment(store: Store, job: RoutingJob) -> str:
    """The assignment made at ``since`` still stands and its agent has written nothing to the customer since:
    the ticket goes back to the queue (``no_answer``), not to that agent again this time."""
    if not job.ticket_id or not job.agent_id or not job.since:
        return "malformed"
    ticket = store.tickets.get(job.ticket_id)
    if ticket.assignee != job.agent_id or ticket.load_holder != job.agent_id:
        return "reassigned_already"
    if ticket.status != TicketStatus.IN_PROGRESS:
        return "not_in_progress"
    messages, events = store.tickets.thread(ticket.id)  # one ticket's items: bounded, and only on a timer
    assignments = [e for e in events if e.type == "assigned"]
    if not assignments or assignments[-1].created_at != job.since:
        return "reassigned_already"  # assigned again since: that assignment has a check of its own
    answered = any(
        m.direction == Direction.OUTBOUND
        and m.author_type == AuthorType.AGENT
        and not m.internal
        and m.created_at >= job.since
        for m in messages
    )
    if answered:
        return "answered"
    data = {"assigned_at": job.since}
    returned = routing.send_back(store, ticket.id, job.agent_id, "no_answer", pass_over=True, data=data)
    return "sent_back" if returned is not None else "reassigned_already"


def _check_presence(store: Store, job: RoutingJob, at: datetime) -> str:
    """No heartbeat since ``since``: the agent goes offline and the tickets routing gave them go back."""
    if not job.agent_id or not job.since:
        return "malformed"
    profile = store.routing.profile(job.agent_id)
    if profile is None or profile.presence != "online":
        return "not_online"
    if profile.seen_at != job.since:
        return "heartbeat_since"  # a later heartbeat has a check of its own
    if not store.agents.set_presence(job.agent_id, "offline", iso(at)):
        return "no_agent"
    routing.set_presence(store, job.agent_id, "offline")
    returned = routing.return_to_queue(store, job.agent_id, "presence_expired")
    decided("presence", "expired", agent_id=job.agent_id, tickets=len(returned))
    return "expired"
