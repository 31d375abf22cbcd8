"""The audit trail of sensitive actions (inbox changes, merges, contact reveals), by month, oldest first
(pattern 16); and the per-user hourly counter that limits contact reveals (pattern 62)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kefu.clock import epoch_after
from kefu.errors import KefuError
from kefu.models import AuditEntry
from kefu.store import keys
from kefu.store.table import Table, Transaction, to_av

COUNTER_TTL = timedelta(hours=2)  # an hour's counter is kept a little past its hour, then DynamoDB drops it


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    """For a transaction that audits what it does (a merge)."""
    return {**entry.model_dump(mode="json"), **keys.audit(entry.created_at, entry.id).as_dict(), keys.ENTITY: "audit"}


class AuditRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put(self, entry: AuditEntry) -> None:
        self.table.put(audit_item(entry))

    def put_reveal(self, entry: AuditEntry, *, hour: str, limit: int, refused: KefuError) -> None:
        """A contact reveal's entry, and one more on its actor's reveal counter for ``hour`` (``yyyy-mm-ddThh``),
        in one transaction: when the actor already reached ``limit`` in that hour, ``refused`` is raised and
        nothing is written."""
        tx = Transaction()
        tx.update(
            keys.reveal_counter(hour, entry.actor_id),
            f"ADD reveals :one SET {keys.TTL_ATTRIBUTE} = :ttl",
            condition="attribute_not_exists(reveals) OR reveals < :limit",
            values={":one": 1, ":limit": limit, ":ttl": epoch_after(COUNTER_TTL)},
            refused=refused,
        )
        tx.put(audit_item(entry))
        self.table.commit(tx)

    def reveals(self, hour: str, actor_id: str) -> int:
        """How many reveals ``actor_id`` made in ``hour`` (0 when none)."""
        item = self.table.get(keys.reveal_counter(hour, actor_id))
        return int(item["reveals"]) if item else 0

    def trail(self, month: str) -> list[AuditEntry]:
        """One month's entries (``yyyy-mm``), oldest first."""
        return [
            AuditEntry.model_validate(item)
            for item in self.table.query(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": keys.audit_month(month)})
            )
        ]
