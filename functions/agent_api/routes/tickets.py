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
    ReplyIn,
    TicketDetailOut,
    TicketId,
    TicketListOut,
    TicketOut,
    TicketPatchIn,
)
from kefu import identifiers
from kefu.models import Priority, TicketStatus, Tier
from kefu.observability import count, decided
from kefu.services import tickets
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
    page = tickets.list_tickets(store(), caller_of(router), query)
    return TicketListOut(items=[TicketOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/tickets/<ticket_id>", summary="One ticket with its messages, events and customer")
def get_ticket(ticket_id: TicketId) -> TicketDetailOut:
    detail = tickets.get_detail(store(), caller_of(router), ticket_id)
    return TicketDetailOut(
        **TicketOut.of(detail.ticket).model_dump(),
        messages=[MessageOut.of(m, attachment_links(m.attachments)) for m in detail.messages],
        events=[EventOut.of(e) for e in detail.events],
        customer=CustomerSummary.of(detail.customer) if detail.customer else None,
    )


@router.post("/tickets/<ticket_id>/messages", summary="Reply to the customer, or add an internal note", status_code=201)
def post_message(ticket_id: TicketId, body: ReplyIn) -> tuple[MessageOut, int]:
    message = tickets.reply(store(), caller_of(router), ticket_id, body.body, body.internal)
    outcome = "note_added" if body.internal else "reply_queued"
    decided("reply", outcome, channel=message.channel, ticket_id=ticket_id, message_id=message.id)
    count("NoteAdded" if body.internal else "ReplyQueued", message.channel)
    return MessageOut.of(message), 201


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
