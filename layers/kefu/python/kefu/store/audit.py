"""The audit trail of sensitive actions (inbox changes, merges), by month, oldest first (pattern 16)."""

from __future__ import annotations

from typing import Any

from kefu.models import AuditEntry
from kefu.store import keys
from kefu.store.table import Table, to_av


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    """For a transaction that audits what it does (a merge)."""
    return {**entry.model_dump(mode="json"), **keys.audit(entry.created_at, entry.id).as_dict(), keys.ENTITY: "audit"}


class AuditRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put(self, entry: AuditEntry) -> None:
        self.table.put(audit_item(entry))

    def trail(self, month: str) -> list[AuditEntry]:
        """One month's entries (``yyyy-mm``), oldest first."""
        return [
            AuditEntry.model_validate(item)
            for item in self.table.query(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": keys.audit_month(month)})
            )
        ]
