"""Inbox pagination: one query per status partition, merged newest first, with a cursor per partition."""

from __future__ import annotations

import pytest

from kefu.auth import Caller
from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.models import Ticket, TicketStatus
from kefu.services import tickets
from kefu.services.ingest import ingest_message
from tests.integration.conftest import Cloud

AGENT = Caller(id="agent-1", email="a@example.com", roles=["agent"])


def open_ticket(cloud: Cloud, n: int) -> str:
    message = InboundMessage(
        channel="web",
        inbox="web",
        provider_message_id=f"m{n}",
        conversation_key=f"web:web:v{n}",
        sender=Sender(channel="web", external_id=f"v{n}"),
        text=f"question {n}",
        received_at=now_iso(),
    )
    result = ingest_message(cloud.store, message)
    assert result.ticket_id
    return result.ticket_id


def collect(cloud: Cloud, query: tickets.TicketQuery) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        q = tickets.TicketQuery(**{**query.__dict__, "cursor": cursor})
        page = tickets.list_tickets(cloud.store, AGENT, q)
        pages.append([t.id for t in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 20, "pagination does not end"


def test_all_statuses_page_through_every_ticket_once_newest_first(cloud: Cloud) -> None:
    ids = [open_ticket(cloud, n) for n in range(8)]
    moves = {ids[1]: "in_progress", ids[2]: "resolved", ids[3]: "closed", ids[5]: "in_progress"}
    for tid, status in moves.items():
        tickets.update_ticket(cloud.store, AGENT, tid, tickets.TicketChanges(status=TicketStatus(status)))
    pages = collect(cloud, tickets.TicketQuery(limit=3))
    seen = [tid for page in pages for tid in page]
    assert sorted(seen) == sorted(ids)
    assert all(len(page) <= 3 for page in pages)
    updated = [cloud.store.tickets.get(t).updated_at for t in seen]
    assert updated == sorted(updated, reverse=True)


def test_filters_by_status_assignee_and_text(cloud: Cloud) -> None:
    ids = [open_ticket(cloud, n) for n in range(4)]
    tickets.reply(cloud.store, AGENT, ids[0], "on it", internal=False)
    tickets.assign(cloud.store, AGENT, ids[2], None, "finance")
    pending = [t for page in collect(cloud, tickets.TicketQuery(status=TicketStatus.PENDING)) for t in page]
    assert sorted(pending) == sorted(ids[1:])
    mine = [t for page in collect(cloud, tickets.TicketQuery(assignee="me")) for t in page]
    assert mine == [ids[0]]
    finance = [t for page in collect(cloud, tickets.TicketQuery(team="finance")) for t in page]
    assert finance == [ids[2]]
    found = [t for page in collect(cloud, tickets.TicketQuery(q="QUESTION 3")) for t in page]
    assert found == [ids[3]]


def test_an_internal_note_never_reaches_the_customer_or_the_outbox(cloud: Cloud) -> None:
    tid = open_ticket(cloud, 1)
    note = tickets.reply(cloud.store, AGENT, tid, "customer seems upset", internal=True)
    assert note.delivery_status == "not_sent"
    conversation = cloud.store.tickets.conversation_messages("web:web:v1", None, 100)
    assert [m.body for m in conversation.items] == ["question 1"]
    assert cloud.store.tickets.get(tid).first_response_at is None


def test_unknown_inbox_for_a_session_is_404(cloud: Cloud) -> None:
    import pytest

    from kefu.errors import NotFound
    from kefu.services.admin import save_inbox
    from kefu.services.chat import start_session

    with pytest.raises(NotFound):
        start_session(cloud.store, "nope")
    save_inbox(cloud.store, InboxConfig(id="wx", channel="wechat"))
    with pytest.raises(NotFound):
        start_session(cloud.store, "wx")


def test_a_change_made_meanwhile_is_kept_not_overwritten(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Optimistic locking: a write based on a stale read is refused and redone on a fresh read."""
    from kefu.models import Priority

    tid = open_ticket(cloud, 1)
    read = cloud.store.tickets.get
    raced: list[bool] = []

    def read_then_someone_else_writes(ticket_id: str) -> Ticket:
        ticket = read(ticket_id)
        if not raced:
            raced.append(True)
            tickets.update_ticket(cloud.store, AGENT, tid, tickets.TicketChanges(priority=Priority.URGENT))
        return ticket

    monkeypatch.setattr(cloud.store.tickets, "get", read_then_someone_else_writes)
    tickets.update_ticket(cloud.store, AGENT, tid, tickets.TicketChanges(tags=["vip"]))
    final = read(tid)
    assert (final.priority, final.tags) == (Priority.URGENT, ["vip"])
    changes = [str(e.data.get("field")) for e in cloud.store.tickets.thread(tid)[1] if e.type == "updated"]
    assert sorted(changes) == ["priority", "tags"]
