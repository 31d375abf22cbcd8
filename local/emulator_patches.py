"""Performance fixes for the AWS emulator (moto 5.2.5, pinned), applied in-process before it starts.

They change how fast moto answers, never what it answers.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    _sqs_retention_check_in_constant_time()
    _dynamodb_transactions_without_table_copies()


def _sqs_retention_check_in_constant_time() -> None:
    """moto checks each message's retention by computing *all* queue attributes, and those count every
    message in the queue: a receive on a queue of n messages costs O(n²). At a backlog of 1,000 chat
    messages that is seconds per receive. Read the one attribute instead."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000  # type: ignore[attr-defined]
        return bool(retain_until > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


def _dynamodb_transactions_without_table_copies() -> None:
    """moto deep-copies every table a transaction touches, to roll back on failure: O(table size) per
    transaction, and the table's stream records are copied along. Kefu writes every message in a
    transaction, so the local cloud slowed down and grew by the day. Instead: check every condition
    first and write only when all hold (what DynamoDB does). Transactions with Update operations keep
    moto's own implementation, whose update-expression validation may fail halfway."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        if any(
            len(item) != 1 or next(iter(item)) not in ("Put", "Delete", "ConditionCheck") for item in transact_items
        ):
            original(self, transact_items)
            return
        seen: set[tuple[str, str]] = set()
        planned: list[tuple[str, str, dict[str, Any]]] = []
        errors: list[Any] = []
        for item in transact_items:
            op_type, op = next(iter(item.items()))
            if len(item) > 1:
                raise TransactWriteSingleOpException
            table_name = op["TableName"]
            table = self.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            marker = (str(table_name), str(dict(sorted(key.items()))))
            if marker in seen:
                raise MultipleTransactionsException()
            seen.add(marker)
            current = self.get_item(table_name, key)
            condition = op.get("ConditionExpression")
            if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current):
                old = (
                    current.to_json()["Attributes"]
                    if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else None
                )
                errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
            else:
                errors.append((None, None, None))
            planned.append((op_type, table_name, op["Item"] if op_type == "Put" else key))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        for op_type, table_name, payload in planned:
            if op_type == "Put":
                self.put_item(table_name, payload)
            elif op_type == "Delete":
                self.delete_item(table_name, payload)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
