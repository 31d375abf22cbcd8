"""Canned replies (patterns 40, 41), saved views (42) and customer notes (43).

Each list is one partition read with a limit: the shared replies, one agent's own replies, one agent's views,
one customer's notes. Nothing here grows with the number of agents or tickets.
"""

from __future__ import annotations

from kefu.errors import NotFound
from kefu.store import keys
from kefu.store.table import Table, model_item, to_av
from kefu.workspace import CannedReply, CannedScope, CustomerNote, SavedView

MAX_SHARED_REPLIES = 1_000
MAX_PERSONAL_REPLIES = 200
MAX_VIEWS = 50
MAX_NOTES = 200


class WorkspaceRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ canned replies

    @staticmethod
    def _owner(reply: CannedReply) -> str | None:
        return reply.owner_id if reply.scope == CannedScope.PERSONAL else None

    def put_reply(self, reply: CannedReply, *, new: bool) -> None:
        key = keys.canned_reply(self._owner(reply), reply.id)
        item = model_item(reply, "canned_reply", key)
        if new:
            self.table.put(item, condition="attribute_not_exists(PK)")
        else:
            self.table.put(item, condition="attribute_exists(PK)", refused=NotFound(f"no canned reply '{reply.id}'"))

    def reply(self, owner_id: str | None, reply_id: str) -> CannedReply | None:
        item = self.table.get(keys.canned_reply(owner_id, reply_id), consistent=False)
        return CannedReply.model_validate(item) if item else None

    def replies(self, owner_id: str | None, limit: int) -> list[CannedReply]:
        """The shared replies (owner None) or one agent's own, in id (creation) order."""
        return [
            CannedReply.model_validate(item)
            for item in self.table.first(
                limit,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.canned_partition(owner_id)}),
            )
        ]

    def delete_reply(self, reply: CannedReply) -> None:
        self.table.delete(keys.canned_reply(self._owner(reply), reply.id))

    # ------------------------------------------------------------ saved views

    def put_view(self, view: SavedView) -> None:
        self.table.put(model_item(view, "saved_view", keys.saved_view(view.owner_id, view.id)))

    def views(self, agent_id: str) -> list[SavedView]:
        partition, prefix = keys.saved_views_of(agent_id)
        out = [
            SavedView.model_validate(item)
            for item in self.table.query(
                KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
                ExpressionAttributeValues=to_av({":pk": partition, ":s": prefix}),
                Limit=MAX_VIEWS + 1,
            )
        ]
        return sorted(out, key=lambda v: (v.position, v.created_at))

    def delete_view(self, agent_id: str, view_id: str) -> bool:
        """False when there was no such view."""
        return self.table.delete(keys.saved_view(agent_id, view_id))

    # ------------------------------------------------------------ customer notes

    def add_note(self, note: CustomerNote) -> None:
        key = keys.customer_note(note.customer_id, note.created_at, note.id)
        self.table.put(model_item(note, "customer_note", key), condition="attribute_not_exists(PK)")

    def notes(self, customer_id: str, limit: int = MAX_NOTES) -> list[CustomerNote]:
        """Oldest first, at most ``limit``."""
        partition, prefix = keys.customer_notes_of(customer_id)
        return [
            CustomerNote.model_validate(item)
            for item in self.table.first(
                limit,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
                ExpressionAttributeValues=to_av({":pk": partition, ":s": prefix}),
            )
        ]

    def delete_note(self, note: CustomerNote) -> None:
        self.table.delete(keys.customer_note(note.customer_id, note.created_at, note.id))
