"""Time that counts: calendar time, or only the hours a calendar (``BusinessHours``) is open.

A calendar opens every listed weekday that is not a holiday, from ``opens`` to ``closes`` in its own time
zone (a team with shifts has one calendar per shift, and is open when any of them is); a shift whose ``closes`` is before ``opens`` ends on the next day and belongs to the day it opened
(as ``BusinessHours.is_open`` says). Daylight-saving changes: an opening or closing time that does not exist
that day (the hour skipped in spring) is the moment the clocks jump; one that exists twice (the hour
repeated in autumn) is its first occurrence. So a shift is always one interval of real time, and a target
of N business seconds is N seconds of real time inside shifts.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.routing.rules import BusinessHours

# One calendar, or a team's shifts: several calendars whose open hours together are the team's (a union:
# shifts that overlap or touch count once).
Hours = BusinessHours | Sequence[BusinessHours]

# How far ahead a deadline is looked for: a calendar that never opens in this many days counts calendar time
# (nothing would ever be due otherwise); a deadline beyond it is the horizon's end.
HORIZON_DAYS = 800
_EPSILON = 1e-6  # a microsecond, datetime's resolution


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The real moment the wall clock in ``zone`` first shows ``clock`` on ``day``."""
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first  # exists (the earlier of two, when repeated)
    # skipped (spring forward): the moment the clocks jump, between the two readings of the offset
    low, high = sorted((naive.replace(tzinfo=zone, fold=1).astimezone(UTC), first))
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def shifts(hours: Hours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals (UTC, oldest first, never overlapping) that end after ``start``, for
    ``HORIZON_DAYS``: one calendar's, or the union of several."""
    if isinstance(hours, BusinessHours):
        yield from _one_calendar(hours, start)
        return
    merged: tuple[datetime, datetime] | None = None
    for opening, closing in heapq.merge(*(_one_calendar(h, start) for h in hours)):
        if merged is not None and opening <= merged[1]:
            merged = (merged[0], max(merged[1], closing))
            continue
        if merged is not None:
            yield merged
        merged = (opening, closing)
    if merged is not None:
        yield merged


def _one_calendar(hours: BusinessHours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    zone = ZoneInfo(hours.timezone)
    first_day = start.astimezone(zone).date() - timedelta(days=1)  # an overnight shift from the day before
    overnight = hours.closes < hours.opens
    if hours.opens == hours.closes:
        return  # never open (as is_open says)
    for ahead in range(HORIZON_DAYS + 1):
        day = first_day + timedelta(days=ahead)
        if day.weekday() not in hours.days or day in hours.holidays:
            continue
        opening = _instant(day, hours.opens, zone)
        closing = _instant(day + timedelta(days=1) if overnight else day, hours.closes, zone)
        if closing > start and closing > opening:
            yield opening, closing


def add(start: datetime, seconds: float, hours: Hours | None) -> datetime:
    """The moment ``seconds`` of counted time after ``start``: plain addition in calendar time; in business
    time the moment the open hours from ``start`` on add up to ``seconds`` (0 seconds outside the hours is
    the next opening). A calendar that never opens counts as calendar time."""
    start = start.astimezone(UTC)
    if hours is None:
        return start + timedelta(seconds=seconds)
    left = max(seconds, 0.0)
    opened = False
    for opening, closing in shifts(hours, start):
        opened = True
        begin = max(opening, start)
        span = (closing - begin).total_seconds()
        if left <= span + _EPSILON:  # float sums of spans: a deadline on a closing instant stays on it
            return begin + timedelta(seconds=min(left, span))
        left -= span
    if opened:  # more business time than the calendar holds within the horizon: due at its end
        return start + timedelta(days=HORIZON_DAYS)
    return start + timedelta(seconds=seconds)


def between(start: datetime, end: datetime, hours: Hours | None) -> float:
    """Counted seconds from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -between(end, start, hours)
    if hours is None:
        return (end - start).total_seconds()
    total = 0.0
    opened = False
    for opening, closing in shifts(hours, start):
        opened = True
        if opening >= end:
            break
        total += (min(closing, end) - max(opening, start)).total_seconds()
    return total if opened else (end - start).total_seconds()


def is_open(hours: Hours | None, moment: datetime) -> bool:
    """Whether ``moment`` lies in counted time (always, in calendar time), by the intervals above."""
    if hours is None:
        return True
    for opening, closing in shifts(hours, moment):
        return opening <= moment.astimezone(UTC) < closing
    return False
