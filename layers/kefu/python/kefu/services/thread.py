"""The thread beyond its text: files attached to a message, agents' read markers, typing, satisfaction.

- **Uploads.** An agent (agent API) or a web-chat customer (chat API) uploads a file for a ticket; it is
  checked like any customer file (``kefu.services.media.checked_upload``), stored in the media bucket under
  the ticket, and remembered for a day as an upload only its uploader may attach, to that ticket. The
  message then names the uploads it carries.
- **Read markers.** Per agent and ticket, how far the agent has read (``read_up_to``); a ticket with a
  customer message after it is unread for that agent.
- **Typing.** A signal that holds a few seconds unless renewed; the widget reads the agent's, the agent app
  gets the customer's pushed (``kefu.services.realtime``).
- **Satisfaction.** A web-chat customer rates a resolved conversation 1-5 with a comment, once.
"""

from __future__ import annotations

from kefu.clock import epoch_after, new_id, now_iso
from kefu.errors import Conflict, InvalidInput
from kefu.models import Attachment, Ticket, TicketStatus
from kefu.store import Store
from kefu.store.csat import Rating
from kefu.store.thread_state import UPLOAD_TTL, Upload

MAX_ATTACHMENTS = 10
MAX_COMMENT = 1_000


def upload(
    store: Store,
    ticket_id: str,
    owner: str,
    name: str,
    content_type: str | None,
    data_base64: str,
    *,
    s3: object | None = None,
) -> Upload:
    """Check and store one file for a message of ``ticket_id`` that ``owner`` is about to send."""
    from kefu import aws
    from kefu.config import get_settings
    from kefu.services.media import checked_upload, store_upload

    data, kind, clean = checked_upload(name, content_type, data_base64)
    settings = get_settings()
    if not settings.media_bucket:
        raise Conflict("this installation has no media bucket, so files cannot be attached")
    upload_id = new_id()
    key = store_upload(
        s3 or aws.client("s3"),
        settings.media_bucket,
        ticket_id,
        upload_id,
        clean,
        kind,
        data,
        kms_key_id=settings.secrets_kms_key_id or None,
    )
    record = Upload(
        id=upload_id,
        ticket_id=ticket_id,
        owner=owner,
        s3_key=key,
        name=clean,
        content_type=kind,
        size=len(data),
        created_at=now_iso(),
        expires_at=epoch_after(UPLOAD_TTL),
    )
    store.thread_state.put_upload(record)
    return record


def attachments_of(store: Store, ticket_id: str, owner: str, upload_ids: list[str]) -> list[Attachment]:
    """The attachments a message of ``owner`` on ``ticket_id`` carries, from the uploads it names (400 for
    an upload that is unknown, expired, someone else's or another ticket's)."""
    if len(upload_ids) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} attachments a message")
    if len(set(upload_ids)) != len(upload_ids):
        raise InvalidInput("an upload is named twice")
    out: list[Attachment] = []
    for upload_id, found in zip(upload_ids, store.thread_state.uploads(upload_ids), strict=True):
        if found is None or found.owner != owner or found.ticket_id != ticket_id:
            raise InvalidInput(f"no upload '{upload_id}' of yours for this ticket (uploads last a day)")
        out.append(Attachment(content_type=found.content_type, name=found.name, size=found.size, s3_key=found.s3_key))
    return out


def kind_of(attachments: list[Attachment], text: str) -> str:
    """A message's kind from what it carries: text when it has text, else its first file's kind."""
    if text.strip() or not attachments:
        return "text"
    major = (attachments[0].content_type or "").split("/")[0]
    return {"image": "image", "audio": "voice", "video": "video"}.get(major, "file")


# ---------------------------------------------------------------- read markers


def mark_read(store: Store, agent_id: str, ticket: Ticket, up_to: str | None) -> str:
    """The agent has read the ticket up to ``up_to`` (the newest message the app showed), by default up to
    its latest customer message. Never later than now, never backwards."""
    stamp = now_iso()
    target = up_to or ticket.last_customer_message_at or stamp
    target = min(target, stamp)
    store.thread_state.mark_read(agent_id, ticket.id, target)
    return target


def unread(ticket: Ticket, read_up_to: str | None) -> bool:
    last = ticket.last_customer_message_at
    return bool(last) and (read_up_to is None or str(last) > read_up_to)


def unread_flags(store: Store, agent_id: str, tickets: list[Ticket]) -> dict[str, bool]:
    """ticket id -> unread for this agent, with one batch read for the page."""
    waiting = [t.id for t in tickets if t.last_customer_message_at]
    markers = store.thread_state.read_markers(agent_id, waiting)
    return {t.id: unread(t, markers.get(t.id)) for t in tickets}


# ---------------------------------------------------------------- satisfaction


def rate(store: Store, ticket: Ticket, rating: int, comment: str | None) -> Rating:
    """A customer's rating of a resolved (or closed) conversation, once per ticket (409 otherwise)."""
    if not 1 <= rating <= 5:
        raise InvalidInput("rating must be a whole number from 1 to 5")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"comment is longer than {MAX_COMMENT} characters")
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise Conflict("a conversation can be rated once it is resolved")
    record = Rating(
        ticket_id=ticket.id,
        rating=rating,
        comment=text,
        channel=ticket.channel,
        inbox=ticket.inbox,
        team=ticket.team,
        assignee=ticket.assignee,
        created_at=now_iso(),
    )
    store.csat.add(record)
    return record


def csat_summary(store: Store, day: str) -> dict[str, float | int | None]:
    figures = store.csat.day(day)
    count = figures["ratings"]
    return {
        **figures,
        "average": round(figures["rating_sum"] / count, 2) if count else None,
        "satisfied_share": round((figures["rated_4"] + figures["rated_5"]) / count, 3) if count else None,
    }
