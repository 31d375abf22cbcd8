"""Routing's reactions to table changes, from the DynamoDB stream (``kefu.services.stream`` calls ``react``).

- a queue entry appears or goes: the queue's length counter moves by one (pattern 31);
- the queue assigned a ticket: today's assignment counters of its team take the wait (pattern 32).

The counters are the stream's: ingest and the claims never touch a shared counter item, so they never
conflict on one. A record replayed after a failed batch may count twice; the live figures read the queue's
oldest entry too, so a queue that is empty shows empty whatever its counter says.
"""

from __future__ import annotations

from typing import Any

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
        store.routing.count_waiting(change.team, change.work_kind, +1)
        return "queue_counted"
    if change.kind == "left_queue":
        store.routing.count_waiting(change.team, change.work_kind, -1)
        return "queue_counted"
    # assigned by the queue
    store.routing.count_assignment(change.day, change.team, change.waited_seconds)
    return "assignment_counted"
