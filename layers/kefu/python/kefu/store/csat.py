"""Customer satisfaction: one rating per ticket (pattern 47) and the day's figures (pattern 48).

The rating sits in the ticket's own partition (``keys.csat``), outside the thread's sort-key range, and is
written on condition that none exists, in one transaction with the day's counters (count and sum), so a
customer rates a ticket once and the figures never count a rating twice.
"""

from __future__ import annotations

from pydantic import BaseModel

from kefu.errors import Conflict
from kefu.store import keys
from kefu.store.table import Read, Table, Transaction, model_item


class Rating(BaseModel):
    ticket_id: str
    rating: int  # 1-5
    comment: str = ""
    channel: str
    inbox: str
    team: str | None = None
    assignee: str | None = None
    created_at: str


class CsatRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, rating: Rating) -> None:
        tx = Transaction()
        tx.put(
            model_item(rating, "csat", keys.csat(rating.ticket_id)),
            condition="attribute_not_exists(PK)",
            refused=Conflict("this conversation has been rated already"),
        )
        tx.update(
            keys.csat_day_counter(rating.created_at[:10]),
            f"ADD ratings :one, rating_sum :r, rated_{rating.rating} :one SET entity = :e",
            condition="attribute_not_exists(ratings) OR ratings >= :zero",  # a counter item, never anything else
            values={":one": 1, ":zero": 0, ":r": rating.rating, ":e": "counter"},
        )
        self.table.commit(tx)

    def rating_read(self, ticket_id: str) -> Read[Rating]:
        return Read(keys.csat(ticket_id), Rating.model_validate)

    def get(self, ticket_id: str) -> Rating | None:
        item = self.table.get(keys.csat(ticket_id), consistent=False)
        return Rating.model_validate(item) if item else None

    def day(self, day: str) -> dict[str, int]:
        """The day's figures: ``ratings``, ``rating_sum`` and ``rated_1`` ... ``rated_5`` (zeros when none)."""
        item = self.table.get(keys.csat_day_counter(day), consistent=False) or {}
        names = ["ratings", "rating_sum", *(f"rated_{n}" for n in range(1, 6))]
        return {name: int(item.get(name, 0)) for name in names}
