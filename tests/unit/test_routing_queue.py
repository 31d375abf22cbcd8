"""The queue's order and who takes a ticket: pure decisions (the claim itself is in tests/integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from kefu.clock import iso
from kefu.models import Priority, Tier
from kefu.routing.queue import (
    DEFAULT_RELAXATION,
    QueueEntry,
    RelaxationStep,
    RoutingProfile,
    Team,
    choose_agent,
    kind_of,
    next_assignment,
    next_relaxation,
    rank,
    required_proficiency,
)

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
STEPS = list(DEFAULT_RELAXATION)


def entry(ticket_id: str, **fields: object) -> QueueEntry:
    values: dict[str, object] = {
        "ticket_id": ticket_id,
        "team": "finance",
        "kind": "chat",
        "priority": Priority.MEDIUM,
        "created_at": iso(START),
        "entered_at": iso(START),
        "skill": "after_sales",
        **fields,
    }
    return QueueEntry.model_validate(values)


def agent(agent_id: str, level: int = 5, load: int = 0, capacity: int = 3, **fields: object) -> RoutingProfile:
    values: dict[str, object] = {
        "agent_id": agent_id,
        "teams": ["finance"],
        "skills": {"after_sales": level},
        "capacity": {"chat": capacity, "ticket": 5},
        "load": {"chat": load, "ticket": 0},
        "presence": "online",
        **fields,
    }
    return RoutingProfile.model_validate(values)


def order(*entries: QueueEntry) -> list[str]:
    return [e.ticket_id for e in sorted(entries, key=rank)]


def test_the_queue_orders_by_priority_then_tier_then_sla_then_age() -> None:
    later = iso(START + timedelta(minutes=1))
    assert order(entry("low", priority=Priority.LOW), entry("urgent", priority=Priority.URGENT)) == ["urgent", "low"]
    assert order(
        entry("normal", tier=Tier.NORMAL), entry("vip", tier=Tier.VIP), entry("b2b", tier=Tier.ENTERPRISE)
    ) == [
        "vip",
        "b2b",
        "normal",
    ]
    assert order(entry("due-later", sla_due_at=later), entry("due-now", sla_due_at=iso(START))) == [
        "due-now",
        "due-later",
    ]
    assert order(entry("young", created_at=later), entry("old")) == ["old", "young"]
    assert order(entry("no-sla"), entry("sla", sla_due_at=later)) == ["sla", "no-sla"]
    # priority outranks tier: an urgent normal ticket goes before a high VIP one
    assert order(
        entry("vip-high", tier=Tier.VIP, priority=Priority.HIGH), entry("urgent", priority=Priority.URGENT)
    ) == [
        "urgent",
        "vip-high",
    ]


def test_skill_match_relaxes_with_waiting_time() -> None:
    waiting = entry("t")
    assert required_proficiency(waiting, STEPS, START) == 3
    assert required_proficiency(waiting, STEPS, START + timedelta(seconds=59)) == 3
    assert required_proficiency(waiting, STEPS, START + timedelta(seconds=60)) == 1
    assert required_proficiency(waiting, STEPS, START + timedelta(minutes=5)) is None
    novice, outsider = agent("novice", level=1), agent("outsider", skills={})
    assert choose_agent(waiting, [novice, outsider], STEPS, START) is None
    assert choose_agent(waiting, [outsider, novice], STEPS, START + timedelta(seconds=61)) == novice
    assert choose_agent(waiting, [outsider], STEPS, START + timedelta(minutes=5)) == outsider


def test_the_next_relaxation_step_is_when_the_requirement_next_changes() -> None:
    """What the routing function sets a timer for: nothing else happens when a step begins."""
    entered = iso(START)
    assert next_relaxation(entered, STEPS, START) == START + timedelta(seconds=60)
    assert next_relaxation(entered, STEPS, START + timedelta(seconds=59)) == START + timedelta(seconds=60)
    assert next_relaxation(entered, STEPS, START + timedelta(seconds=60)) == START + timedelta(minutes=5)
    assert next_relaxation(entered, STEPS, START + timedelta(minutes=5)) is None  # the last step has begun
    same = [RelaxationStep(after_seconds=0, min_proficiency=2), RelaxationStep(after_seconds=30, min_proficiency=2)]
    assert next_relaxation(entered, same, START) is None  # a step that asks the same is no step
    unordered = [RelaxationStep(after_seconds=120), RelaxationStep(after_seconds=0, min_proficiency=4)]
    assert next_relaxation(entered, unordered, START) == START + timedelta(minutes=2)


def test_least_loaded_within_capacity_and_only_online_team_members() -> None:
    busy, idle, full = agent("busy", load=2), agent("idle", load=1), agent("full", load=3)
    assert choose_agent(entry("t"), [busy, idle, full], STEPS, START) == idle
    share_first = [agent("big", load=2, capacity=10), agent("small", load=1, capacity=2)]
    assert choose_agent(entry("t"), share_first, STEPS, START) == share_first[0]  # 20 % beats 50 %
    away = agent("away", presence="away")
    other_team = agent("other", teams=["sales"])
    assert choose_agent(entry("t"), [away, other_team, full], STEPS, START) is None
    email = entry("mail", kind="ticket")
    assert choose_agent(email, [agent("a", load=3)], STEPS, START) is not None  # chats full, tickets free


def test_the_dedicated_agent_first_when_eligible() -> None:
    mine = entry("t", dedicated_agent="own")
    own, idle = agent("own", load=2), agent("idle")
    assert choose_agent(mine, [idle, own], STEPS, START) == own
    assert choose_agent(mine, [idle, agent("own", load=3)], STEPS, START) == idle  # own is full


def test_the_first_ticket_someone_can_take() -> None:
    urgent_skill = entry("urgent", priority=Priority.URGENT, skill="technical")
    normal = entry("normal")
    decision = next_assignment([urgent_skill, normal], [agent("a")], STEPS, START)
    assert decision is not None and decision.entry.ticket_id == "normal"  # nobody knows "technical" yet
    decision = next_assignment([normal, urgent_skill], [agent("a")], STEPS, START + timedelta(minutes=5))
    assert decision is not None and decision.entry.ticket_id == "urgent"


def test_kinds_by_channel() -> None:
    assert (kind_of("email"), kind_of("form"), kind_of("wechat"), kind_of("web")) == (
        "ticket",
        "ticket",
        "chat",
        "chat",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"skills": {"after_sales": 6}}, "proficiency"),
        ({"capacity": {"phone": 1}}, "capacity kinds"),
        ({"capacity": {"chat": -1}}, "capacity for chat"),
        ({"teams": ["Finance Team"]}, "team"),
    ],
)
def test_bad_profiles_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RoutingProfile.model_validate({"agent_id": "a", **fields})


def test_relaxation_steps_start_at_zero() -> None:
    with pytest.raises(ValidationError, match="after_seconds 0"):
        Team(id="finance", name="Finance", relaxation=[RelaxationStep(after_seconds=30, min_proficiency=1)])
    team = Team(
        id="finance",
        name="Finance",
        relaxation=[RelaxationStep(after_seconds=30), RelaxationStep(after_seconds=0, min_proficiency=4)],
    )
    assert [s.after_seconds for s in team.relaxation] == [0, 30]
