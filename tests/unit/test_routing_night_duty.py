"""Night duty (kefu.routing.rules): when the ticket's team works next (its next shift's start, holidays skipped,
in the team's time zone), what the seeded night-duty rule answers and in which language, and the rule set's
business hours for a team without a schedule of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kefu.routing.queue import Team
from kefu.routing.rules import (
    Actions,
    BusinessHours,
    Conditions,
    Rule,
    RuleSet,
    Schedule,
    Shift,
    TicketFacts,
    Trigger,
    back_at,
    default_rule_set,
    evaluate,
    team_works,
    written,
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)  # 2026-12-01 is a Tuesday


NIGHTS = Schedule(  # 22:00 to 06:00 in Shanghai, Monday to Friday nights, none from Christmas Eve
    calendar=BusinessHours(timezone="Asia/Shanghai", days=[0, 1, 2, 3, 4], holidays=["2026-12-24"]),
    shifts=[Shift(name="night", opens="22:00", closes="06:00")],
)


def with_schedules(rule_set: RuleSet, **schedules: Schedule) -> RuleSet:
    return rule_set.model_copy(update={"schedules": schedules})


def night_reply(rule_set: RuleSet, moment: datetime, text: str, **fields: object) -> list[str]:
    sample = TicketFacts.model_validate({"text": text, "at": moment, **fields})
    return evaluate(rule_set, sample, Trigger.CREATED).auto_replies


def test_an_overnight_shift_is_open_after_midnight_and_opens_again_the_same_evening() -> None:
    assert NIGHTS.is_open(at(1, 15))  # Tue 23:00 in Shanghai
    assert NIGHTS.is_open(at(1, 21, 59))  # Wed 05:59: still Tuesday's night shift
    assert not NIGHTS.is_open(at(1, 22))  # Wed 06:00: over
    assert NIGHTS.next_opening(at(1, 22)) == datetime(2026, 12, 2, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_next_shift_skips_holidays_and_days_off() -> None:
    # Thursday the 24th is a holiday, Saturday and Sunday are off: from Thursday morning, Friday night
    thursday_morning = at(24, 0)  # Thu 08:00 in Shanghai
    assert NIGHTS.next_opening(thursday_morning) == datetime(2026, 12, 25, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert NIGHTS.is_open(at(23, 16))  # Thu 00:00 local belongs to Wednesday's night, which runs
    assert not NIGHTS.is_open(at(24, 15))  # Thu 23:00 local: the holiday's own night shift does not
    saturday_morning = at(26, 0)  # Sat 08:00 local, after Friday's night
    assert NIGHTS.next_opening(saturday_morning) == datetime(2026, 12, 28, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_next_shift_is_in_the_teams_time_zone() -> None:
    new_york = Schedule(
        calendar=BusinessHours(timezone="America/New_York", days=[0, 1, 2, 3, 4]),
        shifts=[Shift(name="day", opens="09:00", closes="17:00"), Shift(name="late", opens="17:00", closes="21:00")],
    )
    moment = at(2, 3)  # Wed 03:00 UTC is Tue 22:00 in New York: after the late shift
    back, zone = back_at(with_schedules(RuleSet(), support=new_york), "support", moment)
    assert (back, zone) == (datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("America/New_York")), "America/New_York")
    assert back.astimezone(UTC) == at(2, 14)
    assert written(back, zone, "en") == "Wed 2 Dec 2026, 09:00 (America/New_York)"
    assert written(back, zone, "zh-CN") == "2026年12月2日（周三）09:00（America/New_York）"
    assert written(back, zone, None) == "2026-12-02 09:00 (America/New_York)"


def test_a_team_is_the_same_schedule_as_its_copy_in_the_rule_set() -> None:
    team = Team(id="nights", name="Nights", calendar=NIGHTS.calendar, shifts=NIGHTS.shifts)
    assert team.schedule() == NIGHTS
    assert team.next_opening(at(24, 0)) == NIGHTS.next_opening(at(24, 0))
    assert not Team(id="general", name="General").schedule().configured


def test_the_seeded_night_duty_rule_answers_in_the_customers_language_with_the_teams_next_shift() -> None:
    rules = with_schedules(default_rule_set(), finance=NIGHTS)
    moment = at(1, 22, 30)  # Wed 06:30 in Shanghai: finance's night shift is over
    (zh,) = night_reply(rules, moment, "我要退款")  # the refund rule gives it to finance
    assert (
        zh
        == "您好，现在是非工作时间。我们已收到您的消息，将在 2026年12月2日（周三）22:00（Asia/Shanghai） 上班后尽快回复您。"
    )
    (en,) = night_reply(rules, moment, "I want a refund")
    assert en.endswith("as soon as we are back: Wed 2 Dec 2026, 22:00 (Asia/Shanghai).")
    (by_locale,) = night_reply(rules, moment, "refund", language="zh-Hans-CN")  # the customer's locale wins
    assert by_locale.startswith("您好")
    assert night_reply(rules, at(1, 15), "我要退款") == []  # during the shift: nothing
    sample = TicketFacts(text="hello again", at=moment, team="finance")
    assert evaluate(rules, sample, Trigger.CUSTOMER_MESSAGE).auto_replies == []  # once, on a new ticket


def test_the_seeded_rule_is_silent_for_teams_without_a_schedule() -> None:
    """A fresh install has no team schedules: its customers get no night reply until a team has shifts."""
    assert night_reply(default_rule_set(), at(1, 18), "我要退款") == []  # 02:00 in Shanghai
    rules = with_schedules(default_rule_set(), finance=NIGHTS)
    assert night_reply(rules, at(1, 22, 30), "hello") == []  # general's ticket: general always works


def test_without_a_team_schedule_back_at_is_the_rule_sets_business_hours() -> None:
    rule = Rule(
        id="night",
        name="night",
        position=1,
        conditions=Conditions(business_hours="closed"),
        actions=Actions(auto_reply_localized={"en": "Back {back_at}"}),
    )
    hours = BusinessHours(timezone="Europe/Berlin", opens="08:30", closes="17:00", days=[0, 1, 2, 3, 4])
    rules = RuleSet(rules=[rule], business_hours=hours)
    (reply,) = night_reply(rules, at(4, 20), "我要退款")  # Fri 21:00 in Berlin; no Chinese text: the only one
    assert reply == "Back Mon 7 Dec 2026, 08:30 (Europe/Berlin)"
    with_team = with_schedules(rules, general=NIGHTS)
    (by_team,) = night_reply(with_team, at(1, 22, 30), "hello")  # Tue 23:30 in Berlin, Wed 06:30 in Shanghai
    assert by_team == "Back Wed 2 Dec 2026, 22:00 (Asia/Shanghai)"  # the team's schedule, not the rule set's


def test_localized_replies_are_checked() -> None:
    with pytest.raises(ValidationError, match="languages"):
        Actions(auto_reply_localized={"fr": "Bonsoir"})
    with pytest.raises(ValidationError, match="characters"):
        Actions(auto_reply_localized={"en": ""})
    assert Actions(auto_reply_localized={"en": "Back soon"}).auto_reply_localized == {"en": "Back soon"}


def test_with_the_bot_on_duty_the_night_reply_waits_for_the_handoff_and_is_made_once() -> None:
    """A new ticket the bot takes gets no night reply (the bot answers); when the bot hands the conversation
    to people outside the team's hours, the customer is told when the team is back, in their language; a
    follow-up never repeats it; without a bot the new ticket gets it at once, as before."""
    rules = with_schedules(default_rule_set(), finance=NIGHTS)
    moment = at(1, 22, 30)  # Wed 06:30 in Shanghai: finance's night shift is over
    with_bot = TicketFacts(text="我要退款", at=moment, bot_active=True)
    created = evaluate(rules, with_bot, Trigger.CREATED)
    assert created.auto_replies == [] and created.team == "finance"  # classified all the same
    assert "night_duty" not in [hit.rule_id for hit in created.hits]
    handed = TicketFacts(text="转人工", at=moment, team="finance", type="after_sales", bot_active=False)
    (reply,) = evaluate(rules, handed, Trigger.HANDOFF).auto_replies
    assert reply.startswith("您好，现在是非工作时间") and "2026年12月2日（周三）22:00（Asia/Shanghai）" in reply
    (english,) = evaluate(rules, handed.model_copy(update={"text": "human please"}), Trigger.HANDOFF).auto_replies
    assert english.endswith("as soon as we are back: Wed 2 Dec 2026, 22:00 (Asia/Shanghai).")
    by_day = handed.model_copy(update={"at": at(1, 15)})  # Tue 23:00 in Shanghai: the shift runs
    assert evaluate(rules, by_day, Trigger.HANDOFF).auto_replies == []
    assert evaluate(rules, handed, Trigger.CUSTOMER_MESSAGE).auto_replies == []  # a follow-up: never again
    without_bot = TicketFacts(text="我要退款", at=moment)
    assert len(evaluate(rules, without_bot, Trigger.CREATED).auto_replies) == 1


def test_a_handoff_keeps_what_is_decided_and_runs_only_the_rules_on_it() -> None:
    """At a handoff rules run as on a follow-up (priority only rises, a classified ticket keeps its type and
    team), and only rules that name ``handoff`` run: the seeded classifiers do not."""
    escalate = Rule(
        id="escalate",
        name="A handed-over VIP is urgent",
        position=500,
        on=[Trigger.HANDOFF],
        conditions=Conditions(tiers=["vip"], bot_active=False),
        actions=Actions(priority="urgent", team="vip_desk", auto_reply="A person will answer you shortly."),
    )
    rules = default_rule_set().model_copy(update={"rules": [*default_rule_set().rules, escalate]})
    handed = TicketFacts(text="我要退款", at=at(1, 3), tier="vip", type="after_sales", team="finance")
    outcome = evaluate(rules, handed, Trigger.HANDOFF)
    assert [hit.rule_id for hit in outcome.hits] == ["escalate"]  # refund and vip do not run at a handoff
    assert (outcome.priority.value, outcome.team, outcome.type) == ("urgent", "finance", "after_sales")
    assert outcome.auto_replies == ["A person will answer you shortly."]
    still_the_bots = handed.model_copy(update={"bot_active": True})
    assert evaluate(rules, still_the_bots, Trigger.HANDOFF).hits == []  # bot_active: false does not hold
    with pytest.raises(ValidationError):
        Conditions.model_validate({"bot_active": "maybe"})


def night_duty_speaks(rule_set: RuleSet, team: str | None, moment: datetime) -> bool:
    handed = TicketFacts(text="转人工", at=moment, team=team, type="after_sales", bot_active=False)
    return "night_duty" in [hit.rule_id for hit in evaluate(rule_set, handed, Trigger.HANDOFF).hits]


@pytest.mark.parametrize("hour", range(0, 24, 3))
def test_one_notion_of_open_the_team_works_exactly_when_night_duty_is_silent(hour: int) -> None:
    """kefu.routing.rules.team_works is what the bot's night mode asks and what night duty's ``team_hours``
    condition asks: for a team with a schedule (by its shifts, not the rule set's business hours) and for one
    without (it always works, whatever the business hours say)."""
    hours = BusinessHours(timezone="UTC", opens="09:00", closes="17:00")  # the rule set's, unlike NIGHTS
    rules = with_schedules(default_rule_set().model_copy(update={"business_hours": hours}), finance=NIGHTS)
    moment = at(1, hour)
    for team in ("finance", "general", None):
        assert team_works(rules, team, moment) is not night_duty_speaks(rules, team, moment), (team, hour)
    assert team_works(rules, "finance", moment) is NIGHTS.is_open(moment)
    assert team_works(rules, "general", moment) and team_works(rules, None, moment)


def test_the_bots_night_question_is_asked_of_the_team_the_rules_give_the_ticket() -> None:
    """kefu.services.routing.team_works_on: a refund goes to finance, whose night shift is over at 06:30 in
    Shanghai, so the night bot takes it; a plain question stays with general, which always works; nothing of
    the ticket is changed by asking."""
    from kefu.models import Ticket
    from kefu.services.routing import team_works_on

    rules = with_schedules(default_rule_set(), finance=NIGHTS)
    stamp = "2026-12-01T22:30:00.000Z"  # Wed 06:30 in Shanghai
    ticket = Ticket(
        id="t-1",
        channel="web",
        inbox="web",
        customer_id="c-1",
        conversation_key="k",
        created_at=stamp,
        updated_at=stamp,
    )
    assert not team_works_on(rules, ticket, "我要退款", stamp)
    assert team_works_on(rules, ticket, "你好", stamp)
    assert team_works_on(rules, ticket, "我要退款", "2026-12-01T15:00:00.000Z")  # Tue 23:00: the shift runs
    assert ticket.team is None and ticket.type == "consultation"
