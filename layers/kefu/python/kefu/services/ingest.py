"""Ingest: one inbound message becomes a stored message on the right ticket, exactly once.

One batch read finds what the message needs (was it stored already, the sender's identities, the hinted
ticket, the conversation's current ticket); one DynamoDB transaction writes the dedup marker, the message,
the ticket and its events, and for a first message the new customer too. The dedup marker's condition makes
a redelivery a no-op; the ticket's version and the identities' claims make concurrent writers retry
instead of overwrite. The handler reads its whole SQS batch ahead first (``read_ahead``), so that one read is
mostly served from memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.channels.base import ChannelAdapter, HttpClient, adapter_for
from kefu.clock import new_id, now_iso
from kefu.config import get_settings
from kefu.errors import Duplicate, KefuError, retry_on_concurrent_update
from kefu.inbound import InboundMessage, Sender
from kefu.models import (
    AuthorType,
    Customer,
    DeliveryStatus,
    Direction,
    Message,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
)
from kefu.observability import current_correlation_id, logger
from kefu.routing.rules import Trigger
from kefu.services import bot, customers, routing, sla
from kefu.services.inboxes import load_inbox
from kefu.sla.clocks import Happened
from kefu.store import Read, Store, Transaction

MAX_ATTEMPTS = 5
MAX_THREAD_REFS = 20
ENRICH_TIMEOUT_SECONDS = 3.0
PREVIEW_LENGTH = 140


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # "stored", "duplicate", "status_updated", "status_ignored"
    ticket_id: str | None = None
    message_id: str | None = None
    created_ticket: bool = False


def preview_of(message: InboundMessage) -> str:
    if message.text:
        return message.text.strip().replace("\n", " ")[:PREVIEW_LENGTH]
    if message.kind == "event" and message.event:
        return f"[{message.event}]"
    return f"[{message.kind}]"


def _new_ticket(store: Store, message: InboundMessage, customer: Customer, stamp: str, *, hint_is_free: bool) -> Ticket:
    proposed = message.new_ticket_id
    ticket_id = None
    if proposed:
        # web chat hands out the id as the hint too: when the hint was just looked up and is free, don't ask again
        free = hint_is_free if proposed == message.ticket_hint else store.tickets.find(proposed) is None
        ticket_id = proposed if free else None
    return Ticket(
        id=ticket_id or new_id(),
        channel=message.channel,
        inbox=message.inbox,
        customer_id=customer.id,
        customer_name=customer.name or message.sender.display_name,
        customer_tier=customer.tier,
        organization=customer.organization,
        conversation_key=message.conversation_key,
        contact=message.sender.external_id,
        subject=(message.subject or preview_of(message))[:200],
        created_at=stamp,
        updated_at=stamp,
    )


def enriched(store: Store, message: InboundMessage) -> InboundMessage:
    """The message with what its channel's API adds about the sender (WeChat: the unionid), if anything."""
    adapter = adapter_for(message.channel)
    if type(adapter).enrich_sender is ChannelAdapter.enrich_sender:
        return message  # this channel has nothing to add: no credentials read, no call made
    try:
        inbox = load_inbox(store, message.inbox)
        sender = adapter.enrich_sender(message.sender, inbox, HttpClient(timeout=ENRICH_TIMEOUT_SECONDS))
    except KefuError:
        return message  # the message matters more than the link; the customer can be merged later
    return message.model_copy(update={"sender": sender})


def read_ahead(store: Store, batch: Sequence[InboundMessage]) -> None:
    """What a batch's messages will read, fetched before the first is stored: two BatchGetItems for the whole
    batch instead of one or two requests a message. First each message's dedup marker, conversation, hinted
    ticket and sender's identities (and what the container has not cached: rules, SLA policies, the inboxes'
    bot settings), then the current tickets of the conversations found that no message hints at. Inside
    ``store.table.ahead()`` the messages are then served these from memory, until the batch writes them: a
    message's transaction forgets what it writes, so the next message of its conversation reads it anew. A
    failed read only costs the requests it would have saved (each message reads for itself)."""
    messages = [m for m in batch if m.kind != "status"]
    if not messages:
        return
    reads: list[Read[Any]] = []
    for message in messages:
        reads += _ticket_reads(store, message)
        reads += customers.identity_reads(store, customers.keys_of(message.sender))
    if store.routing.cached_rule_set() is None:
        reads.append(store.routing.rule_set_read())
    if store.sla.cached_policies() is None:
        reads.append(store.sla.policies_read())
    for inbox in sorted({m.inbox for m in messages}):
        if store.knowledge.cached_bot_settings(inbox) is None:
            reads.append(store.knowledge.bot_settings_read(inbox))
    try:
        store.table.read_ahead(reads)
        conversations = store.read([store.tickets.conversation_read(m.conversation_key) for m in messages])
        current = {ticket_id for ticket_id in conversations if ticket_id} - {m.ticket_hint for m in messages}
        if current:
            store.table.read_ahead([store.tickets.ticket_read(ticket_id) for ticket_id in sorted(current)])
    except Exception:
        logger.warning("ingest: the batch's read ahead failed; each message reads for itself", exc_info=True)


def _ticket_reads(store: Store, inbound: InboundMessage) -> list[Read[Any]]:
    """The message's dedup marker, its conversation's current ticket id, its hinted ticket: in this order."""
    reads: list[Read[Any]] = [
        store.tickets.dedup_read(inbound.dedupe_key),
        store.tickets.conversation_read(inbound.conversation_key),
    ]
    if inbound.ticket_hint:
        reads.append(store.tickets.ticket_read(inbound.ticket_hint))
    return reads


def ingest_message(store: Store, message: InboundMessage) -> IngestResult:
    if message.kind == "status":
        return _apply_status(store, message)
    senders: list[Sender] = []  # the enriched sender, asked for once whatever the retries

    def sender() -> Sender:
        if not senders:
            senders.append(enriched(store, message).sender)
        return senders[0]

    try:
        return retry_on_concurrent_update(lambda: _store(store, message, sender), MAX_ATTEMPTS)
    except Duplicate:
        return IngestResult("duplicate")


def _store(store: Store, inbound: InboundMessage, enriched_sender: Callable[[], Sender]) -> IngestResult:
    """One try: one batch read (dedup marker, conversation, hinted ticket, the sender's identities), then
    one transaction (a new customer too, for a first message). A redelivery that slips past the read is
    still refused by the dedup marker's condition."""
    keys = customers.keys_of(inbound.sender)
    identity_reads = customers.identity_reads(store, keys)
    ticket_reads = _ticket_reads(store, inbound)
    # What a container caches (rules, SLA policies, the inbox's bot) is read in the same batch when it has not
    # got it: a cold start costs no request of its own.
    rule_set = store.routing.cached_rule_set()
    policies = store.sla.cached_policies()
    bot_settings = store.knowledge.cached_bot_settings(inbound.inbox)
    cached_reads: list[Read[Any]] = []
    if rule_set is None:
        cached_reads.append(store.routing.rule_set_read())
    if policies is None:
        cached_reads.append(store.sla.policies_read())
    if bot_settings is None:
        cached_reads.append(store.knowledge.bot_settings_read(inbound.inbox))
    found = store.read([*ticket_reads, *identity_reads, *cached_reads])
    extra = iter(found[len(ticket_reads) + len(identity_reads) :])
    if rule_set is None:
        rule_set = store.routing.remember_rule_set(next(extra))
    if policies is None:
        store.sla.remember_policies(next(extra))
    if bot_settings is None:
        store.knowledge.remember_bot_settings(inbound.inbox, next(extra))
    if found[0]:
        raise Duplicate("this delivery was already stored")
    current_id: str | None = found[1]
    hinted: Ticket | None = found[2] if inbound.ticket_hint else None
    owners = customers.owners_from(keys, found[len(ticket_reads) : len(ticket_reads) + len(identity_reads)])
    sender = enriched_sender()
    if sender != inbound.sender:  # the channel told us more (a unionid): look those keys up too
        keys = customers.keys_of(sender)
        owners = customers.owners_from(keys, store.read(customers.identity_reads(store, keys)))
    resolution = customers.resolve(store, sender, keys, owners)
    customer_id = resolution.customer_id

    stamp = now_iso()
    ticket = hinted if _is_customers_open_ticket(hinted, customer_id) else None
    if ticket is None and current_id:
        ticket = hinted if hinted is not None and hinted.id == current_id else store.tickets.find(current_id)
    tx = Transaction()
    if resolution.new_customer is not None:
        store.customers.add_new(tx, resolution.new_customer, resolution.declared)
    events: list[TicketEvent] = []
    created = ticket is None or ticket.status == TicketStatus.CLOSED
    customer_tags = resolution.customer.tags if resolution.customer else []
    queued_before = None
    locale = None  # the customer's, for a localized auto-reply (sent on a new ticket only)
    said = f"{inbound.subject or ''}\n{inbound.text}".strip()
    if created:
        profile = resolution.customer or customers.current_customer(store, customer_id)
        customer_tags, locale = profile.tags, profile.locale
        ticket = _new_ticket(store, inbound, profile, stamp, hint_is_free=hinted is None)
        _apply_organization(store, ticket, profile)
        # the inbox's bot answers first (always, or on night duty while the team the rules give the ticket does
        # not work: night duty's own notion, so the two never disagree)
        ticket.bot_active = bot.bot_takes(
            store,
            inbound.inbox,
            team_works=lambda: routing.team_works_on(rule_set, ticket, said, stamp, customer_tags, locale),
        )
        expected_version = None
        events.append(_event(ticket.id, "created", stamp, {"channel": inbound.channel, "inbox": inbound.inbox}))
        store.tickets.add_conversation(tx, inbound.conversation_key, ticket.id)
    else:
        assert ticket is not None
        expected_version = ticket.version
        queued_before = routing.entry_for(ticket)
        if ticket.status == TicketStatus.RESOLVED:
            reopened_to = TicketStatus.IN_PROGRESS if ticket.assignee else TicketStatus.PENDING
            events.append(_event(ticket.id, "reopened", stamp, {"from": ticket.status.value, "to": reopened_to.value}))
            ticket.status = reopened_to
            ticket.resolved_at = None

    message = Message(
        id=new_id(),
        ticket_id=ticket.id,
        conversation_key=inbound.conversation_key,
        direction=Direction.INBOUND,
        author_type=AuthorType.CUSTOMER,
        author_id=customer_id,
        body=inbound.text,
        html=inbound.html,
        channel=inbound.channel,
        inbox=inbound.inbox,
        kind=inbound.kind,
        attachments=inbound.attachments,
        provider_message_id=inbound.provider_message_id,
        delivery_status=DeliveryStatus.RECEIVED,
        created_at=stamp,
        correlation_id=current_correlation_id(),
        for_bot=ticket.bot_active,
    )
    events.append(_event(ticket.id, "message_received", stamp, {"message_id": message.id, "kind": inbound.kind}))
    ticket.message_count += 1
    ticket.last_inbound_id = inbound.provider_message_id
    ticket.thread_refs = inbound.thread_refs[-MAX_THREAD_REFS:]
    ticket.last_message_preview = preview_of(inbound)
    ticket.last_message_at = stamp
    ticket.last_customer_message_at = stamp
    ticket.updated_at = stamp
    ticket.version += 1
    trigger = Trigger.CREATED if created else Trigger.CUSTOMER_MESSAGE
    rule_events, auto_replies = routing.classify(rule_set, ticket, said, trigger, stamp, customer_tags, locale)
    events.extend(rule_events)
    # the SLA's clocks after the rules (priority, team): the queue ranks by the first-response due time
    sla.apply(store, ticket, stamp, Happened.CUSTOMER_MESSAGE)
    routing.requeue(store, tx, queued_before, ticket, stamp)

    store.tickets.add_dedup(tx, inbound.dedupe_key, get_settings().dedup_ttl_days)
    store.tickets.add_message(tx, message)
    # a rule's auto-reply is a message on the ticket like any other (counted as the bot's are); the preview stays
    # the customer's words, which an agent scanning the queue needs more than an acknowledgement
    ticket.message_count += len(auto_replies)
    for auto_reply in auto_replies:
        store.tickets.add_message(tx, auto_reply)
    store.tickets.add_ticket(tx, ticket, expected_version=expected_version)
    for event in events:
        store.tickets.add_event(tx, event)
    store.tickets.commit(tx)
    customers.finish(store, resolution, keys, owners)
    return IngestResult("stored", ticket.id, message.id, created_ticket=created)


def _apply_organization(store: Store, ticket: Ticket, customer: Customer) -> None:
    """A B2B contact's ticket starts in the organization's team, for its dedicated agent first, at the
    organization's tier when the contact has none of its own (one cached read, only for such contacts)."""
    if not customer.organization:
        return
    organization = store.routing.organization(customer.organization)
    if organization is None:
        return
    ticket.team = organization.team or ticket.team
    ticket.dedicated_agent = organization.agent
    if customer.tier == Tier.NORMAL:
        ticket.customer_tier = organization.tier


def _is_customers_open_ticket(hinted: Ticket | None, customer_id: str) -> bool:
    """Whether the ticket the message names (an email's [#ticket] tag, a web-chat session's ticket) may take
    it: a ticket id typed into a subject never opens someone else's ticket."""
    return hinted is not None and hinted.customer_id == customer_id and hinted.status != TicketStatus.CLOSED


def _apply_status(store: Store, inbound: InboundMessage) -> IngestResult:
    """A provider's delivery report on one of our outbound messages (sent, delivered, read, failed)."""
    from kefu.services.outbound import apply_provider_status

    updated = apply_provider_status(store, inbound.channel, inbound.status_of or "", inbound.status or "")
    return IngestResult("status_updated" if updated else "status_ignored")


def _event(ticket_id: str, kind: str, stamp: str, data: dict[str, object]) -> TicketEvent:
    return TicketEvent(
        id=new_id(),
        ticket_id=ticket_id,
        type=kind,
        actor_type=AuthorType.CUSTOMER,
        data=data,
        created_at=stamp,
    )
