"""The event shapes handed to handlers: API Gateway REST proxy v1, SQS and DynamoDB stream records."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from local.dispatchers import failed_item_ids
from local.events import (
    RECORDS_AS_SENT,
    authorizer_claims,
    encode_body,
    proxy_event,
    records_as_sent,
    sqs_record,
    stream_record,
)


def test_proxy_event_has_every_field_of_payload_v1() -> None:
    event = proxy_event(
        method="POST",
        path="/webhooks/wechat/main",
        resource="/webhooks/{channel}/{inbox}",
        headers=[("content-type", "text/xml"), ("x-custom", "a"), ("x-custom", "b")],
        query=[("signature", "s"), ("tag", "1"), ("tag", "2")],
        path_parameters={"channel": "wechat", "inbox": "main"},
        body="<xml/>",
        is_base64=False,
        stage="prod",
        source_ip="10.0.0.1",
        host="127.0.0.1:8080",
    )
    assert event["resource"] == "/webhooks/{channel}/{inbox}"
    assert event["path"] == "/webhooks/wechat/main"
    assert event["httpMethod"] == "POST"
    assert event["headers"] == {"Content-Type": "text/xml", "X-Custom": "b"}
    assert event["multiValueHeaders"]["X-Custom"] == ["a", "b"]
    assert event["queryStringParameters"] == {"signature": "s", "tag": "2"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["1", "2"]
    assert event["pathParameters"] == {"channel": "wechat", "inbox": "main"}
    assert event["stageVariables"] is None
    assert event["body"] == "<xml/>"
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["path"] == "/prod/webhooks/wechat/main"
    assert context["stage"] == "prod"
    assert context["resourcePath"] == "/webhooks/{channel}/{inbox}"
    assert context["httpMethod"] == "POST"
    assert context["identity"]["sourceIp"] == "10.0.0.1"
    assert context["requestId"]
    assert "authorizer" not in context


def test_proxy_event_without_query_or_params_uses_nulls() -> None:
    event = proxy_event(
        method="GET",
        path="/x",
        resource="/x",
        headers=[],
        query=[],
        path_parameters={},
        body=None,
        is_base64=False,
        stage="prod",
        source_ip="127.0.0.1",
        host="h",
        claims={"sub": "u1"},
    )
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["requestContext"]["authorizer"] == {"claims": {"sub": "u1"}}


def test_bodies_are_text_unless_binary() -> None:
    assert encode_body(b"", "application/json", []) == (None, False)
    assert encode_body('{"a": "客"}'.encode(), "application/json", []) == ('{"a": "客"}', False)
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    assert encode_body(png, "image/png", []) == (base64.b64encode(png).decode(), True)
    assert encode_body(b"plain", "image/png", ["image/png"]) == (base64.b64encode(b"plain").decode(), True)
    assert encode_body(b"plain", "application/octet-stream", ["*/*"])[1] is True


def test_claims_are_rendered_as_strings_like_api_gateway() -> None:
    claims = authorizer_claims(
        {
            "sub": "u1",
            "cognito:groups": ["admin", "agent"],
            "email_verified": True,
            "exp": 1469814773,
            "auth_time": 1469814773,
        }
    )
    assert claims["cognito:groups"] == "admin,agent"
    assert claims["email_verified"] == "true"
    assert claims["exp"] == "Fri Jul 29 17:52:53 UTC 2016"
    assert claims["auth_time"] == "1469814773"
    assert all(isinstance(value, str) for value in claims.values())


def test_sqs_record_shape() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "hello",
        "MD5OfBody": "5d41402abc4b2a76b9719d911017c592",
        "Attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g", "SequenceNumber": "1"},
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "x"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x01"},
        },
        "MD5OfMessageAttributes": "abc",
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q.fifo", "us-east-1")
    assert record["messageId"] == "m1"
    assert record["receiptHandle"] == "r1"
    assert record["attributes"]["MessageGroupId"] == "g"
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["raw"]["binaryValue"] == "AQ=="
    assert record["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"
    assert record["md5OfMessageAttributes"] == "abc"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":q.fifo")
    assert record["awsRegion"] == "us-east-1"


def test_stream_record_keeps_the_images_as_sent_and_the_date_in_whole_seconds() -> None:
    sent = {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1735689600.25,
            "Keys": {"PK": {"S": "T#1"}},
            "NewImage": {"PK": {"S": "T#1"}, "blob": {"B": "AAE="}, "n": {"N": "1.50"}},
            "OldImage": {"PK": {"S": "T#1"}},
            "SequenceNumber": "100",
            "SizeBytes": 20,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    record = stream_record(sent, "arn:stream", "us-east-1")
    assert record["eventSourceARN"] == "arn:stream"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1735689600
    assert record["dynamodb"]["NewImage"] == {"PK": {"S": "T#1"}, "blob": {"B": "AAE="}, "n": {"N": "1.50"}}
    assert record["dynamodb"]["OldImage"] == {"PK": {"S": "T#1"}}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def test_get_records_hands_over_the_records_as_the_service_sent_them(aws: None) -> None:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    arn = ddb.create_table(
        TableName="as-sent",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    streams = boto3.client(
        "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
    )
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    ddb.put_item(TableName="as-sent", Item={"PK": {"S": "a"}, "blob": {"B": b"\x00\x01"}, "n": {"N": "1.50"}})
    decoded = streams.get_records(ShardIterator=iterator["ShardIterator"])
    for _ in range(2):  # registered twice (two readers on one client): still once
        streams.meta.events.register(
            "before-parse.dynamodb-streams.GetRecords", records_as_sent, unique_id=RECORDS_AS_SENT
        )
    answer = streams.get_records(ShardIterator=iterator["ShardIterator"])
    assert "Records" not in answer and answer["NextShardIterator"]
    (record,) = answer[RECORDS_AS_SENT]
    assert record["dynamodb"]["NewImage"] == {"PK": {"S": "a"}, "blob": {"B": "AAE="}, "n": {"N": "1.50"}}
    event = stream_record(record, arn, "us-east-1")
    (before,) = decoded["Records"]
    assert event["dynamodb"]["ApproximateCreationDateTime"] == int(
        before["dynamodb"]["ApproximateCreationDateTime"].timestamp()
    )
    assert (
        event["eventID"] == before["eventID"]
        and event["dynamodb"]["SequenceNumber"] == before["dynamodb"]["SequenceNumber"]
    )
    refused = {"status_code": 400, "body": b'{"__type": "ExpiredIteratorException"}'}
    customized: dict[str, object] = {}
    records_as_sent(response_dict=refused, customized_response_dict=customized)
    assert customized == {} and refused["body"] == b'{"__type": "ExpiredIteratorException"}'  # botocore's to parse


def test_batch_item_failures_parsing() -> None:
    assert failed_item_ids(None) == []
    assert failed_item_ids({"batchItemFailures": []}) == []
    assert failed_item_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}) == ["a"]
    assert failed_item_ids({"batchItemFailures": [{"itemIdentifier": ""}]}) is None
    assert failed_item_ids({"batchItemFailures": "x"}) is None
    assert failed_item_ids("not a dict") is None
