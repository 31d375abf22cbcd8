"""Use cases of the agent workspace: canned replies, saved inbox views, customer notes (docs/workspace.md)."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.auth import Caller
from kefu.clock import new_id, now_iso
from kefu.errors import Conflict, Forbidden, InvalidInput, NotFound
from kefu.models import AuditEntry
from kefu.services import customers
from kefu.store import Store
from kefu.store.workspace import MAX_NOTES, MAX_PERSONAL_REPLIES, MAX_SHARED_REPLIES, MAX_VIEWS
from kefu.workspace import (
    MAX_BODY,
    CannedReply,
    CannedScope,
    CustomerNote,
    Rendered,
    SavedView,
    ViewFilters,
    check_template,
    render,
)

SUPERVISION = ("supervisor", "admin")


@dataclass(frozen=True)
class ReplyFields:
    shortcut: str
    title: str
    body: str
    locale: str | None = None
    tags: tuple[str, ...] = ()


# ---------------------------------------------------------------- canned replies


def list_replies(store: Store, caller: Caller, *, q: str | None = None, locale: str | None = None) -> list[CannedReply]:
    """The shared replies and the caller's own, by shortcut; ``q`` matches shortcut, title, body or tags."""
    replies = [
        *store.workspace.replies(None, MAX_SHARED_REPLIES),
        *store.workspace.replies(caller.id, MAX_PERSONAL_REPLIES),
    ]
    if locale:
        replies = [r for r in replies if r.locale in (None, locale)]
    if q:
        needle = q.casefold()
        replies = [
            r
            for r in replies
            if needle in r.shortcut
            or needle in r.title.casefold()
            or needle in r.body.casefold()
            or any(needle in tag.casefold() for tag in r.tags)
        ]
    return sorted(replies, key=lambda r: (r.shortcut, r.scope != CannedScope.PERSONAL, r.id))


def _check(fields: ReplyFields) -> None:
    if not fields.body.strip():
        raise InvalidInput("body must not be empty")
    if len(fields.body) > MAX_BODY:
        raise InvalidInput(f"body is longer than {MAX_BODY} characters")
    check_template(fields.body)


def create_reply(store: Store, caller: Caller, scope: CannedScope, fields: ReplyFields) -> CannedReply:
    if scope == CannedScope.SHARED:
        caller.require(*SUPERVISION)
    _check(fields)
    owner = caller.id if scope == CannedScope.PERSONAL else None
    limit = MAX_PERSONAL_REPLIES if owner else MAX_SHARED_REPLIES
    if len(store.workspace.replies(owner, limit)) >= limit:
        raise Conflict(f"there are {limit} {scope.value} canned replies already; delete one first")
    stamp = now_iso()
    reply = CannedReply(
        id=new_id(),
        scope=scope,
        owner_id=owner,
        shortcut=fields.shortcut,
        title=fields.title.strip(),
        body=fields.body,
        locale=fields.locale,
        tags=list(fields.tags),
        created_by=caller.id,
        created_at=stamp,
        updated_at=stamp,
    )
    store.workspace.put_reply(reply, new=True)
    return reply


def _editable(store: Store, caller: Caller, reply_id: str) -> CannedReply:
    """The caller's own reply, or a shared one for a supervisor or admin; 404 for a reply the caller cannot
    see, 403 for a shared one it can see but not change."""
    own = store.workspace.reply(caller.id, reply_id)
    if own is not None:
        return own
    shared = store.workspace.reply(None, reply_id)
    if shared is None:
        raise NotFound(f"no canned reply '{reply_id}'")
    caller.require(*SUPERVISION)
    return shared


def visible_reply(store: Store, caller: Caller, reply_id: str) -> CannedReply:
    reply = store.workspace.reply(caller.id, reply_id) or store.workspace.reply(None, reply_id)
    if reply is None:
        raise NotFound(f"no canned reply '{reply_id}'")
    return reply


def update_reply(store: Store, caller: Caller, reply_id: str, fields: ReplyFields) -> CannedReply:
    current = _editable(store, caller, reply_id)
    _check(fields)
    changed = current.model_copy(
        update={
            "shortcut": fields.shortcut,
            "title": fields.title.strip(),
            "body": fields.body,
            "locale": fields.locale,
            "tags": list(fields.tags),
            "updated_at": now_iso(),
        }
    )
    store.workspace.put_reply(changed, new=False)
    return changed


def delete_reply(store: Store, caller: Caller, reply_id: str) -> None:
    store.workspace.delete_reply(_editable(store, caller, reply_id))


def render_reply(store: Store, caller: Caller, reply_id: str, ticket_id: str) -> Rendered:
    """The reply filled in for one ticket. The customer's contact data is masked as in the customer panel, for
    every role: a variable never shows more than the panel does (the whole values take a reveal)."""
    reply = visible_reply(store, caller, reply_id)
    ticket = store.tickets.get(ticket_id)
    try:
        customer = customers.visible(customers.current_customer(store, ticket.customer_id))
    except NotFound:
        customer = None
    agent = store.agents.find(caller.id)
    values = {
        "customer.name": (customer.name if customer else None) or ticket.customer_name,
        "customer.email": customer.email if customer else None,
        "customer.phone": customer.phone if customer else None,
        "agent.name": (agent.name if agent else None) or caller.email,
        "agent.email": caller.email,
        "ticket.id": ticket.id,
        "ticket.subject": ticket.subject,
        "ticket.channel": ticket.channel,
        "ticket.team": ticket.team,
    }
    return render(reply.body, values)


# ---------------------------------------------------------------- saved views


def list_views(store: Store, caller: Caller) -> list[SavedView]:
    return store.workspace.views(caller.id)


def put_view(store: Store, caller: Caller, view_id: str, name: str, filters: ViewFilters, position: int) -> SavedView:
    """Create or replace one of the caller's views (the id is the caller's choice, e.g. "vip-waiting")."""
    existing = {v.id: v for v in store.workspace.views(caller.id)}
    if view_id not in existing and len(existing) >= MAX_VIEWS:
        raise Conflict(f"an agent keeps at most {MAX_VIEWS} views; delete one first")
    stamp = now_iso()
    previous = existing.get(view_id)
    view = SavedView(
        id=view_id,
        owner_id=caller.id,
        name=name.strip(),
        filters=filters,
        position=position,
        created_at=previous.created_at if previous else stamp,
        updated_at=stamp,
    )
    if not view.name:
        raise InvalidInput("name must not be empty")
    store.workspace.put_view(view)
    return view


def delete_view(store: Store, caller: Caller, view_id: str) -> None:
    if not store.workspace.delete_view(caller.id, view_id):
        raise NotFound(f"no view '{view_id}'")


# ---------------------------------------------------------------- customer notes


def list_notes(store: Store, caller: Caller, customer_id: str) -> list[CustomerNote]:
    """The customer's notes and those of every customer merged into it, oldest first."""
    customer = store.customers.get(customer_id)
    notes = [n for cid in customers.with_merged_sources(store, customer) for n in store.workspace.notes(cid)]
    return sorted(notes, key=lambda n: (n.created_at, n.id))[-MAX_NOTES:]


def add_note(store: Store, caller: Caller, customer_id: str, body: str) -> CustomerNote:
    text = body.strip()
    if not text:
        raise InvalidInput("body must not be empty")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"body is longer than {MAX_BODY} characters")
    store.customers.get(customer_id)  # 404 for a customer that does not exist
    if len(store.workspace.notes(customer_id)) >= MAX_NOTES:
        raise Conflict(f"a customer keeps at most {MAX_NOTES} notes; delete an old one first")
    note = CustomerNote(
        id=new_id(),
        customer_id=customer_id,
        body=text,
        author_id=caller.id,
        author_email=caller.email,
        created_at=now_iso(),
    )
    store.workspace.add_note(note)
    return note


def delete_note(store: Store, caller: Caller, customer_id: str, note_id: str) -> None:
    """The author deletes their own note; a supervisor or admin anyone's, and that is audited."""
    customer = store.customers.get(customer_id)
    note = next(
        (
            n
            for cid in customers.with_merged_sources(store, customer)
            for n in store.workspace.notes(cid)
            if n.id == note_id
        ),
        None,
    )
    if note is None:
        raise NotFound(f"no note '{note_id}' on customer '{customer_id}'")
    if note.author_id != caller.id:
        if not any(caller.has(role) for role in SUPERVISION):
            raise Forbidden("only the author, a supervisor or an admin may delete a note")
        store.audit.put(
            AuditEntry(
                id=new_id(),
                actor_id=caller.id,
                actor_email=caller.email,
                action="customer_note.deleted",
                target=f"customer:{note.customer_id}",
                details={"note_id": note.id, "author_id": note.author_id},
                created_at=now_iso(),
            )
        )
    store.workspace.delete_note(note)
