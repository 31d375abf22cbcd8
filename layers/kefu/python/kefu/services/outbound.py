"""Outbound: agent messages leave through their channel's API, exactly as far as the provider allows.

The stream function puts each new customer-facing agent message on the outbound queue (the table is the
outbox, so a reply is never lost between the write and the send); the outbound function delivers it.
"""

from __future__ import annotations

from typing import Any

from kefu.channels.base import HttpClient, adapter_for
from kefu.clock import new_id, now_iso
from kefu.errors import NotFound, ProviderError
from kefu.inbound import OutboundJob, OutboundMessage
from kefu.models import Attachment, AuthorType, DeliveryStatus, Direction, InboxRecord, Message, Ticket, TicketEvent
from kefu.services.inboxes import inbox_config
from kefu.store import Read, Store, Transaction

# A provider's status reports only move a message forward.
_STATUS_ORDER = ["queued", "sent", "delivered", "read"]


def outbound_job_for(message: Message) -> OutboundJob | None:
    """The outbound job for a newly stored message (no reads), or None when it is not for the customer."""
    if message.direction != Direction.OUTBOUND or message.internal:
        return None
    if message.delivery_status != DeliveryStatus.QUEUED:
        return None
    return OutboundJob(
        ticket_id=message.ticket_id,
        message_id=message.id,
        created_at=message.created_at,
        channel=message.channel,
        inbox=message.inbox,
        conversation_key=message.conversation_key,
    )


def outgoing(message: Message, ticket: Ticket) -> OutboundMessage:
    """What the channel sends: the message, addressed to the ticket's customer, threaded as the ticket is."""
    return OutboundMessage(
        ticket_id=message.ticket_id,
        message_id=message.id,
        channel=message.channel,
        inbox=message.inbox,
        conversation_key=message.conversation_key,
        recipient=ticket.contact,
        body=message.body,
        attachments=_with_links(message.attachments),
        subject=ticket.subject,
        in_reply_to=ticket.last_inbound_id,
        references=ticket.thread_refs,
    )


LINK_SECONDS = 7 * 24 * 3600  # SigV4's longest: a link in a chat message must outlive a short presign


def _with_links(attachments: list[Attachment]) -> list[Attachment]:
    """Files we store (an agent's uploads) get a presigned link the channel can send or show; the provider's own
    URLs of inbound files are never sent back."""
    if not any(a.s3_key and not a.url for a in attachments):
        return attachments
    from kefu.services.media import attachment_links

    links = attachment_links(attachments, ttl_seconds=LINK_SECONDS)
    return [
        a.model_copy(update={"url": link}) if a.s3_key and link else a
        for a, link in zip(attachments, links, strict=True)
    ]


def deliver(store: Store, job: OutboundJob, *, final_attempt: bool, http: HttpClient | None = None) -> str:
    """Send one message; returns "sent", "failed" (the provider refused: not retried, reason shown) or
    "skipped" (already handled). A retryable failure raises ProviderError so the queue retries it; on the
    last attempt the message is marked failed first, and the raise hands the job to the DLQ."""
    # one read for the message, its ticket and (unless this container has it) the inbox
    record = store.inboxes.cached(job.inbox)
    reads: list[Read[Any]] = [
        store.tickets.message_read(job.ticket_id, job.created_at, job.message_id),
        store.tickets.ticket_read(job.ticket_id),
    ]
    if record is None:
        reads.append(store.inboxes.read(job.inbox))
    found = store.read(reads)
    message: Message | None = found[0]
    ticket: Ticket | None = found[1]
    if message is None or ticket is None:
        raise NotFound(f"message '{job.message_id}' of ticket '{job.ticket_id}' not found")
    if message.delivery_status != DeliveryStatus.QUEUED:
        return "skipped"
    if record is None:
        record = _remembered(store, job.inbox, found[2])
    inbox = inbox_config(record)
    try:
        result = adapter_for(inbox.channel).send(outgoing(message, ticket), inbox, http or HttpClient())
    except ProviderError as err:
        if not err.retryable:
            _mark_failed(store, message, err.message)
            return "failed"
        if final_attempt:
            _mark_failed(store, message, f"gave up after repeated failures: {err.message}")
        raise
    store.tickets.record_sent(message, result.provider_message_id, from_status=DeliveryStatus.QUEUED.value)
    return "sent"


def _remembered(store: Store, inbox_id: str, record: InboxRecord | None) -> InboxRecord:
    if record is None:
        raise NotFound(f"inbox '{inbox_id}' not found")
    store.inboxes.remember(record)
    return record


def _mark_failed(store: Store, message: Message, reason: str) -> None:
    if store.tickets.update_delivery(
        message,
        status=DeliveryStatus.FAILED.value,
        allowed_from=[DeliveryStatus.QUEUED.value],
        error=reason,
    ):
        tx = Transaction()
        store.tickets.add_event(
            tx,
            TicketEvent(
                id=new_id(),
                ticket_id=message.ticket_id,
                type="delivery_failed",
                actor_type=AuthorType.SYSTEM,
                data={"message_id": message.id, "reason": reason},
                created_at=now_iso(),
            ),
        )
        store.tickets.commit(tx)


def apply_provider_status(store: Store, channel: str, provider_message_id: str, status: str) -> bool:
    message = store.tickets.provider_message(channel, provider_message_id)
    if message is None:
        return False  # not ours, or sent before we kept pointers
    if status == "failed":
        allowed = [s for s in _STATUS_ORDER if s != "read"]
    elif status in _STATUS_ORDER:
        allowed = _STATUS_ORDER[: _STATUS_ORDER.index(status)]
    else:
        return False
    return store.tickets.update_delivery(message, status=status, allowed_from=allowed)
