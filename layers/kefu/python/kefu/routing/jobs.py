"""Routing's work on its queue: a decision to make now, or a check to make later (SQS ``DelaySeconds``).

The stream puts them there (kefu.services.routing_stream) and the routing function does them
(kefu.services.routing_jobs). They carry ids and times, never keys or whole records; every job is safe to
do twice (the claim is conditional, a check looks at the ticket or profile as it is now).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

MAX_DELAY_SECONDS = 900  # SQS's limit: a check due later is re-delayed when it comes back early


class JobKind(StrEnum):
    ROUTE = "route"  # assign what waits in one team's queue of one kind
    CHECK_ASSIGNMENT = "check_assignment"  # has the assignee answered since the assignment?
    CHECK_PRESENCE = "check_presence"  # has the agent sent a heartbeat since?
    COUNT_REOPENED = "count_reopened"  # a reopened ticket counts against its assignee's capacity again


class RoutingJob(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: JobKind
    team: str | None = None
    work: str | None = None  # the kind of work (chat, ticket) of a route job
    ticket_id: str | None = None
    agent_id: str | None = None
    since: str | None = None  # the assignment's or the heartbeat's time the check is about
    due_at: str | None = None  # when the check is due (a job that comes back early waits again)
