"""The rules engine: each condition, each action, the order, the follow-up policy and the seeded defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

from kefu.models import Priority, Tier
from kefu.routing.rules import (
    Actions,
    BusinessHours,
    Conditions,
    Rule,
    RuleSet,
    TicketFacts,
    Trigger,
    default_rule_set,
    evaluate,
    fold,
    step,
)

# 2026-12-01 is a Tuesday; 03:00 UTC is 11:00 in Shanghai, 14:00 UTC is 22:00 there.
DAY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
NIGHT = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def facts(text: str = "", **fields: Any) -> TicketFacts:
    return TicketFacts.model_validate({"text": text, "at": DAY, **fields})


def one_rule(conditions: Conditions, actions: Actions | None = None, **fields: object) -> RuleSet:
    rule = Rule(
        id="r1", name="rule one", position=1, conditions=conditions, actions=actions or Actions(team="t1"), **fields
    )
    return RuleSet(rules=[rule])


def hits(rule_set: RuleSet, sample: TicketFacts, trigger: Trigger = Trigger.CREATED) -> list[str]:
    return [hit.rule_id for hit in evaluate(rule_set, sample, trigger).hits]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要退款", ("after_sales", Priority.HIGH, "finance")),
        ("能不能退钱给我", ("after_sales", Priority.HIGH, "finance")),
        ("I want a REFUND now", ("after_sales", Priority.HIGH, "finance")),
        ("ｒｅｆｕｎｄ please", ("after_sales", Priority.HIGH, "finance")),  # full-width
        ("我要投诉你们的快递", ("complaint", Priority.HIGH, None)),
        ("This is a formal complaint", ("complaint", Priority.HIGH, None)),
        ("请问几点发货", ("consultation", Priority.MEDIUM, None)),
        ("The zipper broke, I need a repair", ("after_sales", Priority.MEDIUM, "after_sales")),
    ],
)
def test_the_seeded_defaults_classify(text: str, expected: tuple[str, Priority, str | None]) -> None:
    outcome = evaluate(default_rule_set(), facts(text), Trigger.CREATED)
    assert (outcome.type, outcome.priority, outcome.team) == expected


def test_vip_is_one_step_up_after_the_other_rules() -> None:
    rules = default_rule_set()
    assert evaluate(rules, facts("hello", tier=Tier.VIP), Trigger.CREATED).priority == Priority.HIGH
    assert evaluate(rules, facts("退款", tier=Tier.VIP), Trigger.CREATED).priority == Priority.URGENT
    assert evaluate(rules, facts("退款", tier=Tier.ENTERPRISE), Trigger.CREATED).priority == Priority.HIGH


def test_vip_step_is_not_repeated_on_follow_ups() -> None:
    outcome = evaluate(
        default_rule_set(), facts("hello again", tier=Tier.VIP, priority=Priority.HIGH), Trigger.CUSTOMER_MESSAGE
    )
    assert outcome.priority == Priority.HIGH and outcome.hits == []


def test_every_change_names_the_rule_and_its_version() -> None:
    outcome = evaluate(default_rule_set(), facts("退款", tier=Tier.VIP), Trigger.CREATED)
    assert [(h.rule_id, h.rule_version) for h in outcome.hits] == [("refund", 1), ("vip", 1)]
    assert outcome.hits[0].changes == {
        "type": {"from": "consultation", "to": "after_sales"},
        "team": {"from": None, "to": "finance"},
        "priority": {"from": "medium", "to": "high"},
    }
    assert outcome.hits[1].changes == {"priority": {"from": "high", "to": "urgent"}}


def test_fold_treats_full_width_and_case_alike() -> None:
    assert fold("ＲＥＦＵＮＤ　１２３") == fold("refund 123") == "refund 123"
    assert fold("退款，谢谢") == "退款,谢谢"


@pytest.mark.parametrize(
    ("text", "hit"),
    [("refunded yesterday", True), ("nonrefundable", False), ("prefund", False), ("REFUND!", True)],
)
def test_ascii_keywords_start_a_word(text: str, hit: bool) -> None:
    assert bool(hits(one_rule(Conditions(keywords=["refund"])), facts(text))) is hit


def test_chinese_keywords_match_inside_text() -> None:
    assert hits(one_rule(Conditions(keywords=["退款"])), facts("请帮我办理退款手续"))


def test_patterns_are_regular_expressions_on_normalised_text() -> None:
    rules = one_rule(Conditions(patterns=[r"订单号?\s*\d{6,}", r"order\s+#?\d{6,}"]))
    assert hits(rules, facts("订单１２３４５６７ 没收到"))  # full-width digits
    assert hits(rules, facts("Order #1234567 missing"))
    assert not hits(rules, facts("order 12"))


def test_keywords_and_patterns_are_alternatives() -> None:
    rules = one_rule(Conditions(keywords=["发票"], patterns=[r"invoice"]))
    assert hits(rules, facts("需要发票")) and hits(rules, facts("send the INVOICE")) and not hits(rules, facts("hi"))


@pytest.mark.parametrize(
    ("conditions", "sample", "hit"),
    [
        (Conditions(channels=["wechat"]), {"channel": "wechat"}, True),
        (Conditions(channels=["wechat"]), {"channel": "email"}, False),
        (Conditions(inboxes=["web"]), {"inbox": "web"}, True),
        (Conditions(inboxes=["web"]), {"inbox": "shop"}, False),
        (Conditions(tiers=[Tier.VIP, Tier.ENTERPRISE]), {"tier": Tier.ENTERPRISE}, True),
        (Conditions(tiers=[Tier.VIP]), {"tier": Tier.NORMAL}, False),
        (Conditions(organizations=["acme"]), {"organization": "acme"}, True),
        (Conditions(organizations=["acme"]), {"organization": None}, False),
        (Conditions(tags=["vip-line", "大客户"]), {"tags": ["大客户"]}, True),
        (Conditions(tags=["vip-line"]), {"tags": ["other"]}, False),
        (Conditions(business_hours="open"), {"at": DAY}, True),
        (Conditions(business_hours="open"), {"at": NIGHT}, False),
        (Conditions(business_hours="closed"), {"at": NIGHT}, True),
        (Conditions(channels=["wechat"], tiers=[Tier.VIP]), {"channel": "wechat", "tier": Tier.NORMAL}, False),
    ],
)
def test_each_condition(conditions: Conditions, sample: dict[str, Any], hit: bool) -> None:
    assert bool(hits(one_rule(conditions), facts(**sample))) is hit


def test_business_hours_with_an_overnight_shift_and_holidays() -> None:
    night_shift = BusinessHours(timezone="Asia/Shanghai", days=[1], opens=time(22, 0), closes=time(6, 0))
    assert night_shift.is_open(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))  # Tue 22:30
    assert night_shift.is_open(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))  # Wed 04:00, Tuesday's shift
    assert not night_shift.is_open(datetime(2026, 12, 2, 14, 30, tzinfo=UTC))  # Wed 22:30: not a shift day
    holiday = BusinessHours(holidays=[date(2026, 12, 1)])
    assert not holiday.is_open(DAY)


def test_later_rules_override_earlier_and_stop_ends_the_run() -> None:
    first = Rule(id="a", name="a", position=1, actions=Actions(team="one"))
    second = Rule(id="b", name="b", position=2, actions=Actions(team="two"))
    assert evaluate(RuleSet(rules=[second, first]), facts("x"), Trigger.CREATED).team == "two"
    stopping = first.model_copy(update={"stop": True})
    outcome = evaluate(RuleSet(rules=[second, stopping]), facts("x"), Trigger.CREATED)
    assert (outcome.team, [h.rule_id for h in outcome.hits]) == ("one", ["a"])


def test_disabled_rules_and_other_triggers_do_not_run() -> None:
    assert not hits(one_rule(Conditions(), enabled=False), facts("x"))
    only_new = one_rule(Conditions(), on=[Trigger.CREATED])
    assert not hits(only_new, facts("x"), Trigger.CUSTOMER_MESSAGE)


def test_follow_ups_keep_the_classification_and_only_raise_priority() -> None:
    rules = default_rule_set()
    decided = facts("我要投诉", type="after_sales", team="finance", priority=Priority.URGENT)
    outcome = evaluate(rules, decided, Trigger.CUSTOMER_MESSAGE)
    assert (outcome.type, outcome.team, outcome.priority) == ("after_sales", "finance", Priority.URGENT)
    fresh = evaluate(rules, facts("我要退款"), Trigger.CUSTOMER_MESSAGE)  # first said "hello", now a refund
    assert (fresh.type, fresh.team, fresh.priority) == ("after_sales", "finance", Priority.HIGH)


def test_auto_reply_and_tags() -> None:
    rules = one_rule(
        Conditions(business_hours="closed"), Actions(auto_reply="We are back at 09:00.", add_tags=["night"])
    )
    outcome = evaluate(rules, facts("hi", at=NIGHT, tags=["a"]), Trigger.CREATED)
    assert outcome.auto_replies == ["We are back at 09:00."] and outcome.tags == ["a", "night"]
    assert evaluate(rules, facts("hi", at=NIGHT), Trigger.CUSTOMER_MESSAGE).auto_replies == []


def test_priority_steps_stop_at_the_ends() -> None:
    assert step(Priority.URGENT, 1) == Priority.URGENT and step(Priority.LOW, -2) == Priority.LOW
    assert step(Priority.MEDIUM, 2) == Priority.URGENT


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"actions": {}}, "at least one"),
        ({"actions": {"team": "Finance Team"}}, "team"),
        ({"actions": {"type": "0bad"}}, "type"),
        ({"actions": {"team": "t"}, "conditions": {"patterns": ["(unclosed"]}}, "not a regular expression"),
        ({"actions": {"team": "t"}, "conditions": {"bogus": 1}}, "bogus"),
        ({"actions": {"team": "t"}, "id": "Bad Id"}, "rule id"),
        ({"actions": {"team": "t"}, "conditions": {"keywords": ["  "]}}, "keyword"),
        ({"actions": {"team": "t"}, "conditions": {"patterns": ["(a+)+$"]}}, "exponential"),
        ({"actions": {"team": "t"}, "conditions": {"patterns": [r"(\w*x)*"]}}, "exponential"),
    ],
)
def test_bad_rules_are_refused_saying_why(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Rule.model_validate({"id": "r", "name": "r", "position": 1, **spec})


def test_bad_business_hours_are_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        BusinessHours(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="weekday"):
        BusinessHours(days=[7])


def test_zone_data_is_needed_only_by_rules_on_business_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runtime without time-zone data still classifies by every other rule (injected fault)."""

    def no_zone_data(self: BusinessHours, moment: datetime) -> bool:
        raise RuntimeError("no time zone data")

    monkeypatch.setattr(BusinessHours, "is_open", no_zone_data)
    assert evaluate(default_rule_set(), facts("我要退款"), Trigger.CREATED).team == "finance"
    with pytest.raises(RuntimeError):
        evaluate(one_rule(Conditions(business_hours="open")), facts("x"), Trigger.CREATED)


def test_an_after_hours_auto_reply_says_when_the_team_is_back() -> None:
    rules = one_rule(
        Conditions(business_hours="closed"),
        Actions(auto_reply="现在是非工作时间，我们 {back_at} 回来。Back at {back_at}."),
    )
    weekdays = BusinessHours(days=[0, 1, 2, 3, 4], opens=time(9, 0), closes=time(18, 0), holidays=[date(2026, 12, 7)])
    rules = rules.model_copy(update={"business_hours": weekdays})
    friday_night = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # Fri 20:00 in Shanghai; Monday the 7th is a holiday
    (reply,) = evaluate(rules, facts("hi", at=friday_night), Trigger.CREATED).auto_replies
    assert (
        reply
        == "现在是非工作时间，我们 2026-12-08 09:00 (Asia/Shanghai) 回来。Back at 2026-12-08 09:00 (Asia/Shanghai)."
    )
    early = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # Tue 08:30 in Shanghai: back the same morning
    assert weekdays.next_opening(early) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert weekdays.next_opening(DAY) == DAY  # open now
