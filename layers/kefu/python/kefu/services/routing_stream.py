"""Routing's reactions to table changes, from the DynamoDB stream (``kefu.services.stream`` calls ``react``).

- a queue entry appears: the routing function is asked to assign what waits in that queue (a ticket that
  starts waiting is assigned within moments, whoever made it wait: ingest, a requeue, a reopen, a transfer to
  a team), naming the ticket and when it started waiting (if it is left waiting, the job sets a timer for its
  next relaxation step), and the queue's length counter moves up by one (pattern 31); an entry goes: down by
  one;
- the queue assigned a ticket: today's assignment counters of its team take the wait (pattern 32), and when
  the team has a ``reassign_after``, a check of that assignment is queued for then;
- an online agent's heartbeat (``seen_at`` moved): a check for the presence timeout after it is queued;
- a ticket was reopened: the routing function counts it against its assignee's capacity again.

The counters are the stream's: ingest and the claims never touch a shared counter item, so they never
conflict on one. A record replayed after a failed batch may count twice; the live figures read the queue's
oldest entry too, so a queue that is empty shows empty whatever its counter says.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kefu.clock import iso, parse_iso
from kefu.config import get_settings
from kefu.queues import enqueue_routing
from kefu.routing.jobs import MAX_DELAY_SECONDS, JobKind, RoutingJob
from kefu.store import Store
from kefu.store.routing import RoutingChange, routing_change


def react(
    store: Store, event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None
) -> str | None:
    """What routing did with one stream record, or None when the record is none of routing's business."""
    change = routing_change(event_name, new_image, old_image)
    if change is None:
        return None
    return _apply(store, change)


def _apply(store: Store, change: RoutingChange) -> str:
    if change.kind == "entered_queue":
        entry = change.entry
        since = entry.entered_at if entry is not None and entry.skill else None  # relaxation counts from here
        ticket_id = change.ticket_id if since else None
        enqueue_routing(
            RoutingJob(kind=JobKind.ROUTE, team=change.team, work=change.work_kind, ticket_id=ticket_id, since=since)
        )
        store.routing.count_waiting(change.team, change.work_kind, +1)
        return "routing_queued"
    if change.kind == "left_queue":
        store.routing.count_waiting(change.team, change.work_kind, -1)
        return "queue_counted"
    if change.kind == "heartbeat":
        _check_later(
            RoutingJob(kind=JobKind.CHECK_PRESENCE, agent_id=change.agent_id, since=change.at),
            change.at,
            get_settings().presence_timeout_seconds,
        )
        return "presence_check_queued"
    if change.kind == "reopened":
        enqueue_routing(RoutingJob(kind=JobKind.COUNT_REOPENED, ticket_id=change.ticket_id))
        return "reopen_queued"
    # assigned by the queue
    store.routing.count_assignment(change.day, change.team, change.waited_seconds)
    team = store.routing.team(change.team)  # cached per container
    after = team.reassign_after_seconds() if team else None
    if after is None:
        return "assignment_counted"
    _check_later(
        RoutingJob(
            kind=JobKind.CHECK_ASSIGNMENT, ticket_id=change.ticket_id, agent_id=change.agent_id, since=change.at
        ),
        change.at,
        after,
    )
    return "assignment_check_queued"


def _check_later(job: RoutingJob, since: str, after_seconds: float) -> None:
    """Queue ``job`` for ``after_seconds`` past ``since``; SQS delays stop at 15 minutes, so a later check
    carries its due time and is put back when it comes early."""
    due = parse_iso(since) + timedelta(seconds=after_seconds)
    due_job = job.model_copy(update={"due_at": iso(due)})
    enqueue_routing(due_job, min(MAX_DELAY_SECONDS, int(after_seconds) + 1))
