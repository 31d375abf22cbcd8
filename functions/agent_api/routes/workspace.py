"""What the agent workspace keeps besides tickets: canned replies (/api/v1/canned-replies), saved inbox views
(/api/v1/me/views) and notes on customers (/api/v1/customers/{id}/notes). See docs/workspace.md."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import ConfigDict, Field

from agent_api.routes.common import caller_of, store
from agent_api.schemas import CustomerId, DeletedOut
from kefu import identifiers
from kefu.modelbase import LazyModel
from kefu.models import Priority, TicketStatus, Tier
from kefu.observability import decided
from kefu.services import workspace
from kefu.workspace import LOCALE, MAX_BODY, SHORTCUT, VARIABLES, CannedReply, CannedScope, CustomerNote, SavedView
from kefu.workspace import ViewFilters as StoredFilters

router = APIGatewayRouter()
ReplyId = Annotated[str, Path(pattern=identifiers.ULID, description="a canned reply id")]
NoteId = Annotated[str, Path(pattern=identifiers.ULID, description="a note id")]
ViewId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", description="a view id the agent chose")]
Tag = Annotated[str, Field(pattern=identifiers.TAG)]


class CannedReplyIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    shortcut: str = Field(pattern=SHORTCUT, description='typed after "/" in the composer')
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(
        min_length=1,
        max_length=MAX_BODY,
        description="text with variables such as {{customer.name}} or {{customer.name | 您}} (a fallback)",
    )
    locale: str | None = Field(default=None, pattern=LOCALE)
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class NewCannedReplyIn(CannedReplyIn):
    scope: CannedScope = Field(
        default=CannedScope.PERSONAL, description="personal (yours) or shared (everyone's; supervisors and admins)"
    )


class CannedReplyListOut(LazyModel):
    items: list[CannedReply]
    variables: dict[str, str] = Field(description="every variable a body may use, and what it means")


class RenderIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: str = Field(pattern=identifiers.ULID)


class RenderedOut(LazyModel):
    body: str
    missing: list[str] = Field(description="variables with no value and no fallback (left empty)")


class ViewFiltersIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus | None = None
    assignee: str | None = Field(default=None, pattern="^me$|^unassigned$|" + identifiers.AGENT_ID)
    team: str | None = Field(default=None, pattern=identifiers.TEAM)
    priority: Priority | None = None
    channel: str | None = Field(default=None, pattern=r"^[a-z]{2,20}$")
    tier: Tier | None = None
    tag: Tag | None = None
    q: str | None = Field(default=None, max_length=200)


class SavedViewIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    filters: ViewFiltersIn = Field(default_factory=ViewFiltersIn)
    position: int = Field(default=0, ge=0, le=1000)


class SavedViewListOut(LazyModel):
    items: list[SavedView]


class NoteIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=MAX_BODY)


class NoteListOut(LazyModel):
    items: list[CustomerNote]


def _fields(body: CannedReplyIn) -> workspace.ReplyFields:
    return workspace.ReplyFields(
        shortcut=body.shortcut, title=body.title, body=body.body, locale=body.locale, tags=tuple(body.tags)
    )


# ---------------------------------------------------------------- canned replies


@router.get("/canned-replies", summary="Shared canned replies and the caller's own, by shortcut")
def list_canned_replies(
    q: Annotated[str | None, Query(max_length=100)] = None,
    locale: Annotated[str | None, Query(pattern=LOCALE)] = None,
) -> CannedReplyListOut:
    items = workspace.list_replies(store(), caller_of(router), q=q, locale=locale)
    return CannedReplyListOut(items=items, variables=dict(VARIABLES))


@router.post("/canned-replies", summary="Add a canned reply (a shared one: supervisor or admin)", status_code=201)
def create_canned_reply(body: NewCannedReplyIn) -> tuple[CannedReply, int]:
    reply = workspace.create_reply(store(), caller_of(router), body.scope, _fields(body))
    decided("canned_reply", "created", reply_id=reply.id, scope=reply.scope.value)
    return reply, 201


@router.put("/canned-replies/<reply_id>", summary="Change a canned reply (yours; a shared one: supervisor or admin)")
def update_canned_reply(reply_id: ReplyId, body: CannedReplyIn) -> CannedReply:
    return workspace.update_reply(store(), caller_of(router), reply_id, _fields(body))


@router.delete("/canned-replies/<reply_id>", summary="Delete a canned reply (yours; a shared one: supervisor or admin)")
def delete_canned_reply(reply_id: ReplyId) -> DeletedOut:
    workspace.delete_reply(store(), caller_of(router), reply_id)
    decided("canned_reply", "deleted", reply_id=reply_id)
    return DeletedOut(id=reply_id)


@router.post("/canned-replies/<reply_id>/render", summary="A canned reply filled in for one ticket")
def render_canned_reply(reply_id: ReplyId, body: RenderIn) -> RenderedOut:
    rendered = workspace.render_reply(store(), caller_of(router), reply_id, body.ticket_id)
    return RenderedOut(body=rendered.body, missing=rendered.missing)


# ---------------------------------------------------------------- saved views


@router.get("/me/views", summary="The caller's saved inbox views, in their order")
def list_views() -> SavedViewListOut:
    return SavedViewListOut(items=workspace.list_views(store(), caller_of(router)))


@router.put("/me/views/<view_id>", summary="Create or replace one of the caller's saved inbox views")
def put_view(view_id: ViewId, body: SavedViewIn) -> SavedView:
    filters = StoredFilters.model_validate(body.filters.model_dump(mode="json"))
    return workspace.put_view(store(), caller_of(router), view_id, body.name, filters, body.position)


@router.delete("/me/views/<view_id>", summary="Delete one of the caller's saved views")
def delete_view(view_id: ViewId) -> DeletedOut:
    workspace.delete_view(store(), caller_of(router), view_id)
    return DeletedOut(id=view_id)


# ---------------------------------------------------------------- customer notes


@router.get("/customers/<customer_id>/notes", summary="Notes agents keep on a customer (and on merged ones)")
def list_notes(customer_id: CustomerId) -> NoteListOut:
    return NoteListOut(items=workspace.list_notes(store(), caller_of(router), customer_id))


@router.post("/customers/<customer_id>/notes", summary="Add a note on a customer", status_code=201)
def add_note(customer_id: CustomerId, body: NoteIn) -> tuple[CustomerNote, int]:
    note = workspace.add_note(store(), caller_of(router), customer_id, body.body)
    decided("customer_note", "added", customer_id=customer_id, note_id=note.id)
    return note, 201


@router.delete(
    "/customers/<customer_id>/notes/<note_id>",
    summary="Delete a note (its author; a supervisor or admin any, audited)",
)
def delete_note(customer_id: CustomerId, note_id: NoteId) -> DeletedOut:
    workspace.delete_note(store(), caller_of(router), customer_id, note_id)
    decided("customer_note", "deleted", customer_id=customer_id, note_id=note_id)
    return DeletedOut(id=note_id)
