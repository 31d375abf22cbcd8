"""Routing rules: ordered, versioned conditions and actions that classify and prioritise a ticket.

Pure domain code: no AWS, no clock of its own. A rule matches when every condition it states holds (within
one condition, any listed value is enough); the rules run in ``position`` order and a later hit overrides what
an earlier one set (so a specific rule goes after a general one), except that a rule with ``stop`` ends the run.

Text is compared folded: NFKC turns full-width letters, digits and punctuation into half-width ones
("ＲＥＦＵＮＤ" is "REFUND", "１２３" is "123"), casefold makes case irrelevant ("Refund", "REFUND"). Chinese
keywords match anywhere in the text (Chinese has no spaces); a keyword made of ASCII letters and digits must
start a word ("refund" matches "refunded", not "prefund").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from kefu import identifiers
from kefu.models import Priority, Tier

DEFAULT_TYPE = "consultation"
TICKET_TYPES = ("consultation", "after_sales", "complaint")
PRIORITY_ORDER = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)
MAX_RULES = 200
MAX_VALUES = 50  # values per condition
MAX_PATTERN_LENGTH = 200
MAX_TEXT_MATCHED = 4000  # characters of a message the rules read: long mails cannot make matching slow
MAX_AUTO_REPLY = 2000
LANGUAGES = ("zh-CN", "en")  # what a localized auto-reply may be written in
RULE_ID = r"^[a-z][a-z0-9_-]{0,47}$"
BUILTINS_EDITION = 3  # the edition of the built-in rules this release seeds (see ``upgraded``)
# a group that contains a repetition and is itself repeated: (a+)+, (\w*x)*, (ab{2,})+
_NESTED_REPEAT = re.compile(r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,\d*\})")


class Trigger(StrEnum):
    CREATED = "created"  # the customer's first message opened the ticket
    CUSTOMER_MESSAGE = "customer_message"  # the customer wrote again on an open ticket
    HANDOFF = "handoff"  # the inbox's bot handed the conversation to people (kefu.services.bot)


def fold(text: str) -> str:
    """Text as rules compare it: full-width and half-width alike, case ignored, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class _Lazy(BaseModel):
    # validators built at first use, not at import: every function imports the store, few of them route
    model_config = ConfigDict(defer_build=True)


class _Strict(_Lazy):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# A wall-clock time of day, "HH:MM" or "HH:MM:SS" (JSON Schema's "time" format wants a UTC offset, which a
# business's opening hours do not have: the zone is a field of its own).
ClockTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "examples": ["09:00"]}
    ),
]


class BusinessHours(_Strict):
    """When the business answers: weekdays (0 = Monday) between ``opens`` and ``closes`` in ``timezone``,
    except on ``holidays``. ``closes`` before ``opens`` means a shift that ends after midnight."""

    timezone: str = "Asia/Shanghai"
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6], max_length=7)
    opens: ClockTime = time(9, 0)
    closes: ClockTime = time(21, 0)
    holidays: list[date] = Field(default_factory=list, max_length=366)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value[:60]!r}") from None
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(day not in range(7) for day in value):
            raise ValueError("days are weekday numbers, 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))

    def next_opening(self, moment: datetime) -> datetime:
        """When the business answers next: ``moment`` itself when open, else the next opening (a year ahead
        at most; ``moment`` when the calendar never opens)."""
        if self.is_open(moment):
            return moment
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        for ahead in range(0, 367):
            day = date.fromordinal(local.date().toordinal() + ahead)
            opening = datetime.combine(day, self.opens, tzinfo=zone)
            if opening > local and day.weekday() in self.days and day not in self.holidays:
                return opening
        return moment

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        clock = local.time().replace(tzinfo=None)
        if self.opens <= self.closes:
            day, inside = local.date(), self.opens <= clock < self.closes
        else:  # overnight: the early hours belong to the shift that opened the day before
            early = clock < self.closes
            day = local.date() if not early else date.fromordinal(local.date().toordinal() - 1)
            inside = early or clock >= self.opens
        return inside and day.weekday() in self.days and day not in self.holidays


DEFAULT_TEAM = "general"  # where a ticket no rule gave a team waits


class Shift(_Strict):
    """One shift of a team's day, in the team calendar's time zone, on its days, never on its holidays:
    ``closes`` before ``opens`` ends after midnight (three shifts such as 08-16, 16-00, 00-08 cover 24 h)."""

    name: str = Field(min_length=1, max_length=50)
    opens: ClockTime
    closes: ClockTime


class Schedule(_Strict):
    """When a team works: its calendar (time zone, days, holidays, and its hours when it has no shifts) and
    its shifts. Neither: the team always works."""

    calendar: BusinessHours | None = None
    shifts: list[Shift] = Field(default_factory=list, max_length=6)

    @property
    def configured(self) -> bool:
        return self.calendar is not None or bool(self.shifts)

    @property
    def timezone(self) -> str:
        return (self.calendar or BusinessHours()).timezone

    def _windows(self) -> list[BusinessHours]:
        base = self.calendar or BusinessHours()
        if not self.shifts:
            return [base]
        return [base.model_copy(update={"opens": shift.opens, "closes": shift.closes}) for shift in self.shifts]

    def is_open(self, moment: datetime) -> bool:
        return not self.configured or any(window.is_open(moment) for window in self._windows())

    def next_opening(self, moment: datetime) -> datetime:
        """When the next shift starts (``moment`` itself while one runs): the first opening of any shift
        after ``moment``, on the calendar's days, holidays skipped, in the calendar's time zone."""
        if self.is_open(moment):
            return moment
        return min(window.next_opening(moment) for window in self._windows())


class Conditions(_Strict):
    """What a rule looks at; an empty list (or None) does not restrict."""

    channels: list[str] = Field(default_factory=list, max_length=MAX_VALUES)
    inboxes: list[str] = Field(default_factory=list, max_length=MAX_VALUES)
    keywords: list[str] = Field(default_factory=list, max_length=MAX_VALUES)
    patterns: list[str] = Field(default_factory=list, max_length=MAX_VALUES)  # regular expressions
    tiers: list[Tier] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list, max_length=MAX_VALUES)
    tags: list[str] = Field(default_factory=list, max_length=MAX_VALUES)  # the customer or ticket has any
    business_hours: Literal["open", "closed"] | None = None  # by the rule set's calendar
    # by the schedule of the ticket's team (as the rules before set it); a team without one always works
    team_hours: Literal["open", "closed"] | None = None
    # whether the inbox's bot is answering the ticket (at a handoff it has just let go: false)
    bot_active: bool | None = None

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        folded = [fold(keyword) for keyword in value]
        if any(not keyword or len(keyword) > 100 for keyword in folded):
            raise ValueError("a keyword must have 1 to 100 characters")
        return folded

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
                raise ValueError(f"a pattern must have 1 to {MAX_PATTERN_LENGTH} characters")
            try:
                _compiled(pattern)
            except re.error as err:
                raise ValueError(f"pattern {pattern[:60]!r} is not a regular expression: {err}") from None
            if _NESTED_REPEAT.search(pattern):
                # Python's re has no time limit: (a+)+ on a long message could hold ingest for minutes
                raise ValueError(f"pattern {pattern[:60]!r} repeats a repetition, which can take exponential time")
        return value


class Actions(_Strict):
    """What a rule sets when it matches."""

    type: str | None = None
    priority: Priority | None = None
    priority_steps: int = Field(default=0, ge=-3, le=3)  # relative: +1 is one step up (VIP), after ``priority``
    team: str | None = None
    add_tags: list[str] = Field(default_factory=list, max_length=identifiers.MAX_TAGS)
    auto_reply: str | None = Field(default=None, min_length=1, max_length=MAX_AUTO_REPLY)
    # the same reply per customer language ("zh-CN", "en"): the customer's is sent, else ``auto_reply``
    auto_reply_localized: dict[str, str] = Field(default_factory=dict, max_length=len(LANGUAGES))

    @field_validator("auto_reply_localized")
    @classmethod
    def _localized(cls, value: dict[str, str]) -> dict[str, str]:
        for language, text in value.items():
            if language not in LANGUAGES:
                raise ValueError(f"auto_reply_localized languages are {', '.join(LANGUAGES)}, not {language[:20]!r}")
            if not 1 <= len(text) <= MAX_AUTO_REPLY:
                raise ValueError(f"an auto-reply has 1 to {MAX_AUTO_REPLY} characters")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        return None if value is None else _checked(value, identifiers.TICKET_TYPE, "type")

    @field_validator("team")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        return None if value is None else _checked(value, identifiers.TEAM, "team")

    @field_validator("add_tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [_checked(tag, identifiers.TAG, "tag") for tag in value]

    @model_validator(mode="after")
    def _does_something(self) -> Actions:
        if not (
            self.type
            or self.priority
            or self.priority_steps
            or self.team
            or self.add_tags
            or self.auto_reply
            or self.auto_reply_localized
        ):
            raise ValueError(
                "a rule must set at least one of type, priority, priority_steps, team, add_tags, auto_reply"
            )
        return self


class RuleSpec(_Strict):
    """A rule as an admin writes it; the store adds its version."""

    id: str
    name: str = Field(min_length=1, max_length=100)
    position: int = Field(ge=0, le=1_000_000)
    enabled: bool = True
    on: list[Trigger] = Field(default_factory=lambda: [Trigger.CREATED, Trigger.CUSTOMER_MESSAGE], min_length=1)
    conditions: Conditions = Field(default_factory=Conditions)
    actions: Actions
    stop: bool = False  # no later rule runs after this one hit

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _checked(value, RULE_ID, "rule id")


class Rule(RuleSpec):
    version: int = Field(default=1, ge=1)
    updated_at: str | None = None
    updated_by: str | None = None


class RuleSet(_Lazy):
    """All rules, in order, and the business hours their conditions mean. ``revision`` grows with every change
    (optimistic locking of edits; a container's cached copy says which one it holds)."""

    revision: int = 0
    rules: list[Rule] = Field(default_factory=list, max_length=MAX_RULES)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    # each configured team's schedule, copied here when the team is saved, so ingest (which reads this one
    # item anyway) knows every team's hours without a request; not part of the rules API
    schedules: dict[str, Schedule] = Field(default_factory=dict, exclude=True)
    # the edition of the built-in rules this set has taken in, and the rules an upgrade to the current
    # edition added or changed that are not stored yet (``upgraded``); neither is part of the rules API
    builtins: int = Field(default=BUILTINS_EDITION, exclude=True)
    unsaved: list[Rule] = Field(default_factory=list, exclude=True)

    def ordered(self) -> list[Rule]:
        return sorted(self.rules, key=lambda rule: (rule.position, rule.id))


class TicketFacts(_Lazy):
    """What the rules look at: a ticket as it stands and the customer's latest message (or a dry run's sample)."""

    channel: str = ""
    inbox: str = ""
    text: str = ""
    tier: Tier = Tier.NORMAL
    organization: str | None = None
    tags: list[str] = Field(default_factory=list)  # the ticket's (what ``add_tags`` adds to)
    customer_tags: list[str] = Field(default_factory=list)  # the customer's (conditions see both)
    at: datetime
    type: str = DEFAULT_TYPE
    priority: Priority = Priority.MEDIUM
    team: str | None = None
    language: str | None = None  # the customer's (their locale); None: the language their message is in
    bot_active: bool = False  # the inbox's bot answers the ticket (it took the new ticket, and has not let go)


class RuleHit(_Lazy):
    """One rule that matched and what it changed (``changes``: field -> {"from", "to"}; may be empty when the
    ticket already was what the rule sets)."""

    rule_id: str
    rule_version: int
    rule_name: str
    changes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    auto_reply: str | None = None


class Outcome(_Lazy):
    hits: list[RuleHit]
    type: str
    priority: Priority
    team: str | None
    tags: list[str]

    @property
    def auto_replies(self) -> list[str]:
        return [hit.auto_reply for hit in self.hits if hit.auto_reply]

    @property
    def changed(self) -> bool:
        return any(hit.changes for hit in self.hits)


def evaluate(rule_set: RuleSet, facts: TicketFacts, trigger: Trigger) -> Outcome:
    """Which rules hit and what they set, in order.

    On a follow-up (``CUSTOMER_MESSAGE``) and at a bot's handoff (``HANDOFF``) rules keep what is already
    decided: priority only rises, type and team are set only while the ticket has no classification yet (an
    agent's or an earlier rule's choice stands). Auto-replies are sent on a new ticket and at a handoff (the
    first time people take the conversation), never on a follow-up."""
    folded = fold(facts.text[:MAX_TEXT_MATCHED])
    plain = unicodedata.normalize("NFKC", facts.text[:MAX_TEXT_MATCHED])
    opening: list[bool] = []  # asked only when a rule needs it: named zones need the runtime's zone data

    def is_open() -> bool:
        if not opening:
            opening.append(rule_set.business_hours.is_open(facts.at))
        return opening[0]

    def team_is_open() -> bool:
        return team_works(rule_set, state["team"], facts.at)

    follow_up = trigger is not Trigger.CREATED
    replies_allowed = trigger is not Trigger.CUSTOMER_MESSAGE
    language = reply_language(facts.language)
    classified = follow_up and (facts.type != DEFAULT_TYPE or facts.team is not None)
    state: dict[str, Any] = {
        "type": facts.type,
        "priority": facts.priority,
        "team": facts.team,
        "tags": list(facts.tags),
    }
    hits: list[RuleHit] = []
    replies: list[tuple[RuleHit, str, str | None]] = []  # each hit's reply and the language it is in
    for rule in rule_set.ordered():
        if not rule.enabled or trigger not in rule.on:
            continue
        if not _matches(rule.conditions, facts, folded, plain, is_open, team_is_open):
            continue
        hit = RuleHit(rule_id=rule.id, rule_version=rule.version, rule_name=rule.name)
        actions = rule.actions
        if actions.type and not classified:
            _set(state, hit, "type", actions.type)
        if actions.team and not classified:
            _set(state, hit, "team", actions.team)
        priority = state["priority"]
        if actions.priority:
            priority = actions.priority
        priority = step(priority, actions.priority_steps)
        if follow_up and PRIORITY_ORDER.index(priority) < PRIORITY_ORDER.index(state["priority"]):
            priority = state["priority"]
        _set(state, hit, "priority", priority)
        if actions.add_tags:
            tags = list(dict.fromkeys([*state["tags"], *actions.add_tags]))[: identifiers.MAX_TAGS]
            _set(state, hit, "tags", tags)
        if (actions.auto_reply or actions.auto_reply_localized) and replies_allowed:
            replies.append((hit, *_localized(actions, language or _language_of(facts.text))))
        hits.append(hit)
        if rule.stop:
            break
    for hit, reply, written_in in replies:  # {back_at} by the team the ticket ends with
        hit.auto_reply = _filled(reply, written_in, rule_set, state["team"], facts.at)
    return Outcome(hits=hits, type=state["type"], priority=state["priority"], team=state["team"], tags=state["tags"])


BACK_AT = "{back_at}"  # in an auto-reply: when the team answers next, in its own time zone
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reply_language(locale: str | None) -> str | None:
    """ "zh-CN" or "en" for a customer's locale ("zh", "zh-Hans-CN", "en-US" ...), None for anything else."""
    tag = (locale or "").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    return "en" if tag.startswith("en") else None


def _language_of(text: str) -> str:
    return "zh-CN" if _CJK.search(text) else "en"


def _localized(actions: Actions, language: str) -> tuple[str, str | None]:
    """The reply in the customer's language when the rule has it, else its plain ``auto_reply`` (else the
    first language it has), and the language it is written in (None: the plain one)."""
    chosen = actions.auto_reply_localized.get(language)
    if chosen is not None:
        return chosen, language
    if actions.auto_reply is not None:
        return actions.auto_reply, None
    first, text = next(iter(actions.auto_reply_localized.items()))
    return text, first


def team_works(rule_set: RuleSet, team: str | None, moment: datetime) -> bool:
    """Whether ``team`` (``general`` when None) works at ``moment``, by its schedule (the rule set's copy of it);
    a team without a schedule always works, as routing assigns its tickets at any hour (``Team.is_open``).
    The one notion of "open" that the ``team_hours`` condition (so the seeded night duty), the bot's ``night``
    mode and the bot's handoff notice share."""
    schedule = rule_set.schedules.get(team or DEFAULT_TEAM)
    return schedule is None or schedule.is_open(moment)


def back_at(rule_set: RuleSet, team: str | None, moment: datetime) -> tuple[datetime, str]:
    """When the ticket's team works next (its next shift's start, holidays skipped) and in which time zone;
    the rule set's business hours for a team without a schedule of its own."""
    schedule = rule_set.schedules.get(team or DEFAULT_TEAM)
    if schedule is not None and schedule.configured:
        back, zone = schedule.next_opening(moment), schedule.timezone
    else:
        back, zone = rule_set.business_hours.next_opening(moment), rule_set.business_hours.timezone
    return back.astimezone(ZoneInfo(zone)), zone


def written(back: datetime, zone: str, language: str | None) -> str:
    """``{back_at}`` as the customer reads it: "2026年12月8日（周二）09:00（Asia/Shanghai）", "Tue 8 Dec 2026,
    09:00 (Asia/Shanghai)"; a reply not chosen by language keeps "2026-12-08 09:00 (Asia/Shanghai)"."""
    clock = f"{back:%H:%M}"
    if language == "zh-CN":
        weekday = _WEEKDAYS["zh-CN"][back.weekday()]
        return f"{back.year}年{back.month}月{back.day}日（{weekday}）{clock}（{zone}）"
    if language == "en":
        weekday = _WEEKDAYS["en"][back.weekday()]
        return f"{weekday} {back.day} {_MONTHS[back.month - 1]} {back.year}, {clock} ({zone})"
    return f"{back:%Y-%m-%d} {clock} ({zone})"


def _filled(reply: str, language: str | None, rule_set: RuleSet, team: str | None, moment: datetime) -> str:
    if BACK_AT not in reply:
        return reply
    back, zone = back_at(rule_set, team, moment)
    return reply.replace(BACK_AT, written(back, zone, language))


def step(priority: Priority, steps: int) -> Priority:
    """``steps`` up (or down, negative) the ladder low < medium < high < urgent, stopping at its ends."""
    index = PRIORITY_ORDER.index(priority) + steps
    return PRIORITY_ORDER[max(0, min(len(PRIORITY_ORDER) - 1, index))]


def _set(state: dict[str, Any], hit: RuleHit, field: str, value: Any) -> None:
    if state[field] != value:
        hit.changes[field] = {"from": _plain(state[field]), "to": _plain(value)}
        state[field] = value


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def _matches(
    conditions: Conditions,
    facts: TicketFacts,
    folded: str,
    plain: str,
    is_open: Callable[[], bool],
    team_is_open: Callable[[], bool],
) -> bool:
    if conditions.channels and facts.channel not in conditions.channels:
        return False
    if conditions.inboxes and facts.inbox not in conditions.inboxes:
        return False
    if conditions.tiers and facts.tier not in conditions.tiers:
        return False
    if conditions.organizations and facts.organization not in conditions.organizations:
        return False
    if conditions.tags and not set(conditions.tags) & {*facts.tags, *facts.customer_tags}:
        return False
    if conditions.business_hours is not None and (conditions.business_hours == "open") != is_open():
        return False
    if conditions.team_hours is not None and (conditions.team_hours == "open") != team_is_open():
        return False
    if conditions.bot_active is not None and conditions.bot_active != facts.bot_active:
        return False
    if conditions.keywords or conditions.patterns:
        said = any(_keyword_in(keyword, folded) for keyword in conditions.keywords) or any(
            _compiled(pattern).search(plain) for pattern in conditions.patterns
        )
        if not said:
            return False
    return True


def _keyword_in(keyword: str, folded: str) -> bool:
    if not keyword.isascii() or not keyword[0].isalnum():
        return keyword in folded  # Chinese (and symbols): anywhere
    return _word_start(keyword).search(folded) is not None


@lru_cache(maxsize=1024)
def _word_start(keyword: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(keyword))


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _checked(value: str, pattern: str, what: str) -> str:
    if not re.fullmatch(pattern, value):
        raise ValueError(f"{what} {value[:40]!r} does not match the pattern {pattern}")
    return value


# ---------------------------------------------------------------- the defaults every new installation starts with


# The vocabulary is what customers commonly write (tests/bench/data/routing_labelled.jsonl measures it); a
# business adds its own words with rules of its own. Refund goes after returns, so "return it and refund me"
# is finance's; complaint goes after both, so a complaint about a refund is a complaint, still with finance.
@lru_cache(maxsize=1)
def default_rules() -> tuple[RuleSpec, ...]:
    return (
        RuleSpec(
            id="returns",
            name="Returns, exchanges, repairs and faults are after-sales",
            position=10,
            conditions=Conditions(
                keywords=[
                    *("退货", "换货", "换一", "换成", "维修", "修理", "保修", "售后", "坏了", "故障", "失灵", "不灵"),
                    *("破损", "碎了", "是碎的", "漏水", "开胶", "发错", "少了", "缺页", "缺件", "质量问题", "充不上电"),
                    *("return", "exchange", "repair", "warranty", "replacement", "replace", "defective", "faulty"),
                    *("broken", "broke", "damaged", "cracked", "dead pixel", "stopped", "won't turn on", "not working"),
                    *("missing", "swap", "fix", "snapped", "error e", "noise"),
                ],
                patterns=[r"wrong (colou?r|size|item|model)", r"不(制冷|制热|工作|转|亮)"],
            ),
            actions=Actions(type="after_sales", team="after_sales"),
        ),
        RuleSpec(
            id="refund",
            name="Refunds are high-priority after-sales for finance",
            position=20,
            conditions=Conditions(
                keywords=[
                    *("退款", "退钱", "退费", "退差价", "原路返回", "重复支付", "多扣", "扣了两次", "理赔", "赔付"),
                    *("refund", "money back", "reimburse", "charged twice", "billed twice", "double charge"),
                    *("overcharg", "chargeback"),
                ],
                patterns=[r"钱.{0,6}退", r"退.{0,4}钱", r"差价.{0,4}退", r"(定金|订金|押金).{0,4}退", r"退掉.{0,10}钱"],
            ),
            actions=Actions(type="after_sales", priority=Priority.HIGH, team="finance"),
        ),
        RuleSpec(
            id="complaint",
            name="Complaints are high priority",
            position=30,
            conditions=Conditions(
                keywords=[
                    *("投诉", "举报", "12315", "曝光", "差评", "态度", "太差", "不满", "失望", "欺骗", "骗子", "虚假"),
                    *("给个说法", "经理", "不负责", "complain", "unacceptable", "worst", "terrible", "awful"),
                    *("disgust", "ridiculous", "scam", "manager", "escalat", "rude", "lied", "misled", "disappoint"),
                    *("frustrat", "1-star", "one star", "report you", "consumer protection", "hung up"),
                ]
            ),
            actions=Actions(type="complaint", priority=Priority.HIGH),
        ),
        RuleSpec(
            id="vip",
            name="VIP customers one priority step up",
            position=100,
            on=[Trigger.CREATED],  # a relative step on every follow-up would climb without end
            conditions=Conditions(tiers=[Tier.VIP]),
            actions=Actions(priority_steps=1),
        ),
        _night_duty(),
    )


NIGHT_DUTY_REPLY = {
    "zh-CN": "您好，现在是非工作时间。我们已收到您的消息，将在 {back_at} 上班后尽快回复您。",
    "en": "Hello, we are outside working hours. We have your message and will answer it as soon as we are back: "
    "{back_at}.",
}


def _night_duty(*, edition: int = 3) -> RuleSpec:
    """Outside the team's hours, say when it is back. Edition 2 answered every new ticket; since edition 3 it
    waits while the inbox's bot answers and speaks when the bot hands the conversation to people, so the
    customer gets one answer at a time and the promise once."""
    waits_for_the_bot = edition >= 3
    return RuleSpec(
        id="night_duty",
        name="Outside the team's hours, say when it is back",
        position=1000,  # last: the team the other rules chose is the one whose hours count
        on=[Trigger.CREATED, Trigger.HANDOFF] if waits_for_the_bot else [Trigger.CREATED],
        # only teams with a schedule: others always work
        conditions=Conditions(team_hours="closed", bot_active=False if waits_for_the_bot else None),
        actions=Actions(auto_reply_localized=dict(NIGHT_DUTY_REPLY)),
    )


# ---------------------------------------------------------------- built-in editions: what an existing set gains

# Each release's built-in rules are an edition. A stored rule set records the edition it has taken in
# (``RuleSet.builtins``; a set stored before editions were recorded counts as edition 1); reading one that
# recorded an older edition brings in what came since (``upgraded``), once:
#   1  returns, refund, complaint, vip
#   2  night_duty (the ticket's team is closed, on creation)
#   3  night_duty waits for the inbox's bot (bot_active false; on creation and at a bot's handoff)
# (BUILTINS_EDITION, at the top, is the last of them.)
BUILTIN_AUTHOR = "kefu"  # ``updated_by`` of a built-in an upgrade added or brought up to date


@dataclass(frozen=True)
class Builtin:
    """A built-in rule: the edition that brought it, the edition of its current definition, and its earlier
    definitions (an installation that still has one of those, unedited, gets the current one)."""

    spec: RuleSpec
    since: int
    current: int
    earlier: tuple[RuleSpec, ...] = ()


@lru_cache(maxsize=1)
def builtins() -> tuple[Builtin, ...]:
    first = {"returns", "refund", "complaint", "vip"}
    return tuple(
        Builtin(spec, since=1, current=1)
        if spec.id in first
        else Builtin(spec, since=2, current=3, earlier=(_night_duty(edition=2),))
        for spec in default_rules()
    )


def upgraded(rule_set: RuleSet) -> RuleSet:
    """``rule_set`` with what the built-in editions after the one it recorded brought, and that edition now
    recorded. A built-in it lacks is added (version 1), unless the set recorded an edition that already had it
    (then an admin took it out on purpose) or holds the most rules it may; one still as an earlier edition
    defined it becomes the current definition (its next version); one an admin changed stays as it is. A
    built-in that answers customers arrives disabled in a set that already has an enabled rule answering new
    tickets (its admin's own auto-reply), so an upgrade never makes a customer get two automatic answers. The
    rules an upgrade changed are in ``unsaved`` until the set is next saved (their version items with it)."""
    recorded = rule_set.builtins
    if recorded >= BUILTINS_EDITION:
        return rule_set
    rules = list(rule_set.rules)
    already_answering = any(rule.enabled and Trigger.CREATED in rule.on and _answers(rule) for rule in rules)
    unsaved = list(rule_set.unsaved)
    for builtin in builtins():
        if builtin.current <= recorded:
            continue
        at = next((n for n, rule in enumerate(rules) if rule.id == builtin.spec.id), None)
        if at is None:
            if builtin.since <= recorded or len(rules) >= MAX_RULES:
                continue
            quiet = already_answering and _answers(builtin.spec)
            arrives = {**builtin.spec.model_dump(), "enabled": builtin.spec.enabled and not quiet}
            rule = Rule(**arrives, version=1, updated_by=BUILTIN_AUTHOR)
            rules.append(rule)
        else:
            existing = rules[at]
            if spec_of(existing) not in builtin.earlier:
                continue  # as the current edition has it already, or an admin's own version: it stands
            rule = Rule(**builtin.spec.model_dump(), version=existing.version + 1, updated_by=BUILTIN_AUTHOR)
            rules[at] = rule
        unsaved.append(rule)
    return rule_set.model_copy(update={"rules": rules, "builtins": BUILTINS_EDITION, "unsaved": unsaved})


def spec_of(rule: Rule) -> RuleSpec:
    """What an admin wrote of a rule (no version, no author)."""
    return RuleSpec.model_validate(rule.model_dump(include=set(RuleSpec.model_fields)))


def _answers(rule: RuleSpec) -> bool:
    return bool(rule.actions.auto_reply or rule.actions.auto_reply_localized)


def default_rule_set() -> RuleSet:
    return RuleSet(revision=0, rules=[Rule(**spec.model_dump()) for spec in default_rules()])
