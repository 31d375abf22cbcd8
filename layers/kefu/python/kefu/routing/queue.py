"""The waiting queue and who takes the next ticket: pure decisions over what the store read.

Order of the queue (``rank``): priority (urgent first), then the customer's tier (VIP, then enterprise, then
normal), then the SLA's first-response due time (soonest first), then age (oldest first), then the id so two
tickets never tie.

Who takes a ticket (``choose_agent``): only an online agent of the ticket's team with room for the ticket's
kind of work (``chat`` for live channels, ``ticket`` for email and forms). The customer's dedicated agent
first, when eligible; otherwise the least loaded (load over capacity, then fewest tickets, then id). How well
the agent must know the ticket's skill relaxes with the time the ticket has waited (``Relaxation``): by
default proficiency 3 or better at once, any proficiency after 60 s, any member of the team after 5 min.

The decision only proposes; the claim (``kefu.store.routing``) commits it with conditional writes, so two
deciders working from the same reads can never both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from kefu import identifiers
from kefu.clock import parse_iso
from kefu.errors import InvalidInput
from kefu.models import Priority, Tier
from kefu.routing.rules import (
    DEFAULT_TEAM,  # noqa: F401  (where a ticket no rule gave a team waits; used from here)
    BusinessHours,
    Schedule,
    Shift,
)

KINDS = ("chat", "ticket")
ASYNC_CHANNELS = frozenset({"email", "form"})  # answered at leisure: counted against ``ticket`` capacity
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
TIER_RANK = {Tier.VIP: 0, Tier.ENTERPRISE: 1, Tier.NORMAL: 2}
NO_DEADLINE = "9999-12-31T23:59:59.999Z"
MAX_PROFICIENCY = 5


def _checked(value: str, pattern: str, what: str) -> str:
    """ValueError (which pydantic reports as a validation error) unless ``value`` has the documented shape."""
    try:
        return identifiers.check(value, pattern, what)
    except InvalidInput as err:
        raise ValueError(err.message) from None


@cache
def _durations() -> TypeAdapter[timedelta]:
    return TypeAdapter(timedelta)


def duration_seconds(value: str) -> float:
    """Seconds of an ISO-8601 duration ("PT5M", "PT20S", "P1D"); ValueError saying so otherwise."""
    if not value.startswith("P"):
        raise ValueError(f"{value[:40]!r} is not an ISO-8601 duration such as PT5M")
    try:
        return _durations().validate_python(value).total_seconds()
    except ValidationError:
        raise ValueError(f"{value[:40]!r} is not an ISO-8601 duration such as PT5M") from None


def kind_of(channel: str) -> str:
    return "ticket" if channel in ASYNC_CHANNELS else "chat"


class RelaxationStep(BaseModel):
    """From ``after_seconds`` of waiting on: agents with the skill at ``min_proficiency`` or better, or any
    member of the team when ``min_proficiency`` is None."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    after_seconds: int = Field(ge=0, le=7 * 24 * 3600)
    min_proficiency: int | None = Field(default=None, ge=1, le=MAX_PROFICIENCY)


# constructed, not validated: known-good values, and no validator built at import
DEFAULT_RELAXATION = (
    RelaxationStep.model_construct(after_seconds=0, min_proficiency=3),
    RelaxationStep.model_construct(after_seconds=60, min_proficiency=1),
    RelaxationStep.model_construct(after_seconds=300, min_proficiency=None),
)


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    name: str = Field(min_length=1, max_length=100)
    reassign_after: str | None = None  # ISO-8601 duration: an assignment unanswered this long goes back
    calendar: BusinessHours | None = None  # the team's time zone, days and holidays (and hours without shifts)
    shifts: list[Shift] = Field(default_factory=list, max_length=6)  # replace the calendar's opens/closes
    relaxation: list[RelaxationStep] = Field(default_factory=lambda: list(DEFAULT_RELAXATION), min_length=1)
    updated_at: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _checked(value, identifiers.TEAM, "team")

    @field_validator("reassign_after")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            seconds = duration_seconds(value)
            if not 1 <= seconds <= 7 * 24 * 3600:
                raise ValueError("reassign_after is 1 second (PT1S) to 7 days (P7D)")
        return value

    def schedule(self) -> Schedule:
        """When the team works (kefu.routing.rules.Schedule); the rule set keeps a copy for ingest."""
        return Schedule(calendar=self.calendar, shifts=self.shifts)

    def is_open(self, moment: datetime) -> bool:
        """Whether the team works now (no calendar and no shifts: always). Outside it, its tickets wait for
        the next shift."""
        return self.schedule().is_open(moment)

    def next_opening(self, moment: datetime) -> datetime:
        """When the next shift starts (``moment`` itself while one runs)."""
        return self.schedule().next_opening(moment)

    def reassign_after_seconds(self) -> float | None:
        return None if self.reassign_after is None else duration_seconds(self.reassign_after)

    @field_validator("relaxation")
    @classmethod
    def _ordered(cls, value: list[RelaxationStep]) -> list[RelaxationStep]:
        value = sorted(value, key=lambda s: s.after_seconds)
        if value[0].after_seconds != 0:
            raise ValueError("the first relaxation step starts at after_seconds 0")
        return value


class Organization(BaseModel):
    """A B2B account: its contacts are customers with ``organization`` set to its id; its tickets start in its
    dedicated team, and its dedicated agent gets them first when online and within capacity."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    name: str = Field(min_length=1, max_length=200)
    tier: Tier = Tier.ENTERPRISE
    team: str | None = None
    agent: str | None = None
    updated_at: str | None = None

    @field_validator("id", "team")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else _checked(value, identifiers.TEAM, "organization or team")

    @field_validator("agent")
    @classmethod
    def _agent(cls, value: str | None) -> str | None:
        return None if value is None else _checked(value, identifiers.AGENT_ID, "agent")


class RoutingProfile(BaseModel):
    """An agent as routing sees them: teams, skills 1-5, capacity and current load per kind, presence.
    ``version`` grows with every write; the claim is conditional on it."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    agent_id: str
    teams: list[str] = Field(default_factory=list, max_length=10)
    skills: dict[str, int] = Field(default_factory=dict, max_length=50)
    capacity: dict[str, int] = Field(default_factory=lambda: {"chat": 3, "ticket": 10})
    load: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    presence: str = "offline"
    seen_at: str | None = None  # the last heartbeat while online (presence expires without one)
    version: int = 0
    updated_at: str | None = None

    @field_validator("teams")
    @classmethod
    def _teams(cls, value: list[str]) -> list[str]:
        for team in value:
            _checked(team, identifiers.TEAM, "team")
        return list(dict.fromkeys(value))

    @field_validator("skills")
    @classmethod
    def _skills(cls, value: dict[str, int]) -> dict[str, int]:
        for skill, level in value.items():
            _checked(skill, identifiers.TICKET_TYPE, "skill")
            if not 1 <= level <= MAX_PROFICIENCY:
                raise ValueError(f"skill {skill!r}: proficiency is 1 to {MAX_PROFICIENCY}, not {level}")
        return value

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, value: dict[str, int]) -> dict[str, int]:
        for kind, room in value.items():
            if kind not in KINDS:
                raise ValueError(f"capacity kinds are {', '.join(KINDS)}, not {kind[:20]!r}")
            if not 0 <= room <= 100:
                raise ValueError(f"capacity for {kind} is 0 to 100, not {room}")
        return {kind: value.get(kind, 0) for kind in KINDS}

    def room(self, kind: str) -> int:
        return self.capacity.get(kind, 0) - self.load.get(kind, 0)

    def load_share(self, kind: str) -> int:
        """Load over capacity in thousandths (what the pool sorts on); 1000 when full."""
        capacity = self.capacity.get(kind, 0)
        return 1000 if capacity <= 0 else min(1000, 1000 * self.load.get(kind, 0) // capacity)

    def available(self, kind: str) -> bool:
        return self.presence == "online" and self.room(kind) > 0


class QueueEntry(BaseModel):
    """A ticket waiting for an agent, with what its place and its eligibility depend on."""

    model_config = ConfigDict(defer_build=True)

    ticket_id: str
    team: str
    kind: str
    priority: Priority
    tier: Tier = Tier.NORMAL
    sla_due_at: str | None = None
    created_at: str
    entered_at: str  # when it started waiting (the skill relaxation counts from here)
    skill: str | None = None  # what it needs the agent to know (its type)
    dedicated_agent: str | None = None  # the customer's own agent, who gets it first
    passed_over: str | None = None  # the agent it came back from unanswered: not that one again this time


def rank(entry: QueueEntry) -> str:
    """The entry's place as a string that sorts like the queue (the store's sort key ends with it)."""
    return "#".join(
        (
            str(PRIORITY_RANK[entry.priority]),
            str(TIER_RANK[entry.tier]),
            entry.sla_due_at or NO_DEADLINE,
            entry.created_at,
        )
    )


def waited_seconds(entry: QueueEntry, now: datetime) -> float:
    return max(0.0, (now - parse_iso(entry.entered_at)).total_seconds())


def required_proficiency(entry: QueueEntry, relaxation: list[RelaxationStep], now: datetime) -> int | None:
    """The proficiency the entry asks for now; None means any member of its team."""
    waited = waited_seconds(entry, now)
    current = relaxation[0]
    for step in relaxation:
        if waited >= step.after_seconds:
            current = step
    return current.min_proficiency if entry.skill else None


def next_relaxation(entered_at: str, relaxation: list[RelaxationStep], now: datetime) -> datetime | None:
    """When the next relaxation step starts for a ticket that started waiting at ``entered_at`` (a step that
    asks for what the current one asks is no step); None once the last has begun. Nothing else happens at that
    moment, so the routing function sets a timer for it (kefu.services.routing_jobs)."""
    start = parse_iso(entered_at)
    steps = sorted(relaxation, key=lambda s: s.after_seconds)
    current = steps[0]
    for step in steps:
        if start + timedelta(seconds=step.after_seconds) <= now:
            current = step
    for step in steps:
        begins = start + timedelta(seconds=step.after_seconds)
        if begins > now and step.min_proficiency != current.min_proficiency:
            return begins
    return None


def eligible(entry: QueueEntry, agent: RoutingProfile, needed: int | None) -> bool:
    if entry.team not in agent.teams or not agent.available(entry.kind) or agent.agent_id == entry.passed_over:
        return False
    return needed is None or agent.skills.get(entry.skill or "", 0) >= needed


def choose_agent(
    entry: QueueEntry, agents: list[RoutingProfile], relaxation: list[RelaxationStep], now: datetime
) -> RoutingProfile | None:
    needed = required_proficiency(entry, relaxation, now)
    candidates = [agent for agent in agents if eligible(entry, agent, needed)]
    if entry.dedicated_agent:
        for agent in candidates:
            if agent.agent_id == entry.dedicated_agent:
                return agent
    if not candidates:
        return None
    return min(candidates, key=lambda a: (a.load_share(entry.kind), a.load.get(entry.kind, 0), a.agent_id))


@dataclass(frozen=True)
class Decision:
    entry: QueueEntry
    agent: RoutingProfile
    needed_proficiency: int | None


def next_assignment(
    entries: list[QueueEntry], agents: list[RoutingProfile], relaxation: list[RelaxationStep], now: datetime
) -> Decision | None:
    """The first waiting ticket, in queue order, that some eligible agent can take, and that agent."""
    for entry in sorted(entries, key=lambda e: (rank(e), e.ticket_id)):
        agent = choose_agent(entry, agents, relaxation, now)
        if agent is not None:
            return Decision(entry, agent, required_proficiency(entry, relaxation, now))
    return None
