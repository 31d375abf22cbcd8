"""Inbox filters the agent app offers: unassigned, channel and customer tier (with status, team and text)."""

from __future__ import annotations

from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.models import TicketStatus
from kefu.services.ingest import ingest_message
from tests.integration.conftest import Cloud


def open_ticket(cloud: Cloud, n: int, channel: str = "web", visitor: str = "") -> str:
    message = InboundMessage(
        channel=channel,
        inbox=channel,
        provider_message_id=f"f{n}",
        conversation_key=f"{channel}:{channel}:f{n}",
        sender=Sender(channel=channel, external_id=visitor or f"f{n}"),
        text=f"filter me {n}",
        received_at=now_iso(),
    )
    result = ingest_message(cloud.store, message)
    assert result.ticket_id
    return result.ticket_id


def listed(cloud: Cloud, assignee: str | None = None, **filters: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = cloud.store.tickets.page(
            statuses=list(TicketStatus), assignee=assignee, filters=filters, limit=2, cursor=cursor
        )
        ids.extend(t.id for t in page.items)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def test_unassigned_channel_and_tier(cloud: Cloud) -> None:
    from kefu.auth import Caller
    from kefu.models import Tier
    from kefu.services import customers, tickets

    agent = Caller(id="agent-1", email="a@example.com", roles=["agent"])
    supervisor = Caller(id="sup-1", email="s@example.com", roles=["supervisor"])
    web = [open_ticket(cloud, n) for n in range(3)]
    mail = open_ticket(cloud, 9, channel="email")
    tickets.reply(cloud.store, agent, web[0], "on it", internal=False)  # the reply makes it agent-1's
    customer = cloud.store.tickets.get(web[1]).customer_id
    customers.set_segment(cloud.store, supervisor, customer, tier=Tier.VIP, organization=None, clear_organization=False)
    vip = open_ticket(cloud, 5, visitor="f1")  # the same visitor again: a new ticket at the customer's new tier
    assert cloud.store.tickets.get(vip).customer_id == customer

    assert sorted(listed(cloud, unassigned="1")) == sorted([web[1], web[2], mail, vip])
    assert listed(cloud, channel="email") == [mail]
    assert sorted(listed(cloud, channel="web", unassigned="1")) == sorted([web[1], web[2], vip])
    # the customer's open ticket took the new tier too (a tier change reaches open tickets)
    assert sorted(listed(cloud, customer_tier="vip")) == sorted([web[1], vip])
    assert sorted(listed(cloud, customer_tier="normal")) == sorted([web[0], web[2], mail])
    assert listed(cloud, q="filter me 2", unassigned="1") == [web[2]]
    assert listed(cloud, assignee="agent-1", channel="web") == [web[0]]


def test_the_inbox_query_takes_them_by_name(cloud: Cloud) -> None:
    """The service's query (what GET /api/v1/tickets passes): assignee=unassigned, channel, tier."""
    from kefu.auth import Caller
    from kefu.models import Tier
    from kefu.services import tickets

    agent = Caller(id="agent-2", email="b@example.com", roles=["agent"])
    web, mail = open_ticket(cloud, 1), open_ticket(cloud, 2, channel="email")
    tickets.reply(cloud.store, agent, mail, "on it", internal=False)

    def ids(**fields: object) -> list[str]:
        return [t.id for t in tickets.list_tickets(cloud.store, agent, tickets.TicketQuery(**fields)).items]  # type: ignore[arg-type]

    assert ids(assignee="unassigned") == [web]
    assert ids(assignee="me") == [mail]
    assert ids(assignee="me", channel="web") == []
    assert ids(channel="email") == [mail]
    assert sorted(ids(tier=Tier.NORMAL)) == sorted([web, mail])
    assert ids(tier=Tier.ENTERPRISE) == []


def test_the_api_takes_the_filters_and_refuses_bad_ones(cloud: Cloud) -> None:
    from tests.integration.test_chat_flow import agent

    web = open_ticket(cloud, 1)
    mail = open_ticket(cloud, 2, channel="email")
    for query, expected in (
        ({"assignee": "unassigned"}, {web, mail}),
        ({"assignee": "unassigned", "channel": "email"}, {mail}),
        ({"channel": "web", "tier": "normal"}, {web}),
        ({"tier": "vip"}, set()),
    ):
        status, page = agent("GET", "/api/v1/tickets", query=query)
        assert status == 200, page
        assert {t["id"] for t in page["items"]} == expected, query
        assert all(t["customer_tier"] == "normal" for t in page["items"])  # shown in the inbox
    for bad in ({"assignee": "nobody"}, {"channel": "Web Chat"}, {"tier": "gold"}):
        status, answer = agent("GET", "/api/v1/tickets", query=bad)
        assert status == 400, (bad, answer)
        assert answer["message"], bad
