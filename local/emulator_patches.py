"""Fixes for the AWS emulator (moto 5.2.5, pinned), applied in its process before it starts.

The performance fixes change how fast moto answers, never what it answers. ``iam_for_the_local_cloud``
changes who may ask: see its docstring.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from typing import Any


def apply() -> None:
    _quiet_request_log()
    _request_headers_parsed_directly()
    _service_dispatch_remembered()
    _action_methods_remembered()
    _sqs_retention_check_in_constant_time()
    _sqs_plain_clock()
    _sqs_queue_attributes_on_demand()
    _dynamodb_transactions_without_table_copies()
    _dynamodb_upserts_stream_once()
    _dynamodb_queries_in_their_partition()
    _dynamodb_item_size_checked_once()
    _stream_iterators_bounded()
    _attribute_values_as_they_are()
    _request_id_filled_in_xml_only()
    _dynamodb_values_converted_directly()
    _cognito_totp_as_aws_does()
    _cognito_id_token_attributes_as_aws_does()
    _step_functions_waits_exact()


def _step_functions_waits_exact() -> None:
    from local import sfn_patches

    sfn_patches.apply()


def _quiet_request_log() -> None:
    """The server logs every request through a locked handler: a third of its busy time under load. And a
    line the logger then drops was still built first (the path decoded, the date formatted: ~10 us a
    request): it is built only when the logger would write it."""
    import logging

    from werkzeug.serving import WSGIRequestHandler

    logger = logging.getLogger("werkzeug")
    logger.setLevel(logging.WARNING)
    log_request = _MOTO_ORIGINALS.setdefault("log_request", WSGIRequestHandler.log_request)

    def log_request_when_logged(self: WSGIRequestHandler, code: int | str = "-", size: int | str = "-") -> None:
        if logger.isEnabledFor(logging.INFO):
            log_request(self, code, size)

    WSGIRequestHandler.log_request = log_request_when_logged  # type: ignore[method-assign]


# A header line as the email parser reads one: a name of printable characters but the colon, then a colon.
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")


def _request_headers_parsed_directly() -> None:
    """The server reads each request's headers with ``http.client.parse_headers``, which hands them to the
    email package's feed parser (~31 us of a request's ~1.3 ms of emulator CPU, for a boto3 request's nine
    headers). A block of plain ``Name: value`` lines, as every SDK sends, is split directly into the same
    message (~6 us); anything else (a folded line, a stray CR, a line that is not a header) goes to the email
    parser as before. The same function reads the responses of the emulator's own HTTP calls."""
    import email.parser
    import http.client

    def parse_headers(fp: Any, _class: type = http.client.HTTPMessage) -> Any:
        lines = http.client._read_headers(fp)  # type: ignore[attr-defined]  # limits as before
        message = _plain_header_block(lines, _class)
        if message is not None:
            return message
        return email.parser.Parser(_class=_class).parsestr(b"".join(lines).decode("iso-8859-1"))

    http.client.parse_headers = parse_headers  # type: ignore[assignment]


def _plain_header_block(lines: list[bytes], message_class: type) -> Any:
    """The message the email parser makes of these lines (compat32: the name as sent, the value without
    its leading blanks and line end), or None where the lines are not all plain ``Name: value`` lines ended
    by an empty one."""
    if not lines or lines[-1] not in (b"\r\n", b"\n"):
        return None
    message = message_class()
    for line in lines[:-1]:  # each ends with a line feed (readline), the last one excepted
        text = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if b"\r" in text or not _HEADER_LINE.match(text):
            return None
        name, _, value = text.decode("iso-8859-1").partition(":")
        message._headers.append((name, value.lstrip(" \t")))
    message.set_payload("")
    return message


def _service_dispatch_remembered() -> None:
    """Every request finds its service again (host, headers, sometimes the body) under one global lock: a
    fifth of the emulator's busy time. A signed request names its service and region in its credential
    scope, and DynamoDB Streams and others in the target prefix: remember the answer for that triple."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_application
    known: dict[tuple[str, str, str], Any] = {}

    def get_application(self: DomainDispatcherApplication, environ: dict[str, Any]) -> Any:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        path = environ.get("PATH_INFO", "")
        if "Credential=" not in authorization or path.startswith(("/moto-api", "/latest/")):
            return original(self, environ)
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) < 4:
            return original(self, environ)
        key = (scope[2], scope[3], environ.get("HTTP_X_AMZ_TARGET", "").split(".", 1)[0])
        app = known.get(key)
        if app is None:
            app = known[key] = original(self, environ)
        return app

    DomainDispatcherApplication.get_application = get_application  # type: ignore[method-assign]


def _action_methods_remembered() -> None:
    """Every request lists its handler class's methods (``inspect.getmembers``) and converts its action's
    name with regular expressions, to find the method that serves it: 5 % of a GetItem's time in the
    emulator. A class's methods are fixed once the patches are applied (before the server starts), and a
    name always converts alike, so both answers are remembered."""
    from functools import lru_cache

    from moto.core import responses

    # moto's own functions, also when this runs again in one process (never a cache wrapped around a cache)
    names_of = _MOTO_ORIGINALS.setdefault("method_names_from_class", responses.method_names_from_class)
    to_underscores = _MOTO_ORIGINALS.setdefault("camelcase_to_underscores", responses.camelcase_to_underscores)

    @lru_cache(maxsize=512)
    def method_names_from_class(clazz: object) -> frozenset[str]:
        return frozenset(names_of(clazz))

    responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]
    responses.camelcase_to_underscores = lru_cache(maxsize=4096)(to_underscores)


_MOTO_ORIGINALS: dict[str, Any] = {}


def _sqs_plain_clock() -> None:
    """moto's SQS asks a datetime-based clock for every message it looks at (visible? delayed?), so a
    receive or a count over a deep queue spends most of its time building datetimes. Same instant, read
    from ``time.time()``."""
    import time

    from moto.sqs import models

    setattr(models, "unix_time", lambda *_: time.time())  # noqa: B010 - patching a module's name
    setattr(models, "unix_time_millis", lambda *_: time.time() * 1000.0)  # noqa: B010


def _sqs_queue_attributes_on_demand() -> None:
    """Every SendMessage reads ``queue.attributes["ContentBasedDeduplication"]``, and ``attributes``
    computes every attribute, the approximate counts included, each a pass over the whole backlog: a
    send cost 7.5 ms on an empty FIFO queue and 158 ms with 1,000 waiting. The same mapping, computed
    one attribute at a time when asked."""
    from collections.abc import Iterator, Mapping

    from moto.core.utils import camelcase_to_underscores
    from moto.sqs.models import Queue

    class QueueAttributes(Mapping[str, Any]):
        def __init__(self, queue: Queue) -> None:
            self.queue = queue
            names = list(queue.BASE_ATTRIBUTES)
            if queue.fifo_queue:
                names += queue.FIFO_ATTRIBUTES
            if queue.kms_master_key_id:  # type: ignore[attr-defined]
                names += queue.KMS_ATTRIBUTES
            self.names = [
                name
                for name in names
                if not (name == "Policy" and not queue.policy)
                and not (name == "RedrivePolicy" and not queue.redrive_policy)
            ]

        def __getitem__(self, name: str) -> Any:
            if name not in self.names:
                raise KeyError(name)
            if name == "Policy":
                return self.queue.policy
            if name == "RedrivePolicy":
                return json.dumps(self.queue.redrive_policy)
            value = getattr(self.queue, camelcase_to_underscores(name))
            return str(value).lower() if isinstance(value, bool) else value

        def __iter__(self) -> Iterator[str]:
            return iter(self.names)

        def __len__(self) -> int:
            return len(self.names)

    Queue.attributes = property(QueueAttributes)  # type: ignore[assignment,method-assign]


# What a DynamoDB attribute value may hold that the response serializer would pass through unchanged.
_PLAIN_ATTRIBUTE_TYPES = frozenset(("S", "N", "BOOL", "NULL", "SS", "NS", "M", "L"))


def _plain_attribute_value(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind not in _PLAIN_ATTRIBUTE_TYPES:
        return False  # B and BS: blobs are base64-encoded by the serializer
    if kind in ("S", "N"):
        return isinstance(inner, str)
    if kind in ("BOOL", "NULL"):
        return isinstance(inner, bool)
    if kind in ("SS", "NS"):
        return isinstance(inner, list) and all(isinstance(item, str) for item in inner)
    if kind == "M":
        return _plain_attribute_map(inner)
    return isinstance(inner, list) and all(_plain_attribute_value(item) for item in inner)


def _attribute_values_as_they_are() -> None:
    """moto's response serializer walks every DynamoDB attribute value through its shape model (aliases,
    pickers, one member at a time): 60 % of the emulator's time under load went to writing out items that
    are already in DynamoDB's wire format. An attribute value of plain strings, numbers, booleans, lists and
    maps is written as it is, so is a map of such values (an item, a key), and so is a stream record whose
    images are (only its creation time is a timestamp to convert): a ``GetRecords`` of 100 records cost
    ~24 ms of the emulator's CPU, most of it this walk. Anything else (blobs) takes the serializer's path."""
    from moto.core.serialize import BaseJSONSerializer

    structure = _MOTO_ORIGINALS.setdefault("serialize_structure", BaseJSONSerializer._serialize_type_structure)
    mapping = _MOTO_ORIGINALS.setdefault("serialize_map", BaseJSONSerializer._serialize_type_map)

    def serialize_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and _plain_attribute_value(value):
            serialized[key] = value
            return
        if key and shape.name == "Record" and "dynamodb" in shape.members:
            record = _plain_stream_record(self, value, shape)
            if record is not None:
                self._default_serialize(serialized, record, shape, key)
                return
        structure(self, serialized, value, shape, key)

    def serialize_map(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.value.name == "AttributeValue" and _plain_attribute_map(value):
            self._default_serialize(serialized, dict(value), shape, key)
            return
        mapping(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_map = serialize_map  # type: ignore[method-assign]


def _request_id_filled_in_xml_only() -> None:
    """moto looks for an XML ``<RequestId>`` to fill in with a look-behind pattern run over every answer's
    whole body, JSON ones included, where it never matches: a tenth of a ``GetRecords``'s time. A body
    without the tag is left alone (the pattern could not match it); the rest is moto's own code."""
    from moto.core.responses import BaseResponse

    enrich = _MOTO_ORIGINALS.setdefault("enrich_response", BaseResponse._enrich_response)

    def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        if isinstance(body, str) and "<RequestId>" not in body:
            headers, _ = enrich(headers, "")  # the status cast and the request id header
            return headers, body
        return enrich(headers, body)

    BaseResponse._enrich_response = staticmethod(enrich_response)  # type: ignore[method-assign]


def _dynamodb_values_converted_directly() -> None:
    """Two walks over every item moto answers with (a BatchGetItem's, a Query's): its conversion to plain
    values asks every string and number whether it has a ``to_json`` (a failed attribute lookup each), and
    each value nested in a map or list is deep-copied, strings included (the copy module's dispatch, for an
    object it then returns as it is). 4-5 % of the emulator's CPU under (c). Strings, numbers, booleans,
    dicts and lists (their exact types) are recognized first, and a text or boolean value (not a blob,
    which is decoded) is returned without the copy; everything else takes moto's own code."""
    from moto.dynamodb import responses
    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType

    to_dict = _MOTO_ORIGINALS.setdefault("dynamo_to_dict", utilities.dynamo_to_dict)
    to_regular_json = _MOTO_ORIGINALS.setdefault("to_regular_json", DynamoType.to_regular_json)
    leaves = frozenset((str, int, float, bool, type(None)))  # none is a datetime, a DynamoType or has to_json

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind in leaves:
            return obj
        if kind is dict:
            return {key: dynamo_to_dict(value) for key, value in obj.items()}
        if kind is list:
            return [dynamo_to_dict(item) for item in obj]
        return to_dict(obj)  # whose own recursion comes back here (it calls the module's name)

    def regular_json(self: DynamoType) -> dict[str, Any]:
        if self.type != "B" and type(self.value) in (str, bool):
            return {self.type: self.value}
        return to_regular_json(self)

    utilities.dynamo_to_dict = dynamo_to_dict
    responses.dynamo_to_dict = dynamo_to_dict
    DynamoType.to_regular_json = regular_json  # type: ignore[method-assign]


def _plain_attribute_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(name, str) and _plain_attribute_value(item) for name, item in value.items()
    )


# The members of a DynamoDB stream record (``Record``) and of its change (``StreamRecord``) as moto writes
# them: text, the images, the size; a TTL deletion's ``userIdentity`` is left to the serializer.
_STREAM_RECORD_TEXT = frozenset(("eventID", "eventName", "eventVersion", "eventSource", "awsRegion"))
_STREAM_CHANGE_TEXT = frozenset(("SequenceNumber", "StreamViewType"))
_STREAM_IMAGES = frozenset(("Keys", "NewImage", "OldImage"))
_STREAM_RECORD_MEMBERS = _STREAM_RECORD_TEXT | {"dynamodb"}
_STREAM_CHANGE_MEMBERS = _STREAM_CHANGE_TEXT | _STREAM_IMAGES | {"ApproximateCreationDateTime", "SizeBytes"}


def _plain_stream_record(serializer: Any, value: Any, shape: Any) -> dict[str, Any] | None:
    """The stream record ``value`` as the serializer would write it, or None when it holds anything but
    text, plain images and its size (the serializer then writes it)."""
    if not isinstance(value, dict) or not value.keys() <= _STREAM_RECORD_MEMBERS:
        return None
    change = value.get("dynamodb")
    if not isinstance(change, dict) or not change.keys() <= _STREAM_CHANGE_MEMBERS:
        return None
    if not all(isinstance(value[name], str) for name in value.keys() & _STREAM_RECORD_TEXT):
        return None
    if not all(isinstance(change[name], str) for name in change.keys() & _STREAM_CHANGE_TEXT):
        return None
    if not all(_plain_attribute_map(change[name]) for name in change.keys() & _STREAM_IMAGES):
        return None
    size = change.get("SizeBytes", 0)
    if not isinstance(size, int) or isinstance(size, bool):
        return None
    written = dict(change)
    created = change.get("ApproximateCreationDateTime")
    if created is not None:
        stamp: dict[str, Any] = {}
        member = shape.members["dynamodb"].members["ApproximateCreationDateTime"]
        serializer._serialize(stamp, created, member, "ApproximateCreationDateTime")
        written["ApproximateCreationDateTime"] = stamp["ApproximateCreationDateTime"]
    elif "ApproximateCreationDateTime" in change:
        return None
    return {**value, "dynamodb": written}


def _dynamodb_queries_in_their_partition() -> None:
    """moto answers every Query by sorting the whole table (``Table.all_items``: every item ordered by its
    key, each comparison a Python call on attribute values), then keeps the items of the one partition, or
    on an index those with the index's key values: O(n log n) in the table's size for every Query. With the
    few thousand items 200 tickets leave, Queries were a third of the emulator's time and each took tens of
    milliseconds, growing with the table (bench (g), docs/benchmarks.md). The same answer, cheaper: a Query on
    the table reads its own partition (sorted as before); a Query on an index looks at the items unsorted,
    since moto then sorts the matches by the index's keys and the table's key, a total order (the table's
    key is unique), so they come out in the same order. A Scan still walks the sorted table."""
    import threading

    from moto.dynamodb.models.table import Table

    scope = threading.local()  # the Query this thread is answering: (table, hash key, index name, conditions)
    query, all_items = Table.query, Table.all_items

    def in_scope(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # query's 8th parameter
        scope.current = (self, hash_key, index_name, kwargs.get("hash_key_conditions") or [])
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            scope.current = None

    def items_for_query(self: Table) -> list[Any]:
        current = getattr(scope, "current", None)
        if current is None or current[0] is not self:
            return all_items(self)
        _, hash_key, index_name, conditions = current
        partitions = self.items.values()
        if index_name is None:
            if hash_key is None:
                return all_items(self)
            partition = self.items.get(hash_key)
            partitions = [] if partition is None else [partition]
        items = [item for p in partitions for item in (p.values() if self.range_key_attr else [p])]
        if index_name is None:  # as all_items orders them (moto sorts by the range key again after)
            items.sort(key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)
            return items
        # on an index: a first cut on the index's string partition keys (moto's own check follows, so
        # keeping more than it would is harmless, and a string equals a string only as the same text)
        wanted = [(name, value.value) for name, value in conditions if value.type == "S"]
        return [item for item in items if all(_is_text(item.attrs.get(name), text) for name, text in wanted)]

    Table.query = in_scope  # type: ignore[method-assign]
    Table.all_items = items_for_query  # type: ignore[method-assign]


def _dynamodb_item_size_checked_once() -> None:
    """moto checks the 400 KB item limit on every attribute it puts into a new item, each time summing the
    sizes of all the attributes already there: a new item of n attributes costs n^2/2 size computations (a
    ticket item has ~30), a tenth of the emulator's CPU under load. The same sum is now taken once, over the
    whole item, with the same limit and the same error; sizes only add up, so an item refused attribute by
    attribute is refused whole, and no other. Updates of a stored item keep moto's check."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.update(self.attrs, values)  # past LimitedSizeDict.__setitem__, checked above

    Item.__init__ = item_init  # type: ignore[method-assign]


# moto's own figure (dynamo_type.LimitedSizeDict): between the 400 KB DynamoDB documents and the 409-410 KB
# it accepts in practice.
ITEM_SIZE_LIMIT = 405000


def _is_text(value: Any, text: str) -> bool:
    return value is not None and value.type == "S" and value.value == text


def _stream_iterators_bounded() -> None:
    """moto keeps every shard iterator it ever handed out, and a stream reader asks for a new one each
    poll: the map grows for as long as the cloud runs. Keep the newest ones (AWS lets an iterator expire
    after 15 minutes anyway)."""
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    kept = 1_000
    original = DynamoDBStreamsBackend.get_records

    def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
        result = original(self, iterator_arn, limit)
        while len(self.shard_iterators) > kept:
            del self.shard_iterators[next(iter(self.shard_iterators))]
        return result

    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]


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
    transaction (and every outbound send that gets a provider id, in one with an Update), so the local cloud
    slowed down and grew by the day. Instead: check every condition first and write only when all hold (what
    DynamoDB does). An Update can still fail while it is applied (moto validates its expression against the
    item then); the items the transaction touched are then put back as they were and the stream records it
    made are taken back, so a failed transaction leaves nothing, in the table or in its stream."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        if any(len(item) != 1 or next(iter(item)) not in TRANSACT_WRITE_OPERATIONS for item in transact_items):
            original(self, transact_items)  # moto's own errors for what DynamoDB refuses
            return
        seen: set[tuple[str, str]] = set()
        planned: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
        errors: list[Any] = []
        for item in transact_items:
            op_type, op = next(iter(item.items()))
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
            planned.append((op_type, table_name, op, key))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        undo = _TransactionUndo(self)
        for position, (op_type, table_name, op, key) in enumerate(planned):
            undo.remember(table_name, key)
            try:
                if op_type == "Put":
                    self.put_item(table_name, op["Item"])
                elif op_type == "Delete":
                    self.delete_item(table_name, key)
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=op.get("ExpressionAttributeNames") or {},
                        expression_attribute_values=op.get("ExpressionAttributeValues") or {},
                    )
            except MockValidationException:
                undo()
                raise
            except Exception as error:  # as moto reports an operation that failed: its reason, the others None
                undo()
                reasons: list[Any] = [(None, None, None)] * len(planned)
                reasons[position] = (type(error).__name__, str(error), None)
                raise TransactionCanceledException(reasons) from error

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _dynamodb_upserts_stream_once() -> None:
    """An UpdateItem that creates its item makes one INSERT record in DynamoDB's stream, with the item as
    updated. moto makes two: it puts the bare key first (an INSERT of the key alone), then records the update as
    another INSERT. A stream function then sees an item that never existed. The first is taken out, and the
    second takes its sequence number, since moto finds a record by its place in the shard's list."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.update_item

    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        shard = self.get_table(table_name).stream_shard
        length = len(shard.items) if shard is not None else 0
        item = original(self, table_name, key, *args, **kwargs)
        if shard is not None and len(shard.items) == length + 2:
            bare, updated = shard.items[length].record, shard.items[length + 1].record
            if (
                bare["eventName"] == updated["eventName"] == "INSERT"
                and bare["dynamodb"]["Keys"] == updated["dynamodb"]["Keys"]
            ):
                updated["dynamodb"]["SequenceNumber"] = bare["dynamodb"]["SequenceNumber"]
                del shard.items[length]
        return item

    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


TRANSACT_WRITE_OPERATIONS = ("Put", "Delete", "Update", "ConditionCheck")


class _TransactionUndo:
    """What a transaction changed, to put back if one of its operations fails while it is applied: each item
    as it was before (a copy: moto updates items in place), and each table's stream as long as it was."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.items: list[tuple[Any, Any, Any, Any]] = []
        self.streams: dict[int, tuple[Any, int]] = {}

    def remember(self, table_name: str, key: dict[str, Any]) -> None:
        import copy

        table = self.backend.get_table(table_name)
        hash_key, range_key = self.backend.get_keys_value(table, key)
        self.items.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        shard = table.stream_shard
        if shard is not None and id(shard) not in self.streams:
            self.streams[id(shard)] = (shard, len(shard.items))

    def __call__(self) -> None:
        for table, hash_key, range_key, before in reversed(self.items):
            if range_key is None:
                if before is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = before
            elif before is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        for shard, length in self.streams.values():
            del shard.items[length:]  # a record's sequence number is its place in the list: none is reused


# -- IAM -----------------------------------------------------------------------------------------------------

# Cognito calls that AWS answers without SigV4 (the app signs in with them; some carry an access token).
UNSIGNED_COGNITO_OPERATIONS = (
    "InitiateAuth",
    "RespondToAuthChallenge",
    "SignUp",
    "ConfirmSignUp",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "GetUser",
    "ChangePassword",
    "GlobalSignOut",
    "RevokeToken",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "GetTokensFromRefreshToken",
)


# moto's Step Functions interpreter signs with this fixed key the calls that have no state machine role to act
# as (step_functions_tasks_as_their_role signs the tasks' calls with the role).
STEP_FUNCTIONS_INTERPRETER_KEY = "ak"


def iam_for_the_local_cloud(root_access_key: str) -> None:
    """Enforce IAM as far as moto can, for the local cloud's two kinds of caller.

    - ``root_access_key`` is the account's root user (the local cloud itself, tests, a developer's CLI):
      IAM never restricts root, so its requests are not checked.
    - Everyone else must sign with known credentials (an assumed role's, as every function does), and
      the action must be allowed by that identity's policies. moto knows the resource of a request only
      for S3, SQS, STS and (added here) DynamoDB; elsewhere it asks about ``*``, which a statement scoped to
      an ARN never matches, so there a statement is matched on its actions alone.
    """
    from moto.core.authorization import ActionAuthenticatorMixin

    public = [f"AWSCognitoIdentityProviderService.{name}" for name in UNSIGNED_COGNITO_OPERATIONS]
    ActionAuthenticatorMixin.PUBLIC_OPERATIONS = sorted({*ActionAuthenticatorMixin.PUBLIC_OPERATIONS, *public})

    checked = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if _access_key_of(self) in (root_access_key, STEP_FUNCTIONS_INTERPRETER_KEY):
            return
        if getattr(self, "method", "") == "OPTIONS":
            return  # a browser's CORS preflight is never signed, in AWS either
        if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            return
        if not (self.headers.get("Authorization") or self.headers.get("authorization")):
            _authorize_presigned(self, iam_request_cls, resource)
            return
        checked(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize  # type: ignore[method-assign]
    _signatures_of_requests_without_a_body()
    iam_evaluated_as_aws_does()


@functools.cache
def iam_evaluated_as_aws_does() -> None:
    """How a request that is checked is judged (the actions IAM names, the resource of each service's request,
    ``dynamodb:LeadingKeys``), apart from who is checked: the emulator checks every caller but root; the
    integration tests check the function that makes a call in-process (tests/support/role_guard.py)."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.iam.access_control import IAMPolicyStatement

    _iam_actions_as_aws_names_them()
    matches = IAMPolicyStatement._check_element_matches

    def check_element_matches(self: IAMPolicyStatement, statement_element: Any, value: str) -> bool:
        if statement_element == "Resource" and value == "*":
            return True  # moto does not know this request's resource: judge the statement by its actions
        return matches(self, statement_element, value)

    IAMPolicyStatement._check_element_matches = check_element_matches  # type: ignore[method-assign]
    _dynamodb_leading_keys_evaluated()

    def determine_resource(self: DynamoHandler) -> str:
        return _dynamodb_resource(self.body if isinstance(self.body, dict) else {}, self.region, self.current_account)

    DynamoHandler._determine_resource = determine_resource  # type: ignore[attr-defined]
    _resources_determined()


def _signatures_of_requests_without_a_body() -> None:
    """moto checks a signature against the request's body, or, when it has none, against its parsed parameters
    as if they were a form body: right for a form moto has already read (the query protocol), wrong for a
    request that has no body at all (a REST ``GET`` or ``DELETE``: GetSchedule, DeleteSchedule, ListSchedules,
    an Invoke without payload), which failed with SignatureDoesNotMatch. Those are checked with the empty body
    the SDK signed (their query string is part of the path moto signs already)."""
    from botocore.awsrequest import AWSRequest
    from moto.iam.access_control import IAMRequestBase

    def create_aws_request(self: IAMRequestBase) -> AWSRequest:
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed, self._headers)
        content_type = str(self._headers.get("Content-Type") or self._headers.get("content-type") or "")
        if not self._body and "x-www-form-urlencoded" not in content_type:
            data: Any = b""
        else:  # a form (the query protocol: SES, SNS, STS) whose body moto has read into its parameters
            data = self._body or self._data
        request = AWSRequest(method=self._method, url=self._path, data=data, headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    IAMRequestBase._create_aws_request = create_aws_request  # type: ignore[method-assign]


def _json_body(response: Any) -> dict[str, Any]:
    body = getattr(response, "body", None)
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body or b"{}")
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _resources_determined() -> None:
    """The resource of a request for Lambda, Step Functions, Scheduler, Secrets Manager, KMS and Bedrock (moto
    asks about ``*`` for them), so a statement scoped to another function, state machine, schedule, secret, key
    or model refuses as in AWS."""
    from urllib.parse import unquote

    from moto.awslambda.responses import LambdaResponse
    from moto.bedrockruntime.responses import BedrockRuntimeResponse
    from moto.kms.responses import KmsResponse
    from moto.scheduler.responses import EventBridgeSchedulerResponse
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.stepfunctions.responses import StepFunctionResponse

    def lambda_resource(self: LambdaResponse) -> str:
        path = unquote(self.path.split("?", 1)[0])
        if "/functions/" not in path:
            return "*"
        name = path.split("/functions/", 1)[1].split("/", 1)[0]
        if name.startswith("arn:"):
            return ":".join(name.split(":")[:7])
        return f"arn:aws:lambda:{self.region}:{self.current_account}:function:{name.split(':', 1)[0]}"

    def states_resource(self: StepFunctionResponse) -> str:
        body = _json_body(self)
        for name in ("stateMachineArn", "executionArn"):
            if isinstance(body.get(name), str) and body[name]:
                return str(body[name])
        return "*"

    def scheduler_resource(self: EventBridgeSchedulerResponse) -> str:
        path = unquote(self.path.split("?", 1)[0]).rstrip("/")
        prefix = f"arn:aws:scheduler:{self.region}:{self.current_account}"
        if path.startswith("/schedules/"):
            group = _json_body(self).get("GroupName") or (self.querystring.get("groupName") or ["default"])[0]
            return f"{prefix}:schedule/{group or 'default'}/{path.rsplit('/', 1)[1]}"
        if path.startswith("/schedule-groups/"):
            return f"{prefix}:schedule-group/{path.rsplit('/', 1)[1]}"
        return "*"

    def secret_resource(self: SecretsManagerResponse) -> str:
        body = _json_body(self)
        if self._get_action() == "CreateSecret" and isinstance(body.get("Name"), str):
            # the new secret's ARN ends in a random suffix: a grant on the bare name does not cover it in AWS
            return f"arn:aws:secretsmanager:{self.region}:{self.current_account}:secret:{body['Name']}-XXXXXX"
        secret_id = body.get("SecretId")
        if not isinstance(secret_id, str) or not secret_id:
            return "*"
        return _secret_arn(secret_id, self.region, self.current_account)

    def bedrock_resource(self: BedrockRuntimeResponse) -> str:
        # /model/{modelId}/converse (or /invoke...): a foundation model's ARN, or the ARN the caller named
        parts = unquote(self.path.split("?", 1)[0]).split("/")
        if len(parts) < 3 or parts[1] != "model" or not parts[2]:
            return "*"
        model = parts[2]
        return model if model.startswith("arn:") else f"arn:aws:bedrock:{self.region}::foundation-model/{model}"

    def kms_resource(self: KmsResponse) -> str:
        key = _kms_key_of(_json_body(self), self._get_action())
        return _kms_key_arn(key, self.region, self.current_account) if key else "*"

    BedrockRuntimeResponse._determine_resource = bedrock_resource  # type: ignore[attr-defined]
    SecretsManagerResponse._determine_resource = secret_resource  # type: ignore[attr-defined]
    KmsResponse._determine_resource = kms_resource  # type: ignore[attr-defined]
    LambdaResponse._determine_resource = lambda_resource  # type: ignore[attr-defined]
    StepFunctionResponse._determine_resource = states_resource  # type: ignore[attr-defined]
    EventBridgeSchedulerResponse._determine_resource = scheduler_resource  # type: ignore[attr-defined]


def _authorize_presigned(response: Any, iam_request_cls: type, resource: str) -> None:
    """A presigned URL (the signature in the query string): moto verifies only signatures in headers, so
    check what the signer may do (the part IAM decides) and leave the query signature unchecked."""
    querystring = getattr(response, "querystring", {}) or {}
    credential = querystring.get("X-Amz-Credential")
    if not credential:
        from moto.core.exceptions import AccessDeniedError

        raise AccessDeniedError(user_arn="anonymous", action=response._get_action())
    value = credential[0] if isinstance(credential, list) else credential
    headers = dict(response.headers)
    headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={value}, SignedHeaders=host, Signature=presigned"
    token = querystring.get("X-Amz-Security-Token")
    if token:  # temporary credentials (a role's) carry their session token in the query too
        headers["X-Amz-Security-Token"] = token[0] if isinstance(token, list) else token
    request = iam_request_cls(
        account_id=response.current_account,
        method=response.method,
        path=response.raw_path,
        data=response.data,
        body=response.raw_body,
        headers=headers,
        action=response._get_action(),
    )
    request.check_action_permitted(resource)


# IAM names a few actions differently from the API call (a batch is authorized as its single form; a
# DynamoDB transaction as each of its operations) and a few services differently from their signing name.
IAM_ACTION_OF_CALL = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "bedrock:Converse": "bedrock:InvokeModel",
    "bedrock:ConverseStream": "bedrock:InvokeModelWithResponseStream",
}
IAM_SERVICE_OF_SIGNING_NAME = {"monitoring": "cloudwatch", "email": "ses"}
TRANSACTION_OPERATIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}


def _iam_actions_as_aws_names_them() -> None:
    from moto.core.exceptions import AccessDeniedError
    from moto.iam.access_control import IAMRequestBase

    check = IAMRequestBase.check_action_permitted

    def check_action_permitted(self: IAMRequestBase, resource: str) -> None:
        called = self._action
        service, _, name = called.partition(":")
        service = IAM_SERVICE_OF_SIGNING_NAME.get(service, service)
        action_of_call = IAM_ACTION_OF_CALL.get(f"{service}:{name}", f"{service}:{name}")
        wanted: list[tuple[str, str, tuple[str, ...]]] = [(action_of_call, resource, ())]
        if service == "dynamodb":
            wanted = _dynamodb_permissions(called, self._body, resource, self._region, self.account_id) or wanted
        if called in ("scheduler:CreateSchedule", "scheduler:UpdateSchedule"):
            wanted += [(action, arn, ()) for action, arn in _passed_role(self._body)]
        if called.startswith("secretsmanager:"):
            wanted += [
                (action, arn, ()) for action, arn in _secret_key_use(called, self._body, self._region, self.account_id)
            ]
        policies = _policy_documents(self._access_key.collect_policies())
        try:
            for action, arn, leading_keys in wanted:
                self._action = action
                _REQUEST_CONTEXT.leading_keys = leading_keys
                question = _ALLOWED.key(policies, action, arn, leading_keys)
                if question is not None and question in _ALLOWED:
                    continue
                try:
                    check(self, arn)
                    if question is not None:
                        _ALLOWED.remember(question)
                except AccessDeniedError:
                    if service != "dynamodb":
                        raise
                    raise _dynamodb_access_denied(self._access_key.arn, action, arn) from None
        finally:
            self._action = called
            _REQUEST_CONTEXT.leading_keys = ()

    IAMRequestBase.check_action_permitted = check_action_permitted  # type: ignore[method-assign]


class _AllowedRequests:
    """The requests moto's policy evaluation has allowed, by the caller's policy documents (their text: a
    changed, attached or detached policy is another key), the action, the resource and, where one of the
    documents has a ``dynamodb:LeadingKeys`` condition, the partition keys. moto parses every policy of the
    role and matches every statement on every request (a function's role holds 5-19 statements); the same
    question gets the same answer while the documents are the same. Only allows are kept (a refusal is
    judged again, and answered with moto's message); an ``sts:AssumeRole``-like check on a role ARN also
    weighs the role's trust policy, so those are never kept."""

    LIMIT = 20_000  # distinct questions kept; past it, the answers are forgotten and learned again

    def __init__(self) -> None:
        self._allowed: set[tuple[Any, ...]] = set()
        self._conditional: dict[tuple[str, ...], bool] = {}

    def key(
        self, policies: tuple[str, ...] | None, action: str, resource: str, leading_keys: tuple[str, ...]
    ) -> tuple[Any, ...] | None:
        if policies is None or ":role" in resource.lower():
            return None
        conditional = self._conditional.get(policies)
        if conditional is None:
            conditional = self._conditional[policies] = any(LEADING_KEYS in document for document in policies)
        return (policies, action, resource, leading_keys if conditional else ())

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        return key in self._allowed

    def remember(self, key: tuple[Any, ...]) -> None:
        if len(self._allowed) >= self.LIMIT:
            self._allowed.clear()
            self._conditional.clear()
        self._allowed.add(key)


_ALLOWED = _AllowedRequests()


def _policy_documents(policies: list[Any]) -> tuple[str, ...] | None:
    """The text of each policy moto evaluates for a caller (as ``IAMPolicy`` reads it), or None for a kind
    of policy it does not know."""
    from moto.iam.models import Policy

    documents = []
    for policy in policies:
        if isinstance(policy, str):
            documents.append(policy)
        elif isinstance(policy, Policy):
            documents.append(next(version.document for version in policy.versions if version.is_default))
        elif isinstance(policy, dict) and isinstance(policy.get("policy_document"), str):
            documents.append(policy["policy_document"])
        else:
            return None
    return tuple(documents)


def _dynamodb_access_denied(user_arn: str, action: str, resource: str) -> Exception:
    """A refusal as DynamoDB answers it (400, ``AccessDeniedException``, in JSON), not moto's generic XML 403."""
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(
        "com.amazon.coral.service#AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: {action} on resource: {resource}",
    )


# The request being authorized, for the condition keys moto does not know (set for each check).
_REQUEST_CONTEXT = threading.local()
LEADING_KEYS = "dynamodb:LeadingKeys"


def _dynamodb_leading_keys_evaluated() -> None:
    """moto evaluates no condition on an ordinary request: an operator it does not know (every one but
    ``StringEquals``) holds, and ``StringEquals`` holds too since moto looks up no value for it. So a grant
    limited by ``dynamodb:LeadingKeys`` to some partitions let a function write any partition locally. A
    statement's conditions on ``dynamodb:LeadingKeys`` (the partition key values the request touches, see
    ``_dynamodb_permissions``) are now evaluated with the string operators, ``ForAllValues:`` /
    ``ForAnyValue:`` and ``...IfExists`` as IAM does; a statement whose condition does not hold does not apply
    (neither allows nor denies). Its other conditions are left to moto, unchanged."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        conditions = self._statement.get("Condition")
        if not isinstance(conditions, dict) or not any(
            isinstance(keys, dict) and LEADING_KEYS in keys for keys in conditions.values()
        ):
            return original(self, action, resource, principal, incoming_condition_values)
        values: tuple[str, ...] = getattr(_REQUEST_CONTEXT, "leading_keys", ())
        rest: dict[str, Any] = {}
        for operator, keys in conditions.items():
            if not isinstance(keys, dict) or LEADING_KEYS not in keys:
                rest[operator] = keys
                continue
            held = _string_condition_holds(operator, keys[LEADING_KEYS], values)
            if held is None:  # an operator evaluated here for no key: moto's way (it holds)
                held = True
            if not held:
                return PermissionResult.NEUTRAL
            others = {key: expected for key, expected in keys.items() if key != LEADING_KEYS}
            if others:
                rest[operator] = others
        statement = {name: value for name, value in self._statement.items() if name != "Condition"}
        if rest:
            statement["Condition"] = rest
        return original(IAMPolicyStatement(statement), action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted  # type: ignore[method-assign]


STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (negated, like, ignore case)
    "StringNotEquals": (True, False, False),
    "StringEqualsIgnoreCase": (False, False, True),
    "StringNotEqualsIgnoreCase": (True, False, True),
    "StringLike": (False, True, False),
    "StringNotLike": (True, True, False),
}


def _string_condition_holds(operator: str, expected: Any, values: tuple[str, ...]) -> bool | None:
    """Whether a string condition on a multivalued key holds for the request's values (none: the key is absent
    from the request), as IAM evaluates it; None for an operator this does not evaluate.

    ``ForAllValues:`` holds when every value matches, so also when there is none; ``ForAnyValue:`` when one
    does. Without a set operator (meant for single-valued keys) the key must be present and a value match; a
    negated operator (``StringNotLike``) holds for an absent key. ``...IfExists`` holds for an absent key."""
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        return None
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if name not in STRING_OPERATORS:
        return None
    negated, like, ignore_case = STRING_OPERATORS[name]
    patterns = [str(p) for p in (expected if isinstance(expected, list) else [expected])]

    def matches(value: str) -> bool:
        found = any(_string_matches(pattern, value, like, ignore_case) for pattern in patterns)
        return not found if negated else found

    if not values:
        if qualifier == "ForAllValues" or if_exists:
            return True
        return qualifier == "" and negated
    if qualifier == "ForAllValues":
        return all(matches(value) for value in values)
    return any(matches(value) for value in values)


def _string_matches(pattern: str, value: str, like: bool, ignore_case: bool) -> bool:
    if ignore_case:
        pattern, value = pattern.casefold(), value.casefold()
    if not like:
        return pattern == value
    # StringLike: * any run of characters, ? one character, everything else as it is (case-sensitive)
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _secret_arn(secret_id: str, region: str, account: str) -> str:
    """The ARN of the secret a name, ARN or partial ARN names (with its random suffix, as IAM sees it)."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[account][region].secrets.get(secret_id)
    if secret is not None:
        return str(secret.arn)
    if secret_id.startswith("arn:"):
        return secret_id
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}"


def _kms_key_of(body: dict[str, Any], action: str) -> str:
    """The key a KMS request uses: its KeyId, or for Decrypt without one, the key inside the ciphertext."""
    for name in ("KeyId", "DestinationKeyId"):
        if isinstance(body.get(name), str) and body[name]:
            return str(body[name])
    if action in ("Decrypt", "ReEncrypt") and isinstance(body.get("CiphertextBlob"), str):
        import base64

        from moto.kms.utils import _deserialize_ciphertext_blob

        try:
            return _deserialize_ciphertext_blob(base64.b64decode(body["CiphertextBlob"])).key_id
        except Exception:
            return ""  # not a ciphertext of this emulator: moto refuses it anyway
    return ""


def _kms_key_arn(key: str, region: str, account: str) -> str:
    """A key id, key ARN, alias or alias ARN as the key's ARN (IAM authorizes a key's use on the key)."""
    from moto.kms.models import kms_backends

    try:
        key_id = kms_backends[account][region].any_id_to_key_id(key)
    except Exception:
        return key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:{key}"
    if key_id.startswith("arn:"):
        return key_id
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


# Secrets Manager uses the secret's KMS key on the caller's behalf: a caller needs the key too (in AWS through
# kms:ViaService, which the emulator does not evaluate, so any grant of the action on the key counts).
SECRET_KEY_USE = {
    "secretsmanager:GetSecretValue": "kms:Decrypt",
    "secretsmanager:PutSecretValue": "kms:GenerateDataKey",
    "secretsmanager:CreateSecret": "kms:GenerateDataKey",
    "secretsmanager:UpdateSecret": "kms:GenerateDataKey",
}


def _secret_key_use(called: str, body: bytes, region: str, account: str) -> list[tuple[str, str]]:
    action = SECRET_KEY_USE.get(called)
    if action is None:
        return []
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return []
    if not isinstance(request, dict):
        return []
    writes_value = "SecretString" in request or "SecretBinary" in request
    if called in ("secretsmanager:CreateSecret", "secretsmanager:UpdateSecret") and not writes_value:
        return []  # nothing is encrypted
    key = request.get("KmsKeyId")
    if not key and called != "secretsmanager:CreateSecret":
        from moto.secretsmanager.models import secretsmanager_backends

        secret = secretsmanager_backends[account][region].secrets.get(str(request.get("SecretId", "")))
        key = getattr(secret, "kms_key_id", None) if secret is not None else None
    if not isinstance(key, str) or not key or key.startswith("alias/aws/"):
        return []  # the AWS managed key: its key policy lets every caller in the account use it
    return [(action, _kms_key_arn(key, region, account))]


def _passed_role(body: bytes) -> list[tuple[str, str]]:
    """A schedule's target role is passed to Scheduler: its creator needs ``iam:PassRole`` on it, as in AWS."""
    try:
        role = json.loads(body or b"{}").get("Target", {}).get("RoleArn")
    except (ValueError, AttributeError):
        return []
    return [("iam:PassRole", role)] if isinstance(role, str) and role else []


# What a DynamoDB call needs, as IAM authorizes it: a transaction, each of its operations on its own table; a
# batch, its action on each table it names; each with the partition key values it touches on that table
# (``dynamodb:LeadingKeys``).
DYNAMODB_ITEM_CALLS = {
    "dynamodb:GetItem": "Key",
    "dynamodb:DeleteItem": "Key",
    "dynamodb:UpdateItem": "Key",
    "dynamodb:PutItem": "Item",
}
TRANSACTION_ITEM_OF_OPERATION = {"Put": "Item", "Update": "Key", "Delete": "Key", "ConditionCheck": "Key", "Get": "Key"}


def _dynamodb_permissions(
    called: str, body: bytes, resource: str, region: str, account: str
) -> list[tuple[str, str, tuple[str, ...]]]:
    """(action, resource, leading keys) for each check a DynamoDB call needs; [] where it is not one we know."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return []
    if not isinstance(request, dict):
        return []
    if called in DYNAMODB_ITEM_CALLS:
        item = request.get(DYNAMODB_ITEM_CALLS[called])
        return [(called, resource, _leading_keys(request.get("TableName"), [item], region, account))]
    if called == "dynamodb:Query":
        return [(called, resource, _query_leading_keys(request, region, account))]
    if called in ("dynamodb:TransactWriteItems", "dynamodb:TransactGetItems"):
        return _transaction_permissions(request, region, account)
    if called in ("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"):
        return _batch_permissions(called, request, region, account)
    return []


def _transaction_permissions(
    request: dict[str, Any], region: str, account: str
) -> list[tuple[str, str, tuple[str, ...]]]:
    items = request.get("TransactItems")
    wanted = []
    for item in items if isinstance(items, list) else []:
        for operation, op in item.items() if isinstance(item, dict) else []:
            action = TRANSACTION_OPERATIONS.get(operation)
            if action is not None and isinstance(op, dict):
                keys = _leading_keys(
                    op.get("TableName"), [op.get(TRANSACTION_ITEM_OF_OPERATION[operation])], region, account
                )
                wanted.append((action, _dynamodb_resource(op, region, account), keys))
    return sorted(set(wanted))


def _batch_permissions(
    called: str, request: dict[str, Any], region: str, account: str
) -> list[tuple[str, str, tuple[str, ...]]]:
    tables = request.get("RequestItems")
    wanted = []
    for table, requests in tables.items() if isinstance(tables, dict) else []:
        if called == "dynamodb:BatchGetItem":
            items = requests.get("Keys") if isinstance(requests, dict) else None
        else:  # [{"PutRequest": {"Item": ...}} | {"DeleteRequest": {"Key": ...}}, ...]
            items = [
                (each.get("PutRequest") or {}).get("Item") or (each.get("DeleteRequest") or {}).get("Key")
                for each in (requests if isinstance(requests, list) else [])
                if isinstance(each, dict)
            ]
        keys = _leading_keys(table, items if isinstance(items, list) else [], region, account)
        wanted.append((called, _dynamodb_resource({"TableName": table}, region, account), keys))
    return wanted


def _partition_key_name(table: Any, index: Any, region: str, account: str) -> str | None:
    """The partition key attribute of a table (by name or ARN), or of its index; None when there is none."""
    from moto.dynamodb.models import dynamodb_backends

    if not isinstance(table, str) or not table:
        return None
    try:
        schema = dynamodb_backends[account][region].get_schema(table, index if isinstance(index, str) else None)
    except Exception:
        return None  # no such table or index: moto answers that itself, after IAM
    return next((str(k["AttributeName"]) for k in schema if k.get("KeyType") == "HASH"), None)


def _key_text(value: Any) -> str | None:
    """A key attribute value as IAM compares it: the text of a string, number or (base64) binary."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("S", "N", "B") and isinstance(inner, str):
            return inner
    return None


def _leading_keys(table: Any, items: list[Any], region: str, account: str) -> tuple[str, ...]:
    """The partition key values of the items (keys or whole items) of a table, as ``dynamodb:LeadingKeys``."""
    name = _partition_key_name(table, None, region, account)
    if name is None:
        return ()
    found = (_key_text(item.get(name)) for item in items if isinstance(item, dict))
    return tuple(sorted({text for text in found if text is not None}))


def _query_leading_keys(request: dict[str, Any], region: str, account: str) -> tuple[str, ...]:
    """The partition key value a Query fixes (its key condition's equality on the partition key of the table or
    of the index it queries), from ``KeyConditionExpression`` or the legacy ``KeyConditions``."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.parsing.key_condition_expression import parse_expression

    table, index = request.get("TableName"), request.get("IndexName")
    name = _partition_key_name(table, index, region, account)
    if name is None:
        return ()
    values: list[Any] = []
    expression = request.get("KeyConditionExpression")
    if isinstance(expression, str) and expression:
        try:
            schema = dynamodb_backends[account][region].get_schema(
                str(table), index if isinstance(index, str) else None
            )
            conditions, _, _ = parse_expression(
                key_condition_expression=expression,
                expression_attribute_values=request.get("ExpressionAttributeValues") or {},
                expression_attribute_names=request.get("ExpressionAttributeNames") or {},
                schema=schema,
            )
        except Exception:
            return ()  # a key condition moto cannot read: it refuses the Query itself, after IAM
        values = [value for attribute, value in conditions if attribute == name]
    elif isinstance(request.get("KeyConditions"), dict):
        condition = request["KeyConditions"].get(name)
        if isinstance(condition, dict) and condition.get("ComparisonOperator") == "EQ":
            values = list(condition.get("AttributeValueList") or [])[:1]
    return tuple(sorted({text for text in map(_key_text, values) if text is not None}))


def _access_key_of(response: Any) -> str:
    """The access key id a request was signed with (header or presigned query), or ''."""
    headers = response.headers
    authorization = headers.get("Authorization") or headers.get("authorization") or ""
    marker = "Credential="
    if marker in authorization:
        return str(authorization.split(marker, 1)[1].split("/", 1)[0])
    querystring = getattr(response, "querystring", {}) or {}
    credential = querystring.get("X-Amz-Credential") or querystring.get("AWSAccessKeyId")
    if credential:
        value = credential[0] if isinstance(credential, list) else credential
        return str(value).split("/", 1)[0]
    return ""


def _dynamodb_resource(body: dict[str, Any], region: str, account: str) -> str:
    """The ARN of the (first) table a DynamoDB request names, with its index where it queries one."""
    name = body.get("TableName")
    if name is None and isinstance(body.get("RequestItems"), dict) and body["RequestItems"]:
        name = next(iter(body["RequestItems"]))
    if name is None and isinstance(body.get("TransactItems"), list) and body["TransactItems"]:
        operation: Any = next(iter(body["TransactItems"][0].values()), {})
        name = operation.get("TableName") if isinstance(operation, dict) else None
    if not isinstance(name, str) or not name:
        return "*"
    arn = name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"
    index = body.get("IndexName")
    return f"{arn}/index/{index}" if isinstance(index, str) and index else arn


# -- Cognito ----------------------------------------------------------------------------------------------

TOTP_STEP_SECONDS = 30
TOTP_DRIFT_STEPS = 1  # one step either side: an authenticator whose clock is a little off still signs in


def totp_code(secret: str, at: float) -> str:
    """RFC 6238 with Cognito's parameters (HMAC-SHA1, 6 digits, 30 s) for a base32 secret."""
    import base64
    import hashlib
    import hmac

    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(at // TOTP_STEP_SECONDS).to_bytes(8, "big")
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def _totp_matches(secret: str, code: str) -> bool:
    import hmac
    import time

    if len(code) != 6 or not code.isdigit():
        return False
    now = time.time()
    return any(
        hmac.compare_digest(totp_code(secret, now + step * TOTP_STEP_SECONDS), code)
        for step in range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1)
    )


def _cognito_totp_as_aws_does() -> None:
    """moto gives every user the same TOTP secret ("asdfasdfasdf"), and checks codes only when an environment
    switch is on, then for the current 30-second step alone: any code passes, and a code from a real
    authenticator app fails at a step boundary. It also challenges a user who enabled TOTP only when TOTP is
    marked "preferred", never asks a user without MFA to set it up when the pool requires MFA (it signs them
    in), and answers MFA_SETUP without looking at whether a token was verified.

    As Cognito: AssociateSoftwareToken gives the user a random secret of their own (32 base32 characters);
    VerifySoftwareToken and the SOFTWARE_TOKEN_MFA challenge check the code against that user's secret, one
    step of drift allowed, and answer ``EnableSoftwareTokenMFAException`` / ``CodeMismatchException``; a user
    with TOTP enabled is challenged after the password whenever the pool's MFA is not OFF; with MFA ON, a user
    without MFA gets MFA_SETUP, answered only once a token is verified (which enables TOTP for them)."""
    import base64
    import secrets

    from moto.cognitoidp import exceptions
    from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
    from moto.core.exceptions import JsonRESTError
    from moto.moto_api._internal import mock_random

    class EnableSoftwareTokenMFAException(JsonRESTError):
        def __init__(self) -> None:
            super().__init__("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")

    def user_of(backend: CognitoIdpBackend, access_token: str, session: str) -> tuple[Any, str, Any]:
        if session:
            if session not in backend.sessions:
                raise exceptions.NotAuthorizedError("Invalid session for the user.")
            username, pool = backend.sessions[session]
            return backend.admin_get_user(pool.id, username), username, pool
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                _, username = pool.access_tokens[access_token]
                return backend.admin_get_user(pool.id, username), username, pool
        raise exceptions.NotAuthorizedError("Invalid Access Token")

    def new_session(backend: CognitoIdpBackend, username: str, pool: Any) -> str:
        session = str(mock_random.uuid4())
        backend.sessions[session] = (username, pool)  # the name signed in with, as moto keeps it
        return session

    def associate_software_token(self: CognitoIdpBackend, access_token: str, session: str) -> dict[str, str]:
        user, username, pool = user_of(self, access_token, session)
        secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
        user.kefu_totp_pending = secret
        answer = {"SecretCode": secret}
        if session:
            answer["Session"] = new_session(self, username, pool)
        return answer

    def verify_software_token(
        self: CognitoIdpBackend, access_token: str, session: str, user_code: str, friendly_device_name: str
    ) -> dict[str, str]:
        user, username, pool = user_of(self, access_token, session)
        pending = getattr(user, "kefu_totp_pending", None)
        if not pending:
            raise exceptions.InvalidParameterException("User has not associated a software token.")
        if not _totp_matches(pending, user_code or ""):
            raise EnableSoftwareTokenMFAException()
        user.kefu_totp_secret = pending
        user.kefu_totp_pending = None
        user.token_verified = True
        answer = {"Status": "SUCCESS"}
        if session:
            answer["Session"] = new_session(self, username, pool)
        return answer

    original_initiate = CognitoIdpBackend.initiate_auth
    original_respond = CognitoIdpBackend.respond_to_auth_challenge

    def initiate_auth(
        self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        if auth_flow == "USER_PASSWORD_AUTH":
            pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
            user = pool._get_user(auth_parameters.get("USERNAME", "")) if pool is not None else None
            if (
                pool is not None
                and user is not None
                and user.enabled
                and user.password == auth_parameters.get("PASSWORD")
                and user.status is UserStatus.CONFIRMED
                and pool.mfa_config != "OFF"
            ):
                if user.software_token_mfa_enabled and getattr(user, "kefu_totp_secret", None):
                    return {
                        "ChallengeName": "SOFTWARE_TOKEN_MFA",
                        "ChallengeParameters": {"USER_ID_FOR_SRP": user.username},
                        "Session": new_session(self, auth_parameters["USERNAME"], pool),
                    }
                if pool.mfa_config == "ON" and not user.software_token_mfa_enabled and not user.sms_mfa_enabled:
                    return {
                        "ChallengeName": "MFA_SETUP",
                        "ChallengeParameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'},
                        "Session": new_session(self, auth_parameters["USERNAME"], pool),
                    }
        return original_initiate(self, client_id, auth_flow, auth_parameters)

    def respond_to_auth_challenge(
        self: CognitoIdpBackend,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> dict[str, Any]:
        if challenge_name not in ("SOFTWARE_TOKEN_MFA", "MFA_SETUP"):
            return original_respond(self, session, client_id, challenge_name, challenge_responses)
        if session not in self.sessions:
            raise exceptions.NotAuthorizedError("Invalid session for the user, session is expired.")
        username, pool = self.sessions[session]
        client = pool.clients.get(client_id)
        if client is None:
            raise exceptions.ResourceNotFoundError(client_id)
        user = self.admin_get_user(pool.id, username)
        if challenge_name == "SOFTWARE_TOKEN_MFA":
            secret = getattr(user, "kefu_totp_secret", None)
            if not secret or not _totp_matches(secret, challenge_responses.get("SOFTWARE_TOKEN_MFA_CODE") or ""):
                raise exceptions.CodeMismatchException("Invalid code received for user")
        else:  # MFA_SETUP: VerifySoftwareToken must have succeeded first
            if not getattr(user, "kefu_totp_secret", None):
                raise exceptions.InvalidParameterException("The user has not verified a software token.")
            user.software_token_mfa_enabled = True
            user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"
        del self.sessions[session]
        return self._log_user_in(pool, client, username)

    CognitoIdpBackend.associate_software_token = associate_software_token  # type: ignore[method-assign]
    CognitoIdpBackend.verify_software_token = verify_software_token  # type: ignore[method-assign]
    CognitoIdpBackend.initiate_auth = initiate_auth  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign]


def _cognito_id_token_attributes_as_aws_does() -> None:
    """moto puts a user's attributes (``name``, ``email_verified``…) in the ID token only when the app client
    lists them in ``ReadAttributes``; Cognito reads an app client without ``ReadAttributes`` as allowed to read
    every attribute, and the ID token carries them all. Our SPA client sets none (the template's), so locally
    an agent's ``name`` never reached the API. As Cognito: no ``ReadAttributes`` means every attribute the
    user has (``sub`` and custom ones are added by moto already)."""
    from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

    original = CognitoIdpUserPool.get_user_extra_data_by_client_id

    def get_user_extra_data_by_client_id(self: CognitoIdpUserPool, client_id: str, username: str) -> dict[str, Any]:
        client: CognitoIdpUserPoolClient | None = self.clients.get(client_id)
        if client is None or client.get_readable_fields():
            return original(self, client_id, username)
        user = self._get_user(username)
        return {attr["Name"]: attr["Value"] for attr in user.attributes if attr["Name"] != "sub"}

    CognitoIdpUserPool.get_user_extra_data_by_client_id = get_user_extra_data_by_client_id  # type: ignore[method-assign]


# -- Lambda -------------------------------------------------------------------------------------------------


def lambda_invocations_to(endpoint: str) -> None:
    """Functions run in the local cloud's own workers, not in the emulator: an Invoke the emulator receives (a
    Step Functions task, a function calling another) is forwarded to the local cloud's Lambda API."""
    import urllib.error
    import urllib.request
    from urllib.parse import quote

    from moto.awslambda.models import LambdaBackend

    def invoke(
        self: LambdaBackend, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes | None:
        data = body if isinstance(body, bytes) else (body or "{}").encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - loopback, the local cloud's own endpoint
            f"{endpoint}/2015-03-31/functions/{quote(function_name, safe='')}/invocations",
            data=data,
            method="POST",
            headers={"X-Amz-Invocation-Type": headers.get("X-Amz-Invocation-Type") or "RequestResponse"},
        )
        try:
            with urllib.request.urlopen(request, timeout=900) as answer:  # noqa: S310
                payload = answer.read()
                error = answer.headers.get("X-Amz-Function-Error")
        except urllib.error.HTTPError as failure:
            if failure.code == 404:
                from moto.awslambda.exceptions import UnknownFunctionException

                raise UnknownFunctionException(function_name) from None
            raise
        if error:
            response_headers["x-amz-function-error"] = error
        return payload

    from moto.awslambda_simple.models import LambdaSimpleBackend

    # the simple backend (no Docker: the local cloud's configuration) overrides invoke with an echo
    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]


# -- EventBridge Scheduler ----------------------------------------------------------------------------------


def schedules_fired(endpoint: str, root_key: str, root_secret: str) -> Any:
    """moto stores schedules and never fires them: start local/scheduler.py on moto's store, woken by every
    create, update and delete. CreateSchedule and UpdateSchedule also refuse, as AWS does, an expression, time
    zone or time window that Scheduler refuses (moto stores anything, and such a schedule would never fire)."""
    from moto.scheduler.exceptions import ValidationException
    from moto.scheduler.models import EventBridgeSchedulerBackend
    from moto.scheduler.responses import EventBridgeSchedulerResponse

    from local import schedules
    from local.scheduler import Scheduler

    runner = Scheduler(endpoint, root_key, root_secret)

    def validate(expression: Any, zone_name: Any, window: Any) -> None:
        try:
            schedules.parse(str(expression or ""))
            schedules.zone(zone_name)
        except schedules.InvalidExpression as error:
            raise ValidationException(message=str(error)) from None
        mode = (window or {}).get("Mode") if isinstance(window, dict) else None
        if mode not in ("OFF", "FLEXIBLE"):
            raise ValidationException(message="FlexibleTimeWindow.Mode must be OFF or FLEXIBLE")
        if mode == "FLEXIBLE" and not (window or {}).get("MaximumWindowInMinutes"):
            raise ValidationException(message="a FLEXIBLE time window needs MaximumWindowInMinutes")

    create, update = EventBridgeSchedulerBackend.create_schedule, EventBridgeSchedulerBackend.update_schedule
    delete = EventBridgeSchedulerBackend.delete_schedule

    def create_schedule(self: EventBridgeSchedulerBackend, **kwargs: Any) -> Any:
        validate(
            kwargs.get("schedule_expression"),
            kwargs.get("schedule_expression_timezone"),
            kwargs.get("flexible_time_window"),
        )
        schedule = create(self, **kwargs)
        runner.wake()
        return schedule

    def update_schedule(self: EventBridgeSchedulerBackend, **kwargs: Any) -> Any:
        validate(
            kwargs.get("schedule_expression"),
            kwargs.get("schedule_expression_timezone"),
            kwargs.get("flexible_time_window"),
        )
        schedule = update(self, **kwargs)
        runner.wake()
        return schedule

    def update_response(self: EventBridgeSchedulerResponse) -> str:
        # UpdateSchedule replaces ActionAfterCompletion too; moto's handler drops it
        answer = str(respond_update(self))
        name = self.uri.split("?")[0].split("/")[-1]
        schedule = self.scheduler_backend.get_schedule(self._get_param("GroupName"), name)
        schedule.action_after_completion = self._get_param("ActionAfterCompletion")
        return answer

    respond_update = EventBridgeSchedulerResponse.update_schedule
    EventBridgeSchedulerResponse.update_schedule = update_response  # type: ignore[method-assign]

    def delete_schedule(self: EventBridgeSchedulerBackend, group_name: str | None, name: str) -> None:
        delete(self, group_name, name)
        runner.wake()

    EventBridgeSchedulerBackend.create_schedule = create_schedule  # type: ignore[method-assign,assignment]
    EventBridgeSchedulerBackend.update_schedule = update_schedule  # type: ignore[method-assign,assignment]
    EventBridgeSchedulerBackend.delete_schedule = delete_schedule  # type: ignore[method-assign]
    runner.start()
    return runner


# -- Step Functions -----------------------------------------------------------------------------------------


def step_functions_tasks_as_their_role(root_key: str, root_secret: str) -> None:
    """moto's interpreter signs every task's call (``lambda:invoke``, ``dynamodb:getItem``, ``aws-sdk:*``) with a
    fixed key, so a grant missing from a state machine's role passed locally and failed in AWS. A task now calls
    as the role it runs with (the task's ``Credentials.RoleArn``, or the state machine's ``RoleArn``), assumed
    through STS, and the emulator checks that role's policies."""
    import threading
    import time as clock

    import boto3
    from botocore.config import Config
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    lock = threading.Lock()
    assumed: dict[str, tuple[float, dict[str, str]]] = {}

    def credentials_of(role_arn: str, region: str) -> dict[str, str]:
        with lock:
            expires, known = assumed.get(role_arn, (0.0, {}))
            if clock.time() < expires - 300:
                return known
        sts = boto3.client(
            "sts",
            endpoint_url=f"http://localhost:{moto_server_port()}",
            region_name=region,
            aws_access_key_id=root_key,
            aws_secret_access_key=root_secret,
        )
        answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="local-states", DurationSeconds=3600)
        found = {
            "aws_access_key_id": answer["Credentials"]["AccessKeyId"],
            "aws_secret_access_key": answer["Credentials"]["SecretAccessKey"],
            "aws_session_token": answer["Credentials"]["SessionToken"],
        }
        with lock:
            assumed[role_arn] = (clock.time() + 3600, found)
        return found

    # one client per service, region and set of credentials (botocore clients are thread-safe): building a
    # client for every task's call cost the emulator milliseconds of CPU per call, 200 executions at a time
    clients: dict[tuple[str, str, str], Any] = {}

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        role_arn = getattr(state_credentials, "role_arn", None)
        if not role_arn:
            return original(region, service, state_credentials)
        credentials = credentials_of(str(role_arn), region)
        key = (service, region, credentials["aws_access_key_id"])
        with lock:
            client = clients.get(key)
        if client is None:
            client = boto3.client(  # type: ignore[call-overload]
                service_name=service,
                region_name=region,
                endpoint_url=f"http://localhost:{moto_server_port()}",
                config=Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1}),
                **credentials,
            )
            with lock:
                client = clients.setdefault(key, client)
        return client

    boto_client.boto_client_for = boto_client_for
    # the modules that imported the function by name before this patch keep their own reference
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
