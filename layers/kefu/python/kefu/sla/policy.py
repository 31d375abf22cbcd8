"""SLA policies: response and resolution targets by priority, customer tier and organization.

Targets are ISO-8601 durations of days, hours, minutes and seconds (``PT15M``, ``P1DT12H``, ``PT20S``), parsed
by pydantic; years, months and weeks are refused (their length depends on the date). A policy counts
``calendar`` time or ``business`` time (the ticket's team's calendar, else the routing rule set's hours).

Which policy applies: the most specific one that matches the ticket (organization, then tier and priority
together, then tier, then priority, then none of them); among equally specific ones the first saved.
The policy set is versioned as a whole (``revision``) and each policy has its own ``version``; a ticket keeps
the id and version of the policy that set its clocks.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from kefu import identifiers
from kefu.errors import InvalidInput
from kefu.models import Priority, Tier

MAX_POLICIES = 100
MAX_TARGET = timedelta(days=365)
_DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
POLICY_ID = r"^[a-z][a-z0-9_-]{0,47}$"
TARGETS = ("first_response", "next_response", "resolution")


@lru_cache(maxsize=1)
def _durations() -> TypeAdapter[timedelta]:
    return TypeAdapter(timedelta)


def seconds_of(duration: str) -> float:
    """Seconds of an ISO-8601 duration; InvalidInput names what is wrong."""
    if not isinstance(duration, str) or not _DURATION.match(duration):
        raise InvalidInput(
            f"{str(duration)[:40]!r} is not an ISO-8601 duration of days, hours, minutes and seconds (e.g. PT15M)"
        )
    value = _durations().validate_python(duration)
    if value <= timedelta(0) or value > MAX_TARGET:
        raise InvalidInput(f"{duration} is not between 1 second and 365 days")
    return value.total_seconds()


def _duration(value: str) -> str:
    try:
        seconds_of(value)
    except InvalidInput as err:
        raise ValueError(err.message) from None
    return value


Duration = Annotated[
    str, AfterValidator(_duration), Field(examples=["PT15M"], description="ISO-8601 duration, e.g. PT15M or PT20S")
]


class SlaPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    name: str = Field(min_length=1, max_length=100)
    priority: Priority | None = None
    tier: Tier | None = None
    organization: str | None = None
    first_response: Duration
    next_response: Duration | None = None
    resolution: Duration | None = None
    calendar: Literal["business", "calendar"] = "calendar"
    # the assignee is warned when this share of a target has passed
    warn_at: float = Field(default=0.8, gt=0, lt=1)
    # level 2 (the expert team) this long after the breach; None: never automatically
    level2_after: Duration | None = "PT30M"
    expert_team: str = "experts"
    reassign_on_breach: bool = False  # a breach puts the ticket back into the routing queue (level 1)
    version: int = 1
    updated_at: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(POLICY_ID, value):
            raise ValueError("id is lowercase letters, digits, '-' and '_', starting with a letter (at most 48)")
        return value

    @field_validator("organization", "expert_team")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return identifiers.check(value, identifiers.TEAM, "organization or team")
        except InvalidInput as err:
            raise ValueError(err.message) from None

    def target_seconds(self, target: str) -> float | None:
        value = getattr(self, target)
        return None if value is None else seconds_of(value)

    def specificity(self) -> int:
        if self.organization:
            return 4
        return 2 * (self.tier is not None) + (self.priority is not None)

    def matches(self, priority: Priority, tier: Tier, organization: str | None) -> bool:
        return (
            (self.organization is None or self.organization == organization)
            and (self.tier is None or self.tier == tier)
            and (self.priority is None or self.priority == priority)
        )


class PolicySet(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    revision: int = 0
    policies: list[SlaPolicy] = Field(default_factory=list, max_length=MAX_POLICIES)

    def policy_for(self, priority: Priority, tier: Tier, organization: str | None) -> SlaPolicy | None:
        best: SlaPolicy | None = None
        for policy in self.policies:
            if policy.matches(priority, tier, organization) and (
                best is None or policy.specificity() > best.specificity()
            ):
                best = policy
        return best


def default_policies() -> PolicySet:
    """The figures businesses promise: normal customers answered within 15 minutes, VIPs within 5 (7x24),
    enterprise accounts within 24 business hours; issues solved within 24 hours (urgent ones count too);
    the enterprise's complex issues within 48."""
    return PolicySet(
        revision=0,
        policies=[
            SlaPolicy(
                id="default",
                name="Normal customers",
                first_response="PT15M",
                next_response="PT15M",
                resolution="P1D",
            ),
            SlaPolicy(
                id="vip",
                name="VIP customers",
                tier=Tier.VIP,
                first_response="PT5M",
                next_response="PT5M",
                resolution="P1D",
            ),
            SlaPolicy(
                id="enterprise",
                name="Enterprise accounts",
                tier=Tier.ENTERPRISE,
                first_response="P1D",
                next_response="P1D",
                resolution="P2D",
                calendar="business",
                level2_after="PT4H",
            ),
        ],
    )
