"""A team's shifts and calendar (kefu.routing.queue.Team): three shifts cover 24 hours, holidays close the
team, a day shift waits for the next weekday, and a team with neither calendar nor shifts always works."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from kefu.routing.queue import Shift, Team
from kefu.routing.rules import BusinessHours


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def around_the_clock(**calendar: object) -> Team:
    return Team(
        id="support",
        name="Support",
        calendar=BusinessHours(timezone="UTC", **calendar),
        shifts=[
            Shift(name="early", opens="00:00", closes="08:00"),
            Shift(name="day", opens="08:00", closes="16:00"),
            Shift(name="late", opens="16:00", closes="00:00"),
        ],
    )


@pytest.mark.parametrize("hour", range(24))
def test_three_shifts_cover_every_hour(hour: int) -> None:
    assert around_the_clock().is_open(at(2, hour, 30))


def test_a_holiday_closes_every_shift_of_that_day_and_the_next_day_opens_at_midnight() -> None:
    team = around_the_clock(holidays=["2026-12-25"])
    assert not team.is_open(at(25, 12))
    assert not team.is_open(at(25, 23, 59))
    assert team.next_opening(at(25, 12)) == at(26, 0)
    assert team.is_open(at(24, 23, 59)) and team.is_open(at(26, 0, 1))


def test_a_day_shift_waits_for_the_next_weekday_in_the_teams_zone() -> None:
    team = Team(
        id="b2b",
        name="B2B",
        calendar=BusinessHours(timezone="Asia/Shanghai", days=[0, 1, 2, 3, 4]),
        shifts=[Shift(name="office", opens="09:00", closes="18:00")],
    )
    saturday_noon_shanghai = at(5, 4)
    assert not team.is_open(saturday_noon_shanghai)
    assert team.next_opening(saturday_noon_shanghai) == at(7, 1)  # Monday 09:00 in Shanghai is 01:00 UTC
    assert team.is_open(at(7, 1, 30))
    assert team.next_opening(at(7, 1, 30)) == at(7, 1, 30)  # open now: now


def test_without_shifts_the_calendar_hours_count_and_without_either_the_team_always_works() -> None:
    assert Team(id="general", name="General").is_open(at(25, 3))
    hours = Team(id="x", name="X", calendar=BusinessHours(timezone="UTC", opens="09:00", closes="21:00"))
    assert hours.is_open(at(2, 10)) and not hours.is_open(at(2, 22))


def test_a_bad_shift_is_refused_saying_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="opens"):
        Shift(name="x", opens="25:00", closes="08:00")
    with pytest.raises(ValidationError, match="shifts"):
        Team(id="x", name="X", shifts=[Shift(name=str(i), opens="00:00", closes="01:00") for i in range(7)])
