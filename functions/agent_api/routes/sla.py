"""Service levels: the policies (/api/v1/admin/sla-policies, admins), manual escalation
(/api/v1/tickets/{id}/escalate) and the in-app notifications SLA warnings and escalations leave
(/api/v1/notifications). See docs/metrics.md and kefu.services.sla."""

from __future__ import annotations

import re
from typing import Literal

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import ConfigDict, Field, ValidationError

from agent_api.routes.common import caller_of, store
from agent_api.schemas import TicketId, TicketOut
from kefu.errors import InvalidInput
from kefu.modelbase import LazyModel
from kefu.models import Priority, Tier
from kefu.services import sla
from kefu.sla.policy import Duration, PolicySet, SlaPolicy

router = APIGatewayRouter()


class SlaPolicyIn(LazyModel):
    """A policy as an admin writes it; saving an existing ``id`` (or name) makes its next version."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="defaults to the name, lowercased, '-' for other characters")
    name: str = Field(min_length=1, max_length=100)
    priority: Priority | None = None
    tier: Tier | None = None
    organization: str | None = None
    first_response: Duration
    next_response: Duration | None = None
    resolution: Duration | None = None
    calendar: Literal["business", "calendar"] = "calendar"
    warn_at: float = Field(default=0.8, gt=0, lt=1, description="share of a target at which the assignee is warned")
    level2_after: Duration | None = Field(default="PT30M", description="level 2 this long after the breach")
    expert_team: str = "experts"
    reassign_on_breach: bool = False


class EscalateIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class NotificationOut(LazyModel):
    id: str
    kind: str
    recipient: str
    ticket_id: str
    subject: str | None = None
    target: str | None = None
    level: int = 0
    reason: str | None = None
    due_at: str | None = None
    created_at: str


class NotificationListOut(LazyModel):
    items: list[NotificationOut]
    next_cursor: str | None = None


def _policy_id(body: SlaPolicyIn) -> str:
    if body.id:
        return body.id
    slug = re.sub(r"[^a-z0-9_-]+", "-", body.name.lower()).strip("-")[:48]
    if not re.match(r"^[a-z]", slug):
        raise InvalidInput("give the policy an id: its name does not make one (letters first, a-z 0-9 - _)")
    return slug


@router.get("/admin/sla-policies", summary="The SLA policies, with the set's revision and each one's version")
def list_policies() -> PolicySet:
    return sla.admin_policies(store(), caller_of(router))


@router.post("/admin/sla-policies", summary="Add an SLA policy, or change one (a new version); admin", status_code=201)
def save_policy(body: SlaPolicyIn) -> tuple[SlaPolicy, int]:
    try:
        policy = SlaPolicy(**body.model_dump(exclude={"id"}), id=_policy_id(body))
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        raise InvalidInput(f"{where}: {problem['msg']}") from None
    return sla.admin_save_policy(store(), caller_of(router), policy), 201


@router.post("/tickets/<ticket_id>/escalate", summary="Escalate: level 1 (supervisors), then 2 (the expert team)")
def escalate(ticket_id: TicketId, body: EscalateIn) -> TicketOut:
    return TicketOut.of(sla.escalate(store(), caller_of(router), ticket_id, body.reason))


@router.get("/notifications", summary="SLA warnings and escalations for the caller and the caller's teams")
def notifications() -> NotificationListOut:
    caller = caller_of(router)
    # an agent's teams are in two places today: the routing profile (admins set it) and the agent profile
    # (/me shows it); a notification to any of them is the caller's
    profile = store().routing.profile(caller.id)
    agent = store().agents.find(caller.id)
    teams = sorted({*(profile.teams if profile else []), *(agent.teams if agent else [])})
    return NotificationListOut(
        items=[NotificationOut.model_validate(n) for n in sla.notifications_for(store(), caller, teams)]
    )
