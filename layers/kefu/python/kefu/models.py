"""Domain models: customers, tickets, messages and ticket events, and the ticket status machine.

These are the records the use cases work with; the repository maps them to DynamoDB items and the
API layer maps them to its own response models.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from kefu.errors import Conflict
from kefu.modelbase import Attachment, LazyModel  # defined there for the channel adapters; re-exported


class TicketStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class AuthorType(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"  # inbound, stored
    QUEUED = "queued"  # outbound, waiting for the outbound function
    SENT = "sent"  # accepted by the provider (or shown to the web-chat customer)
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # internal notes never leave


class Tier(StrEnum):
    NORMAL = "normal"
    VIP = "vip"
    ENTERPRISE = "enterprise"


# The ticket lifecycle. A ticket that is closed stays closed: a new customer message opens a new ticket.
ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.PENDING: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.PENDING, TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset({TicketStatus.PENDING, TicketStatus.IN_PROGRESS})


def check_transition(current: TicketStatus, target: TicketStatus) -> None:
    """Raise Conflict unless ``current -> target`` is a legal move (staying put is always legal)."""
    if current == target:
        return
    if target not in ALLOWED_TRANSITIONS[current]:
        raise Conflict(f"a ticket cannot go from '{current.value}' to '{target.value}'")


class Identity(LazyModel):
    channel: str
    external_id: str


class Customer(LazyModel):
    id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    locale: str | None = None
    tier: Tier = Tier.NORMAL
    organization: str | None = None  # a B2B account the customer belongs to
    tags: list[str] = Field(default_factory=list)
    identities: list[Identity] = Field(default_factory=list)
    created_at: str
    updated_at: str
    # one customer across channels (services/customers.py): a merged customer is a tombstone pointing on
    merged_into: str | None = None
    merged_from: list[str] = Field(default_factory=list)
    merge_id: str | None = None  # the merge that made this customer a tombstone (what unmerge undoes)
    version: int = 0  # every profile write by the identity code checks and bumps it


class SlaTimer(LazyModel):
    """One step of a ticket's SLA workflow: at ``at``, warn (level 0) or escalate (level 1 or 2)."""

    at: str
    action: str  # "warn" | "breach"
    target: str  # "first_response" | "next_response" | "resolution"
    level: int = 0


class Sla(LazyModel):
    """A ticket's service level: its policy, due times, what was met, and the timers its workflow runs
    (kefu.sla.clocks keeps them; the SLA state machine acts on them)."""

    first_response_due_at: str | None = None
    # when the first-response clock started: the later of creation and the bot's handoff (None: creation)
    first_response_from: str | None = None
    next_response_due_at: str | None = None
    resolution_due_at: str | None = None
    breached: bool = False  # any target breached
    breaches: list[str] = Field(default_factory=list)
    policy: str | None = None
    policy_version: int | None = None
    calendar: str | None = None  # "business" | "calendar"
    first_response_met: bool | None = None
    next_response_met: bool | None = None  # the latest customer message's answer
    resolution_met: bool | None = None
    waiting_since: str | None = None  # the oldest customer message no public agent reply answered yet
    # the resolution clock: counted seconds before ``resolution_running_since``; paused (None) while the
    # ticket waits on the customer, stopped when resolved
    resolution_used_seconds: float = 0.0
    resolution_running_since: str | None = None
    warned: list[str] = Field(default_factory=list)  # targets whose assignee was warned
    escalated: dict[str, int] = Field(default_factory=dict)  # target -> level reached
    generation: int = 0  # grows whenever the schedule changes: names the one live workflow execution
    schedule: list[str] = Field(default_factory=list)  # the full schedule of this generation, as compared
    timers: list[SlaTimer] = Field(default_factory=list)  # what the execution of this generation runs


class Ticket(LazyModel):
    id: str
    status: TicketStatus = TicketStatus.PENDING
    priority: Priority = Priority.MEDIUM
    type: str = "consultation"
    channel: str
    inbox: str
    customer_id: str
    customer_name: str | None = None  # copied at creation so the inbox lists names without a read per row
    # copied at creation too: routing ranks and matches on them without reading the customer per message
    customer_tier: Tier = Tier.NORMAL
    organization: str | None = None
    queued_at: str | None = None  # since when it waits for an agent (routing); None when it does not
    load_holder: str | None = None  # the agent whose routing load counts this ticket (given back once)
    dedicated_agent: str | None = None  # the organization's own agent, who gets it first (routing)
    passed_over: str | None = None  # the agent it came back from unanswered, not offered it again (routing)
    conversation_key: str
    contact: str = ""  # the customer's id on this ticket's channel: where replies go
    # what a reply answers: the provider's id of the customer's latest message, and its thread (email)
    last_inbound_id: str | None = None
    thread_refs: list[str] = Field(default_factory=list)
    subject: str = ""
    assignee: str | None = None
    team: str | None = None
    tags: list[str] = Field(default_factory=list)
    sla: Sla = Field(default_factory=Sla)
    escalation_level: int = 0
    message_count: int = 0
    last_message_preview: str = ""
    last_message_at: str | None = None
    last_customer_message_at: str | None = None  # agents' unread markers compare their read marker with it
    first_response_at: str | None = None
    resolved_at: str | None = None
    closed_at: str | None = None
    created_at: str
    updated_at: str
    version: int = 0  # optimistic locking: every write checks and bumps it
    # the bot is answering it (kefu.services.bot): not in any queue until it hands the ticket over
    bot_active: bool = False
    bot_resolved_at: str | None = None  # the customer confirmed the bot's answer (the honest rate checks it)


# A bot answer that ends with "did this solve it?" (kefu.services.bot); the widget shows it as a card whose two
# buttons send answers the bot understands (kefu.services.chat.CHOICES)
ASKS_SOLVED = "asks_solved"


class Message(LazyModel):
    id: str
    ticket_id: str
    conversation_key: str
    direction: Direction
    author_type: AuthorType
    author_id: str | None = None
    body: str = ""
    html: str | None = None  # an email's HTML body, sanitized on the way in (kefu.channels._email_html)
    internal: bool = False
    channel: str
    inbox: str
    kind: str = "text"
    attachments: list[Attachment] = Field(default_factory=list)
    provider_message_id: str | None = None
    delivery_status: DeliveryStatus = DeliveryStatus.RECEIVED
    delivery_error: str | None = None
    created_at: str
    # the request that produced this message (kefu.observability): written on the item so the stream
    # function's work for it (outbound, media) carries the same trace; never shown to agents or customers
    correlation_id: str | None = None
    for_bot: bool = False  # a customer message on a ticket the bot answers: the stream hands it to the bot

    @classmethod
    def outbound_on(cls, ticket: Ticket, author_type: AuthorType, body: str, created_at: str, **fields: Any) -> Message:
        """A message from our side on ``ticket``'s conversation (a reply, a note, an automatic message), queued
        for the customer's channel (the stream sends it) unless it is an internal note, which is never sent."""
        from kefu.clock import new_id

        fields.setdefault(
            "delivery_status", DeliveryStatus.NOT_SENT if fields.get("internal") else DeliveryStatus.QUEUED
        )
        return cls(
            id=new_id(),
            ticket_id=ticket.id,
            conversation_key=ticket.conversation_key,
            direction=Direction.OUTBOUND,
            author_type=author_type,
            body=body,
            channel=ticket.channel,
            inbox=ticket.inbox,
            created_at=created_at,
            **fields,
        )


class TicketEvent(LazyModel):
    id: str
    ticket_id: str
    type: str  # created, message_received, replied, note_added, status_changed, updated, reopened ...
    actor_type: AuthorType
    actor_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: str


class Agent(LazyModel):
    """An agent's profile as Kefu keeps it; identity and roles come from Cognito."""

    id: str
    email: str | None = None
    name: str | None = None
    roles: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    presence: str = "offline"
    updated_at: str | None = None


class InboxRecord(LazyModel):
    """An inbox as stored in the table: everything but the credentials, which live in Secrets Manager."""

    id: str
    channel: str
    name: str = ""
    api_base: str | None = None
    public_url: str | None = None
    credentials_secret: str | None = None
    credential_hints: dict[str, str] = Field(default_factory=dict)
    created_at: str
    updated_at: str


class AuditEntry(LazyModel):
    """One sensitive action: who did what to which thing (never the secret values themselves)."""

    id: str
    actor_id: str
    actor_email: str | None = None
    action: str
    target: str
    details: dict[str, Any] = Field(default_factory=dict)
    created_at: str


class CustomerMerge(LazyModel):
    """One merge of two customer records, kept so that exactly this merge can be undone."""

    id: str
    source_id: str  # became a tombstone with merged_into = target_id
    target_id: str
    identities: list[Identity]  # what moved from source to target
    reason: str
    actor_id: str
    actor_email: str | None = None
    created_at: str
    undone_at: str | None = None
    undone_by: str | None = None


class DuplicateSuggestion(LazyModel):
    """Two customers who may be one person; a supervisor decides (never merged automatically)."""

    customer_id: str
    other_id: str
    key_kind: str  # phone, email, wechat_union
    key_value: str
    reason: str  # why we think so, e.g. "declared_contact", "key_conflict", "ambiguous_keys"
    created_at: str
