"""Built-in rule editions (kefu.routing.rules.upgraded): a rule set stored by an earlier release gains the
built-in rules added since, once; one still as an earlier release defined it is brought up to date; what an
admin changed or took out stays so."""

from __future__ import annotations

from typing import Any

from kefu.routing.rules import (
    BUILTIN_AUTHOR,
    BUILTINS_EDITION,
    MAX_RULES,
    Actions,
    Rule,
    RuleSet,
    RuleSpec,
    Trigger,
    default_rule_set,
    default_rules,
    spec_of,
    upgraded,
)

# night_duty exactly as the release before editions stored it (the rule set item's JSON)
NIGHT_DUTY_EDITION_2: dict[str, Any] = {
    "id": "night_duty",
    "name": "Outside the team's hours, say when it is back",
    "position": 1000,
    "enabled": True,
    "on": ["created"],
    "conditions": {"team_hours": "closed"},
    "actions": {
        "auto_reply_localized": {
            "zh-CN": "您好，现在是非工作时间。我们已收到您的消息，将在 {back_at} 上班后尽快回复您。",
            "en": "Hello, we are outside working hours. We have your message and will answer it as soon as we "
            "are back: {back_at}.",
        }
    },
    "stop": False,
    "version": 1,
}


def stored(*rules: Rule, builtins: int = 1, revision: int = 4) -> RuleSet:
    return RuleSet(revision=revision, rules=list(rules), builtins=builtins)


def first_four() -> list[Rule]:
    return [Rule(**spec.model_dump()) for spec in default_rules() if spec.id != "night_duty"]


def current_night_duty() -> RuleSpec:
    return next(spec for spec in default_rules() if spec.id == "night_duty")


def test_a_set_stored_before_night_duty_gains_it_once_enabled() -> None:
    legacy = stored(*first_four())
    upgraded_set = upgraded(legacy)
    assert upgraded_set.builtins == BUILTINS_EDITION and upgraded_set.revision == legacy.revision
    added = next(rule for rule in upgraded_set.rules if rule.id == "night_duty")
    assert spec_of(added) == current_night_duty() and added.enabled
    assert (added.version, added.updated_by) == (1, BUILTIN_AUTHOR)
    assert [rule.id for rule in upgraded_set.unsaved] == ["night_duty"]  # stored at the next save
    assert upgraded(upgraded_set) == upgraded_set  # once


def test_the_night_duty_an_earlier_release_stored_becomes_the_current_one() -> None:
    legacy = stored(*first_four(), Rule.model_validate(NIGHT_DUTY_EDITION_2))
    upgraded_set = upgraded(legacy)
    night = next(rule for rule in upgraded_set.rules if rule.id == "night_duty")
    assert night.version == 2 and spec_of(night) == current_night_duty()
    assert night.on == [Trigger.CREATED, Trigger.HANDOFF] and night.conditions.bot_active is False
    assert [(rule.id, rule.version) for rule in upgraded_set.unsaved] == [("night_duty", 2)]
    assert [rule.id for rule in upgraded_set.rules] == [rule.id for rule in legacy.rules]  # nothing else


def test_an_admins_own_night_duty_stands() -> None:
    edited = Rule.model_validate({**NIGHT_DUTY_EDITION_2, "version": 3, "actions": {"auto_reply": "Back soon"}})
    disabled = Rule.model_validate({**NIGHT_DUTY_EDITION_2, "version": 2, "enabled": False})
    for mine in (edited, disabled):
        upgraded_set = upgraded(stored(*first_four(), mine))
        assert next(r for r in upgraded_set.rules if r.id == "night_duty") == mine
        assert upgraded_set.unsaved == [] and upgraded_set.builtins == BUILTINS_EDITION


def test_a_builtin_taken_out_after_its_edition_is_not_added_again() -> None:
    for recorded in (2, BUILTINS_EDITION):  # the set had taken in night_duty: its absence is an admin's doing
        upgraded_set = upgraded(stored(*first_four(), builtins=recorded))
        assert "night_duty" not in [rule.id for rule in upgraded_set.rules] and upgraded_set.unsaved == []


def test_it_arrives_disabled_where_an_admins_rule_already_answers_new_tickets() -> None:
    """An installation with its own auto-reply would otherwise answer a new ticket twice at night."""
    own = Rule(id="ack", name="acknowledge", position=5, actions=Actions(auto_reply="We have your message."))
    added = next(r for r in upgraded(stored(*first_four(), own)).rules if r.id == "night_duty")
    assert not added.enabled and spec_of(added) == current_night_duty().model_copy(update={"enabled": False})
    follow_up_only = own.model_copy(update={"on": [Trigger.CUSTOMER_MESSAGE]})
    off = own.model_copy(update={"enabled": False})
    for harmless in (follow_up_only, off):
        assert next(r for r in upgraded(stored(*first_four(), harmless)).rules if r.id == "night_duty").enabled


def test_a_full_set_gets_no_new_rule_and_the_current_edition_is_left_alone() -> None:
    full = [Rule(id=f"r{n}", name="r", position=n, actions=Actions(add_tags=["x"])) for n in range(MAX_RULES)]
    assert "night_duty" not in [rule.id for rule in upgraded(stored(*full)).rules]
    fresh = default_rule_set()
    assert fresh.builtins == BUILTINS_EDITION and upgraded(fresh) is fresh
    assert "builtins" not in fresh.model_dump() and "unsaved" not in fresh.model_dump()  # not in the API
