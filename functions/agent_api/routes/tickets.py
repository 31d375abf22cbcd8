from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from agent_api.routes.common import caller_of, store
from agent_api.schemas import (
    AssignIn,
    CustomerSummary,
    EventOut,
    MessageOut,
    ReadIn,
    ReadOut,
    ReplyIn,
    TicketDetailOut,
    TicketId,
    TicketListOut,
    TicketOut,
    TicketPatchIn,
    UploadIn,
    UploadOut,
)
from kefu import identifiers
from kefu.channels.base import adapter_for
from kefu.clock import iso
from kefu.errors import InvalidInput, KefuError
from kefu.models import Priority, TicketStatus, Tier
from kefu.observability import count, decided
from kefu.services import thread, tickets
from kefu.services.media import attachment_links

router = APIGatewayRouter()
ASSIGNEE = "^(me|unassigned)$|" + identifiers.AGENT_ID
CHANNEL = r"^[a-z][a-z0-9_]{0,31}$"  # a channel adapter's name (web, email, wechat...)


@router.get("/tickets", summary="The inbox, most recent activity first, paginated")
def list_tickets(
    status: Annotated[TicketStatus | None, Query()] = None,
    assignee: Annotated[str | None, Query(pattern=ASSIGNEE, description='"me", "unassigned" or an agent id')] = None,
    team: Annotated[str | None, Query(pattern=identifiers.TEAM)] = None,
    priority: Annotated[Priority | None, Query()] = None,
    channel: Annotated[str | None, Query(pattern=CHANNEL, description="web, email, wechat...")] = None,
    tier: Annotated[Tier | None, Query(description="the customer's tier")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> TicketListOut:
    query = tickets.TicketQuery(
        status=status,
        assignee=assignee,
        team=team,
        priority=priority,
        channel=channel,
        tier=tier,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    caller = caller_of(router)
    page = tickets.list_tickets(store(), caller, query)
    unread = thread.unread_flags(store(), caller.id, page.items)
    items = [TicketOut.of(t).model_copy(update={"unread": unread.get(t.id)}) for t in page.items]
    return TicketListOut(items=items, next_cursor=page.next_cursor)


@router.get("/tickets/<ticket_id>", summary="One ticket with its messages, events and customer")
def get_ticket(ticket_id: TicketId) -> TicketDetailOut:
    caller = caller_of(router)
    detail = tickets.get_detail(store(), caller, ticket_id)
    unread = thread.unread_flags(store(), caller.id, [detail.ticket]).get(detail.ticket.id)
    return TicketDetailOut(
        **TicketOut.of(detail.ticket).model_copy(update={"unread": unread}).model_dump(),
        outbound_media=outbound_media(detail.ticket.channel),
        messages=[MessageOut.of(m, attachment_links(m.attachments)) for m in detail.messages],
        events=[EventOut.of(e) for e in detail.events],
        customer=CustomerSummary.of(detail.customer) if detail.customer else None,
    )


@router.post("/tickets/<ticket_id>/messages", summary="Reply to the customer, or add an internal note", status_code=201)
def post_message(ticket_id: TicketId, body: ReplyIn) -> tuple[MessageOut, int]:
    caller = caller_of(router)
    files = []
    if body.attachments:
        ticket = store().tickets.get(ticket_id)
        if not body.internal and outbound_media(ticket.channel) == "none":
            raise InvalidInput(f"the {ticket.channel} channel cannot carry attachments; send the text alone")
        files = thread.attachments_of(store(), ticket_id, caller.id, body.attachments)
    message = tickets.reply(store(), caller, ticket_id, body.body, body.internal, files)
    outcome = "note_added" if body.internal else "reply_queued"
    decided("reply", outcome, channel=message.channel, ticket_id=ticket_id, message_id=message.id)
    count("NoteAdded" if body.internal else "ReplyQueued", message.channel)
    return MessageOut.of(message, attachment_links(message.attachments)), 201


def outbound_media(channel: str) -> str:
    try:
        return adapter_for(channel).outbound_media
    except KefuError:
        return "none"


@router.post(
    "/tickets/<ticket_id>/attachments",
    summary="Upload a file for a reply (JSON with base64 data; at most 4 MiB; no executables or SVG)",
    status_code=201,
)
def upload_attachment(ticket_id: TicketId, body: UploadIn) -> tuple[UploadOut, int]:
    caller = caller_of(router)
    ticket = store().tickets.get(ticket_id)  # 404 for a ticket that does not exist
    upload = thread.upload(store(), ticket.id, caller.id, body.name, body.content_type, body.data)
    decided("upload", "stored", channel=ticket.channel, ticket_id=ticket.id, size=upload.size)
    return UploadOut(id=upload.id, name=upload.name, content_type=upload.content_type, size=upload.size), 201


@router.put("/tickets/<ticket_id>/read", summary="Mark the ticket read by the caller (up to a message's time)")
def mark_read(ticket_id: TicketId, body: ReadIn) -> ReadOut:
    ticket = store().tickets.get(ticket_id)
    up_to = iso(body.up_to) if body.up_to else None
    return ReadOut(ticket_id=ticket.id, read_up_to=thread.mark_read(store(), caller_of(router).id, ticket, up_to))


@router.post(
    "/tickets/<ticket_id>/typing", summary="The caller is typing a reply (shown to the customer a few seconds)"
)
def typing(ticket_id: TicketId) -> dict[str, object]:
    ticket = store().tickets.get(ticket_id)
    store().thread_state.set_typing(ticket.id, "agent", caller_of(router).id)
    return {"ticket_id": ticket.id, "typing": True}


@router.patch("/tickets/<ticket_id>", summary="Change status, priority, type or tags (illegal moves: 409)")
def patch_ticket(ticket_id: TicketId, body: TicketPatchIn) -> TicketOut:
    changes = tickets.TicketChanges(status=body.status, priority=body.priority, type=body.type, tags=body.tags)
    return TicketOut.of(tickets.update_ticket(store(), caller_of(router), ticket_id, changes))


@router.post("/tickets/<ticket_id>/assign", summary="Transfer to an agent and/or a team")
def assign_ticket(ticket_id: TicketId, body: AssignIn) -> TicketOut:
    return TicketOut.of(
        tickets.assign(
            store(),
            caller_of(router),
            ticket_id,
            body.agent_id,
            body.team,
            note=body.note,
            override_capacity=body.override_capacity,
        )
    )
