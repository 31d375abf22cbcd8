"""The live figures (/api/v1/metrics/live): one field per section of ``kefu.services.metrics``; a new
section adds its own model here and one field in ``LiveMetricsOut``."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from agent_api.routes.common import caller_of, store
from kefu.modelbase import LazyModel
from kefu.services import metrics

router = APIGatewayRouter()


class QueueFiguresOut(LazyModel):
    team: str
    kind: str
    waiting: int
    longest_wait_seconds: float | None


class TeamFiguresOut(LazyModel):
    team: str
    waiting: int
    longest_wait_seconds: float | None


class AssignmentFiguresOut(LazyModel):
    team: str | None
    assigned: int
    average_wait_seconds: float | None
    median_wait_seconds_at_most: float | None


class AgentLoadOut(LazyModel):
    id: str
    teams: list[str]
    load: dict[str, int]
    capacity: dict[str, int]


class RoutingFiguresOut(LazyModel):
    queues: list[QueueFiguresOut]
    teams: list[TeamFiguresOut]
    assignments_today: list[AssignmentFiguresOut]
    agents_online: int
    agents: list[AgentLoadOut]


class SlaTeamFiguresOut(LazyModel):
    team: str
    at_risk: int
    breaches_today: int
    first_responses_today: int
    average_first_response_seconds: float | None


class SlaFiguresOut(LazyModel):
    """At risk: open tickets warned on a running clock and not breached. Today: the UTC day. First response:
    calendar seconds from creation to the first public agent reply (docs/metrics.md)."""

    at_risk: int
    breaches_today: int
    first_responses_today: int
    average_first_response_seconds: float | None
    teams: list[SlaTeamFiguresOut]


class KbFiguresOut(LazyModel):
    """The UTC day so far. A bot resolution here is one the customer confirmed ("did this solve it?" - yes);
    rates are per conversation the bot took (docs/metrics.md, which also says what is not counted yet)."""

    day: str
    bot_conversations: int
    bot_answers: int
    bot_resolved_confirmed_by_customer: int
    bot_handoffs: int
    bot_handoffs_by_reason: dict[str, int]
    bot_resolutions_withdrawn: dict[str, int]
    bot_resolution_rate: float | None
    handoff_rate: float | None
    helpful_votes: int
    not_helpful_votes: int
    helpful_share: float | None


class CsatFiguresOut(LazyModel):
    """The UTC day's satisfaction ratings (1-5, once per conversation, from the chat widget's card)."""

    day: str
    ratings: int
    rating_sum: int
    rated_1: int
    rated_2: int
    rated_3: int
    rated_4: int
    rated_5: int
    average: float | None
    satisfied_share: float | None  # ratings of 4 or 5 among all


class LiveMetricsOut(LazyModel):
    generated_at: str
    routing: RoutingFiguresOut
    sla: SlaFiguresOut
    kb: KbFiguresOut
    csat: CsatFiguresOut


@router.get(
    "/metrics/live",
    summary="Live figures: queues, waits, time to assignment, agents online and load, SLA at risk and breaches",
)
def live_metrics() -> LiveMetricsOut:
    return LiveMetricsOut.model_validate(metrics.live(store(), caller_of(router)))
