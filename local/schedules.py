"""EventBridge Scheduler's schedule expressions: when ``rate()``, ``cron()`` and ``at()`` schedules fire.

Pure functions (no emulator, no clock of their own), so every rule is tested on its own. The rules are
EventBridge Scheduler's as documented:

- ``rate(value unit)`` fires at the start date (or at once when there is none) and then every period; a
  period is a fixed duration (a day is 24 hours, even across a daylight-saving change).
- ``cron(minutes hours day-of-month month day-of-week year)`` is evaluated in the schedule's time zone;
  day-of-week counts 1 (SUN) to 7 (SAT); one of the two day fields must be ``?``; ``L``, ``W`` and ``#``
  are supported. A wall time skipped by a daylight-saving change does not fire; a repeated one fires once.
- ``at(yyyy-mm-ddThh:mm:ss)`` fires once, at that wall time in the schedule's time zone.
- ``StartDate`` and ``EndDate`` bound recurring schedules; one-time schedules ignore them.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
AT = re.compile(r"^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$")
CRON = re.compile(r"^cron\((.*)\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
LAST_YEAR = 2199
# How far ahead a cron expression is searched (its year field may name a year far away).
SEARCH_DAYS = 366 * 8


class InvalidExpression(ValueError):
    """The expression (or its time zone) is one EventBridge Scheduler refuses."""


@dataclass(frozen=True)
class Rate:
    seconds: int

    def first_at_or_after(self, moment: float, anchor: float) -> float:
        if moment <= anchor:
            return anchor
        return anchor + math.ceil((moment - anchor) / self.seconds) * self.seconds


@dataclass(frozen=True)
class At:
    wall: datetime  # naive, in the schedule's zone


@dataclass(frozen=True)
class DayOfWeek:
    days: frozenset[int]  # 1 (SUN) .. 7 (SAT)
    last: int | None = None  # "5L": the last Thursday of the month
    nth: tuple[int, int] | None = None  # "3#2": the second Tuesday


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: "?"
    last_day: bool  # "L"
    last_day_offset: int  # "L-3"
    nearest_weekday: int | None  # "15W"
    months: frozenset[int]
    day_of_week: DayOfWeek | None  # None: "?"
    years: frozenset[int]

    def day_matches(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.day_of_week is not None:
            return _weekday_matches(self.day_of_week, day)
        length = calendar.monthrange(day.year, day.month)[1]
        if self.last_day:
            return day.day == length - self.last_day_offset
        if self.nearest_weekday is not None:
            return day.day == _nearest_weekday(day.year, day.month, self.nearest_weekday)
        return self.days_of_month is None or day.day in self.days_of_month


Expression = Rate | At | Cron


def parse(expression: str) -> Expression:
    """The expression, or InvalidExpression saying what is wrong (as CreateSchedule refuses it)."""
    text = expression.strip()
    if match := RATE.match(text):
        value = int(match.group(1))
        if value < 1:
            raise InvalidExpression(f"the rate in {expression!r} must be a positive number")
        return Rate(value * UNIT_SECONDS[match.group(2).rstrip("s")])
    if match := AT.match(text):
        try:
            year, month, day, hour, minute, second = (int(part) for part in match.groups())
            return At(datetime(year, month, day, hour, minute, second))
        except ValueError as error:
            raise InvalidExpression(f"{expression!r} is not a valid date and time: {error}") from None
    if match := CRON.match(text):
        return _parse_cron(match.group(1), expression)
    raise InvalidExpression(f"{expression!r} is not a rate(), cron() or at() expression")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidExpression(f"{name!r} is not a time zone") from None


def next_fire(
    expression: Expression,
    zone_name: str | None,
    not_before: float,
    anchor: float,
    start: float | None = None,
    end: float | None = None,
) -> float | None:
    """The first time (epoch seconds) at or after ``not_before`` the schedule fires, or None if never.

    ``anchor`` is when a rate schedule without a start date started (its creation or last change)."""
    tz = zone(zone_name)
    if isinstance(expression, At):
        moment = _wall_to_epoch(expression.wall, tz)
        return moment if moment is not None and moment >= not_before else None
    not_before = max(not_before, start) if start is not None else not_before
    if isinstance(expression, Rate):
        moment = expression.first_at_or_after(not_before, start if start is not None else anchor)
    else:
        found = _next_cron(expression, tz, not_before)
        if found is None:
            return None
        moment = found
    if end is not None and moment > end:
        return None
    return moment


# -- cron ------------------------------------------------------------------------------------------------


def _parse_cron(body: str, expression: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise InvalidExpression(f"{expression!r} needs six fields: minutes hours day-of-month month day-of-week year")
    minutes, hours, dom, month, dow, year = (field.upper() for field in fields)
    if (dom == "?") == (dow == "?"):
        raise InvalidExpression(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
    try:
        cron = Cron(
            minutes=_values(minutes, 0, 59),
            hours=_values(hours, 0, 23),
            days_of_month=None,
            last_day=False,
            last_day_offset=0,
            nearest_weekday=None,
            months=_values(month, 1, 12, MONTHS),
            day_of_week=None if dow == "?" else _day_of_week(dow),
            years=_values(year, 1970, LAST_YEAR),
        )
        if dom != "?":
            cron = _with_day_of_month(cron, dom)
    except (ValueError, KeyError) as error:
        raise InvalidExpression(f"{expression!r} is not a valid cron expression: {error}") from None
    return cron


def _with_day_of_month(cron: Cron, field: str) -> Cron:
    from dataclasses import replace

    if field == "L":
        return replace(cron, last_day=True)
    if field.startswith("L-"):
        return replace(cron, last_day=True, last_day_offset=_number(field[2:], 0, 30))
    if field.endswith("W"):
        return replace(cron, nearest_weekday=_number(field[:-1], 1, 31))
    return replace(cron, days_of_month=_values(field, 1, 31))


def _day_of_week(field: str) -> DayOfWeek:
    if "#" in field:
        day, nth = field.split("#", 1)
        return DayOfWeek(frozenset(), nth=(_number(day, 1, 7, WEEKDAYS), _number(nth, 1, 5)))
    if field.endswith("L") and field != "L":
        return DayOfWeek(frozenset(), last=_number(field[:-1], 1, 7, WEEKDAYS))
    if field == "L":
        return DayOfWeek(frozenset({7}))
    return DayOfWeek(_values(field, 1, 7, WEEKDAYS))


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    found: set[int] = set()
    for item in field.split(","):
        part, step = item, 1
        if "/" in item:
            part, step_text = item.split("/", 1)
            step = _number(step_text, 1, high - low + 1)
        if part in ("*", "?"):
            first, last = low, high
        elif "-" in part:
            first_text, last_text = part.split("-", 1)
            first, last = _number(first_text, low, high, names), _number(last_text, low, high, names)
        else:
            first = _number(part, low, high, names)
            last = high if step > 1 else first  # "0/15": from 0 every 15
        if first > last:
            raise ValueError(f"the range {part} runs backwards")
        found.update(range(first, last + 1, step))
    return frozenset(found)


def _number(text: str, low: int, high: int, names: dict[str, int] | None = None) -> int:
    value = names[text] if names and text in names else int(text)
    if not low <= value <= high:
        raise ValueError(f"{text} is outside {low}-{high}")
    return value


def _weekday_matches(rule: DayOfWeek, day: date) -> bool:
    weekday = (day.weekday() + 1) % 7 + 1  # Python: Monday 0 .. Sunday 6; cron: Sunday 1 .. Saturday 7
    if rule.nth is not None:
        wanted, nth = rule.nth
        return weekday == wanted and (day.day - 1) // 7 + 1 == nth
    if rule.last is not None:
        length = calendar.monthrange(day.year, day.month)[1]
        return weekday == rule.last and day.day + 7 > length
    return weekday in rule.days


def _nearest_weekday(year: int, month: int, wanted: int) -> int:
    """``15W``: the weekday nearest the 15th, never crossing into another month."""
    length = calendar.monthrange(year, month)[1]
    day = min(wanted, length)
    weekday = date(year, month, day).weekday()
    if weekday == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before on the last day
        return day + 1 if day < length else day - 2
    return day


def _next_cron(cron: Cron, tz: ZoneInfo, not_before: float) -> float | None:
    start = datetime.fromtimestamp(not_before, tz)
    day = start.date()
    hours, minutes = sorted(cron.hours), sorted(cron.minutes)
    for _ in range(SEARCH_DAYS):
        if day.year > max(cron.years):
            return None
        if cron.day_matches(day):
            for hour in hours:
                for minute in minutes:
                    moment = _wall_to_epoch(datetime(day.year, day.month, day.day, hour, minute), tz)
                    if moment is not None and moment >= not_before:
                        return moment
        day += timedelta(days=1)
    return None


def _wall_to_epoch(wall: datetime, tz: ZoneInfo) -> float | None:
    """The instant a wall time names in a zone, or None if a daylight-saving change skips it. A repeated
    wall time is its first instant (so it fires once)."""
    moment = wall.replace(tzinfo=tz, fold=0)
    back = moment.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != wall:
        return None
    return moment.timestamp()
