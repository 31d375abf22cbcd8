"""Counter items the stream keeps (``ADD n``): written at once, or gathered over one stream batch, each stream
record counted exactly once however often Lambda hands it.

Every record of a busy stream moves a few counters (the backlog, a queue's length, the tickets at risk,
the day's figures), each an UpdateItem of its own: most of the stream function's time went to them, one
round trip after another, while the records behind them (a new ticket's SLA timer among them) waited in
the shard (docs/benchmarks.md, bench (g)). Inside ``gathered()`` the repositories' counter writes are
kept by record instead, and ``CounterBatch.write`` makes one UpdateItem per item that moved, after the
batch's records ran, counting the records before the first failed one (Lambda hands the batch again from
that record on).

Exactly once: Lambda also hands a batch again when the function fails after some of those writes (a crash,
a timeout, a write failing halfway), whole or split in two (BisectBatchOnFunctionError), so a record can
come again after its moves were written. Each counter item the stream writes therefore carries the stream
sequence numbers of the records whose moves it holds (``applied``: one entry per write, newest last; the
last ``APPLIED_WRITES`` writes, at most ``APPLIED_CHARS`` characters) and the id of the write that set them
(``applied_by``, new with every write). At the batch's end one BatchGetItem reads the items that moved;
each gets the sum of the moves of the records it does not hold yet, and their numbers, on condition that
``applied_by`` is still the one read (another shard's batch wrote the item meanwhile: it is read again and
tried again, up to ``WRITE_ATTEMPTS`` times). A batch handed again adds nothing for what was written; one
that overlaps (old records and new ones) adds the new ones only.

The records themselves, not a last sequence number per shard: Lambda's DynamoDB stream event does not name
the shard, and the numbers of two shards read at once are not comparable, so "after the marker" could not
be told apart from "another shard's". A record's sequence number is what Lambda names it by (a failed
record's ``itemIdentifier``). Still not exact: a record whose entry was pushed out of ``applied`` (more than
``APPLIED_WRITES`` later writes of the same item before Lambda handed it again) counts again, and a counter
written outside a batch (``add`` at once) is a plain ``ADD``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from kefu.store.keys import ENTITY, Key
from kefu.store.table import Read, Table, from_av, to_av

Then = Callable[[dict[str, Any]], None]  # told the item's attributes after the write

APPLIED = "applied"  # the records whose moves the item holds, one entry per write (``_entry``), newest last
APPLIED_BY = "applied_by"  # the id of the write that set APPLIED (a new one each time): the next one's condition
APPLIED_WRITES = 24  # entries kept: the writes a record handed again can be recognised across
APPLIED_CHARS = 4000  # and their size at most (an item stays under 5 KB: at most 5 write units a write)
WRITE_ATTEMPTS = 5  # per item, when another writer changed its records between the read and the write


class CounterWriteContended(RuntimeError):
    """A counter item kept changing between its read and its write: the batch fails and is handed again."""


@dataclass
class _Item:
    key: Key
    entity: str
    by_record: dict[str, dict[str, int]] = field(default_factory=dict)  # in record order
    loose: dict[str, int] = field(default_factory=dict)  # moves made outside a record: always counted
    then: Then | None = None


@dataclass
class CounterBatch:
    """The counter moves of one stream batch, by the record that made them."""

    moves: list[tuple[str | None, Key, str, Mapping[str, int], Then | None]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # the records handled, in order
    _record: str | None = None

    @property
    def record(self) -> str | None:
        """The record being handled (its itemIdentifier: the sequence number)."""
        return self._record

    @record.setter
    def record(self, value: str | None) -> None:
        self._record = value or None  # a record without a sequence number is counted as moves outside one
        if value and value not in self.order:
            self.order.append(value)

    def add(self, key: Key, entity: str, deltas: Mapping[str, int], then: Then | None) -> None:
        self.moves.append((self.record, key, entity, dict(deltas), then))

    def totals(self, failed: set[str]) -> list[_Item]:
        """Per item, the moves of the records before the first failed one (in the order handled), by record."""
        cut = min((self.order.index(record) for record in failed if record in self.order), default=None)
        left_out = failed | (set(self.order[cut:]) if cut is not None else set())
        items: dict[Key, _Item] = {}
        for record, key, entity, deltas, then in self.moves:
            if record is not None and record in left_out:
                continue
            item = items.setdefault(key, _Item(key, entity))
            into = item.loose if record is None else item.by_record.setdefault(record, {})
            for name, delta in deltas.items():
                into[name] = into.get(name, 0) + delta
            item.then = then or item.then
        return list(items.values())

    def write(self, table: Table, failed: set[str] | None = None) -> int:
        """One UpdateItem per item that moved by records it does not hold yet (an item whose new moves cancel
        out is left alone, unless someone waits for its total); the number of writes. The items moved by
        records are read first, in one BatchGetItem."""
        try:
            items = self.totals(failed or set())
            marked = [item.key for item in items if item.by_record]
            found = table.read([Read(key, lambda stored: stored) for key in marked]) if marked else []
            stored = dict(zip(marked, found, strict=True))
            return sum(_write(table, item, stored.get(item.key)) for item in items)
        finally:
            self.moves.clear()
            self.order.clear()


_batch: ContextVar[CounterBatch | None] = ContextVar("kefu_counter_batch", default=None)


@contextmanager
def gathered() -> Iterator[CounterBatch]:
    """Counter writes inside are gathered into the batch yielded (written by its ``write``)."""
    batch = CounterBatch()
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)


def add(table: Table, key: Key, entity: str, deltas: Mapping[str, int], then: Then | None = None) -> None:
    """ADD each delta to the item at ``key`` (its entity set): now, or with the batch being gathered.
    ``then`` is told the item's attributes once written."""
    batch = _batch.get()
    if batch is not None:
        batch.add(key, entity, deltas, then)
        return
    attributes = _update(table, key, entity, deltas, want=then is not None)
    if then is not None:
        then(attributes)


def applied_records(item: Mapping[str, Any] | None) -> set[str]:
    """The sequence numbers of the records whose moves a counter item holds (those it still remembers)."""
    return {number for entry in (item or {}).get(APPLIED, []) for number in _numbers(str(entry))}


def _write(table: Table, item: _Item, stored: dict[str, Any] | None) -> int:
    """Write one item's new moves (1) or nothing (0), on condition its records are still those read."""
    if not item.by_record:  # moves outside any record: nothing to recognise them by
        if item.then is None and not any(item.loose.values()):
            return 0
        attributes = _update(table, item.key, item.entity, item.loose, want=item.then is not None)
        if item.then is not None:
            item.then(attributes)
        return 1
    for _ in range(WRITE_ATTEMPTS):
        held = applied_records(stored)
        new = [record for record in item.by_record if record not in held]
        deltas = dict(item.loose)
        for record in new:
            for name, delta in item.by_record[record].items():
                deltas[name] = deltas.get(name, 0) + delta
        if not new and not item.loose:  # every record's moves are in the item already: a batch handed again
            if item.then is not None:
                item.then(stored or {})
            return 0
        if item.then is None and not any(deltas.values()):
            return 0  # the new moves cancel out: not written, so not held (handed again, they count afresh)
        entries = [str(entry) for entry in (stored or {}).get(APPLIED, [])]
        if new:
            entries = _kept([*entries, _entry(new)])
        try:
            attributes = _update(
                table,
                item.key,
                item.entity,
                deltas,
                want=item.then is not None,
                applied=(entries, (stored or {}).get(APPLIED_BY)),
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            stored = table.get(item.key)  # another batch wrote it since: what does it hold now?
            continue
        if item.then is not None:
            item.then(attributes)
        return 1
    raise CounterWriteContended(f"counter item {item.key.pk} {item.key.sk} changed {WRITE_ATTEMPTS} times")


def _entry(numbers: list[str]) -> str:
    """One write's sequence numbers, their common leading digits once: ``<prefix>|<rest>,<rest>...``."""
    prefix = min(numbers)
    for number in numbers:
        while not number.startswith(prefix):
            prefix = prefix[:-1]
    return prefix + "|" + ",".join(number[len(prefix) :] for number in numbers)


def _numbers(entry: str) -> list[str]:
    prefix, _, rest = entry.partition("|")
    return [prefix + tail for tail in rest.split(",")]


def _kept(entries: list[str]) -> list[str]:
    """The newest entries within ``APPLIED_WRITES`` and ``APPLIED_CHARS`` (the newest always)."""
    kept = entries[-APPLIED_WRITES:]
    while len(kept) > 1 and sum(len(entry) for entry in kept) > APPLIED_CHARS:
        kept = kept[1:]
    return kept


def _update(
    table: Table,
    key: Key,
    entity: str,
    deltas: Mapping[str, int],
    *,
    want: bool,
    applied: tuple[list[str], str | None] | None = None,
) -> dict[str, Any]:
    """ADD the deltas; with ``applied`` (the entries to keep, the token read) also replace the item's
    records, on condition that its token is still the one read (none: the item has none yet)."""
    names = {f"#n{i}": name for i, name in enumerate(deltas)}
    values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(deltas.values())}
    adds = ", ".join(f"#n{i} :v{i}" for i in range(len(deltas)))
    sets = ["#e = :e"]
    extra: dict[str, Any] = {}
    if applied is not None:
        entries, token = applied
        names.update({"#ap": APPLIED, "#tk": APPLIED_BY})
        values.update({":ap": entries, ":tk": uuid.uuid4().hex})
        sets += ["#ap = :ap", "#tk = :tk"]
        if token is None:
            extra["ConditionExpression"] = "attribute_not_exists(#tk)"
        else:
            extra["ConditionExpression"] = "#tk = :read"
            values[":read"] = token
    answer = table.client.update_item(
        TableName=table.name,
        Key=to_av(key.as_dict()),
        UpdateExpression=(f"ADD {adds} " if adds else "") + "SET " + ", ".join(sets),
        ExpressionAttributeNames={**names, "#e": ENTITY},
        ExpressionAttributeValues=to_av({**values, ":e": entity}),
        ReturnValues="ALL_NEW" if want else "NONE",
        **extra,
    )
    return from_av(answer.get("Attributes", {}))
