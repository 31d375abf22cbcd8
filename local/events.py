"""The event shapes Lambda hands to functions: API Gateway REST proxy (v1), SQS and DynamoDB streams."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/javascript",
    "+json",
    "+xml",
)


def canonical_header(name: str) -> str:
    """``x-hub-signature-256`` -> ``X-Hub-Signature-256`` (HTTP/1.1 clients' usual spelling)."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return True
    lowered = content_type.lower()
    return any(marker in lowered for marker in TEXT_TYPES)


def encode_body(raw: bytes, content_type: str | None, binary_media_types: list[str]) -> tuple[str | None, bool]:
    """The body as API Gateway passes it: text, or base64 for binary media types and undecodable bytes."""
    if not raw:
        return None, False
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    binary = any(_media_matches(media_type, pattern) for pattern in binary_media_types)
    if not binary and is_text(content_type):
        try:
            return raw.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    if not binary:
        try:
            return raw.decode("utf-8"), False
        except UnicodeDecodeError:
            binary = True
    return base64.b64encode(raw).decode("ascii"), True


def _media_matches(media_type: str, pattern: str) -> bool:
    pattern = pattern.replace("~1", "/").lower()
    if pattern == "*/*":
        return True
    if pattern.endswith("/*"):
        return media_type.startswith(pattern[:-1])
    return media_type == pattern


def proxy_event(
    *,
    method: str,
    path: str,
    resource: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    path_parameters: dict[str, str],
    body: str | None,
    is_base64: bool,
    stage: str,
    source_ip: str,
    host: str,
    api_id: str = "local",
    account_id: str = "123456789012",
    claims: dict[str, str] | None = None,
    request_path: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy integration event (payload format 1.0).

    ``requestContext.path`` is the path the client called: ``/{stage}{path}`` on the execute-api host,
    the path itself behind a custom domain (as the local gateway serves it, with no stage prefix)."""
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        key = canonical_header(name)
        single_headers[key] = value
        multi_headers.setdefault(key, []).append(value)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    now = dt.datetime.now(dt.UTC)
    request_id = str(uuid.uuid4())
    request_context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "extendedRequestId": request_id,
        "httpMethod": method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": source_ip,
            "user": None,
            "userAgent": single_headers.get("User-Agent"),
            "userArn": None,
        },
        "path": request_path if request_path is not None else f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourceId": resource,
        "resourcePath": resource,
        "stage": stage,
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def authorizer_claims(payload: dict[str, Any]) -> dict[str, str]:
    """Token claims as a REST API's Cognito authorizer renders them: every value a string.

    Lists (``cognito:groups``) become comma-separated; ``exp``/``iat`` become dates like
    ``Fri Jul 29 18:52:53 UTC 2016``, ``auth_time`` stays epoch seconds, booleans are ``true``/``false``.
    """
    claims: dict[str, str] = {}
    for name, value in payload.items():
        if name in ("exp", "iat") and isinstance(value, int | float):
            claims[name] = dt.datetime.fromtimestamp(value, dt.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, bool):
            claims[name] = "true" if value else "false"
        elif isinstance(value, list):
            claims[name] = ",".join(str(item) for item in value)
        else:
            claims[name] = str(value)
    return claims


# -- SQS ----------------------------------------------------------------------------------------------------


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event from a ``receive_message`` result."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {key: str(value) for key, value in message.get("Attributes", {}).items()},
        "messageAttributes": {
            name: _sqs_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message.get("Body", "").encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _sqs_attribute(value: dict[str, Any]) -> dict[str, Any]:
    def b64(data: Any) -> str:
        return base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else str(data)

    attribute: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [b64(item) for item in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = b64(value["BinaryValue"])
    return attribute


# -- DynamoDB streams ------------------------------------------------------------------------------------------


def stream_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's DynamoDB stream event from a record of ``GetRecords`` as the service sent it
    (its JSON, not boto3's decoding: see ``records_as_sent``). The event carries the images in the same
    DynamoDB JSON (binaries in base64) and the creation time in whole epoch seconds."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, int | float):
        change["ApproximateCreationDateTime"] = int(created)
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


RECORDS_AS_SENT = "RecordsAsSent"


def records_as_sent(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """botocore hook (``before-parse.dynamodb-streams.GetRecords``): keep a successful answer's records as the
    service sent them, under ``RECORDS_AS_SENT``, and let botocore parse only the rest. Decoding every image
    attribute by attribute into Python values, only for the stream reader to encode them back for the event,
    was about a third of the local cloud's own CPU under load. Errors are parsed by botocore as always."""
    if response_dict.get("status_code") != 200:
        return
    answer = json.loads(response_dict["body"] or b"{}")
    customized_response_dict[RECORDS_AS_SENT] = answer.pop("Records", [])
    response_dict["body"] = json.dumps(answer).encode()


def stream_failure_description(
    *,
    function_arn: str,
    stream_arn: str,
    shard_id: str,
    records: list[dict[str, Any]],
    attempts: int,
    condition: str,
    function_error: str | None,
) -> dict[str, Any]:
    """The message Lambda sends to an on-failure destination when a stream batch is given up."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]

    def arrival(change: dict[str, Any]) -> str:
        seconds = change.get("ApproximateCreationDateTime", 0)
        return dt.datetime.fromtimestamp(float(seconds), dt.UTC).isoformat().replace("+00:00", "Z")

    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response["functionError"] = function_error
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": arrival(first),
            "approximateArrivalOfLastRecord": arrival(last),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
