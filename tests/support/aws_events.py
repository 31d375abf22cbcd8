"""Lambda event shapes for tests that invoke handlers directly (API Gateway REST proxy, SQS, DynamoDB stream)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any


class FakeContext:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    hdrs = {"Host": "api.example.com", "Content-Type": "application/json", **(headers or {})}
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": "/prod" + path,
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "domainName": "api.example.com",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": claims} if claims else None,
        },
        "body": raw,
        "isBase64Encoded": False,
    }


def agent_claims(sub: str = "agent-1", groups: str = "[agent]", email: str = "agent1@example.com") -> dict[str, str]:
    return {"sub": sub, "email": email, "cognito:groups": groups, "token_use": "id"}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """Lambda's SQS event from received messages (receive_message with all attributes)."""
    records = []
    for m in messages:
        attrs = m.get("Attributes", {})
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attrs.get("SentTimestamp", "0"),
                    "SenderId": attrs.get("SenderId", "x"),
                    "ApproximateFirstReceiveTimestamp": attrs.get("ApproximateFirstReceiveTimestamp", "0"),
                    "MessageGroupId": attrs.get("MessageGroupId", "g"),
                    "MessageDeduplicationId": attrs.get("MessageDeduplicationId", "d"),
                    "SequenceNumber": attrs.get("SequenceNumber", "1"),
                },
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value["DataType"],
                    }
                    for name, value in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventID": r["eventID"],
                "eventName": r["eventName"],
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": r["dynamodb"],
                "eventSourceARN": stream_arn,
            }
            for r in records
        ]
    }
