"""Routing on the real store (moto): rules applied in ingest with events naming the rule and version, the
queue entries that follow the ticket, saved rule versions, the claim and the capacity it takes and gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.auth import Caller
from kefu.clock import now
from kefu.errors import Conflict, Forbidden, InvalidInput, NotFound
from kefu.models import Agent, Priority, Ticket, TicketStatus, Tier
from kefu.routing.queue import Organization, RoutingProfile
from kefu.routing.rules import Actions, Conditions, RuleSpec, TicketFacts
from kefu.services import agents, customers, routing, tickets
from kefu.services.ingest import ingest_message
from kefu.store import Store, Transaction
from tests.integration.conftest import Cloud
from tests.integration.test_customers import whatsapp_message


def say(store: Store, wa_id: str, text: str, wamid: str) -> str:
    result = ingest_message(store, whatsapp_message(wa_id, text, wamid))
    assert result.outcome == "stored" and result.ticket_id
    return result.ticket_id


def rule_events(store: Store, ticket_id: str) -> list[dict[str, object]]:
    return [e.data for e in store.tickets.thread(ticket_id)[1] if e.type == "rule_applied"]


def profile(store: Store, agent_id: str) -> RoutingProfile:
    found = store.routing.profile(agent_id)
    assert found is not None
    return found


def queued(store: Store, team: str) -> list[str]:
    return [entry.ticket_id for entry in store.routing.queue_head(team, "chat", 100)]


def overwrite(store: Store, ticket: Ticket) -> None:
    """Write a ticket as another use case would (bypassing routing), at its next version."""
    tx = Transaction()
    expected, ticket.version = ticket.version, ticket.version + 1
    store.tickets.add_ticket(tx, ticket, expected_version=expected)
    store.tickets.commit(tx)


def agent(store: Store, agent_id: str, *, teams: list[str], skills: dict[str, int], chats: int) -> None:
    store.agents.put(Agent(id=agent_id, email=f"{agent_id}@example.com", presence="online"))
    routing.save_profile(store, agent_id, teams=teams, skills=skills, capacity={"chat": chats, "ticket": 0})


def test_a_refund_is_classified_evented_and_queued_for_finance(cloud: Cloud) -> None:
    store = cloud.store
    ticket_id = say(store, "8613800000001", "你好，我要退款，订单还没发货", "wamid.r1")
    ticket = store.tickets.get(ticket_id)
    assert (ticket.type, ticket.priority, ticket.team) == ("after_sales", Priority.HIGH, "finance")
    assert ticket.status == TicketStatus.PENDING and ticket.queued_at == ticket.created_at
    assert rule_events(store, ticket_id) == [
        {
            "rule_id": "refund",
            "rule_version": 1,
            "rule_name": "Refunds are high-priority after-sales for finance",
            "trigger": "created",
            "changes": {
                "type": {"from": "consultation", "to": "after_sales"},
                "team": {"to": "finance"},  # stored items drop None
                "priority": {"from": "medium", "to": "high"},
            },
        }
    ]
    assert queued(store, "finance") == [ticket_id]


def test_a_follow_up_reclassifies_an_unclassified_ticket_and_moves_its_entry(cloud: Cloud) -> None:
    store = cloud.store
    ticket_id = say(store, "8613800000002", "hello, a question", "wamid.f1")
    assert queued(store, "general") == [ticket_id]
    assert say(store, "8613800000002", "actually I want a refund", "wamid.f2") == ticket_id
    ticket = store.tickets.get(ticket_id)
    assert (ticket.type, ticket.team, ticket.priority) == ("after_sales", "finance", Priority.HIGH)
    assert queued(store, "general") == [] and queued(store, "finance") == [ticket_id]
    assert [e["trigger"] for e in rule_events(store, ticket_id)] == ["customer_message"]
    say(store, "8613800000002", "and this is a complaint", "wamid.f3")  # classified already: type stays
    ticket = store.tickets.get(ticket_id)
    assert (ticket.type, ticket.team, ticket.priority) == ("after_sales", "finance", Priority.HIGH)


def test_vip_customers_are_one_step_up_and_first_in_the_queue(cloud: Cloud) -> None:
    store = cloud.store
    normal = say(store, "8613800000003", "refund please", "wamid.v1")
    vip_first = say(store, "8613800000004", "hi", "wamid.v2")
    customer_id = store.tickets.get(vip_first).customer_id
    supervisor = Caller(id="sup-1", roles=["supervisor"])
    with pytest.raises(Forbidden):
        customers.set_segment(
            store,
            Caller(id="a", roles=["agent"]),
            customer_id,
            tier=Tier.VIP,
            organization=None,
            clear_organization=False,
        )
    customers.set_segment(store, supervisor, customer_id, tier=Tier.VIP, organization="acme", clear_organization=False)
    with pytest.raises(InvalidInput, match="organization"):
        customers.set_segment(
            store, supervisor, customer_id, tier=None, organization="Acme Inc!", clear_organization=False
        )
    closed = store.tickets.get(vip_first)  # opened before the tier changed: close it, the next one is new
    closed.status = TicketStatus.CLOSED
    overwrite(store, closed)
    vip = say(store, "8613800000004", "我要退款", "wamid.v3")  # a new ticket for the now-VIP customer
    ticket = store.tickets.get(vip)
    assert vip != vip_first and ticket.customer_tier == "vip" and ticket.priority == Priority.URGENT
    assert ticket.organization == "acme"
    assert queued(store, "finance") == [vip, normal]


def test_saved_rules_are_versioned_and_used(cloud: Cloud) -> None:
    store = cloud.store
    spec = RuleSpec(
        id="invoice",
        name="Invoices go to finance",
        position=40,
        conditions=Conditions(keywords=["发票", "invoice"]),
        actions=Actions(team="finance", add_tags=["invoice"]),
    )
    first = routing.save_rule(store, "admin-1", spec)
    assert first.version == 1
    assert routing.save_rule(store, "admin-1", spec).version == 1  # unchanged: no new version
    changed = routing.save_rule(store, "admin-1", spec.model_copy(update={"name": "Invoices: finance"}))
    assert changed.version == 2
    assert [r.version for r in store.routing.rule_history("invoice")] == [1, 2]
    assert [r.version for r in store.routing.rule_history("refund")] == [1]  # the defaults stored at first save
    stored = routing.rules(store)
    seeded = {"returns", "refund", "complaint", "vip", "night_duty"}
    assert stored.revision == 2 and {r.id for r in stored.rules} == {*seeded, "invoice"}

    fresh = Store(store.table.name)  # another container: reads the saved set
    ticket_id = say(fresh, "8613800000005", "请开发票", "wamid.i1")
    ticket = fresh.tickets.get(ticket_id)
    assert (ticket.team, ticket.tags) == ("finance", ["invoice"])
    assert rule_events(fresh, ticket_id)[0]["rule_version"] == 2

    outcome = routing.dry_run(store, TicketFacts(text="INVOICE and refund", at=now()))
    assert [h.rule_id for h in outcome.hits] == ["refund", "invoice"]
    assert rule_events(store, ticket_id) == rule_events(fresh, ticket_id)  # a dry run wrote nothing


def test_an_auto_reply_is_queued_like_a_reply(cloud: Cloud) -> None:
    store = cloud.store
    routing.save_rule(
        store,
        "admin-1",
        RuleSpec(id="ack", name="acknowledge", position=1, actions=Actions(auto_reply="我们已收到，稍后回复您。")),
    )
    ticket_id = say(store, "8613800000006", "在吗", "wamid.a1")
    messages, _ = store.tickets.thread(ticket_id)
    assert [(m.direction.value, m.author_type.value, m.delivery_status.value) for m in messages] == [
        ("inbound", "customer", "received"),
        ("outbound", "system", "queued"),
    ]
    ticket = store.tickets.get(ticket_id)
    assert ticket is not None
    # counted as a message on the ticket; the preview is still what the customer wrote
    assert (ticket.message_count, ticket.last_message_preview) == (2, "在吗")
    say(store, "8613800000006", "还在吗", "wamid.a2")
    assert len(store.tickets.thread(ticket_id)[0]) == 3  # no second auto-reply on a follow-up
    ticket = store.tickets.get(ticket_id)
    assert ticket is not None and ticket.message_count == 3


def test_the_queue_assigns_by_skill_and_load_and_counts_capacity(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=1)
    agent(store, "a2", teams=["finance"], skills={"after_sales": 1}, chats=2)
    first = say(store, "8613800000010", "refund one", "wamid.q1")
    second = say(store, "8613800000011", "refund two", "wamid.q2")
    third = say(store, "8613800000012", "refund three", "wamid.q3")

    assigned = routing.assign_next(store, "finance", "chat")
    assert assigned is not None and (assigned.id, assigned.assignee) == (first, "a1")  # a2's skill is too low
    assert routing.assign_next(store, "finance", "chat") is None  # a1 is full, a2 not skilled enough yet
    later = now() + timedelta(seconds=61)  # any proficiency after 60 s
    assigned = routing.assign_next(store, "finance", "chat", at=later)
    assert assigned is not None and (assigned.id, assigned.assignee) == (second, "a2")

    ticket = store.tickets.get(first)
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.queued_at is None
    event = next(e for e in store.tickets.thread(first)[1] if e.type == "assigned")
    assert event.data["by"] == "queue" and event.data["min_proficiency"] == 3
    assert profile(store, "a1").load == {"chat": 1, "ticket": 0}
    assert store.routing.pool("finance", "chat", 10)[0].agent_id == "a2"  # a1 (full) left the pool

    routing.release(store, "a1", "chat")  # a1 resolved a chat: room again
    assigned = routing.assign_next(store, "finance", "chat", at=later)
    assert assigned is not None and (assigned.id, assigned.assignee) == (third, "a1")
    assert queued(store, "finance") == []


def test_offline_agents_get_nothing(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["general"], skills={}, chats=3)
    routing.set_presence(store, "a1", "away")
    say(store, "8613800000020", "hello", "wamid.o1")
    assert store.routing.pool("general", "chat", 10) == []
    assert routing.assign_next(store, "general", "chat", at=now() + timedelta(minutes=10)) is None
    routing.set_presence(store, "a1", "online")
    assert routing.assign_next(store, "general", "chat", at=now() + timedelta(minutes=10)) is not None


def test_a_stale_entry_is_mended_not_assigned(cloud: Cloud) -> None:
    store = cloud.store
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=3)
    ticket_id = say(store, "8613800000030", "hello", "wamid.s1")
    ticket = store.tickets.get(ticket_id)
    ticket.assignee, ticket.status = "someone", TicketStatus.IN_PROGRESS  # assigned by hand, entry left behind
    overwrite(store, ticket)
    assert routing.assign_next(store, "general", "chat") is None
    assert queued(store, "general") == [] and store.tickets.get(ticket_id).assignee == "someone"
    assert profile(store, "a1").load["chat"] == 0


def test_bad_profiles_are_refused(cloud: Cloud) -> None:
    store = cloud.store
    store.agents.put(Agent(id="a1"))
    with pytest.raises(InvalidInput, match="proficiency"):
        routing.save_profile(store, "a1", teams=["finance"], skills={"after_sales": 9}, capacity={"chat": 1})
    with pytest.raises(InvalidInput, match="capacity kinds"):
        routing.save_profile(store, "a1", teams=["finance"], skills={}, capacity={"phone": 1})
    with pytest.raises(NotFound):
        routing.save_profile(store, "nobody", teams=[], skills={}, capacity={})
    assert store.routing.profile("a1") is None


def test_agent_changes_keep_the_queue_and_the_load_true(cloud: Cloud) -> None:
    """Resolving gives the claimed capacity back once; a reply or a transfer takes the ticket out of the queue;
    a change of team moves its entry."""
    store = cloud.store
    supervisor = Caller(id="sup-1", roles=["supervisor"])
    agent(store, "a1", teams=["finance"], skills={"after_sales": 5}, chats=1)
    claimed = say(store, "8613800000040", "refund please", "wamid.w1")
    assert (taken := routing.assign_next(store, "finance", "chat")) is not None and taken.id == claimed
    assert profile(store, "a1").load["chat"] == 1

    tickets.update_ticket(store, supervisor, claimed, tickets.TicketChanges(status=TicketStatus.RESOLVED))
    assert profile(store, "a1").load["chat"] == 0
    tickets.update_ticket(store, supervisor, claimed, tickets.TicketChanges(status=TicketStatus.CLOSED))
    assert profile(store, "a1").load["chat"] == 0  # given back once, not twice

    moved = say(store, "8613800000041", "hello", "wamid.w2")
    tickets.assign(store, supervisor, moved, None, "finance")  # a team, no agent: it waits there instead
    assert queued(store, "general") == [] and queued(store, "finance") == [moved]
    replied = say(store, "8613800000042", "hello", "wamid.w3")
    tickets.reply(store, supervisor, replied, "on it", internal=False)  # the replier takes it
    assert queued(store, "general") == []
    store.agents.put(Agent(id="a2"))
    tickets.assign(store, supervisor, moved, "a2", None)
    assert queued(store, "finance") == []


def test_an_agent_coming_online_or_freeing_room_takes_what_waits_at_once(cloud: Cloud) -> None:
    store = cloud.store
    caller = Caller(id="a1", roles=["agent"])
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=1)
    agents.set_presence(store, caller, "away")
    first = say(store, "8613800000050", "hello", "wamid.n1")
    second = say(store, "8613800000051", "hello too", "wamid.n2")
    assert store.tickets.get(first).assignee is None

    agents.set_presence(store, caller, "online")  # online: takes the first in the queue, up to capacity
    assert (store.tickets.get(first).assignee, store.tickets.get(second).assignee) == ("a1", None)

    tickets.update_ticket(store, caller, first, tickets.TicketChanges(status=TicketStatus.RESOLVED))
    assert store.tickets.get(second).assignee == "a1"  # the freed room went to the next ticket at once
    assert profile(store, "a1").load["chat"] == 1


def test_an_organizations_tickets_go_to_its_team_and_its_dedicated_agent_first(cloud: Cloud) -> None:
    store = cloud.store
    admin, supervisor = Caller(id="admin-1", roles=["admin"]), Caller(id="sup-1", roles=["supervisor"])
    own, idle = "11111111-2222-4333-8444-555555555555", "11111111-2222-4333-8444-666666666666"
    agent(store, own, teams=["b2b"], skills={"consultation": 5}, chats=3)
    agent(store, idle, teams=["b2b"], skills={"consultation": 5}, chats=3)
    with pytest.raises(Forbidden):
        routing.admin_save_organization(store, supervisor, Organization(id="acme", name="ACME"))
    with pytest.raises(InvalidInput, match="no agent"):
        routing.admin_save_organization(
            store, admin, Organization(id="acme", name="ACME", agent="11111111-2222-4333-8444-000000000000")
        )
    routing.admin_save_organization(store, admin, Organization(id="acme", name="ACME", team="b2b", agent=own))

    warm_up = say(store, "8613800000060", "hello", "wamid.g1")  # the contact's first ticket, before the link
    contact = store.tickets.get(warm_up).customer_id
    customers.set_segment(store, supervisor, contact, tier=None, organization="acme", clear_organization=False)
    closed = store.tickets.get(warm_up)
    closed.status = TicketStatus.CLOSED
    overwrite(store, closed)
    other = say(store, "8613800000061", "hello", "wamid.g2")
    tickets.assign(store, supervisor, other, None, "b2b")  # a normal ticket waiting in b2b too
    assert (taken := routing.assign_next(store, "b2b", "chat")) is not None and taken.id == other
    assert taken.assignee == own  # a tie on load goes by id: the dedicated agent is now the busier one

    b2b = say(store, "8613800000060", "we need help with the integration", "wamid.g3")
    ticket = store.tickets.get(b2b)
    assert (ticket.team, ticket.dedicated_agent, ticket.customer_tier) == ("b2b", own, "enterprise")
    assert (taken := routing.assign_next(store, "b2b", "chat")) is not None
    assert (taken.id, taken.assignee) == (b2b, own)  # the dedicated agent, even when the busier one


def test_an_agent_going_offline_gives_routed_tickets_back_to_the_queue(cloud: Cloud) -> None:
    store = cloud.store
    leaving, staying = Caller(id="a1", roles=["agent"]), "a2"
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=2)
    agents.set_presence(store, leaving, "away")
    routed = say(store, "8613800000070", "hello", "wamid.x1")
    assert store.tickets.get(routed).assignee is None
    agents.set_presence(store, leaving, "online")
    assert store.tickets.get(routed).assignee == "a1"
    kept = say(store, "8613800000071", "hello", "wamid.x2")
    tickets.reply(store, leaving, kept, "I'll take this one", internal=False)  # taken by a reply, not routed
    agent(store, staying, teams=["general"], skills={"consultation": 5}, chats=2)

    agents.set_presence(store, leaving, "offline")
    ticket = store.tickets.get(routed)
    assert ticket.assignee == staying and ticket.load_holder == staying  # back in the queue, taken at once
    events = [e for e in store.tickets.thread(routed)[1] if e.type in ("assigned", "unassigned")]
    assert [(e.type, e.data.get("reason")) for e in events] == [
        ("assigned", None),
        ("unassigned", "assignee_offline"),
        ("assigned", None),
    ]
    assert store.tickets.get(kept).assignee == "a1"
    assert (profile(store, "a1").load["chat"], profile(store, staying).load["chat"]) == (0, 1)


def test_a_transfer_counts_against_capacity_and_only_a_supervisor_overrides_it(cloud: Cloud) -> None:
    store = cloud.store
    supervisor = Caller(id="sup-1", roles=["supervisor"])
    agent(store, "a1", teams=["general"], skills={"consultation": 5}, chats=1)
    first = say(store, "8613800000070", "hello", "wamid.o1")
    assert (taken := routing.assign_next(store, "general", "chat")) is not None and taken.id == first
    second = say(store, "8613800000071", "hello again", "wamid.o2")

    with pytest.raises(Conflict, match="at capacity for chat \\(1 of 1\\)"):
        tickets.assign(store, supervisor, second, "a1", None)
    with pytest.raises(Forbidden):
        tickets.assign(store, Caller(id="a9", roles=["agent"]), second, "a1", None, override_capacity=True)
    with pytest.raises(InvalidInput, match="needs an agent_id"):
        tickets.assign(store, supervisor, second, None, "finance", override_capacity=True)
    assert store.tickets.get(second).assignee is None and profile(store, "a1").load["chat"] == 1  # nothing changed

    moved = tickets.assign(store, supervisor, second, "a1", None, note="VIP, knows the case", override_capacity=True)
    assert (moved.assignee, moved.load_holder) == ("a1", "a1")
    assert profile(store, "a1").load["chat"] == 2  # over capacity, deliberately
    event = [e for e in store.tickets.thread(second)[1] if e.type == "assigned"][-1]
    assert event.actor_id == "sup-1"
    assert event.data == {  # stored items drop None values
        "to_agent": "a1",
        "counted": True,
        "over_capacity": True,
        "override_capacity": True,
        "note": "VIP, knows the case",
    }
    tickets.update_ticket(
        store, Caller(id="a1", roles=["agent"]), second, tickets.TicketChanges(status=TicketStatus.RESOLVED)
    )
    assert profile(store, "a1").load["chat"] == 1  # given back like any routed ticket

    agent(store, "a2", teams=["general"], skills={"consultation": 5}, chats=2)
    third = say(store, "8613800000072", "a question", "wamid.o3")
    tickets.assign(store, supervisor, third, "a2", None)  # room: no override needed, and it counts
    assert profile(store, "a2").load["chat"] == 1
