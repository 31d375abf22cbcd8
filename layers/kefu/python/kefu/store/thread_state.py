"""What a conversation carries besides its messages: uploads waiting for their message (pattern 45), how far
each agent has read a ticket (44) and who is typing (46).

Each is one item read or written by key (read markers of an inbox page in one BatchGetItem), so nothing here
grows with the number of tickets or agents. Uploads and typing expire with DynamoDB's TTL.
"""

from __future__ import annotations

import time
from datetime import timedelta

from pydantic import BaseModel

from kefu.clock import epoch_after
from kefu.errors import Conflict
from kefu.store import keys
from kefu.store.table import Read, Table, model_item

UPLOAD_TTL = timedelta(days=1)
TYPING_SECONDS = 8  # a typing signal holds this long unless renewed (the clients renew every few seconds)


class Upload(BaseModel):
    """A file stored for a message that is not sent yet: only its uploader can attach it, to its ticket."""

    id: str
    ticket_id: str
    owner: str  # the agent id, or ``visitor:<id>`` for a web-chat customer
    s3_key: str
    name: str
    content_type: str
    size: int
    created_at: str
    expires_at: int


class ThreadStateRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ uploads (45)

    def put_upload(self, upload: Upload) -> None:
        item = model_item(upload, "upload", keys.upload(upload.id))
        self.table.put(item, condition="attribute_not_exists(PK)", refused=Conflict("upload id collision"))

    def uploads(self, upload_ids: list[str]) -> list[Upload | None]:
        """The uploads asked for, in order (None: unknown or expired)."""
        if not upload_ids:
            return []
        found = self.table.read([Read(keys.upload(u), Upload.model_validate) for u in upload_ids])
        now = time.time()
        return [u if u is not None and u.expires_at > now else None for u in found]

    # ------------------------------------------------------------ read markers (44)

    def mark_read(self, agent_id: str, ticket_id: str, up_to: str) -> None:
        """Move the agent's marker on the ticket forward to ``up_to`` (never back: another device may have
        read further already)."""
        self.table.update(
            keys.read_marker(agent_id, ticket_id),
            "SET read_up_to = :t, ticket_id = :id, #e = :e",
            condition="attribute_not_exists(read_up_to) OR read_up_to < :t",
            values={":t": up_to, ":id": ticket_id, ":e": "read_marker"},
            names={"#e": keys.ENTITY},
        )

    def read_markers(self, agent_id: str, ticket_ids: list[str]) -> dict[str, str]:
        """ticket id -> how far the agent has read it, for the tickets the agent has opened."""
        if not ticket_ids:
            return {}
        found = self.table.read(
            [Read(keys.read_marker(agent_id, t), lambda item: str(item["read_up_to"])) for t in ticket_ids]
        )
        return {t: up_to for t, up_to in zip(ticket_ids, found, strict=True) if up_to is not None}

    # ------------------------------------------------------------ typing (46)

    def set_typing(self, ticket_id: str, side: str, who: str) -> None:
        until = int(time.time()) + TYPING_SECONDS
        item = {
            **keys.typing(ticket_id, side).as_dict(),
            keys.ENTITY: "typing",
            "ticket_id": ticket_id,
            "side": side,
            "who": who,
            "until": until,
            keys.TTL_ATTRIBUTE: epoch_after(timedelta(minutes=10)),
        }
        self.table.put(item)

    def typing_read(self, ticket_id: str, side: str) -> Read[bool]:
        """For a batch read: whether ``side`` is typing now (absent: False)."""
        return Read(keys.typing(ticket_id, side), lambda item: int(item.get("until", 0)) >= int(time.time()))

    def typing(self, ticket_id: str, side: str) -> bool:
        """Whether ``side`` signalled typing within the last few seconds."""
        item = self.table.get(keys.typing(ticket_id, side), consistent=False)
        return item is not None and int(item.get("until", 0)) >= int(time.time())

    def clear_typing(self, ticket_id: str, side: str) -> None:
        self.table.delete(keys.typing(ticket_id, side))
