"""The event shapes handed to handlers: API Gateway REST proxy v1, SQS and DynamoDB stream records."""

from __future__ import annotations

import base64
import datetime as dt

from local.dispatchers import failed_item_ids
from local.events import authorizer_claims, encode_body, proxy_event, sqs_record, stream_record


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


def test_stream_record_shape_turns_dates_to_epoch_and_binaries_to_base64() -> None:
    raw = {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            "Keys": {"PK": {"S": "T#1"}},
            "NewImage": {"PK": {"S": "T#1"}, "blob": {"B": b"\x00\x01"}},
            "OldImage": {"PK": {"S": "T#1"}},
            "SequenceNumber": "100",
            "SizeBytes": 20,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    record = stream_record(raw, "arn:stream", "us-east-1")
    assert record["eventSourceARN"] == "arn:stream"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1735689600
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}
    assert record["dynamodb"]["OldImage"] == {"PK": {"S": "T#1"}}


def test_batch_item_failures_parsing() -> None:
    assert failed_item_ids(None) == []
    assert failed_item_ids({"batchItemFailures": []}) == []
    assert failed_item_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}) == ["a"]
    assert failed_item_ids({"batchItemFailures": [{"itemIdentifier": ""}]}) is None
    assert failed_item_ids({"batchItemFailures": "x"}) is None
    assert failed_item_ids("not a dict") is None
