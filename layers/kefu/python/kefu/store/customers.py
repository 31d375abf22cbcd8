"""Customers and what makes one person one customer: channel identities, declared contacts, possible-duplicate
suggestions and merges (access patterns 8, 9, 17-19 in ``keys``).

Identity items are claimed with ``attribute_not_exists``: when two first messages race for one key, one
transaction is refused (ConcurrentUpdate) and its caller resolves again, finding the winner. Profile writes
check and bump ``version``.
"""

from __future__ import annotations

from typing import Any

from kefu.errors import ConcurrentUpdate, Conflict, KefuError, NotFound
from kefu.models import AuditEntry, Customer, CustomerMerge, DuplicateSuggestion, Identity, Tier
from kefu.store import keys
from kefu.store.audit import audit_item
from kefu.store.table import Read, Table, Transaction, model_item, to_av

MAX_CONTACT_MATCHES = 25
MAX_SUGGESTIONS = 50


def _customer_item(customer: Customer) -> dict[str, Any]:
    return model_item(customer, "customer", keys.customer(customer.id))


def _identity_item(identity: Identity, customer_id: str) -> dict[str, Any]:
    return {
        **keys.identity(identity.channel, identity.external_id).as_dict(),
        keys.ENTITY: "identity",
        "customer_id": customer_id,
        "channel": identity.channel,
        "external_id": identity.external_id,
    }


def _contact_item(kind: str, value: str, customer_id: str) -> dict[str, Any]:
    return {**keys.contact(kind, value, customer_id).as_dict(), keys.ENTITY: "contact", "customer_id": customer_id}


class CustomerRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ reads

    def identity_read(self, identity: Identity) -> Read[str]:
        """The id of the customer holding this identity (for a batch, ``Table.read``)."""
        return Read(keys.identity(identity.channel, identity.external_id), lambda item: str(item["customer_id"]))

    def profile_read(self, customer_id: str) -> Read[Customer]:
        """A customer's profile (for a batch, ``Table.read``)."""
        return Read(keys.customer(customer_id), Customer.model_validate)

    def get(self, customer_id: str) -> Customer:
        found = self.find(customer_id)
        if found is None:
            raise NotFound(f"customer '{customer_id}' not found")
        return found

    def find(self, customer_id: str) -> Customer | None:
        item = self.table.get(keys.customer(customer_id))
        return Customer.model_validate(item) if item else None

    def owner_of(self, channel: str, external_id: str) -> str | None:
        """The id of the customer holding an identity (pattern 9)."""
        item = self.table.get(keys.identity(channel, external_id))
        return str(item["customer_id"]) if item else None

    def with_contact(self, kind: str, value: str, limit: int = MAX_CONTACT_MATCHES) -> list[str]:
        """Customers who declared this phone number or email address themselves (pattern 17)."""
        return [
            str(item["customer_id"])
            for item in self.table.first(
                limit,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.contact_partition(kind, value)}),
            )
        ]

    def suggestions(self, customer_id: str, limit: int = MAX_SUGGESTIONS) -> list[DuplicateSuggestion]:
        partition, prefix = keys.suggestions_of(customer_id)
        return [
            DuplicateSuggestion.model_validate(item)
            for item in self.table.first(
                limit,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
                ExpressionAttributeValues=to_av({":pk": partition, ":s": prefix}),
            )
        ]

    def get_merge(self, merge_id: str) -> CustomerMerge:
        item = self.table.get(keys.merge(merge_id))
        if item is None:
            raise NotFound(f"merge '{merge_id}' not found")
        return CustomerMerge.model_validate(item)

    # ------------------------------------------------------------ writes

    def add_new(self, tx: Transaction, customer: Customer, declared: list[tuple[str, str]]) -> None:
        """Into a transaction: a new customer, every one of its identities (each must be unclaimed) and its
        declared contacts."""
        claimed = ConcurrentUpdate("a first message for one of these identities was stored at the same time")
        tx.put(_customer_item(customer), condition="attribute_not_exists(PK)", refused=claimed)
        for identity in customer.identities:
            tx.put(_identity_item(identity, customer.id), condition="attribute_not_exists(PK)", refused=claimed)
        for kind, value in declared:
            tx.put(_contact_item(kind, value, customer.id))

    def create(self, customer: Customer, declared: list[tuple[str, str]]) -> None:
        """A new customer with its identities and declared contacts, all or nothing (see ``add_new``)."""
        tx = Transaction()
        self.add_new(tx, customer, declared)
        self.table.commit(tx)

    def attach_identities(
        self, customer: Customer, identities: list[Identity], declared: list[tuple[str, str]], stamp: str
    ) -> Customer:
        """Give a live customer more identities (each must be unclaimed); checks the profile's version."""
        updated = customer.model_copy(
            update={
                "identities": [*customer.identities, *identities],
                "version": customer.version + 1,
                "updated_at": stamp,
            }
        )
        changed = ConcurrentUpdate(f"customer '{customer.id}' changed at the same time")
        tx = Transaction()
        tx.update(
            keys.customer(customer.id),
            "SET identities = :ids, version = :next, updated_at = :u",
            condition="version = :v AND attribute_not_exists(merged_into)",
            values={
                ":ids": [i.model_dump() for i in updated.identities],
                ":next": updated.version,
                ":u": stamp,
                ":v": customer.version,
            },
            refused=changed,
        )
        for identity in identities:
            tx.put(_identity_item(identity, customer.id), condition="attribute_not_exists(PK)", refused=changed)
        for kind, value in declared:
            tx.put(_contact_item(kind, value, customer.id))
        self.table.commit(tx, default_refusal=changed)
        return updated

    def set_segment(self, customer: Customer, tier: Tier, organization: str | None, stamp: str) -> Customer:
        """A live customer's tier and organization; checks the profile's version."""
        updated = customer.model_copy(
            update={"tier": tier, "organization": organization, "version": customer.version + 1, "updated_at": stamp}
        )
        values: dict[str, object] = {":t": tier.value, ":next": updated.version, ":u": stamp, ":v": customer.version}
        sets = "SET tier = :t, version = :next, updated_at = :u"
        if organization is None:
            sets += " REMOVE organization"
        else:
            sets += ", organization = :o"
            values[":o"] = organization
        changed = ConcurrentUpdate(f"customer '{customer.id}' changed at the same time")
        tx = Transaction()
        tx.update(
            keys.customer(customer.id),
            sets,
            condition="version = :v AND attribute_not_exists(merged_into)",
            values=values,
            refused=changed,
        )
        self.table.commit(tx, default_refusal=changed)
        return updated

    def put_suggestion(self, suggestion: DuplicateSuggestion) -> None:
        """One direction of a possible-duplicate pair (pattern 18); the same pair again overwrites it."""
        key = keys.suggestion(suggestion.customer_id, suggestion.other_id)
        self.table.put(model_item(suggestion, "suggestion", key))

    def merge(self, source: Customer, target: Customer, merge: CustomerMerge, audit: AuditEntry) -> None:
        """Source becomes a tombstone, its identities point to target, the merge and its audit entry are
        written: one transaction, so nothing is ever half-merged."""
        refused = Conflict("one of the customers changed during the merge; try again")
        moved = source.identities
        tx = Transaction()
        tx.update(
            keys.customer(source.id),
            "SET merged_into = :t, merge_id = :m, identities = :none, version = :next, updated_at = :u",
            condition="version = :v AND attribute_not_exists(merged_into)",
            values={
                ":t": target.id,
                ":m": merge.id,
                ":none": [],
                ":next": source.version + 1,
                ":u": merge.created_at,
                ":v": source.version,
            },
            refused=refused,
        )
        _rewrite_target(
            tx,
            target,
            [*target.identities, *moved],
            [*target.merged_from, source.id],
            at=merge.created_at,
            refused=refused,
        )
        tx.put(model_item(merge, "customer_merge", keys.merge(merge.id)), condition="attribute_not_exists(PK)")
        tx.put(audit_item(audit))
        self._move_identities(tx, moved, from_id=source.id, to_id=target.id, refused=refused)
        self.table.commit(tx, default_refusal=refused)

    def unmerge(
        self, merge: CustomerMerge, source: Customer, target: Customer, audit: AuditEntry, undone_by: str
    ) -> None:
        """Exactly undo one merge: the moved identities go back to the source, which comes back to life."""
        refused = Conflict("one of the customers changed during the unmerge; try again")
        moved = {(i.channel, i.external_id) for i in merge.identities}
        remaining = [i for i in target.identities if (i.channel, i.external_id) not in moved]
        tx = Transaction()
        tx.update(
            keys.customer(source.id),
            "SET identities = :ids, version = :next, updated_at = :u REMOVE merged_into, merge_id",
            condition="version = :v AND merged_into = :t AND merge_id = :m",
            values={
                ":ids": [i.model_dump() for i in merge.identities],
                ":next": source.version + 1,
                ":u": audit.created_at,
                ":v": source.version,
                ":t": target.id,
                ":m": merge.id,
            },
            refused=refused,
        )
        _rewrite_target(
            tx,
            target,
            remaining,
            [c for c in target.merged_from if c != source.id],
            at=audit.created_at,
            refused=refused,
        )
        tx.update(
            keys.merge(merge.id),
            "SET undone_at = :u, undone_by = :by",
            condition="attribute_exists(PK) AND attribute_not_exists(undone_at)",
            values={":u": audit.created_at, ":by": undone_by},
            refused=refused,
        )
        tx.put(audit_item(audit))
        self._move_identities(tx, merge.identities, from_id=target.id, to_id=source.id, refused=refused)
        self.table.commit(tx, default_refusal=refused)

    def _move_identities(
        self, tx: Transaction, identities: list[Identity], *, from_id: str, to_id: str, refused: KefuError
    ) -> None:
        for identity in identities:
            tx.put(
                _identity_item(identity, to_id),
                condition="customer_id = :owner",
                values={":owner": from_id},
                refused=refused,
            )


def _rewrite_target(
    tx: Transaction,
    target: Customer,
    identities: list[Identity],
    merged_from: list[str],
    *,
    at: str,
    refused: KefuError,
) -> None:
    """A merge's (or unmerge's) change to the customer that stays: its identities and the customers merged
    into it, if it is still the version read and has not been merged away itself meanwhile."""
    tx.update(
        keys.customer(target.id),
        "SET identities = :ids, merged_from = :from, version = :next, updated_at = :u",
        condition="version = :v AND attribute_not_exists(merged_into)",
        values={
            ":ids": [i.model_dump() for i in identities],
            ":from": merged_from,
            ":next": target.version + 1,
            ":u": at,
            ":v": target.version,
        },
        refused=refused,
    )
