"""The DynamoDB table itself: (de)serialisation, reads, and the one commit path for transactions.

The repositories in this package build items and keys (with ``keys``) and decode items into domain models;
this module only moves items. Its client is injectable (tests, the local cloud); by default it is the
process's shared client from ``kefu.aws``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from kefu import aws
from kefu.errors import Conflict, Duplicate, KefuError
from kefu.store.keys import ENTITY, PK, SK, Key

T = TypeVar("T")

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems call
MAX_BATCH_GET_KEYS = 100  # and for one BatchGetItem call
_BATCH_GET_ROUNDS = 5  # unprocessed keys are asked for again at most this often

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _clean(value: Any) -> Any:
    """Drop None (DynamoDB has no use for it) and turn floats into Decimals, recursively."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the models want int."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def to_av(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in _clean(item).items()}


def from_av(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def model_item(model: BaseModel, entity: str, key: Key, **extra: str) -> dict[str, Any]:
    """A domain model as an item: its fields, its key (and index keys), and what kind of item it is."""
    return {**model.model_dump(mode="json"), **key.as_dict(), **extra, ENTITY: entity}


@dataclass(frozen=True)
class Read(Generic[T]):
    """One item to fetch in a batch, and how its aggregate turns it into a domain value."""

    key: Key
    decode: Callable[[dict[str, Any]], T]


@dataclass
class Transaction:
    """A DynamoDB transaction under construction. Each conditional write names the error its refusal means
    (``refused``), so the commit can say *why* a transaction was cancelled."""

    ops: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[KefuError | None] = field(default_factory=list)

    def put(
        self,
        item: dict[str, Any],
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        refused: KefuError | None = None,
    ) -> None:
        op: dict[str, Any] = {"Item": to_av(item)}
        if condition:
            op["ConditionExpression"] = condition
        if values:
            op["ExpressionAttributeValues"] = to_av(values)
        self._add({"Put": op}, refused)

    def update(
        self,
        key: Key,
        update: str,
        *,
        condition: str,
        values: dict[str, Any],
        refused: KefuError | None = None,
    ) -> None:
        op = {
            "Key": to_av(key.as_dict()),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_av(values),
        }
        self._add({"Update": op}, refused)

    def delete(self, key: Key, *, condition: str | None = None, refused: KefuError | None = None) -> None:
        op: dict[str, Any] = {"Key": to_av(key.as_dict())}
        if condition:
            op["ConditionExpression"] = condition
        self._add({"Delete": op}, refused)

    def _add(self, op: dict[str, Any], refused: KefuError | None) -> None:
        self.ops.append(op)
        self.refusals.append(refused)

    def keys(self) -> Iterator[Key]:
        """The key of each item the transaction writes or checks."""
        for op in self.ops:
            for body in op.values():
                item = body.get("Item") or body["Key"]
                yield Key(str(item[PK]["S"]), str(item[SK]["S"]))


class Table:
    def __init__(self, name: str, client: Any | None = None) -> None:
        self.name = name
        self._client = client
        # inside ``ahead()``: items read ahead for the work to come (None: absent), until written
        self._ahead: dict[Key, dict[str, Any] | None] | None = None

    @property
    def client(self) -> Any:
        return self._client or aws.client("dynamodb")

    # ------------------------------------------------------------ reads ahead

    @contextmanager
    def ahead(self) -> Iterator[None]:
        """Inside, what ``read_ahead`` fetched is served to ``get`` and ``read`` from memory (as read then), and
        forgotten as soon as anything here writes it (a single write or a transaction, before it is sent, so
        a refused one is read again too). For a batch of work read together: an SQS batch's messages."""
        self._ahead = {}
        try:
            yield
        finally:
            self._ahead = None

    def read_ahead(self, reads: Sequence[Read[Any]]) -> None:
        """Fetch the items of ``reads`` not held yet and keep them for the rest of ``ahead()`` (undecoded: each
        is decoded by the read that asks for it). Outside ``ahead()`` nothing is read."""
        if self._ahead is None:
            return
        wanted = [key for key in dict.fromkeys(r.key for r in reads) if key not in self._ahead]
        found = self._fetch(wanted)
        self._ahead.update({key: found.get(key) for key in wanted})

    def _held(self, key: Key) -> tuple[bool, dict[str, Any] | None]:
        if self._ahead is None or key not in self._ahead:
            return False, None
        item = self._ahead[key]
        return True, (dict(item) if item is not None else None)  # a decoder may change its copy

    def _forget(self, *keys_written: Key) -> None:
        if self._ahead:
            for key in keys_written:
                self._ahead.pop(key, None)

    # ------------------------------------------------------------ reads

    def get(self, key: Key, *, consistent: bool = True) -> dict[str, Any] | None:
        held, item = self._held(key)
        if held:
            return item
        resp = self.client.get_item(TableName=self.name, Key=to_av(key.as_dict()), ConsistentRead=consistent)
        raw = resp.get("Item")
        return from_av(raw) if raw else None

    def read(self, reads: Sequence[Read[Any]]) -> list[Any]:
        """Several items of any aggregates in one BatchGetItem (consistent): each decoded, None when absent,
        in the order asked. Inside ``ahead()``, the items read ahead are not asked for again."""
        held: dict[Key, dict[str, Any] | None] = {}
        for r in reads:
            is_held, item = self._held(r.key)
            if is_held:
                held[r.key] = item
        found: dict[Key, Any] = {**self._fetch([r.key for r in reads if r.key not in held]), **held}
        return [r.decode(found[r.key]) if found.get(r.key) is not None else None for r in reads]

    def _fetch(self, wanted: Sequence[Key]) -> dict[Key, dict[str, Any]]:
        """The items that exist of ``wanted``, by key: one consistent BatchGetItem per 100 keys."""
        unique = list(dict.fromkeys(wanted))  # BatchGetItem refuses a key asked for twice
        found: dict[Key, dict[str, Any]] = {}
        for start in range(0, len(unique), MAX_BATCH_GET_KEYS):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": [to_av(k.as_dict()) for k in unique[start : start + MAX_BATCH_GET_KEYS]],
                    "ConsistentRead": True,
                }
            }
            for round_ in range(_BATCH_GET_ROUNDS):
                if round_:
                    time.sleep(0.02 * 2**round_)  # throttled: back off before asking for the rest
                resp = self.client.batch_get_item(RequestItems=pending)
                for raw in resp.get("Responses", {}).get(self.name, []):
                    item = from_av(raw)
                    found[Key(str(item[PK]), str(item[SK]))] = item
                pending = resp.get("UnprocessedKeys") or {}
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left keys of a batch read unprocessed after several rounds")
        return found

    def query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        kwargs["TableName"] = self.name
        while True:
            resp = self.client.query(**kwargs)
            for item in resp.get("Items", []):
                yield from_av(item)
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def first(self, limit: int, **kwargs: Any) -> list[dict[str, Any]]:
        """At most ``limit`` items of a query, in its order: it asks for ``limit`` a page and stops reading
        once it has them (the pages after are never fetched)."""
        out: list[dict[str, Any]] = []
        for item in self.query(Limit=limit, **kwargs):
            out.append(item)
            if len(out) >= limit:
                break
        return out

    # ------------------------------------------------------------ single writes

    def put(self, item: dict[str, Any], *, condition: str | None = None, refused: KefuError | None = None) -> None:
        self._forget(Key(str(item[PK]), str(item[SK])))
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": to_av(item)}
        if condition:
            kwargs["ConditionExpression"] = condition
        try:
            self.client.put_item(**kwargs)
        except ClientError as err:
            if refused is not None and err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise refused from err
            raise

    def update(
        self,
        key: Key,
        update: str,
        *,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> bool:
        """One conditional update; False when the condition did not hold (nothing written)."""
        self._forget(key)
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": to_av(key.as_dict()),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_av(values),
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            self.client.update_item(**kwargs)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete(self, key: Key) -> bool:
        """One item gone; False when there was none."""
        self._forget(key)
        resp = self.client.delete_item(TableName=self.name, Key=to_av(key.as_dict()), ReturnValues="ALL_OLD")
        return bool(resp.get("Attributes"))

    # ------------------------------------------------------------ the one commit path

    def commit(self, tx: Transaction, *, default_refusal: KefuError | None = None) -> None:
        """Write all or nothing. When DynamoDB cancels the transaction, the refusal of the write whose
        condition failed is raised: a ``Duplicate`` wins over any other (the delivery was stored already),
        then the first one in order; without one, ``default_refusal`` or a ``Conflict``."""
        if not tx.ops:
            return
        if len(tx.ops) > MAX_TRANSACTION_ITEMS:
            raise Conflict(
                f"this change needs {len(tx.ops)} writes, more than the {MAX_TRANSACTION_ITEMS} one "
                "transaction can hold, so nothing was written"
            )
        self._forget(*tx.keys())
        items = [{kind: {**body, "TableName": self.name} for kind, body in op.items()} for op in tx.ops]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise _refusal(tx, err.response.get("CancellationReasons") or [], default_refusal) from err


def _refusal(tx: Transaction, reasons: Sequence[Any], default: KefuError | None) -> KefuError:
    failed = [
        refused
        for refused, reason in zip(tx.refusals, reasons, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed" and refused is not None
    ]
    for refused in failed:
        if isinstance(refused, Duplicate):
            return refused
    if failed:
        return failed[0]
    return default or Conflict("the change conflicted with another one made at the same time; try again")
