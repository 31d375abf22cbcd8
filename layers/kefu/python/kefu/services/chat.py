"""Web chat: a customer starts a session, writes messages, and reads the conversation.

The session token is a random secret handed to the widget once; only its SHA-256 is stored, so a table
read never reveals a usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kefu.clock import epoch_after, new_id, now_iso
from kefu.config import get_settings
from kefu.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from kefu.inbound import InboundMessage, Sender
from kefu.models import ASKS_SOLVED, Attachment, AuthorType, Message, TicketStatus
from kefu.services.media import attachment_links
from kefu.services.thread import kind_of
from kefu.store import ConversationPage, Store
from kefu.store.chat_sessions import ChatSessionRecord
from kefu.store.csat import Rating

MAX_TEXT = 5_000
MAX_CLIENT_ID = 128
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,20}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(frozen=True)
class ChatSession:
    inbox: str
    visitor_id: str
    ticket_id: str
    name: str | None
    email: str | None
    phone: str | None
    locale: str | None

    @property
    def conversation_key(self) -> str:
        return f"web:{self.inbox}:{self.visitor_id}"


@dataclass(frozen=True)
class StartedSession:
    session_token: str
    ticket_id: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    store: Store,
    inbox_id: str,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> StartedSession:
    inbox = store.inboxes.get(inbox_id)
    if inbox.channel != "web":
        raise NotFound(f"inbox '{inbox_id}' is not a web-chat inbox")
    if name is not None and len(name) > 200:
        raise InvalidInput("name is longer than 200 characters")
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise InvalidInput("email is not a valid address")
    if phone is not None and not _PHONE.match(phone):
        raise InvalidInput("phone is not a valid phone number")
    if locale is not None and (len(locale) > 35 or not re.match(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", locale)):
        raise InvalidInput("locale is not a valid language tag")
    token = secrets.token_urlsafe(32)
    ticket_id = new_id()
    session = ChatSessionRecord(
        inbox=inbox_id,
        visitor_id=new_id(),
        ticket_id=ticket_id,
        name=name,
        email=email.lower() if email else None,
        phone=phone,
        locale=locale,
        created_at=now_iso(),
        expires_at=epoch_after(timedelta(hours=get_settings().chat_session_ttl_hours)),
    )
    store.chat_sessions.create(_hash(token), session)
    return StartedSession(token, ticket_id)


def authenticate(store: Store, inbox_id: str, authorization: str | None) -> ChatSession:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthenticated("missing chat session token (Authorization: Bearer <session_token>)")
    token = authorization[len("Bearer ") :].strip()
    if not token or len(token) > 256:
        raise Unauthenticated("chat session token is not valid")
    record = store.chat_sessions.find(_hash(token))
    if record is None or record.inbox != inbox_id:
        raise Unauthenticated("chat session token is not valid")
    return ChatSession(
        inbox=record.inbox,
        visitor_id=record.visitor_id,
        ticket_id=record.ticket_id,
        name=record.name,
        email=record.email,
        phone=record.phone,
        locale=record.locale,
    )


def customer_message(
    session: ChatSession,
    text: str,
    client_message_id: str | None,
    attachments: list[Attachment] | None = None,
) -> InboundMessage:
    body = text.strip()
    files = list(attachments or [])
    if not body and not files:
        raise InvalidInput("text must not be empty")
    if len(body) > MAX_TEXT:
        raise InvalidInput(f"text is longer than {MAX_TEXT} characters")
    if client_message_id is not None and not _CLIENT_ID.match(client_message_id):
        raise InvalidInput("client_message_id must be 1-128 characters of letters, digits, . _ : -")
    return InboundMessage(
        channel="web",
        inbox=session.inbox,
        # scoped to the visitor, so one visitor's id can never collide with another's
        provider_message_id=f"{session.visitor_id}:{client_message_id or new_id()}",
        conversation_key=session.conversation_key,
        sender=Sender(
            channel="web",
            external_id=session.visitor_id,
            display_name=session.name,
            email=session.email,
            phone=session.phone,
            locale=session.locale,
        ),
        kind=kind_of(files, body),
        text=body,
        attachments=files,
        ticket_hint=session.ticket_id,
        new_ticket_id=session.ticket_id,
        received_at=now_iso(),
    )


def conversation(store: Store, session: ChatSession, after: str | None, limit: int = 100) -> ConversationPage:
    return store.tickets.conversation_messages(session.conversation_key, after, limit)


def public_item(session: ChatSession, message: Message) -> dict[str, Any]:
    """A message as the customer's widget sees it. A customer's own message carries the client_message_id the
    widget sent it with, so the widget can swap its pending copy for the stored one (and knows it arrived)."""
    prefix = f"{session.visitor_id}:"
    client_id = None
    if message.author_type == AuthorType.CUSTOMER and (message.provider_message_id or "").startswith(prefix):
        client_id = (message.provider_message_id or "")[len(prefix) :]
    item: dict[str, Any] = {
        "id": message.id,
        "author_type": message.author_type.value,
        "body": message.body,
        "created_at": message.created_at,
        "client_message_id": client_id,
        "kind": message.kind,
    }
    if message.attachments:
        links = attachment_links(message.attachments)
        item["attachments"] = [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "url": link}
            for a, link in zip(message.attachments, links, strict=True)
        ]
    if message.kind == ASKS_SOLVED:
        item["choices"] = solved_choices(message.body)
    return item


# The answers the "did this solve it?" card offers: what the button says, and the text it sends, which the
# bot reads as solved or not solved (kefu.knowledge.bot.feedback).
CHOICES = {
    "zh-CN": [
        {"label": "已解决", "text": "是的，解决了", "value": "solved"},
        {"label": "没解决", "text": "没解决", "value": "not_solved"},
    ],
    "en": [
        {"label": "Yes, solved", "text": "Yes", "value": "solved"},
        {"label": "No", "text": "No", "value": "not_solved"},
    ],
}


def solved_choices(bot_text: str) -> list[dict[str, str]]:
    from kefu.knowledge.bot import language_of

    return CHOICES[language_of(bot_text, "zh-CN") if bot_text else "en"]


def current_ticket_id(store: Store, session: ChatSession) -> str:
    """The ticket the conversation is on now (a new one after the last was closed), else the session's."""
    return store.tickets.current_ticket_id(session.conversation_key) or session.ticket_id


def conversation_state(store: Store, session: ChatSession) -> dict[str, Any]:
    """What the widget shows beside the messages: whether an agent is typing, and whether it may rate (the
    current ticket is resolved and not rated yet). One batch read after the conversation's pointer."""
    ticket_id = current_ticket_id(store, session)
    ticket, rating, typing = store.read(
        [
            store.tickets.ticket_read(ticket_id),
            store.csat.rating_read(ticket_id),
            store.thread_state.typing_read(ticket_id, "agent"),
        ]
    )
    resolved = ticket is not None and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    return {
        "ticket_id": ticket_id,
        "status": ticket.status.value if ticket is not None else None,
        "agent_typing": bool(typing),
        "rating": {"available": resolved and rating is None, "rating": rating.rating if rating else None},
    }


def upload_owner(session: ChatSession) -> str:
    return f"visitor:{session.visitor_id}"


def attachments_for(store: Store, session: ChatSession, upload_ids: list[str]) -> list[Attachment]:
    from kefu.services.thread import attachments_of

    return attachments_of(store, current_ticket_id(store, session), upload_owner(session), upload_ids)


def rate(store: Store, session: ChatSession, rating: int, comment: str | None) -> Rating:
    from kefu.services.thread import rate as rate_ticket

    ticket = store.tickets.find(current_ticket_id(store, session))
    if ticket is None:
        raise Conflict("there is no conversation to rate yet")
    return rate_ticket(store, ticket, rating, comment)
