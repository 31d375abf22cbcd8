"""Business-time arithmetic (kefu.sla.business_time): properties over random calendars, zones and moments,
and the cases people get wrong (weekends, holidays, overnight shifts, daylight-saving changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kefu.routing.rules import BusinessHours
from kefu.sla import business_time

ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]
SECOND = timedelta(seconds=1)

clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
calendars = st.builds(
    BusinessHours,
    timezone=st.sampled_from(ZONES),
    days=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    opens=clock_times,
    closes=clock_times,
    holidays=st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20),
).filter(lambda h: h.opens != h.closes)
moments = st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 30), timezones=st.just(UTC))
durations = st.floats(0, 7 * 24 * 3600, allow_nan=False).map(lambda s: round(s, 3))


def _far_from_clock_changes(hours: BusinessHours, moment: datetime) -> bool:
    zone = ZoneInfo(hours.timezone)
    offsets = {(moment + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(-26, 27)}
    return len(offsets) == 1


@settings(max_examples=300, deadline=None)
@given(calendars, moments, durations)
def test_the_time_added_is_the_time_counted(hours: BusinessHours, start: datetime, seconds: float) -> None:
    due = business_time.add(start, seconds, hours)
    assert due >= start
    # a calendar open a few minutes a week cannot hold days of business time within the horizon
    assume(due < start + timedelta(days=business_time.HORIZON_DAYS - 2))
    assert abs(business_time.between(start, due, hours) - seconds) < 0.01
    if seconds > 0:  # a deadline falls inside open hours (or on the closing instant itself)
        assert business_time.is_open(hours, due - timedelta(microseconds=1000))


@settings(max_examples=200, deadline=None)
@given(calendars, moments, durations, durations)
def test_more_time_is_never_due_earlier(hours: BusinessHours, start: datetime, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assume(business_time.add(start, high, hours) < start + timedelta(days=business_time.HORIZON_DAYS - 2))
    assert business_time.add(start, low, hours) <= business_time.add(start, high, hours)
    # counting in two steps is counting in one (a second step of 0 s from a closing instant is the next
    # opening, by definition, so the second step counts something)
    assume(high - low > 0.001)
    middle = business_time.add(start, low, hours)
    assert (
        abs((business_time.add(middle, high - low, hours) - business_time.add(start, high, hours)).total_seconds())
        < 0.01
    )


@settings(max_examples=300, deadline=None)
@given(calendars, moments)
def test_open_means_what_routing_means(hours: BusinessHours, moment: datetime) -> None:
    """The same calendar, the same answer as the routing rules' is_open (away from the clock changes, where
    a repeated or skipped hour is defined here as the module says)."""
    if _far_from_clock_changes(hours, moment):
        assert business_time.is_open(hours, moment) == hours.is_open(moment)


@given(moments, durations)
def test_calendar_time_is_plain_addition(start: datetime, seconds: float) -> None:
    assert business_time.add(start, seconds, None) == start + timedelta(seconds=seconds)
    assert business_time.between(start, start + timedelta(seconds=seconds), None) == seconds


def _at(zone: str, year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(zone))


WEEKDAYS = BusinessHours(timezone="Asia/Shanghai", days=[0, 1, 2, 3, 4], opens=time(9), closes=time(21))


def test_a_friday_evening_ticket_is_due_on_monday_morning() -> None:
    friday = _at("Asia/Shanghai", 2026, 12, 4, 20, 50)  # 10 minutes before closing
    assert business_time.add(friday, 20 * 60, WEEKDAYS) == _at("Asia/Shanghai", 2026, 12, 7, 9, 10)


def test_a_ticket_at_night_starts_counting_at_the_opening() -> None:
    night = _at("Asia/Shanghai", 2026, 12, 1, 23, 30)
    assert business_time.add(night, 20, WEEKDAYS) == _at("Asia/Shanghai", 2026, 12, 2, 9, 0, 20)
    assert business_time.add(night, 0, WEEKDAYS) == _at("Asia/Shanghai", 2026, 12, 2, 9, 0)


def test_holidays_are_skipped() -> None:
    hours = WEEKDAYS.model_copy(update={"holidays": [date(2026, 12, 2), date(2026, 12, 3)]})
    tuesday = _at("Asia/Shanghai", 2026, 12, 1, 20, 0)
    assert business_time.add(tuesday, 2 * 3600, hours) == _at("Asia/Shanghai", 2026, 12, 4, 10, 0)


def test_an_overnight_shift_counts_across_midnight() -> None:
    night = BusinessHours(timezone="UTC", days=[0, 1, 2, 3, 4, 5, 6], opens=time(22), closes=time(6))
    start = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert business_time.add(start, 3 * 3600, night) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    early = datetime(2026, 12, 2, 5, 50, tzinfo=UTC)  # 10 minutes left of the shift that opened yesterday
    assert business_time.add(early, 20 * 60, night) == datetime(2026, 12, 2, 22, 10, tzinfo=UTC)


def test_an_overnight_shift_belongs_to_the_day_it_opened() -> None:
    """Friday's night shift runs into Saturday morning even when Saturday is not a working day."""
    night = BusinessHours(timezone="UTC", days=[4], opens=time(22), closes=time(6))
    saturday_early = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert business_time.is_open(night, saturday_early)
    assert business_time.add(saturday_early, 3 * 3600, night) == datetime(2026, 12, 5, 6, 0, tzinfo=UTC)


def test_the_spring_change_shortens_the_day() -> None:
    """New York skips 02:00-03:00 on 2026-03-08: a 01:00-05:00 day is three real hours long."""
    hours = BusinessHours(timezone="America/New_York", days=list(range(7)), opens=time(1), closes=time(5))
    opening = _at("America/New_York", 2026, 3, 8, 1, 0)
    assert business_time.between(opening, opening + timedelta(hours=6), hours) == 3 * 3600
    assert business_time.add(opening, 3 * 3600, hours) == _at("America/New_York", 2026, 3, 8, 5, 0)


def test_the_autumn_change_lengthens_the_day() -> None:
    """Berlin repeats 02:00-03:00 on 2026-10-25: a 00:00-06:00 day is seven real hours long."""
    hours = BusinessHours(timezone="Europe/Berlin", days=list(range(7)), opens=time(0), closes=time(6))
    opening = _at("Europe/Berlin", 2026, 10, 25, 0, 0)
    assert business_time.between(opening, opening + timedelta(hours=12), hours) == 7 * 3600


def test_an_opening_inside_the_skipped_hour_is_when_the_clocks_jump() -> None:
    hours = BusinessHours(timezone="America/New_York", days=list(range(7)), opens=time(2, 30), closes=time(6))
    night = _at("America/New_York", 2026, 3, 8, 0, 0)
    jump = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 02:00 EST becomes 03:00 EDT
    assert business_time.add(night, 0, hours) == jump


def test_a_calendar_that_never_opens_counts_calendar_time() -> None:
    never = BusinessHours(timezone="UTC", days=[0], opens=time(9), closes=time(9))
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert business_time.add(start, 60, never) == start + timedelta(seconds=60)


shift_sets = st.builds(
    lambda base, pairs: [base.model_copy(update={"opens": a, "closes": b}) for a, b in pairs if a != b],
    calendars,
    st.lists(st.tuples(clock_times, clock_times), min_size=1, max_size=3),
).filter(bool)


@settings(max_examples=200, deadline=None)
@given(shift_sets, moments, durations)
def test_shifts_count_once_where_they_overlap(windows: list[BusinessHours], start: datetime, seconds: float) -> None:
    due = business_time.add(start, seconds, windows)
    assume(due < start + timedelta(days=business_time.HORIZON_DAYS - 2))
    assert abs(business_time.between(start, due, windows) - seconds) < 0.01
    # never more than the longest calendar alone would count, never less than any one of them
    window = start + timedelta(days=3)
    union = business_time.between(start, window, windows)
    assert union >= max(business_time.between(start, window, w) for w in windows) - 0.01
    assert union <= sum(business_time.between(start, window, w) for w in windows) + 0.01


@settings(max_examples=200, deadline=None)
@given(shift_sets, moments)
def test_a_team_with_shifts_is_open_when_one_shift_is(windows: list[BusinessHours], moment: datetime) -> None:
    if _far_from_clock_changes(windows[0], moment):
        assert business_time.is_open(windows, moment) == any(w.is_open(moment) for w in windows)


def test_three_shifts_cover_the_day() -> None:
    base = BusinessHours(timezone="Asia/Shanghai", days=list(range(7)))
    three = [
        base.model_copy(update={"opens": time(8), "closes": time(16)}),
        base.model_copy(update={"opens": time(16), "closes": time(0)}),
        base.model_copy(update={"opens": time(0), "closes": time(8)}),
    ]
    start = _at("Asia/Shanghai", 2026, 12, 1, 23, 0)
    assert business_time.add(start, 5 * 3600, three) == start + timedelta(hours=5)
