"""Customer satisfaction: one rating per ticket (pattern 47), the day's figures (pattern 48) and the surveys
sent after resolution (patterns 49, 49b).

The rating sits in the ticket's own partition (``keys.csat``), outside the thread's sort-key range, and is
written on condition that none exists, in one transaction with the day's counters (count and sum), so a
customer rates a ticket once and the figures never count a rating twice.

A survey is found by the sha256 of its token (the link carries the token, the table only its hash), lives
``SURVEY_TTL`` (the table's TTL attribute; a read checks the time itself, since TTL deletes late), and is
written with the ticket's survey marker, the message that carries the link and the ticket with that message
counted (on condition of its version), on condition the ticket has no marker yet: one survey per ticket while
one is alive.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from kefu.errors import Conflict, Duplicate
from kefu.models import Message, Ticket
from kefu.store import keys
from kefu.store.table import Read, Table, Transaction, model_item

SURVEY_TTL = timedelta(days=7)


class Rating(BaseModel):
    ticket_id: str
    rating: int  # 1-5
    comment: str = ""
    channel: str
    inbox: str
    team: str | None = None
    assignee: str | None = None
    created_at: str


class Survey(BaseModel):
    """A satisfaction survey sent to the customer of a resolved ticket (pattern 49)."""

    ticket_id: str
    channel: str
    inbox: str
    customer_id: str
    language: str  # "zh-CN" | "en": the page and the message speak it
    created_at: str
    expires_at: int  # epoch seconds (the table's TTL attribute)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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

    def add_survey(
        self,
        token: str,
        survey: Survey,
        message: Message,
        *,
        ticket: Ticket,
        expected_version: int,
    ) -> None:
        """The survey under its token's hash, the ticket's marker, the message carrying the link and the ticket
        with that message counted (only if still at ``expected_version``), at once; ``Duplicate`` when the
        ticket has a live survey already, ``ConcurrentUpdate`` when the ticket changed since it was read
        (nothing written either way)."""
        from kefu.store.tickets import TicketRepository

        marker: dict[str, Any] = {
            **keys.csat_survey_of_ticket(survey.ticket_id).as_dict(),
            keys.ENTITY: "csat_survey_marker",
            "ticket_id": survey.ticket_id,
            "created_at": survey.created_at,
            keys.TTL_ATTRIBUTE: survey.expires_at,
        }
        tickets = TicketRepository(self.table)
        tx = Transaction()
        # a marker TTL has not deleted yet counts as gone once its time is past
        tx.put(
            marker,
            condition=f"attribute_not_exists(PK) OR {keys.TTL_ATTRIBUTE} < :now",
            values={":now": int(time.time())},
            refused=Duplicate("this ticket was sent a survey already"),
        )
        tickets.add_ticket(tx, ticket, expected_version=expected_version)
        tx.put(
            model_item(survey, "csat_survey", keys.csat_survey(token_hash(token))),
            condition="attribute_not_exists(PK)",
            refused=Conflict("survey token collision"),
        )
        tickets.add_message(tx, message)
        self.table.commit(tx)

    def surveyed(self, ticket_id: str) -> bool:
        """Whether the ticket has a live survey (its marker, not yet expired)."""
        item = self.table.get(keys.csat_survey_of_ticket(ticket_id))
        return item is not None and int(item.get(keys.TTL_ATTRIBUTE, 0)) > time.time()

    def survey(self, token: str) -> Survey | None:
        """The live survey of a token (None when unknown or expired)."""
        item = self.table.get(keys.csat_survey(token_hash(token)), consistent=False)
        if not item:
            return None
        survey = Survey.model_validate(item)
        return survey if survey.expires_at > time.time() else None

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
