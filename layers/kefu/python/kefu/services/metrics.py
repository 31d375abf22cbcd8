"""``GET /api/v1/metrics/live``: the live figures, one section per concern.

Each section is a function of the store and the moment that returns its own figures, read from counters the
stream keeps and from sparse indexes with a limit, never by scanning tickets or agents. A new concern adds a
function and one line in ``SECTIONS`` (and a field in the API's answer model, functions/agent_api/routes/
metrics.py); a section never reads another's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from kefu.auth import Caller
from kefu.clock import iso, now
from kefu.store import Store

Section = Callable[[Store, datetime], dict[str, Any]]


# ---------------------------------------------------------------- routing


@dataclass(frozen=True)
class QueueFigures:
    team: str
    kind: str
    waiting: int
    longest_wait_seconds: float | None  # the ticket that has waited longest, since it entered the queue


@dataclass(frozen=True)
class AssignmentFigures:
    """Today's (UTC) assignments by the queue: how many, and how long the tickets waited for them."""

    team: str | None  # None: all teams
    assigned: int
    average_wait_seconds: float | None
    median_wait_seconds_at_most: float | None  # the upper bound of the histogram bucket holding the median


@dataclass(frozen=True)
class AgentLoad:
    id: str
    teams: list[str]
    load: dict[str, int]
    capacity: dict[str, int]


@dataclass(frozen=True)
class RoutingFigures:
    queues: list[QueueFigures] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)  # per team: waiting, longest_wait_seconds
    assignments_today: list[AssignmentFigures] = field(default_factory=list)
    agents_online: int = 0
    agents: list[AgentLoad] = field(default_factory=list)


def routing_section(store: Store, moment: datetime) -> dict[str, Any]:
    """Queue length and longest wait per team and kind, today's time to assignment per team, the agents
    online and their load. Requests: one for the queue counters, one per non-empty queue (its oldest entry),
    one for today's assignment counters, one for the online agents."""
    from kefu.store.routing import WAIT_BUCKETS

    queues: list[QueueFigures] = []
    for (team, kind), counted in sorted(store.routing.waiting_counts().items()):
        oldest = store.routing.oldest_waiting(team, kind) if counted > 0 else None
        waiting = counted if oldest is not None else 0  # a counter left above zero by a replayed record
        longest = None
        if oldest is not None:
            from kefu.routing.queue import waited_seconds

            longest = round(waited_seconds(oldest, moment), 3)
        queues.append(QueueFigures(team, kind, waiting, longest))
    per_team: dict[str, dict[str, Any]] = {}
    for queue in queues:
        summed = per_team.setdefault(queue.team, {"team": queue.team, "waiting": 0, "longest_wait_seconds": None})
        summed["waiting"] += queue.waiting
        if queue.longest_wait_seconds is not None:
            summed["longest_wait_seconds"] = max(summed["longest_wait_seconds"] or 0.0, queue.longest_wait_seconds)

    counts = store.routing.assignment_counts(iso(moment)[:10])
    total: dict[str, int] = {}
    for team_counts in counts.values():
        for name, value in team_counts.items():
            total[name] = total.get(name, 0) + value
    assignments = [_assignment_figures(None, total, WAIT_BUCKETS)]
    assignments += [
        _assignment_figures(name, team_counts, WAIT_BUCKETS) for name, team_counts in sorted(counts.items())
    ]

    online = store.routing.online_profiles()
    agents = [
        AgentLoad(p.agent_id, list(p.teams), dict(p.load), dict(p.capacity))
        for p in sorted(online, key=lambda p: p.agent_id)
    ]
    routing = RoutingFigures(
        queues=queues,
        teams=[per_team[name] for name in sorted(per_team)],
        assignments_today=assignments,
        agents_online=len(agents),
        agents=agents,
    )
    return asdict(routing)


def _assignment_figures(team: str | None, counts: dict[str, int], buckets: tuple[int, ...]) -> AssignmentFigures:
    assigned = counts.get("assigned", 0)
    if assigned <= 0:
        return AssignmentFigures(team, 0, None, None)
    average = round(counts.get("waited_ms", 0) / assigned / 1000, 3)
    median: float | None = None
    seen = 0
    for index in range(len(buckets) + 1):
        seen += counts.get(f"b{index}", 0)
        if seen * 2 >= assigned:
            # the open-ended last bucket has no upper bound: say the longest bound it is above
            median = float(buckets[index] if index < len(buckets) else buckets[-1])
            break
    return AssignmentFigures(team, assigned, average, median)


# ---------------------------------------------------------------- SLA


def sla_section(store: Store, moment: datetime) -> dict[str, Any]:
    """Tickets at SLA risk now (warned, not yet breached), breaches today and today's first responses with
    their average (calendar time, UTC day; docs/metrics.md), overall and per team. Requests: two queries
    (today's counters, the risk counters), one item per team each."""
    day = store.sla.day_counts(iso(moment)[:10])
    risk = store.sla.risk_counts()
    teams: list[dict[str, Any]] = []
    for team in sorted(set(day) | set(risk)):
        counts = day.get(team, {})
        answered = counts.get("first_responses", 0)
        teams.append(
            {
                "team": team,
                "at_risk": risk.get(team, 0),
                "breaches_today": counts.get("breaches", 0),
                "first_responses_today": answered,
                "average_first_response_seconds": (
                    round(counts.get("first_response_ms", 0) / answered / 1000, 3) if answered else None
                ),
            }
        )
    answered = sum(t["first_responses_today"] for t in teams)
    total_ms = sum(day.get(t["team"], {}).get("first_response_ms", 0) for t in teams)
    return {
        "at_risk": sum(t["at_risk"] for t in teams),
        "breaches_today": sum(t["breaches_today"] for t in teams),
        "first_responses_today": answered,
        "average_first_response_seconds": round(total_ms / answered / 1000, 3) if answered else None,
        "teams": teams,
    }


# ---------------------------------------------------------------- all sections


def kb_section(store: Store, moment: datetime) -> dict[str, Any]:
    """The bot's and the help center's UTC day (kefu.services.knowledge.day_figures, docs/metrics.md)."""
    from kefu.services.knowledge import day_figures

    return day_figures(store, iso(moment)[:10])


def csat_section(store: Store, moment: datetime) -> dict[str, Any]:
    """The UTC day's satisfaction ratings from the widget's card (kefu.services.thread.rate): one counter item."""
    from kefu.services.thread import csat_summary

    day = iso(moment)[:10]
    return {"day": day, **csat_summary(store, day)}


SECTIONS: dict[str, Section] = {
    "routing": routing_section,
    "sla": sla_section,
    "kb": kb_section,
    "csat": csat_section,
}


def live(store: Store, caller: Caller) -> dict[str, Any]:
    """Every section's figures at one moment (any signed-in agent may look: it is the queue they work)."""
    del caller  # every role may read the live figures; the parameter keeps the use case's shape
    moment = now()
    return {"generated_at": iso(moment), **{name: section(store, moment) for name, section in SECTIONS.items()}}
