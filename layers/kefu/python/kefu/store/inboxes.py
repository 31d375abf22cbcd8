"""Inbox configuration as stored (no secrets: those live in Secrets Manager), and the list of all inboxes
(pattern 13). A container keeps what it read for ``CACHE_SECONDS``: every webhook, every reply reads its
inbox, which changes only when an admin edits it."""

from __future__ import annotations

from typing import Any

from kefu.errors import Conflict, NotFound
from kefu.models import InboxRecord
from kefu.store import keys
from kefu.store.cache import TtlCache
from kefu.store.table import Read, Table, model_item, to_av

CACHE_SECONDS = 60.0
MAX_CACHED = 256


class InboxRepository:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._cache: TtlCache[str, InboxRecord] = TtlCache(CACHE_SECONDS, MAX_CACHED)

    def cached(self, inbox_id: str) -> InboxRecord | None:
        """The record if this container read it lately (no request made)."""
        return self._cache.get(inbox_id)

    def read(self, inbox_id: str) -> Read[InboxRecord]:
        """For a batch (``Table.read``); the caller hands what it got to ``remember``."""
        return Read(keys.inbox(inbox_id), InboxRecord.model_validate)

    def remember(self, record: InboxRecord) -> None:
        self._cache.put(record.id, record)

    def get(self, inbox_id: str) -> InboxRecord:
        """The inbox, from this container's cache when fresh."""
        record = self._cache.get(inbox_id)
        if record is None:
            item = self.table.get(keys.inbox(inbox_id), consistent=False)
            if item is None:
                raise NotFound(f"inbox '{inbox_id}' not found")
            record = InboxRecord.model_validate(item)
            self._cache.put(inbox_id, record)
        return record

    def get_fresh(self, inbox_id: str) -> InboxRecord:
        """The inbox as stored now (for edits, which must start from the latest)."""
        self._cache.pop(inbox_id)
        return self.get(inbox_id)

    def put(self, record: InboxRecord, *, new: bool = False) -> None:
        item: dict[str, Any] = model_item(record, "inbox", keys.inbox(record.id), **keys.inbox_list_keys(record.id))
        self._cache.pop(record.id)
        self.table.put(
            item,
            condition="attribute_not_exists(PK)" if new else None,
            refused=Conflict(f"inbox '{record.id}' already exists"),
        )

    def all(self) -> list[InboxRecord]:
        index = keys.BY_STATUS
        return [
            InboxRecord.model_validate(item)
            for item in self.table.query(
                IndexName=index.name,
                KeyConditionExpression=f"{index.partition} = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.ALL_INBOXES}),
            )
        ]
