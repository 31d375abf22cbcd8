"""The emulator evaluates ``dynamodb:LeadingKeys``: a role whose DynamoDB grant is limited to some partitions
is refused on another (``AccessDeniedException``, as DynamoDB answers, and nothing written), as in AWS.

Each test's role and tables are made here, with the account's root credentials, in the fixture cloud's emulator
(IAM enforced as for the functions' roles); the role's session is what a function signs with.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from local_helpers import client

from local.cloud import LocalCloud
from local.iam import LAMBDA_TRUST_POLICY
from local.template import ACCOUNT_ID

SCOPED = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TICKET#*", "CSAT#?"]}}


def _table(cloud: LocalCloud, name: str) -> str:
    """A table keyed PK/SK with an index on ``owner``; its ARN."""
    ddb = client(cloud, "dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "owner")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByOwner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return f"arn:aws:dynamodb:{cloud.region}:{ACCOUNT_ID}:table/{name}"


class Scoped:
    """A role in the emulator with the statements given, signed in as a function would be."""

    def __init__(self, cloud: LocalCloud, statements: list[dict[str, Any]]) -> None:
        name = f"kefu-test-scoped-{uuid.uuid4().hex[:8]}"
        iam = client(cloud, "iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))["Role"]["Arn"]
        iam.put_role_policy(
            RoleName=name,
            PolicyName="scoped",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        credentials = client(cloud, "sts").assume_role(RoleArn=arn, RoleSessionName="test")["Credentials"]
        self.ddb: Any = boto3.client(
            "dynamodb",
            endpoint_url=cloud.aws_endpoint,
            region_name=cloud.region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )


@pytest.fixture(scope="module")
def tables(fixture_cloud: LocalCloud) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {
        "scoped": _table(fixture_cloud, f"kefu-scoped-{suffix}"),
        "open": _table(fixture_cloud, f"kefu-open-{suffix}"),
    }


@pytest.fixture(scope="module")
def role(fixture_cloud: LocalCloud, tables: dict[str, str]) -> Scoped:
    scoped, open_ = tables["scoped"], tables["open"]
    return Scoped(
        fixture_cloud,
        [
            {  # the stack's form: writes and reads on some partitions of the table
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:ConditionCheckItem",
                    "dynamodb:Scan",
                ],
                "Resource": scoped,
                "Condition": SCOPED,
            },
            {  # a single-valued operator: one agent's profile
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": scoped,
                "Condition": {"StringEquals": {"dynamodb:LeadingKeys": "AGENT#a1"}},
            },
            {  # on the index, the partition its Query fixes
                "Effect": "Allow",
                "Action": "dynamodb:Query",
                "Resource": f"{scoped}/index/ByOwner",
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["owner-1"]}},
            },
            {  # a Deny applies only where its condition holds
                "Effect": "Deny",
                "Action": "dynamodb:DeleteItem",
                "Resource": scoped,
                "Condition": {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["TICKET#locked*"]}},
            },
            {  # without a condition: any partition
                "Effect": "Allow",
                "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:TransactWriteItems"],
                "Resource": open_,
            },
        ],
    )


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def _item(pk: str, sk: str = "A", **more: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **{k: {"S": v} for k, v in more.items()}}


def _refused(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    answer: dict[str, Any] = dict(refused.value.response)
    assert answer["Error"]["Code"] == "AccessDeniedException", answer
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400, answer  # DynamoDB's status for it
    return answer


def _stored(cloud: LocalCloud, table: str, pk: str, sk: str = "A") -> bool:
    key = {"PK": {"S": pk}, "SK": {"S": sk}}
    return "Item" in client(cloud, "dynamodb").get_item(TableName=_name(table), Key=key)


def test_an_item_in_an_allowed_partition_is_written_read_updated_and_deleted(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    role.ddb.put_item(TableName=table, Item=_item("TICKET#1"))
    role.ddb.put_item(TableName=table, Item=_item("CSAT#9"))  # ? is one character
    assert role.ddb.get_item(TableName=table, Key=_item("TICKET#1"))["Item"]["PK"] == {"S": "TICKET#1"}
    role.ddb.update_item(
        TableName=table,
        Key=_item("TICKET#1"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "x"}},
    )
    role.ddb.delete_item(TableName=table, Key=_item("CSAT#9"))
    assert _stored(fixture_cloud, tables["scoped"], "TICKET#1")
    assert not _stored(fixture_cloud, tables["scoped"], "CSAT#9")


def test_another_partition_is_refused_as_dynamodb_refuses_and_nothing_is_written(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    answer = _refused(role.ddb.put_item, TableName=table, Item=_item("AGENT#1"))
    assert "dynamodb:PutItem" in answer["Error"]["Message"] and tables["scoped"] in answer["Error"]["Message"]
    _refused(role.ddb.put_item, TableName=table, Item=_item("CSAT#10"))  # ? is exactly one character
    _refused(role.ddb.put_item, TableName=table, Item=_item("ticket#1"))  # StringLike is case-sensitive
    _refused(
        role.ddb.update_item,
        TableName=table,
        Key=_item("COUNTER#x"),
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    for pk in ("AGENT#1", "CSAT#10", "ticket#1", "COUNTER#x"):
        assert not _stored(fixture_cloud, tables["scoped"], pk)
    _refused(role.ddb.get_item, TableName=table, Key=_item("AGENT#1"))


def test_a_single_valued_operator_allows_its_one_partition(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    client(fixture_cloud, "dynamodb").put_item(TableName=table, Item=_item("AGENT#a1", "PROFILE"))
    assert "Item" in role.ddb.get_item(TableName=table, Key=_item("AGENT#a1", "PROFILE"))
    _refused(role.ddb.get_item, TableName=table, Key=_item("AGENT#a2", "PROFILE"))


def test_a_transaction_with_one_operation_outside_the_scope_is_refused_whole(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    _refused(
        role.ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": table, "Item": _item("TICKET#2")}},
            {"Put": {"TableName": table, "Item": _item("NOTIFY#2")}},
        ],
    )
    assert not _stored(fixture_cloud, tables["scoped"], "TICKET#2")
    assert not _stored(fixture_cloud, tables["scoped"], "NOTIFY#2")
    role.ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": _item("TICKET#2")}},
            {"Put": {"TableName": table, "Item": _item("CSAT#2")}},
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": _item("TICKET#1"),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
        ]
    )
    assert _stored(fixture_cloud, tables["scoped"], "TICKET#2") and _stored(fixture_cloud, tables["scoped"], "CSAT#2")
    _refused(
        role.ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": table, "Item": _item("TICKET#3")}},
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": _item("AGENT#1"),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ],
    )
    assert not _stored(fixture_cloud, tables["scoped"], "TICKET#3")


def test_a_query_is_judged_on_the_partition_it_fixes(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    root = client(fixture_cloud, "dynamodb")
    root.put_item(TableName=table, Item=_item("TICKET#q", "A", owner="owner-1"))
    root.put_item(TableName=table, Item=_item("AGENT#q", "A", owner="owner-2"))
    found = role.ddb.query(
        TableName=table,
        KeyConditionExpression="#pk = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeNames={"#pk": "PK"},
        ExpressionAttributeValues={":pk": {"S": "TICKET#q"}, ":sk": {"S": "A"}},
    )
    assert [item["PK"]["S"] for item in found["Items"]] == ["TICKET#q"]
    legacy = role.ddb.query(
        TableName=table, KeyConditions={"PK": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "TICKET#q"}]}}
    )
    assert len(legacy["Items"]) == 1
    _refused(
        role.ddb.query,
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "AGENT#q"}},
    )
    _refused(
        role.ddb.query,
        TableName=table,
        KeyConditions={"PK": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "AGENT#q"}]}},
    )
    on_index = role.ddb.query(
        TableName=table,
        IndexName="ByOwner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "owner-1"}},
    )
    assert [item["PK"]["S"] for item in on_index["Items"]] == ["TICKET#q"]
    _refused(
        role.ddb.query,
        TableName=table,
        IndexName="ByOwner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "owner-2"}},
    )


def test_a_scan_has_no_leading_keys_so_a_for_all_values_grant_allows_it(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    """As in AWS (the pitfall its documentation warns of): a Scan touches no named partition, ForAllValues over
    an empty set holds, and the scoped grant lets it read every partition."""
    table = _name(tables["scoped"])
    client(fixture_cloud, "dynamodb").put_item(TableName=table, Item=_item("AGENT#scan"))
    scanned = {item["PK"]["S"] for item in role.ddb.scan(TableName=table)["Items"]}
    assert "AGENT#scan" in scanned


def test_a_batch_is_judged_on_every_key_it_names(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    puts: list[Any] = [{"PutRequest": {"Item": _item(pk)}} for pk in ("TICKET#b1", "CSAT#b")]
    role.ddb.batch_write_item(RequestItems={table: puts})
    assert _stored(fixture_cloud, tables["scoped"], "TICKET#b1")
    _refused(
        role.ddb.batch_write_item,
        RequestItems={
            table: [{"PutRequest": {"Item": _item("TICKET#b2")}}, {"DeleteRequest": {"Key": _item("AGENT#1")}}]
        },
    )
    assert not _stored(fixture_cloud, tables["scoped"], "TICKET#b2")
    got = role.ddb.batch_get_item(RequestItems={table: {"Keys": [_item("TICKET#b1"), _item("CSAT#b")]}})
    assert len(got["Responses"][table]) == 2
    _refused(role.ddb.batch_get_item, RequestItems={table: {"Keys": [_item("TICKET#b1"), _item("AGENT#q")]}})


def test_a_deny_with_the_condition_refuses_only_where_it_holds(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["scoped"])
    root = client(fixture_cloud, "dynamodb")
    root.put_item(TableName=table, Item=_item("TICKET#locked1"))
    root.put_item(TableName=table, Item=_item("TICKET#free1"))
    _refused(role.ddb.delete_item, TableName=table, Key=_item("TICKET#locked1"))
    role.ddb.delete_item(TableName=table, Key=_item("TICKET#free1"))
    assert _stored(fixture_cloud, tables["scoped"], "TICKET#locked1")
    assert not _stored(fixture_cloud, tables["scoped"], "TICKET#free1")


def test_a_statement_without_the_condition_allows_every_partition_as_before(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    table = _name(tables["open"])
    for pk in ("AGENT#1", "COUNTER#x", "TICKET#1"):
        role.ddb.put_item(TableName=table, Item=_item(pk))
        assert "Item" in role.ddb.get_item(TableName=table, Key=_item(pk))
    role.ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": _item("AGENT#t")}},
            {"Put": {"TableName": table, "Item": _item("X")}},
        ]
    )
    assert _stored(fixture_cloud, tables["open"], "X")
    # and what no statement grants stays refused, on any partition
    _refused(role.ddb.delete_item, TableName=table, Key=_item("X"))


def test_a_batch_over_two_tables_needs_the_action_on_each(
    fixture_cloud: LocalCloud, tables: dict[str, str], role: Scoped
) -> None:
    """BatchWriteItem is granted on the scoped table only: a batch that also writes the other table is refused
    (the emulator used to check a batch on its first table alone)."""
    scoped, open_ = _name(tables["scoped"]), _name(tables["open"])
    _refused(
        role.ddb.batch_write_item,
        RequestItems={
            scoped: [{"PutRequest": {"Item": _item("TICKET#two")}}],
            open_: [{"PutRequest": {"Item": _item("TICKET#two")}}],
        },
    )
    assert not _stored(fixture_cloud, tables["scoped"], "TICKET#two")
