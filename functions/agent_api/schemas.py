"""The agent API's request and response models (what the OpenAPI schema shows); not the stored records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import ConfigDict, Field, model_validator

from kefu import identifiers
from kefu.modelbase import LazyModel
from kefu.models import Customer, Message, Priority, Ticket, TicketEvent, TicketStatus, Tier
from kefu.routing.queue import Organization, RelaxationStep, Shift, Team
from kefu.routing.rules import BusinessHours, RuleHit, Trigger


class SlaOut(LazyModel):
    """Due times are null while their clock does not run (answered, paused while waiting on the customer,
    resolved); ``*_met`` is null until the target is decided (docs/metrics.md)."""

    first_response_due_at: str | None
    resolution_due_at: str | None
    breached: bool
    next_response_due_at: str | None = None
    breaches: list[str] = []
    policy: str | None = None
    policy_version: int | None = None
    calendar: str | None = None
    first_response_met: bool | None = None
    next_response_met: bool | None = None
    resolution_met: bool | None = None
    waiting_on_customer: bool = False

    @model_validator(mode="before")
    @classmethod
    def _paused(cls, value: Any) -> Any:
        # the resolution clock is paused (not stopped) exactly while the ticket waits on the customer
        if isinstance(value, dict) and "waiting_on_customer" not in value:
            paused = value.get("resolution_running_since") is None and value.get("resolution_met") is None
            value = {**value, "waiting_on_customer": bool(paused and value.get("resolution_used_seconds"))}
        return value


class TicketOut(LazyModel):
    id: str
    status: TicketStatus
    priority: Priority
    type: str
    channel: str
    inbox: str
    customer_id: str
    customer_name: str | None = None
    customer_tier: Tier = Tier.NORMAL  # the customer's tier when the ticket was opened (routing and the inbox use it)
    subject: str
    assignee: str | None
    team: str | None
    tags: list[str]
    sla: SlaOut
    escalation_level: int
    message_count: int
    last_message_preview: str
    last_message_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    created_at: str
    updated_at: str
    bot_active: bool = False  # the bot is answering it (not in any queue until it hands over)
    last_customer_message_at: str | None = None
    unread: bool | None = None  # for the caller: a customer message after their read marker (lists and detail)

    @classmethod
    def of(cls, ticket: Ticket) -> TicketOut:
        return cls.model_validate(ticket.model_dump(mode="json"))


class AttachmentOut(LazyModel):
    content_type: str | None
    name: str | None
    size: int | None
    url: str | None = None  # a short-lived presigned link once the file is stored; None until then
    duration_seconds: int | None = None  # voice and recordings, when the channel says


class MessageOut(LazyModel):
    id: str
    direction: str
    author_type: str
    author_id: str | None
    body: str
    html: str | None = None  # an email's HTML body, sanitized on the server; shown in a sandboxed frame
    internal: bool
    kind: str
    attachments: list[AttachmentOut]
    delivery_status: str
    delivery_error: str | None
    created_at: str

    @classmethod
    def of(cls, message: Message, links: list[str | None] | None = None) -> MessageOut:
        data = message.model_dump(mode="json")
        # the provider's own URL is not for agents (it may carry tokens); only our presigned link is
        data["attachments"] = [{**a, "url": (links[i] if links else None)} for i, a in enumerate(data["attachments"])]
        return cls.model_validate(data)


class EventOut(LazyModel):
    id: str
    type: str
    actor_type: str
    actor_id: str | None
    data: dict[str, Any]
    created_at: str

    @classmethod
    def of(cls, event: TicketEvent) -> EventOut:
        return cls.model_validate(event.model_dump(mode="json"))


class IdentityOut(LazyModel):
    channel: str
    external_id: str


class CustomerSummary(LazyModel):
    id: str
    name: str | None
    email: str | None
    phone: str | None
    tier: str
    tags: list[str]
    identities: list[IdentityOut]

    @classmethod
    def of(cls, customer: Customer) -> CustomerSummary:
        return cls.model_validate(customer.model_dump(mode="json"))


class CustomerListOut(LazyModel):
    """Customers found by an exact phone number, email or channel id, masked as every read."""

    items: list[CustomerSummary]
    next_cursor: str | None = None


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]
    events: list[EventOut]
    customer: CustomerSummary | None
    # how a reply's attachments reach the customer: "inline" (shown as files), "link" (a download link in the
    # text, valid 7 days) or "none" (this channel cannot carry them; a reply with attachments is refused)
    outbound_media: Literal["inline", "link", "none"] = "none"


class TicketListOut(LazyModel):
    items: list[TicketOut]
    next_cursor: str | None


class ReplyIn(LazyModel):
    body: str = Field(default="", max_length=20_000)
    internal: bool = False
    # ids of files uploaded with POST /tickets/{id}/attachments (at most 10)
    attachments: list[Annotated[str, Field(pattern=identifiers.ULID)]] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _text_or_files(self) -> ReplyIn:
        if not self.body.strip() and not self.attachments:
            raise ValueError("a reply needs a body or attachments")
        return self


class UploadIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="the file's name, shown to the customer")
    content_type: str | None = Field(default=None, max_length=200, description="sniffed when absent or generic")
    data: str = Field(min_length=1, description="the file's bytes, base64 (at most 4 MiB of file)")


class UploadOut(LazyModel):
    id: str
    name: str
    content_type: str
    size: int


class ReadIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    # the newest message the app showed; default: the ticket's latest customer message
    up_to: datetime | None = None


class ReadOut(LazyModel):
    ticket_id: str
    read_up_to: str


# Path parameters: an id that cannot exist is a 400 naming the pattern, not a lookup.
TicketId = Annotated[str, Path(pattern=identifiers.ULID, description="a ticket id (ULID)")]
CustomerId = Annotated[str, Path(pattern=identifiers.ULID, description="a customer id (ULID)")]
InboxId = Annotated[str, Path(pattern=identifiers.INBOX_ID, description="an inbox id")]
Tag = Annotated[str, Field(pattern=identifiers.TAG, description="1-32 letters or digits of any script")]


class TicketPatchIn(LazyModel):
    status: TicketStatus | None = None
    priority: Priority | None = None
    type: str | None = Field(default=None, pattern=identifiers.TICKET_TYPE, description="a slug, e.g. complaint")
    tags: list[Tag] | None = Field(default=None, max_length=identifiers.MAX_TAGS)


class AssignIn(LazyModel):
    agent_id: str | None = Field(default=None, pattern=identifiers.AGENT_ID, description="an agent's id (from /me)")
    team: str | None = Field(default=None, pattern=identifiers.TEAM, description="a team slug, e.g. after_sales")
    note: str | None = Field(default=None, max_length=1000, description="why (kept on the assigned event)")
    override_capacity: bool = Field(
        default=False, description="supervisors and admins: give the agent the ticket even when at capacity"
    )


class MeOut(LazyModel):
    id: str
    email: str | None
    name: str | None
    roles: list[str]
    permissions: list[str] = Field(default_factory=list)  # what the roles allow (kefu.auth.PERMISSIONS)
    skills: list[str]
    teams: list[str]
    presence: str


class PresenceIn(LazyModel):
    status: str = Field(pattern="^(online|away|offline)$")


class ErrorOut(LazyModel):
    message: str


class InboxIn(LazyModel):
    id: str = Field(pattern=identifiers.INBOX_ID)
    channel: str = Field(min_length=1, max_length=32)
    name: str = Field(default="", max_length=200)
    credentials: dict[str, str] = Field(default_factory=dict)
    api_base: str | None = Field(default=None, max_length=2048)
    public_url: str | None = Field(default=None, max_length=2048)


class InboxPatchIn(LazyModel):
    name: str | None = Field(default=None, max_length=200)
    credentials: dict[str, str] | None = None
    api_base: str | None = Field(default=None, max_length=2048)
    public_url: str | None = Field(default=None, max_length=2048)


class InboxOut(LazyModel):
    id: str
    channel: str
    name: str
    credentials: dict[str, str]  # masked hints, never the values
    api_base: str | None
    public_url: str | None
    created_at: str
    updated_at: str


class InboxListOut(LazyModel):
    items: list[InboxOut]
    next_cursor: str | None = None


class CustomerOut(LazyModel):
    """A customer's profile with every identity (channel + id on it) and ticket history, newest first.
    A merged customer is a tombstone: ``merged_into`` names the customer it became part of."""

    id: str
    name: str | None
    email: str | None
    phone: str | None
    locale: str | None
    tier: str
    organization: str | None = None
    tags: list[str]
    identities: list[IdentityOut]
    merged_into: str | None
    merge_id: str | None
    merged_from: list[str]
    tickets: list[TicketOut]
    created_at: str
    updated_at: str


class SuggestionOut(LazyModel):
    customer_id: str  # the other customer who may be the same person
    key_kind: str  # phone, email, wechat_union
    key_value: str  # masked for agents
    reason: str  # declared_contact, key_conflict, ambiguous_keys
    created_at: str


class SuggestionListOut(LazyModel):
    items: list[SuggestionOut]
    next_cursor: str | None = None


class RevealIn(LazyModel):
    """Which of a customer's contact fields to see whole, and why (written to the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    fields: list[Literal["phone", "email", "identities"]] = Field(min_length=1, max_length=3)
    reason: str = Field(min_length=1, max_length=500, description="why the whole values are needed (audited)")


class RevealOut(LazyModel):
    """The whole values of the fields asked for (the others stay null); never cached (Cache-Control: no-store)."""

    customer_id: str
    fields: list[str]
    phone: str | None = None
    email: str | None = None
    identities: list[IdentityOut] | None = None
    audit_id: str  # the audit entry this reveal wrote
    revealed_at: str


class MergeIn(LazyModel):
    source_id: str = Field(pattern=identifiers.ULID)
    target_id: str = Field(pattern=identifiers.ULID)
    reason: str = Field(min_length=1, max_length=500)


class UnmergeIn(LazyModel):
    merge_id: str = Field(pattern=identifiers.ULID)


class MergeOut(LazyModel):
    merge_id: str
    source_id: str
    target_id: str
    identities: list[IdentityOut]
    reason: str
    actor_id: str
    created_at: str
    undone_at: str | None
    undone_by: str | None


# ---------------------------------------------------------------- routing (admin; docs/routing.md)

AgentId = Annotated[str, Path(pattern=identifiers.AGENT_ID, description="an agent's id (from /me)")]
TeamId = Annotated[str, Path(pattern=identifiers.TEAM, description="a team slug, e.g. finance")]
ISO_DURATION = r"^P(\d+D|(\d+D)?T(\d+H(\d+M)?(\d+S)?|\d+M(\d+S)?|\d+S))$"  # P1D, PT5M, PT1H30M, PT20S


class DryRunIn(LazyModel):
    """A sample ticket: what the rules would look at."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=20_000, description="the customer's message (and subject)")
    channel: str = Field(default="", max_length=32)
    inbox: str = Field(default="", max_length=63)
    tier: Tier = Tier.NORMAL
    organization: str | None = Field(default=None, max_length=100)
    tags: list[Annotated[str, Field(pattern=identifiers.TAG)]] = Field(default_factory=list, max_length=20)
    customer_tags: list[Annotated[str, Field(pattern=identifiers.TAG)]] = Field(default_factory=list, max_length=20)
    at: datetime | None = Field(default=None, description="when it arrives (business hours); now by default")
    type: str = Field(default="consultation", pattern=identifiers.TICKET_TYPE)
    priority: Priority = Priority.MEDIUM
    team: str | None = Field(default=None, pattern=identifiers.TEAM)
    bot_active: bool = Field(default=False, description="the inbox's bot answers the ticket (false after a handoff)")
    trigger: Trigger = Trigger.CREATED


class DryRunOut(LazyModel):
    hits: list[RuleHit]
    type: str
    priority: Priority
    team: str | None
    tags: list[str]
    auto_replies: list[str]


class RoutingProfileIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    teams: list[Annotated[str, Field(pattern=identifiers.TEAM)]] = Field(default_factory=list, max_length=10)
    skills: dict[str, int] = Field(default_factory=dict, description='{"<skill>": 1-5}', max_length=50)
    capacity: dict[str, int] = Field(default_factory=dict, description='{"chat": n, "ticket": n}')


class TeamIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    calendar: BusinessHours | None = None
    shifts: list[Shift] = Field(default_factory=list, max_length=6, description="the calendar's hours, in shifts")
    reassign_after: str | None = Field(default=None, pattern=ISO_DURATION, description="ISO-8601, e.g. PT5M")
    relaxation: list[RelaxationStep] | None = Field(default=None, min_length=1, max_length=10)


OrganizationId = Annotated[str, Path(pattern=identifiers.TEAM, description="an organization slug, e.g. acme")]


class OrganizationIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    tier: Tier = Tier.ENTERPRISE
    team: str | None = Field(default=None, pattern=identifiers.TEAM, description="its dedicated team")
    agent: str | None = Field(default=None, pattern=identifiers.AGENT_ID, description="its dedicated agent")


class OrganizationListOut(LazyModel):
    """A page of the organizations (``PUT /admin/organizations/{id}`` made them), by id; ``next_cursor`` asks for
    the next page (null on the last)."""

    items: list[Organization]
    next_cursor: str | None = None


class DirectoryAgentOut(LazyModel):
    id: str
    name: str | None = None
    email: str | None = None
    teams: list[str]
    presence: str
    load: dict[str, int]


class AgentDirectoryOut(LazyModel):
    items: list[DirectoryAgentOut]
    next_cursor: str | None = None


class TeamListOut(LazyModel):
    """Every configured team (``PUT /admin/teams/{id}`` made it), by id."""

    items: list[Team]
    next_cursor: str | None = None


class AdminAgentOut(LazyModel):
    """An agent as the admin screens edit them: roles (from Cognito, read only here) and the routing profile
    (teams, skills 1-5, capacity per kind of work; ``configured`` false: routing has no profile yet, and the
    figures are the defaults a first save starts from)."""

    id: str
    name: str | None = None
    email: str | None = None
    roles: list[str]
    teams: list[str]
    skills: dict[str, int]
    capacity: dict[str, int]
    load: dict[str, int]
    presence: str
    configured: bool


class AdminAgentListOut(LazyModel):
    items: list[AdminAgentOut]
    next_cursor: str | None = None


class CustomerPatchIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    tier: Tier | None = None
    organization: str | None = Field(default=None, pattern=identifiers.TEAM, description="null: no organization")


class DeletedOut(LazyModel):
    """What a DELETE answers (200, so every operation documents a body): the id that is gone."""

    id: str
    deleted: bool = True
