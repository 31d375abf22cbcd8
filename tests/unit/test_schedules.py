"""When EventBridge Scheduler's expressions fire (local/schedules.py), rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from local.schedules import InvalidExpression, next_fire, parse


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _in(zone: str, text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def _next(expression: str, after: str, zone: str = "UTC", anchor: str | None = None, **bounds: str) -> str | None:
    moment = next_fire(
        parse(expression),
        zone,
        _utc(after),
        anchor=_utc(anchor or after),
        **{name: _utc(value) for name, value in bounds.items()},
    )
    return None if moment is None else datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_rate_fires_at_once_then_every_period() -> None:
    assert _next("rate(5 minutes)", "2026-03-01 10:00:00") == "2026-03-01 10:00:00"
    assert _next("rate(5 minutes)", "2026-03-01 10:00:01", anchor="2026-03-01 10:00:00") == "2026-03-01 10:05:00"
    assert _next("rate(1 day)", "2026-03-01 10:00:01", anchor="2026-03-01 10:00:00") == "2026-03-02 10:00:00"


def test_rate_starts_at_its_start_date_and_stops_at_its_end_date() -> None:
    start = {"start": "2026-03-01 12:00:00"}
    assert _next("rate(1 hour)", "2026-03-01 10:00:00", **start) == "2026-03-01 12:00:00"
    assert _next("rate(1 hour)", "2026-03-01 12:30:00", **start) == "2026-03-01 13:00:00"
    assert _next("rate(1 hour)", "2026-03-01 12:30:00", end="2026-03-01 12:59:00", **start) is None


def test_a_day_of_rate_is_24_hours_across_a_daylight_saving_change() -> None:
    # New York moves its clocks forward on 2026-03-08; a rate counts hours, not wall days
    assert _next("rate(1 day)", "2026-03-07 15:00:01", zone="America/New_York", anchor="2026-03-07 15:00:00") == (
        "2026-03-08 15:00:00"
    )


def test_cron_in_utc_and_in_a_time_zone() -> None:
    assert _next("cron(0 9 * * ? *)", "2026-03-01 09:00:01") == "2026-03-02 09:00:00"
    # 09:00 in Shanghai is 01:00 UTC
    assert _next("cron(0 9 * * ? *)", "2026-03-01 02:00:00", zone="Asia/Shanghai") == "2026-03-02 01:00:00"
    assert _next("cron(0/15 * * * ? *)", "2026-03-01 09:01:00") == "2026-03-01 09:15:00"
    assert _next("cron(30 8-10 ? * MON-FRI *)", "2026-02-27 10:31:00") == "2026-03-02 08:30:00"  # Fri -> Mon


def test_cron_day_of_week_counts_from_sunday() -> None:
    assert _next("cron(0 12 ? * 1 *)", "2026-03-02 00:00:00") == "2026-03-08 12:00:00"  # 1 is Sunday
    assert _next("cron(0 12 ? * 7 *)", "2026-03-02 00:00:00") == "2026-03-07 12:00:00"  # 7 is Saturday


def test_cron_last_nearest_weekday_and_nth() -> None:
    assert _next("cron(0 0 L * ? *)", "2026-02-01 00:00:00") == "2026-02-28 00:00:00"
    assert _next("cron(0 0 L-2 * ? *)", "2026-02-01 00:00:00") == "2026-02-26 00:00:00"
    # 2026-03-15 is a Sunday: the nearest weekday is Monday the 16th
    assert _next("cron(0 0 15W * ? *)", "2026-03-01 00:00:00") == "2026-03-16 00:00:00"
    # the second Tuesday of March 2026 is the 10th; the last Friday is the 27th
    assert _next("cron(0 0 ? * 3#2 *)", "2026-03-01 00:00:00") == "2026-03-10 00:00:00"
    assert _next("cron(0 0 ? * 6L *)", "2026-03-01 00:00:00") == "2026-03-27 00:00:00"


def test_cron_skips_a_wall_time_that_does_not_exist_and_fires_a_repeated_one_once() -> None:
    # 02:30 does not exist in New York on 2026-03-08 (clocks jump from 02:00 to 03:00)
    assert _next("cron(30 2 * * ? *)", "2026-03-08 06:00:00", zone="America/New_York") == "2026-03-09 06:30:00"
    # 01:30 happens twice on 2026-11-01 (clocks go back at 02:00): it fires at the first only
    first = _next("cron(30 1 * * ? *)", "2026-11-01 04:00:00", zone="America/New_York")
    assert first == "2026-11-01 05:30:00"
    assert _next("cron(30 1 * * ? *)", "2026-11-01 05:30:01", zone="America/New_York") == "2026-11-02 06:30:00"


def test_cron_year_and_month_fields() -> None:
    assert _next("cron(0 0 1 JAN ? 2028)", "2026-03-01 00:00:00") == "2028-01-01 00:00:00"
    assert _next("cron(0 0 1 1 ? 2025)", "2026-03-01 00:00:00") is None


def test_at_fires_once_at_its_wall_time_and_ignores_start_and_end() -> None:
    at = "at(2026-03-01T09:00:00)"
    assert _next(at, "2026-03-01 00:00:00", zone="Asia/Shanghai") == "2026-03-01 01:00:00"
    assert _next(at, "2026-03-01 01:00:01", zone="Asia/Shanghai") is None  # past: never
    assert _next(at, "2026-03-01 00:00:00", start="2026-03-02 00:00:00") == "2026-03-01 09:00:00"
    assert next_fire(parse(at), "Asia/Shanghai", 0.0, 0.0) == _in("Asia/Shanghai", "2026-03-01 09:00:00")


@pytest.mark.parametrize(
    "expression",
    [
        "cron(* * * * * *)",  # both day fields given
        "cron(* * ? * ? *)",  # neither
        "cron(0 24 * * ? *)",
        "cron(0 0 * 13 ? *)",
        "cron(0 0 * *)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "at(2026-02-30T00:00:00)",
        "every(5 minutes)",
    ],
)
def test_what_scheduler_refuses_is_refused(expression: str) -> None:
    with pytest.raises(InvalidExpression):
        parse(expression)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidExpression):
        next_fire(parse("rate(1 minute)"), "Mars/Olympus", 0.0, 0.0)
