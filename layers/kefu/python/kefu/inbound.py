"""The normalised inbound message: what every channel adapter produces and the ingest function consumes."""

from __future__ import annotations

import hashlib

from pydantic import Field

from kefu.modelbase import Attachment, LazyModel


class Sender(LazyModel):
    channel: str
    external_id: str  # the provider's id for the customer (openid, phone, PSID, email address ...)
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None  # E.164 when known
    locale: str | None = None
    union_id: str | None = None  # WeChat unionid: the same person across Tencent apps


class InboundMessage(LazyModel):
    channel: str
    inbox: str
    provider_message_id: str  # the provider's id for this delivery: the dedupe key
    conversation_key: str  # one conversation with one customer on one inbox: the FIFO group
    sender: Sender
    kind: str = "text"  # text, image, voice, video, file, location, link, event, call, status
    text: str = ""
    html: str | None = None  # an email's HTML body, already sanitized by the adapter (never provider HTML as is)
    subject: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    event: str | None = None  # subscribe, unsubscribe, scan, click ... (kind == "event")
    # kind == "status": the provider reports on one of our outbound messages
    status_of: str | None = None
    status: str | None = None
    # threading hints: a ticket of this customer the message names (an email's [#ticket] tag, a web-chat
    # session's ticket) and email Message-IDs / references
    ticket_hint: str | None = None
    # the id a new ticket gets, when the channel handed one out already (web chat: at session start);
    # never taken from what a customer typed
    new_ticket_id: str | None = None
    thread_refs: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    received_at: str

    @property
    def dedupe_key(self) -> str:
        return f"{self.channel}#{self.inbox}#{self.provider_message_id}"

    @property
    def dedupe_hash(self) -> str:
        """SQS FIFO's MessageDeduplicationId allows 128 characters; a hash always fits."""
        return hashlib.sha256(self.dedupe_key.encode()).hexdigest()

    @property
    def message_group(self) -> str:
        """SQS FIFO MessageGroupId: one group per conversation keeps its order without serialising an inbox."""
        return hashlib.sha256(self.conversation_key.encode()).hexdigest()[:64]


class OutboundJob(LazyModel):
    """What the outbound queue carries: which stored agent (or bot) message to deliver. Ids, not content:
    the outbound function reads the message and its ticket as they are when it sends."""

    ticket_id: str
    message_id: str
    created_at: str  # with the ids, finds the stored message
    channel: str
    inbox: str
    conversation_key: str  # the FIFO group: one conversation's replies leave in order


class OutboundMessage(LazyModel):
    """What a channel adapter sends: one stored agent (or bot) message, addressed from its ticket."""

    ticket_id: str
    message_id: str
    channel: str
    inbox: str
    conversation_key: str
    recipient: str  # the customer's external id on that channel
    body: str
    attachments: list[Attachment] = Field(default_factory=list)
    subject: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)


class MediaJob(LazyModel):
    """What the media queue carries: one stored inbound message whose attachments are still at the provider."""

    ticket_id: str
    message_id: str
    created_at: str  # with the ids, finds the stored message
    channel: str
    inbox: str
