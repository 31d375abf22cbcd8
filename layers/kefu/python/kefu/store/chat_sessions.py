"""Web-chat sessions by the SHA-256 of their token (pattern 12), expiring with DynamoDB's TTL.

A session never changes after it starts, so a container that has read (or started) one keeps it for a few
minutes and does not read it again for every message the widget posts; an entry never outlives the
session itself.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from kefu.errors import Conflict
from kefu.store import keys
from kefu.store.cache import TtlCache
from kefu.store.table import Table

CACHE_SECONDS = 300.0
MAX_CACHED = 10_000


class ChatSessionRecord(BaseModel):
    """A web-chat session as stored: who the visitor is, and the ticket the widget was handed."""

    inbox: str
    visitor_id: str
    ticket_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    locale: str | None = None
    created_at: str
    expires_at: int  # epoch seconds; DynamoDB's TTL deletes the item some time after


class ChatSessionRepository:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._cache: TtlCache[str, ChatSessionRecord] = TtlCache(CACHE_SECONDS, MAX_CACHED)

    def create(self, token_hash: str, record: ChatSessionRecord) -> None:
        item = {
            **record.model_dump(mode="json"),
            **keys.chat_session(token_hash).as_dict(),
            keys.ENTITY: "chat_session",
        }
        self.table.put(item, condition="attribute_not_exists(PK)", refused=Conflict("chat session token collision"))
        self._remember(token_hash, record)

    def find(self, token_hash: str) -> ChatSessionRecord | None:
        """The live session, or None (unknown or expired: TTL deletion may lag by hours)."""
        record = self._cache.get(token_hash)
        if record is None:
            item = self.table.get(keys.chat_session(token_hash), consistent=False)
            if item is None:
                return None
            record = ChatSessionRecord.model_validate(item)
            self._remember(token_hash, record)
        return record if record.expires_at > time.time() else None

    def _remember(self, token_hash: str, record: ChatSessionRecord) -> None:
        self._cache.put(token_hash, record, ttl_seconds=max(0.0, record.expires_at - time.time()))
