"""Counter items the stream keeps (``ADD n``): written at once, or gathered over one stream batch.

Every record of a busy stream moves a few counters (the backlog, a queue's length, the tickets at risk,
the day's figures), each an UpdateItem of its own: most of the stream function's time went to them, one
round trip after another, while the records behind them (a new ticket's SLA timer among them) waited in
the shard (docs/benchmarks.md, bench (g)). Inside ``gathered()`` the repositories' counter writes are
summed per item instead, and ``CounterBatch.write`` makes one UpdateItem per item that moved, after the
batch's records ran. Only the records before the first failed one are counted: Lambda hands the batch
again from that record on, so a record is counted once however often it is delivered (a write that fails
halfway fails the whole batch, and then what was written may be counted twice, as before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from kefu.store.keys import ENTITY, Key
from kefu.store.table import Table, from_av, to_av

Then = Callable[[dict[str, Any]], None]  # told the item's attributes after the write


@dataclass
class _Item:
    key: Key
    entity: str
    deltas: dict[str, int] = field(default_factory=dict)
    then: Then | None = None


@dataclass
class CounterBatch:
    """The counter moves of one stream batch, by the record that made them."""

    record: str | None = None  # the record being handled (its itemIdentifier: the sequence number)
    moves: list[tuple[str | None, Key, str, Mapping[str, int], Then | None]] = field(default_factory=list)

    def add(self, key: Key, entity: str, deltas: Mapping[str, int], then: Then | None) -> None:
        self.moves.append((self.record, key, entity, dict(deltas), then))

    def totals(self, failed: set[str]) -> list[_Item]:
        """Per item, the sum of the moves of the records before the first failed one (in record order)."""
        items: dict[tuple[tuple[str, str], ...], _Item] = {}
        for record, key, entity, deltas, then in self.moves:
            if record is not None and record in failed:
                break
            item = items.setdefault(tuple(sorted(key.as_dict().items())), _Item(key, entity))
            for name, delta in deltas.items():
                item.deltas[name] = item.deltas.get(name, 0) + delta
            item.then = then or item.then
        return list(items.values())

    def write(self, table: Table, failed: set[str] | None = None) -> int:
        """One UpdateItem per item that moved (an item whose moves cancel out is left alone, unless someone
        waits for its total); the number of writes."""
        written = 0
        for item in self.totals(failed or set()):
            if item.then is None and not any(item.deltas.values()):
                continue
            attributes = _update(table, item.key, item.entity, item.deltas, want=item.then is not None)
            written += 1
            if item.then is not None:
                item.then(attributes)
        self.moves.clear()
        return written


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


def _update(table: Table, key: Key, entity: str, deltas: Mapping[str, int], *, want: bool) -> dict[str, Any]:
    names = {f"#n{i}": name for i, name in enumerate(deltas)}
    values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(deltas.values())}
    adds = ", ".join(f"#n{i} :v{i}" for i in range(len(deltas)))
    answer = table.client.update_item(
        TableName=table.name,
        Key=to_av(key.as_dict()),
        UpdateExpression=f"ADD {adds} SET #e = :e" if adds else "SET #e = :e",
        ExpressionAttributeNames={**names, "#e": ENTITY},
        ExpressionAttributeValues=to_av({**values, ":e": entity}),
        ReturnValues="ALL_NEW" if want else "NONE",
    )
    return from_av(answer.get("Attributes", {}))
