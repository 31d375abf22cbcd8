"""The local cloud's speed fixes to moto must not change what it answers."""

from __future__ import annotations

import email.parser
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local import emulator_patches


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.sqs.models import SQSBackend

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", DynamoDBBackend.transact_write_items)
    monkeypatch.setattr(DynamoDBBackend, "update_item", DynamoDBBackend.update_item)
    monkeypatch.setattr(
        SQSBackend,
        "is_message_valid_based_on_retention_period",
        SQSBackend.is_message_valid_based_on_retention_period,
    )
    from moto.dynamodb.models.table import Table

    monkeypatch.setattr(Table, "query", Table.query)
    monkeypatch.setattr(Table, "all_items", Table.all_items)
    emulator_patches.apply()  # undone by monkeypatch at teardown
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield client


def put(key: str, condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": "t", "Item": {"PK": {"S": key}, "v": {"N": "1"}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def keys(ddb: Any) -> set[str]:
    return {item["PK"]["S"] for item in ddb.scan(TableName="t")["Items"]}


def test_all_conditions_hold_everything_is_written(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[put("a", "attribute_not_exists(PK)"), put("b")])
    assert keys(ddb) == {"a", "b"}


def test_one_failed_condition_writes_nothing_and_names_the_failing_item(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"PK": {"S": "a"}})
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[put("c"), put("a", "attribute_not_exists(PK)")])
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in err.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert keys(ddb) == {"a"}


def test_the_same_item_twice_is_a_validation_error(ddb: Any) -> None:
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[put("a"), put("a")])
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert keys(ddb) == set()


def update(key: str, expression: str = "SET v = :v", condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "TableName": "t",
        "Key": {"PK": {"S": key}},
        "UpdateExpression": expression,
        "ExpressionAttributeValues": {":v": {"N": "2"}},
    }
    if condition:
        op["ConditionExpression"] = condition
    return {"Update": op}


def stream(ddb: Any) -> list[tuple[str, dict[str, Any] | None]]:
    """The table's stream records as a consumer reads them: (event, new image)."""
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["us-east-1"].tables["t"].stream_shard
    assert shard is not None
    numbers = [int(record.record["dynamodb"]["SequenceNumber"]) for record in shard.items]
    assert numbers == [shard.starting_sequence_number + place for place in range(len(numbers))]
    return [(record.record["eventName"], record.record["dynamodb"].get("NewImage")) for record in shard.items]


def test_transactions_with_updates_are_applied(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[put("a"), update("u")])
    assert keys(ddb) == {"a", "u"}
    assert ddb.get_item(TableName="t", Key={"PK": {"S": "u"}})["Item"]["v"] == {"N": "2"}


def test_an_update_whose_condition_fails_writes_nothing(ddb: Any) -> None:
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[put("a"), update("u", condition="attribute_exists(PK)")])
    assert [r["Code"] for r in err.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert keys(ddb) == set()
    assert stream(ddb) == []


def test_an_update_failing_while_applied_leaves_nothing_in_the_table_or_its_stream(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"PK": {"S": "a"}, "v": {"N": "1"}})
    before = stream(ddb)
    # the put of "a" is applied first; then the update refers to an attribute "b" does not have
    changed_a = {"Put": {"TableName": "t", "Item": {"PK": {"S": "a"}, "v": {"N": "9"}}}}
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[changed_a, update("b", "SET v = missing + :v")])
    assert err.value.response["Error"]["Code"] in ("ValidationException", "TransactionCanceledException")
    assert ddb.get_item(TableName="t", Key={"PK": {"S": "a"}})["Item"]["v"] == {"N": "1"}
    assert keys(ddb) == {"a"}
    assert stream(ddb) == before
    ddb.put_item(TableName="t", Item={"PK": {"S": "c"}})  # later records number on from where it was
    assert [event for event, _ in stream(ddb)] == ["INSERT", "INSERT"]


def test_an_update_that_creates_its_item_is_one_insert_with_the_item_as_updated(ddb: Any) -> None:
    ddb.update_item(
        TableName="t",
        Key={"PK": {"S": "n"}},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    ddb.transact_write_items(TransactItems=[update("u")])
    ddb.update_item(
        TableName="t",
        Key={"PK": {"S": "n"}},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert stream(ddb) == [
        ("INSERT", {"PK": {"S": "n"}, "hits": {"N": "1"}}),
        ("INSERT", {"PK": {"S": "u"}, "v": {"N": "2"}}),
        ("MODIFY", {"PK": {"S": "n"}, "hits": {"N": "2"}}),
    ]


def test_sqs_still_expires_nothing_young_and_delivers_everything() -> None:
    from moto.sqs.models import SQSBackend

    original = SQSBackend.is_message_valid_based_on_retention_period
    try:
        emulator_patches.apply()
        with mock_aws():
            sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            url = sqs.create_queue(QueueName="q")["QueueUrl"]
            for n in range(5):
                sqs.send_message(QueueUrl=url, MessageBody=str(n))
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
            assert sorted(m["Body"] for m in got) == ["0", "1", "2", "3", "4"]
    finally:
        SQSBackend.is_message_valid_based_on_retention_period = original  # type: ignore[method-assign]


ITEMS: list[dict[str, Any]] = [
    {"PK": {"S": "plain"}, "n": {"N": "1.50"}, "empty": {"S": ""}, "flag": {"BOOL": False}, "none": {"NULL": True}},
    {
        "PK": {"S": "nested 你好"},
        "m": {
            "M": {
                "a": {"L": [{"S": "x"}, {"N": "2"}, {"M": {}}, {"L": []}, {"BOOL": True}]},
                "b": {"SS": ["p", "q"]},
                "t": {"BOOL": False},
                "z": {"NULL": True},
            }
        },
        "ns": {"NS": ["1", "2"]},
    },
    {"PK": {"S": "blob"}, "b": {"B": b"\x00\xffbytes"}, "bs": {"BS": [b"a", b"b"]}, "m": {"M": {"inner": {"B": b"z"}}}},
]


def moto_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's own response serializer and item conversions for this test, whatever other tests of this
    process applied."""
    from moto.core.responses import BaseResponse
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb import responses
    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType

    emulator_patches._attribute_values_as_they_are()  # keeps moto's methods the first time it runs
    emulator_patches._request_id_filled_in_xml_only()
    emulator_patches._dynamodb_values_converted_directly()
    originals = emulator_patches._MOTO_ORIGINALS
    monkeypatch.setattr(utilities, "dynamo_to_dict", originals["dynamo_to_dict"])
    monkeypatch.setattr(responses, "dynamo_to_dict", originals["dynamo_to_dict"])
    monkeypatch.setattr(DynamoType, "to_regular_json", originals["to_regular_json"])
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_structure", originals["serialize_structure"])
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_map", originals["serialize_map"])
    monkeypatch.setattr(BaseResponse, "_enrich_response", staticmethod(originals["enrich_response"]))


def _answers(client: Any) -> list[Any]:
    for item in ITEMS:
        client.put_item(TableName="t", Item=item)
    keys = [{"PK": item["PK"]} for item in ITEMS]
    return [
        [client.get_item(TableName="t", Key=key)["Item"] for key in keys],
        sorted(client.scan(TableName="t")["Items"], key=lambda item: item["PK"]["S"]),
        client.batch_get_item(RequestItems={"t": {"Keys": keys}})["Responses"]["t"],
        client.query(TableName="t", KeyConditionExpression="PK = :k", ExpressionAttributeValues={":k": ITEMS[1]["PK"]})[
            "Items"
        ],
    ]


def test_items_are_written_out_exactly_as_moto_writes_them(monkeypatch: pytest.MonkeyPatch) -> None:

    def run() -> list[Any]:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            client.create_table(
                TableName="t",
                KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            return _answers(client)

    moto_serializer(monkeypatch)
    expected = run()
    emulator_patches._attribute_values_as_they_are()
    emulator_patches._dynamodb_values_converted_directly()
    assert run() == expected
    assert emulator_patches._plain_attribute_value(ITEMS[1]["m"])
    assert not emulator_patches._plain_attribute_value(ITEMS[2]["m"])


def _write_and_change(ddb: Any, table: str) -> None:
    """Inserts, a change with both images and a removal, on a new table with a stream."""
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for item in ITEMS:
        ddb.put_item(TableName=table, Item=item)
    ddb.update_item(
        TableName=table,
        Key={"PK": {"S": "plain"}},
        UpdateExpression="SET n = :n, added = :a",
        ExpressionAttributeValues={":n": {"N": "2"}, ":a": {"L": [{"S": "x"}, {"BOOL": True}]}},
    )
    ddb.update_item(
        TableName=table,
        Key={"PK": {"S": "nested 你好"}},
        UpdateExpression="SET m.t = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
    )
    ddb.delete_item(TableName=table, Key={"PK": {"S": "nested 你好"}})


def test_stream_records_are_written_out_exactly_as_moto_writes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """One table's stream read twice with one iterator, serialized by moto and by the patches; and the same
    writes on a second table once the patches are in, whose records must hold the same images: inserts,
    changes with both images, a removal, and records holding blobs (which the patches leave to moto)."""
    moto_serializer(monkeypatch)
    written_by_patch: list[str] = []
    plain_stream_record = emulator_patches._plain_stream_record

    def counted(serializer: Any, value: Any, shape: Any) -> Any:
        record = plain_stream_record(serializer, value, shape)
        if record is not None:
            written_by_patch.append(record["eventName"])
        return record

    monkeypatch.setattr(emulator_patches, "_plain_stream_record", counted)
    bodies: list[Any] = []

    def keep_body(response_dict: dict[str, Any], **_: Any) -> None:
        bodies.append(json.loads(response_dict["body"]))

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        streams = boto3.client(  # the regional host: moto's interceptor does not know the ARN-derived one
            "dynamodbstreams",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com",
        )
        streams.meta.events.register("before-parse.dynamodb-streams.GetRecords", keep_body)

        def oldest_iterator(table: str) -> str:
            arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            return str(
                streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
                    "ShardIterator"
                ]
            )

        _write_and_change(ddb, "t")
        iterator = oldest_iterator("t")
        streams.get_records(ShardIterator=iterator)
        assert written_by_patch == []
        emulator_patches._attribute_values_as_they_are()
        emulator_patches._request_id_filled_in_xml_only()
        emulator_patches._dynamodb_values_converted_directly()
        streams.get_records(ShardIterator=iterator)
        _write_and_change(ddb, "u")
        streams.get_records(ShardIterator=oldest_iterator("u"))

    by_moto, by_patch, written_with_patches = (body["Records"] for body in bodies)
    assert [r["eventName"] for r in by_moto] == ["INSERT", "INSERT", "INSERT", "MODIFY", "MODIFY", "REMOVE"]
    assert by_patch == by_moto
    assert isinstance(by_moto[0]["dynamodb"]["ApproximateCreationDateTime"], float | int)
    assert written_by_patch[:5] == ["INSERT", "INSERT", "MODIFY", "MODIFY", "REMOVE"]  # the blob's went to moto

    def images(records: list[dict[str, Any]]) -> list[Any]:
        return [
            (r["eventName"], r["dynamodb"].get("Keys"), r["dynamodb"].get("NewImage"), r["dynamodb"].get("OldImage"))
            for r in records
        ]

    assert images(written_with_patches) == images(by_moto)


def test_request_ids_are_filled_in_as_moto_fills_them_in(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_serializer(monkeypatch)
    emulator_patches._request_id_filled_in_xml_only()
    with mock_aws():
        sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        xml = sts.get_caller_identity()["ResponseMetadata"]
        assert xml["RequestId"] == xml["HTTPHeaders"]["x-amzn-requestid"]
        assert len(xml["RequestId"]) == 52
        ddb = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        answer = ddb.list_tables()
        assert answer["TableNames"] == []
        assert len(answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]) == 52


def _size_answers(client: Any) -> list[Any]:
    """A wide item, items on either side of the size limit (put, in a transaction, by an upsert), read back."""
    answers: list[Any] = []
    wide = {"PK": {"S": "wide"}, **{f"a{n}": {"S": "x" * n} for n in range(60)}, "m": {"M": {"k": {"NS": ["1"]}}}}
    limit = emulator_patches.ITEM_SIZE_LIMIT
    under = {"PK": {"S": "under"}, "v": {"S": "x" * (limit - len("PK") - len("under") - len("v") - 1)}}
    over = {"PK": {"S": "over"}, "v": {"S": "x" * (limit - len("PK") - len("over") - len("v") + 1)}}
    for item in (wide, under, over):
        for write in (
            lambda item=item: client.put_item(TableName="t", Item=item),
            lambda item=item: client.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": item}}]),
        ):
            try:
                write()
                answers.append("written")
            except ClientError as error:
                answers.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
    try:
        client.update_item(
            TableName="t",
            Key={"PK": {"S": "new"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": over["v"]},
        )
        answers.append("written")
    except ClientError as error:
        answers.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
    answers.append(sorted(client.scan(TableName="t")["Items"], key=lambda item: item["PK"]["S"]))
    return answers


def test_new_items_are_checked_against_the_size_limit_as_moto_checks_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    def run() -> list[Any]:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            client.create_table(
                TableName="t",
                KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            return _size_answers(client)

    monkeypatch.setattr(Item, "__init__", Item.__init__)
    expected = run()
    assert expected[:6] == ["written"] * 4 + [expected[4]] * 2  # wide and just under: written; over: refused
    assert expected[4][0] == "ValidationException"
    emulator_patches._dynamodb_item_size_checked_once()
    assert run() == expected


def _pages(client: Any, **query: Any) -> list[dict[str, Any]]:
    """Every page of a Query, with its LastEvaluatedKey (pagination must not move either)."""
    pages: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page = client.query(**query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append({"Items": page["Items"], "LastEvaluatedKey": page.get("LastEvaluatedKey")})
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_queries_answer_as_before_without_sorting_the_whole_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    original = Table.all_items
    sorted_whole_table: list[str] = []

    def counted(self: Table) -> Any:
        sorted_whole_table.append(self.name)
        return original(self)

    monkeypatch.setattr(Table, "query", Table.query)
    monkeypatch.setattr(Table, "all_items", counted)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"} for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK")
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "GSI2",
                    "KeySchema": [{"AttributeName": "GSI2PK", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in range(240):
            item = {"PK": {"S": f"P#{n % 17}"}, "SK": {"S": f"S#{(n * 7) % 31:03d}#{n}"}, "n": {"N": str(n)}}
            if n % 3:  # sparse indexes; GSI1SK ties across partitions, so the table's key decides the order
                item |= {"GSI1PK": {"S": f"G#{n % 4}"}, "GSI1SK": {"S": f"{n % 5}"}}
            if n % 5 == 0:
                item["GSI2PK"] = {"S": f"H#{n % 2}"}
            client.put_item(TableName="t", Item=item)
        queries: list[dict[str, Any]] = [
            {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#3"}}, "Limit": 4},
            {
                "KeyConditionExpression": "PK = :p AND begins_with(SK, :s)",
                "ExpressionAttributeValues": {":p": {"S": "P#5"}, ":s": {"S": "S#0"}},
                "ScanIndexForward": False,
                "Limit": 3,
            },
            {
                "KeyConditionExpression": "PK = :p",
                "FilterExpression": "n > :n",
                "ExpressionAttributeValues": {":p": {"S": "P#1"}, ":n": {"N": "100"}},
            },
            {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#none"}}},
            {
                "IndexName": "GSI1",
                "KeyConditionExpression": "GSI1PK = :g",
                "ExpressionAttributeValues": {":g": {"S": "G#1"}},
                "Limit": 6,
            },
            {
                "IndexName": "GSI1",
                "KeyConditionExpression": "GSI1PK = :g AND GSI1SK BETWEEN :a AND :b",
                "ExpressionAttributeValues": {":g": {"S": "G#2"}, ":a": {"S": "1"}, ":b": {"S": "3"}},
                "ScanIndexForward": False,
                "Limit": 5,
            },
            {
                "IndexName": "GSI2",
                "KeyConditionExpression": "GSI2PK = :h",
                "ExpressionAttributeValues": {":h": {"S": "H#0"}},
                "Limit": 4,
            },
        ]
        before = [_pages(client, TableName="t", **q) for q in queries]
        assert sorted_whole_table  # moto's own way: the whole table sorted for each Query
        emulator_patches._dynamodb_queries_in_their_partition()
        sorted_whole_table.clear()
        assert [_pages(client, TableName="t", **q) for q in queries] == before
        assert sorted_whole_table == []
        scanned = client.scan(TableName="t")["Items"]  # a Scan still walks the sorted table
        assert sorted_whole_table == ["t"] and len(scanned) == 240


@pytest.mark.parametrize(
    ("operator", "expected", "values", "holds"),
    [
        ("ForAllValues:StringLike", ["TICKET#*", "CSAT#*"], ("TICKET#1", "CSAT#2"), True),
        ("ForAllValues:StringLike", ["TICKET#*", "CSAT#*"], ("TICKET#1", "AGENT#2"), False),
        ("ForAllValues:StringLike", ["TICKET#*"], (), True),  # no leading keys (a Scan): holds, as in IAM
        ("ForAllValues:StringEquals", ["a"], ("a",), True),
        ("ForAllValues:StringEquals", ["a"], ("a*",), False),
        ("ForAnyValue:StringLike", "T*", ("X", "T1"), True),
        ("ForAnyValue:StringLike", "T*", (), False),
        ("StringLike", "T?#*", ("TA#1",), True),
        ("StringLike", "T?#*", ("TAB#1",), False),
        ("StringLike", "T.*", ("TX",), False),  # only * and ? are wildcards
        ("StringLike", "t*", ("T1",), False),  # case-sensitive
        ("StringEquals", "a", (), False),  # absent key, no set operator
        ("StringEqualsIfExists", "a", (), True),
        ("StringNotLike", "T*", (), True),  # a negated operator holds for an absent key
        ("ForAllValues:StringNotLike", ["T*"], ("A", "B"), True),
        ("ForAllValues:StringNotLike", ["T*"], ("A", "T"), False),
        ("StringEqualsIgnoreCase", "ticket#1", ("TICKET#1",), True),
        ("NumericEquals", "1", ("1",), None),  # not evaluated here: left as moto has it
        ("ForAllValues:Null", "true", (), None),
    ],
)
def test_leading_keys_conditions_hold_as_iam_evaluates_them(
    operator: str, expected: Any, values: tuple[str, ...], holds: bool | None
) -> None:
    assert emulator_patches._string_condition_holds(operator, expected, values) is holds


def test_the_methods_serving_actions_are_found_as_moto_finds_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core import responses, utils
    from moto.dynamodb.responses import DynamoHandler
    from moto.sqs.responses import SQSResponse

    monkeypatch.setattr(responses, "method_names_from_class", responses.method_names_from_class)
    monkeypatch.setattr(responses, "camelcase_to_underscores", responses.camelcase_to_underscores)
    emulator_patches._action_methods_remembered()
    for handler in (DynamoHandler, SQSResponse):
        found = responses.method_names_from_class(handler)
        assert found == set(utils.method_names_from_class(handler)) and "__init__" in found
        assert responses.method_names_from_class(handler) is found  # listed once
    for action in ("TransactWriteItems", "GetItem", "SendMessageBatch", "ListTagsOfResource"):
        assert responses.camelcase_to_underscores(action) == utils.camelcase_to_underscores(action)


def test_a_table_is_exported_as_a_consistent_scan_returns_it() -> None:
    """The snapshot's export (a control call inside the emulator) holds exactly the items a Scan returns, every
    attribute type included, blobs nested in maps and lists too, after updates and deletes."""
    from werkzeug.test import Client

    from local.emulator import ControlApp
    from local.persistence import _text_to_binaries

    blob = b"\x00\xffkefu"
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        for name, keys in (("hash", ["PK"]), ("hash-range", ["PK", "SK"])):
            schema: list[Any] = [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ]
            client.create_table(
                TableName=name,
                KeySchema=schema[: len(keys)],
                AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
                BillingMode="PAY_PER_REQUEST",
            )
            for n in range(30):
                # several items a partition where there is a sort key
                key = {"PK": {"S": f"P{n % 7}"}, "SK": {"S": f"S{n}"}} if len(keys) == 2 else {"PK": {"S": f"P{n}"}}
                client.put_item(
                    TableName=name,
                    Item={
                        **key,
                        "s": {"S": "客服"},
                        "n": {"N": str(n)},
                        "b": {"B": blob},
                        "t": {"BOOL": n % 2 == 0},
                        "z": {"NULL": True},
                        "m": {"M": {"blob": {"B": blob}, "l": {"L": [{"N": "1"}, {"B": blob}, {"M": {}}]}}},
                        "l": {"L": [{"S": "x"}, {"B": blob}, {"SS": ["a", "b"]}]},
                        "ss": {"SS": ["a", "b"]},
                        "ns": {"NS": ["1", "2.5"]},
                        "bs": {"BS": [blob, b"\x01"]},
                    },
                )
                if n % 3 == 0:
                    client.update_item(
                        TableName=name,
                        Key=key,
                        UpdateExpression="SET m.#new = :v, n = n + :one REMOVE z",
                        ExpressionAttributeNames={"#new": "added"},
                        ExpressionAttributeValues={":v": {"B": b"\x02"}, ":one": {"N": "1"}},
                    )
                if n % 5 == 0:
                    client.delete_item(TableName=name, Key=key)
            scanned = client.scan(TableName=name, ConsistentRead=True)["Items"]
            answer = Client(ControlApp(None)).post(
                "/_kefu/dynamodb/export", json={"account": "123456789012", "region": "us-east-1", "table": name}
            )
            assert answer.status_code == 200, answer.get_data(as_text=True)
            exported = [_text_to_binaries(item) for item in answer.get_json()["items"]]

            def by_key(item: dict[str, Any]) -> tuple[str, str]:
                return item["PK"]["S"], item.get("SK", {}).get("S", "")

            assert len(scanned) == 24
            assert sorted(exported, key=by_key) == sorted(scanned, key=by_key)


def test_garbage_cycles_in_the_oldest_generation_are_still_collected_by_the_timer() -> None:
    """The emulator turns CPython's automatic full collections off for a timer's: a cycle that reached the
    oldest generation is freed by the timer, and only by it."""
    import gc
    import time
    import weakref

    from local.emulator import _full_collections_on_a_timer

    class Node:
        other: Any = None

    thresholds = gc.get_threshold()
    stop = _full_collections_on_a_timer(interval=0.5)
    try:
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle: reference counting alone never frees it
        freed = weakref.ref(first)
        gc.collect(1)  # survives a young collection: now in the oldest generation
        del first, second
        gc.collect(1)
        assert freed() is not None  # young collections leave it
        deadline = time.monotonic() + 10
        while freed() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert freed() is None
        assert gc.get_threshold()[2] == 2**31 - 1
    finally:
        stop.set()
        gc.set_threshold(*thresholds)


def test_a_request_line_is_built_only_when_the_server_would_log_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The emulator's server drops its per-request lines (logger at WARNING); it no longer builds them first.
    Set to INFO, the line comes out as werkzeug writes it."""
    import logging
    import socket
    import threading

    from werkzeug import serving
    from werkzeug.serving import make_server

    emulator_patches.apply()
    built: list[str] = []

    decode = serving.uri_to_iri

    def decode_recorded(uri: str) -> str:
        built.append(uri)
        return decode(uri)

    monkeypatch.setattr(serving, "uri_to_iri", decode_recorded)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def get(path: str) -> bytes:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            return b"".join(iter(lambda: sock.recv(4096), b""))

    try:
        assert get("/quiet").endswith(b"ok")
        assert built == []
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            assert get("/logged").endswith(b"ok")
        assert built == ["/logged"]
        assert any('"GET /logged HTTP/1.1" 200' in record.getMessage() for record in caplog.records)
    finally:
        server.shutdown()
        thread.join(5)


HEADER_BLOCKS = [
    b"Host: 127.0.0.1:4566\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 2\r\n\r\n",
    b"A: 1\nB:2\n\n",  # bare LF line ends, no blank after the colon
    b"X-Empty:\r\nX-Blank: \t \r\nX-Trailing: v  \r\n\r\n",
    b"Dup: 1\r\nDup: 2\r\n\r\n",
    b"Latin: caf\xe9\r\n\r\n",
    b"\r\n",  # no headers at all
    # the email parser's, from here on
    b"Folded: one\r\n two\r\n\r\n",  # obsolete line folding
    b"Stray: a\rb\r\n\r\n",
    b": no name\r\n\r\n",
    b"Name With Space: v\r\n\r\n",
    b"From someone\r\nA: 1\r\n\r\n",
    b"not a header\r\nA: 1\r\n\r\n",
    b"A: 1\r\n",  # the stream ended before the blank line
    b"A: 1",  # ... and inside a line
    b"",
]


DIRECTLY_SPLIT = 6  # the first six: what SDKs send


@pytest.mark.parametrize("block", HEADER_BLOCKS)
def test_request_headers_are_parsed_into_the_message_the_email_parser_makes(block: bytes) -> None:
    import http.client
    import io

    emulator_patches.apply()
    ours = http.client.parse_headers(io.BytesIO(block))
    lines = http.client._read_headers(io.BytesIO(block))  # type: ignore[attr-defined]
    theirs = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(b"".join(lines).decode("iso-8859-1"))

    def state(message: Any) -> dict[str, Any]:  # a defect or a policy is equal only to itself: compare kinds
        kinds = {"policy": type(message.policy), "defects": [type(defect) for defect in message.defects]}
        return {**vars(message), **kinds, "type": type(message)}

    assert state(ours) == state(theirs)
    assert ours.items() == theirs.items()
    split_directly = emulator_patches._plain_header_block(lines, http.client.HTTPMessage) is not None
    assert split_directly == (HEADER_BLOCKS.index(block) < DIRECTLY_SPLIT)
