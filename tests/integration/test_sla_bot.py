"""SLA with the bot (#10): while the bot answers, no first-response clock runs; its handoff starts it."""

from __future__ import annotations

from kefu.clock import parse_iso
from tests.integration.conftest import Cloud
from tests.integration.test_bot import bot_cloud, events_of, start_chat, ticket_view, turn
from tests.integration.test_knowledge import kb, search_server

__all__ = ["bot_cloud", "kb", "search_server"]  # fixtures bot_cloud needs


def test_the_first_response_is_measured_from_the_handoff(bot_cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "How do I get an invoice for my company?")
    answering = bot_cloud.store.tickets.get(ticket_id)
    assert answering.bot_active and answering.sla.first_response_due_at is None
    assert not [t for t in answering.sla.timers if t.target == "first_response"]
    turn(bot_cloud, token, "转人工")
    ticket = ticket_view(ticket_id)
    (handoff,) = events_of(ticket, "handoff")
    handed = bot_cloud.store.tickets.get(ticket_id)
    assert handed.sla.first_response_from == handoff["created_at"]
    due = parse_iso(ticket["sla"]["first_response_due_at"])
    assert (due - parse_iso(handoff["created_at"])).total_seconds() == 15 * 60  # the default policy, from then
    assert next(t.target for t in handed.sla.timers if t.action == "breach" and t.level == 1) == "first_response"
