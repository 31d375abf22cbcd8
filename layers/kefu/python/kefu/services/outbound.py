"""Outbound: agent messages leave through their channel's API, exactly as far as the provider allows.

The stream function puts each new customer-facing agent message on the outbound queue (the table is the
outbox, so a reply is never lost between the write and the send); the outbound function delivers it.
"""

from __future__ import annotations

from typing import Any

from kefu.channels.base import HttpClient, adapter_for
from kefu.clock import new_id, now_iso
from kefu.errors import ProviderError
from kefu.inbound import OutboundMessage
from kefu.models import AuthorType, DeliveryStatus, Direction, Message, TicketEvent
from kefu.repository import Repository, message_sk
from kefu.services.inboxes import load_inbox

# A provider's status reports only move a message forward.
_STATUS_ORDER = ["queued", "sent", "delivered", "read"]


def outbound_for(repo: Repository, message: Message) -> OutboundMessage | None:
    """The outbound job for a newly stored message, or None when it is not for the customer."""
    if message.direction != Direction.OUTBOUND or message.internal:
        return None
    if message.delivery_status != DeliveryStatus.QUEUED:
        return None
    ticket = repo.get_ticket(message.ticket_id)
    return OutboundMessage(
        ticket_id=message.ticket_id,
        message_id=message.id,
        message_sk=message_sk(message.created_at, message.id),
        channel=message.channel,
        inbox=message.inbox,
        conversation_key=message.conversation_key,
        recipient=ticket.contact,
        body=message.body,
        attachments=message.attachments,
        subject=ticket.subject,
        in_reply_to=ticket.last_inbound_id,
        references=ticket.thread_refs,
    )


def deliver(repo: Repository, job: OutboundMessage, *, final_attempt: bool, http: HttpClient | None = None) -> str:
    """Send one message; returns "sent", "failed" (the provider refused: not retried, reason shown) or
    "skipped" (already handled). A retryable failure raises ProviderError so the queue retries it; on the
    last attempt the message is marked failed first, and the raise hands the job to the DLQ."""
    message = repo.get_message(job.ticket_id, job.message_sk)
    if message.delivery_status != DeliveryStatus.QUEUED:
        return "skipped"
    inbox = load_inbox(repo, job.inbox)
    try:
        result = adapter_for(inbox.channel).send(job, inbox, http or HttpClient())
    except ProviderError as err:
        if not err.retryable:
            _mark_failed(repo, message, err.message)
            return "failed"
        if final_attempt:
            _mark_failed(repo, message, f"gave up after repeated failures: {err.message}")
        raise
    repo.update_message_delivery(
        message,
        status=DeliveryStatus.SENT.value,
        allowed_from=[DeliveryStatus.QUEUED.value],
        provider_message_id=result.provider_message_id,
        error=None,
    )
    if result.provider_message_id:
        repo.put_provider_message(message.channel, result.provider_message_id, message)
    return "sent"


def _mark_failed(repo: Repository, message: Message, reason: str) -> None:
    if repo.update_message_delivery(
        message,
        status=DeliveryStatus.FAILED.value,
        allowed_from=[DeliveryStatus.QUEUED.value],
        provider_message_id=None,
        error=reason,
    ):
        tx = repo.new_transaction()
        repo.add_event(
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
        repo.commit(tx)


def apply_provider_status(repo: Repository, channel: str, provider_message_id: str, status: str) -> bool:
    pointer: dict[str, Any] | None = repo.find_provider_message(channel, provider_message_id)
    if pointer is None:
        return False
    message = repo.get_message(pointer["ticket_id"], pointer["message_sk"])
    if status == "failed":
        allowed = [s for s in _STATUS_ORDER if s != "read"]
    elif status in _STATUS_ORDER:
        allowed = _STATUS_ORDER[: _STATUS_ORDER.index(status)]
    else:
        return False
    return repo.update_message_delivery(
        message, status=status, allowed_from=allowed, provider_message_id=None, error=None
    )
