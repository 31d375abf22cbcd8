"""Built-in rule editions on the real store (moto): a rule set an earlier release stored (no edition recorded)
gains the built-in rules added since as soon as it is read, in ingest as in the admin API; the next save stores
them with their version items and the edition; a built-in an admin took out is not added again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kefu.auth import Caller
from kefu.clock import now
from kefu.models import AuthorType, Direction
from kefu.routing.queue import Shift, Team
from kefu.routing.rules import BUILTINS_EDITION, Actions, BusinessHours, RuleSpec, Schedule, default_rules
from kefu.services import routing
from kefu.store import Store, keys
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent
from tests.integration.test_routing import rule_events, say
from tests.integration.test_routing_api import ADMIN
from tests.unit.test_routing_builtins import NIGHT_DUTY_EDITION_2

ADMIN_CALLER = Caller(id=ADMIN["sub"], roles=["admin"])


def closed_now() -> Schedule:
    """finance's only shift starts in two hours (UTC): closed now."""
    moment = now()
    opens = (moment + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closes = (moment + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    return Schedule(calendar=BusinessHours(timezone="UTC"), shifts=[Shift(name="later", opens=opens, closes=closes)])


def store_as_an_earlier_release(cloud: Cloud, rules: list[dict[str, Any]], **extra: Any) -> Store:
    """The rule set item and its rules' version items as the release before editions wrote them (finance's
    schedule copied in, no ``builtins``); a new store, as a container started after the upgrade has."""
    item = {
        **keys.rule_set().as_dict(),
        keys.ENTITY: "rule_set",
        "revision": 3,
        "rules": rules,
        "business_hours": BusinessHours().model_dump(mode="json"),
        "schedules": {"finance": closed_now().model_dump(mode="json")},
        **extra,
    }
    cloud.store.table.put(item)
    for rule in rules:
        version = {**keys.rule_version(rule["id"], rule["version"]).as_dict(), keys.ENTITY: "rule_version"}
        cloud.store.table.put({**version, **rule, "revision": 1})
    return Store(cloud.store.table.name)


def first_four() -> list[dict[str, Any]]:
    return [{**spec.model_dump(mode="json"), "version": 1} for spec in default_rules() if spec.id != "night_duty"]


def test_a_set_stored_before_night_duty_gains_it_at_once_and_stores_it_at_the_next_save(cloud: Cloud) -> None:
    store = store_as_an_earlier_release(cloud, first_four())
    ticket_id = say(store, "8613800000301", "我要退款", "wamid.b1")  # finance is closed: night duty answers
    (reply,) = [m for m in store.tickets.thread(ticket_id)[0] if m.direction == Direction.OUTBOUND]
    assert reply.author_type == AuthorType.SYSTEM and "上班后尽快回复您" in reply.body
    assert ("night_duty", 1) in [(e["rule_id"], e["rule_version"]) for e in rule_events(store, ticket_id)]

    status, listed = agent("GET", "/api/v1/admin/rules", claims=ADMIN)
    assert status == 200 and [r["id"] for r in listed["rules"]][-1] == "night_duty"
    assert listed["revision"] == 3 and "builtins" not in listed  # read, not yet written
    assert store.routing.rule_history("night_duty") == []
    assert "builtins" not in (store.table.get(keys.rule_set()) or {})

    invoice = RuleSpec(id="invoice", name="Invoices", position=40, actions=Actions(team="finance"))
    routing.admin_save_rule(store, ADMIN_CALLER, invoice)  # any save stores the upgrade with it
    item = store.table.get(keys.rule_set()) or {}
    assert item["builtins"] == BUILTINS_EDITION and item["revision"] == 4
    assert "night_duty" in [rule["id"] for rule in item["rules"]]
    assert [r.version for r in store.routing.rule_history("night_duty")] == [1]
    again = Store(store.table.name).routing.rule_set(fresh=True)
    assert again.unsaved == [] and [r.id for r in again.ordered()].count("night_duty") == 1


def test_the_night_duty_an_earlier_release_stored_is_brought_up_to_date(cloud: Cloud) -> None:
    store = store_as_an_earlier_release(cloud, [*first_four(), NIGHT_DUTY_EDITION_2])
    current = store.routing.rule_set(fresh=True)
    night = next(rule for rule in current.rules if rule.id == "night_duty")
    assert night.version == 2 and night.conditions.bot_active is False
    team = Team(id="finance", name="F", calendar=closed_now().calendar, shifts=closed_now().shifts)
    routing.admin_save_team(store, ADMIN_CALLER, team)  # the same schedule: the rule set is not written
    assert [r.version for r in store.routing.rule_history("night_duty")] == [1]
    hours = BusinessHours(timezone="Europe/Berlin")
    routing.admin_save_business_hours(store, ADMIN_CALLER, hours)  # a change of the set: the upgrade goes with it
    assert [r.version for r in store.routing.rule_history("night_duty")] == [1, 2]
    assert (store.table.get(keys.rule_set()) or {})["builtins"] == BUILTINS_EDITION


def test_a_night_duty_an_admin_took_out_is_not_added_again(cloud: Cloud) -> None:
    store = store_as_an_earlier_release(cloud, first_four(), builtins=BUILTINS_EDITION)
    assert "night_duty" not in [rule.id for rule in store.routing.rule_set(fresh=True).rules]
    ticket_id = say(store, "8613800000302", "我要退款", "wamid.b2")
    assert [m for m in store.tickets.thread(ticket_id)[0] if m.direction == Direction.OUTBOUND] == []
    routing.admin_save_rule(store, ADMIN_CALLER, RuleSpec(id="x", name="x", position=1, actions=Actions(type="x")))
    assert "night_duty" not in [rule["id"] for rule in (store.table.get(keys.rule_set()) or {})["rules"]]
