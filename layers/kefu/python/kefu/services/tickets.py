"""What agents do with tickets: list, read, reply, add notes, change status/priority/type/tags, transfer."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from kefu import identifiers
from kefu.auth import Caller
from kefu.clock import new_id, now_iso
from kefu.errors import Conflict, InvalidInput, NotFound, retry_on_concurrent_update
from kefu.models import (
    OPEN_STATUSES,
    Attachment,
    AuthorType,
    Customer,
    Message,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    check_transition,
)
from kefu.observability import current_correlation_id, decided
from kefu.routing.queue import QueueEntry, RoutingProfile
from kefu.services import customers, routing, sla
from kefu.sla.clocks import Happened
from kefu.store import Store, TicketPage, Transaction

MAX_ATTEMPTS = 5
MAX_BODY = 20_000
MAX_NOTE = 1_000
MAX_TAGS = identifiers.MAX_TAGS


@dataclass(frozen=True)
class TicketQuery:
    status: TicketStatus | None = None
    assignee: str | None = None  # "me", "unassigned" or an agent id
    team: str | None = None
    priority: Priority | None = None
    channel: str | None = None
    tier: Tier | None = None  # the customer's tier, as the ticket carries it
    q: str | None = None
    cursor: str | None = None
    limit: int = 25


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    messages: list[Message]
    events: list[TicketEvent]
    customer: Customer | None


@dataclass(frozen=True)
class TicketChanges:
    status: TicketStatus | None = None
    priority: Priority | None = None
    type: str | None = None
    tags: list[str] | None = None


def list_tickets(store: Store, caller: Caller, query: TicketQuery) -> TicketPage:
    unassigned = query.assignee == "unassigned"
    assignee = caller.id if query.assignee == "me" else None if unassigned else query.assignee
    statuses = [query.status] if query.status else list(TicketStatus)
    filters = {
        "team": query.team or "",
        "priority": query.priority.value if query.priority else "",
        "channel": query.channel or "",
        "customer_tier": query.tier.value if query.tier else "",
        "unassigned": "1" if unassigned else "",
        "q": (query.q or "").strip(),
    }
    return store.tickets.page(
        statuses=statuses, assignee=assignee, filters=filters, limit=query.limit, cursor=query.cursor
    )


def get_detail(store: Store, caller: Caller, ticket_id: str) -> TicketDetail:
    ticket = store.tickets.get(ticket_id)
    messages, events = store.tickets.thread(ticket_id)
    try:
        # a merged customer's tickets show the customer it was merged into
        customer: Customer | None = customers.visible(customers.current_customer(store, ticket.customer_id))
    except NotFound:
        customer = None
    return TicketDetail(ticket, messages, events, customer)


def _ticket_to_change(store: Store, ticket_id: str) -> Ticket:
    """The ticket a write changes. Each write brings the ticket's SLA up to date, so a container without the
    SLA policies reads them in the same batch (a cold start costs no request of its own)."""
    if store.sla.cached_policies() is not None:
        return store.tickets.get(ticket_id)
    ticket, policies = store.read([store.tickets.ticket_read(ticket_id), store.sla.policies_read()])
    store.sla.remember_policies(policies)
    if ticket is None:
        raise NotFound(f"ticket '{ticket_id}' not found")
    return ticket


def reply(
    store: Store,
    caller: Caller,
    ticket_id: str,
    body: str,
    internal: bool,
    attachments: list[Attachment] | None = None,
) -> Message:
    """An agent's reply or internal note; ``attachments`` are files already stored (kefu.services.thread)."""
    text = body.strip()
    files = list(attachments or [])
    if not text and not files:
        raise InvalidInput("body must not be empty")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"body is longer than {MAX_BODY} characters")

    def attempt() -> Message:
        ticket = _ticket_to_change(store, ticket_id)
        if ticket.status == TicketStatus.CLOSED and not internal:
            raise Conflict("the ticket is closed; the customer's next message opens a new one")
        stamp = now_iso()
        expected = ticket.version
        message = Message.outbound_on(
            ticket,
            AuthorType.AGENT,
            text,
            stamp,
            author_id=caller.id,
            internal=internal,
            kind=_kind_of(files, text),
            attachments=files,
            correlation_id=current_correlation_id(),
        )
        queued = routing.entry_for(ticket)
        events = [_event(ticket.id, "note_added" if internal else "replied", caller, stamp, {"message_id": message.id})]
        if not internal:
            if ticket.first_response_at is None:
                ticket.first_response_at = stamp
            if ticket.status == TicketStatus.PENDING:
                events.append(
                    _event(ticket.id, "status_changed", caller, stamp, {"from": "pending", "to": "in_progress"})
                )
                ticket.status = TicketStatus.IN_PROGRESS
            if ticket.assignee is None:
                ticket.assignee = caller.id
                events.append(_event(ticket.id, "assigned", caller, stamp, {"to": caller.id, "by": "reply"}))
            ticket.last_message_preview = (text or ", ".join(f.name or "" for f in files)).replace("\n", " ")[:140]
            ticket.last_message_at = stamp
        ticket.message_count += 1
        happened = Happened.CHANGED if internal else Happened.AGENT_REPLY
        _write(store, ticket, expected, events, stamp, message, queued_before=queued, happened=happened)
        return message

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def _kind_of(files: list[Attachment], text: str) -> str:
    from kefu.services.thread import kind_of

    return kind_of(files, text)


def update_ticket(store: Store, caller: Caller, ticket_id: str, changes: TicketChanges) -> Ticket:
    # the documented shapes (kefu.identifiers), whoever calls: the API checks the same in its models
    if changes.tags is not None:
        if len(changes.tags) > MAX_TAGS:
            raise InvalidInput(f"at most {MAX_TAGS} tags")
        for tag in changes.tags:
            identifiers.check(tag, identifiers.TAG, "tag")
    if changes.type is not None:
        identifiers.check(changes.type, identifiers.TICKET_TYPE, "type")

    def attempt() -> Ticket:
        ticket = _ticket_to_change(store, ticket_id)
        expected = ticket.version
        queued = routing.entry_for(ticket)
        held_by = ticket.load_holder
        stamp = now_iso()
        events: list[TicketEvent] = []
        if changes.status is not None and changes.status != ticket.status:
            check_transition(ticket.status, changes.status)
            events.append(
                _event(
                    ticket.id,
                    "status_changed",
                    caller,
                    stamp,
                    {"from": ticket.status.value, "to": changes.status.value},
                )
            )
            ticket.status = changes.status
            if changes.status == TicketStatus.RESOLVED:
                ticket.resolved_at = stamp
            elif changes.status == TicketStatus.CLOSED:
                ticket.closed_at = stamp
            else:
                ticket.resolved_at = None
        for field in ("priority", "type", "tags"):
            value = getattr(changes, field)
            if value is not None and value != getattr(ticket, field):
                old = getattr(ticket, field)
                events.append(
                    _event(
                        ticket.id,
                        "updated",
                        caller,
                        stamp,
                        {"field": field, "from": _plain(old), "to": _plain(value)},
                    )
                )
                setattr(ticket, field, value)
        freed = held_by is not None and ticket.status not in OPEN_STATUSES  # resolved or closed
        if freed:
            ticket.load_holder = None
        if events:
            _write(store, ticket, expected, events, stamp, queued_before=queued)
            if freed and held_by:
                routing.release_quietly(store, held_by, ticket.channel)  # room for the next
        decided(
            "ticket_update",
            "changed" if events else "unchanged",
            channel=ticket.channel,
            ticket_id=ticket.id,
            status=ticket.status.value,
            changes=[e.data.get("field", "status") for e in events],
        )
        return ticket

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


MAX_FOLLOWING_TICKETS = 50  # a customer's latest tickets a tier change reaches (bounded: one query)


def follow_customer_tier(store: Store, caller: Caller, customer: Customer) -> list[str]:
    """A customer's new tier reaches their open tickets: each one's SLA due times are recomputed (its timer
    replaced) and its queue place moved (a VIP waits ahead of normal tickets), with an event. The tier is the
    customer's own, else their organization's (as a new ticket takes it). Returns the tickets changed."""
    tier = customer.tier
    if tier == Tier.NORMAL and customer.organization:
        organization = store.routing.organization(customer.organization)
        tier = organization.tier if organization is not None else tier
    changed: list[str] = []
    for cid in customers.with_merged_sources(store, customer):
        for listed in store.tickets.of_customer(cid, MAX_FOLLOWING_TICKETS):
            if listed.status not in OPEN_STATUSES or listed.customer_tier == tier:
                continue
            if retry_on_concurrent_update(functools.partial(_retier, store, caller, listed.id, tier), MAX_ATTEMPTS):
                changed.append(listed.id)
    return changed


def _retier(store: Store, caller: Caller, ticket_id: str, tier: Tier) -> bool:
    ticket = _ticket_to_change(store, ticket_id)
    if ticket.status not in OPEN_STATUSES or ticket.customer_tier == tier:
        return False
    expected = ticket.version
    queued = routing.entry_for(ticket)
    stamp = now_iso()
    event = _event(
        ticket.id,
        "updated",
        caller,
        stamp,
        {"field": "customer_tier", "from": ticket.customer_tier.value, "to": tier.value},
    )
    ticket.customer_tier = tier
    _write(store, ticket, expected, [event], stamp, queued_before=queued)
    return True


def assign(
    store: Store,
    caller: Caller,
    ticket_id: str,
    agent_id: str | None,
    team: str | None,
    *,
    note: str | None = None,
    override_capacity: bool = False,
) -> Ticket:
    """Transfer to an agent and/or a team. An agent with a routing profile takes the ticket against their
    capacity: a full one is refused (409) unless a supervisor overrides it deliberately (``override_capacity``,
    recorded on the ``assigned`` event with the note)."""
    if agent_id is None and team is None:
        raise InvalidInput("give agent_id, team or both")
    if override_capacity:
        caller.require("supervisor", "admin")
        if agent_id is None:
            raise InvalidInput("override_capacity needs an agent_id: it lets that agent take more than capacity")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"note is longer than {MAX_NOTE} characters")
    if team is not None:
        identifiers.check(team, identifiers.TEAM, "team")
    if agent_id is not None and store.agents.find(agent_id) is None:
        raise InvalidInput(f"no agent '{agent_id}'")

    def attempt() -> Ticket:
        ticket = _ticket_to_change(store, ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise Conflict("a closed ticket cannot be transferred")
        expected = ticket.version
        queued = routing.entry_for(ticket)
        stamp = now_iso()
        data: dict[str, object] = {
            "from_agent": ticket.assignee,
            "to_agent": agent_id,
            "from_team": ticket.team,
            "to_team": team,
        }
        moved_from = ticket.load_holder if agent_id is not None and ticket.load_holder != agent_id else None
        if moved_from:
            ticket.load_holder = None
        taken = None
        if agent_id is not None and ticket.load_holder != agent_id:
            taken = routing.take_by_hand(store, agent_id, ticket.channel, override=override_capacity)
            if taken is not None:
                ticket.load_holder = agent_id
                data["counted"] = True
                if taken[0].room(routing.kind_of(ticket.channel)) <= 0:
                    data["over_capacity"] = True
        if override_capacity:
            data["override_capacity"] = True
        if note:
            data["note"] = note.strip()
        events = [_event(ticket.id, "assigned", caller, stamp, data)]
        if agent_id is not None:
            ticket.assignee = agent_id
            if ticket.status == TicketStatus.PENDING:  # assigned means someone works it (as a queue assignment)
                ticket.status = TicketStatus.IN_PROGRESS
                events.append(
                    _event(ticket.id, "status_changed", caller, stamp, {"from": "pending", "to": "in_progress"})
                )
        if team is not None:
            ticket.team = team
        _write(store, ticket, expected, events, stamp, queued_before=queued, taken=taken)
        if moved_from:
            routing.release_quietly(store, moved_from, ticket.channel)  # transferred away: room for the next
        decided("transfer", "assigned", channel=ticket.channel, ticket_id=ticket.id, agent_id=agent_id, team=team)
        return ticket

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def _write(
    store: Store,
    ticket: Ticket,
    expected_version: int,
    events: list[TicketEvent],
    stamp: str,
    message: Message | None = None,
    *,
    queued_before: QueueEntry | None,
    taken: tuple[RoutingProfile, RoutingProfile] | None = None,
    happened: Happened = Happened.CHANGED,
) -> None:
    """One transaction: the ticket (only if still at the version read) with its SLA clocks brought up to
    date, its events, the new message, and its queue entry moved to where the change puts it (out, when it
    was assigned or resolved)."""
    sla.apply(store, ticket, stamp, happened)
    ticket.updated_at = stamp
    ticket.version += 1
    tx = Transaction()
    routing.requeue(store, tx, queued_before, ticket, stamp)
    if taken is not None:  # the new holder's load, only if their profile is still the one read
        store.routing.add_profile(tx, *taken)
    if message is not None:
        store.tickets.add_message(tx, message)
    store.tickets.add_ticket(tx, ticket, expected_version=expected_version)
    for event in events:
        store.tickets.add_event(tx, event)
    store.tickets.commit(tx)


def _plain(value: object) -> object:
    return value.value if isinstance(value, Priority | TicketStatus) else value


def _event(ticket_id: str, kind: str, caller: Caller, stamp: str, data: Mapping[str, object]) -> TicketEvent:
    return TicketEvent(
        id=new_id(),
        ticket_id=ticket_id,
        type=kind,
        actor_type=AuthorType.AGENT,
        actor_id=caller.id,
        data=dict(data),
        created_at=stamp,
    )
