"""The local cloud on a hand-written template: provisioning, gateway, authorizer, dispatchers, persistence."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from local_helpers import client, login, wait_for

from local.cloud import LocalCloud
from local.seed import DEMO_PASSWORD


def test_resources_come_from_the_template(fixture_cloud: LocalCloud) -> None:
    ddb = client(fixture_cloud, "dynamodb")
    table = ddb.describe_table(TableName="kefu-DataTable1A2B3C4D")["Table"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2", "GSI3"}
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ttl = ddb.describe_time_to_live(TableName="kefu-DataTable1A2B3C4D")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
    sqs = client(fixture_cloud, "sqs")
    url = sqs.get_queue_url(QueueName="kefu-InboundQueueE1F2A3B4.fifo")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":kefu-InboundDlqA1.fifo")
    assert int(redrive["maxReceiveCount"]) == 3
    groups = client(fixture_cloud, "cognito-idp").list_groups(UserPoolId=fixture_cloud.user_pool_id)["Groups"]
    assert {group["GroupName"] for group in groups} >= {"agent", "supervisor", "admin"}


def test_function_environment_is_resolved(fixture_cloud: LocalCloud) -> None:
    assert fixture_cloud.provisioned is not None
    env = fixture_cloud.provisioned.functions["ApiFn"].environment
    assert env["KEFU_TABLE_NAME"] == "kefu-DataTable1A2B3C4D"
    assert env["KEFU_INBOUND_QUEUE_URL"].endswith("/123456789012/kefu-InboundQueueE1F2A3B4.fifo")
    assert env["KEFU_USER_POOL_ID"] == fixture_cloud.user_pool_id
    assert env["FIXTURE_TABLE_ARN"] == "table=arn:aws:dynamodb:us-east-1:123456789012:table/kefu-DataTable1A2B3C4D"
    assert env["FIXTURE_SUB"] == "us-east-1/kefu-DataTable1A2B3C4D/kefu-InboundQueueE1F2A3B4.fifo"
    assert env["FIXTURE_SELECT"] == fixture_cloud.user_pool_client_id


def test_health_and_config(fixture_cloud: LocalCloud) -> None:
    assert httpx.get(f"{fixture_cloud.url}/healthz").json() == {"status": "ok"}
    config = httpx.get(f"{fixture_cloud.url}/config.json").json()
    assert config == {
        "apiBase": fixture_cloud.url,
        "region": "us-east-1",
        "userPoolId": fixture_cloud.user_pool_id,
        "userPoolClientId": fixture_cloud.user_pool_client_id,
        "cognitoEndpoint": fixture_cloud.aws_endpoint,
    }


def test_public_route_gets_a_proxy_event(fixture_cloud: LocalCloud, received: Any) -> None:
    response = httpx.post(
        f"{fixture_cloud.url}/webhooks/wechat/main?signature=abc&tag=1&tag=2",
        content="<xml>你好</xml>".encode(),
        headers={"Content-Type": "text/xml", "X-Hub-Signature-256": "sha256=1"},
    )
    assert response.status_code == 200
    assert response.json() == {"table": "kefu-DataTable1A2B3C4D", "path": "/webhooks/wechat/main"}
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    event = received.latest("api", "/webhooks/wechat/main")
    assert event["resource"] == "/webhooks/{channel}/{inbox}"
    assert event["pathParameters"] == {"channel": "wechat", "inbox": "main"}
    assert event["queryStringParameters"] == {"signature": "abc", "tag": "2"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["1", "2"]
    assert event["headers"]["X-Hub-Signature-256"] == "sha256=1"
    assert event["body"] == "<xml>你好</xml>"
    assert event["isBase64Encoded"] is False
    # The path the client called (the local gateway is served like a custom domain: no stage prefix),
    # and how it called it, so a handler rebuilds the URL a provider signed.
    assert event["requestContext"]["path"] == "/webhooks/wechat/main"
    assert event["requestContext"]["stage"] == "prod"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Forwarded-Port"] == str(fixture_cloud.port)
    assert "authorizer" not in event["requestContext"]


def test_binary_bodies_travel_as_base64(fixture_cloud: LocalCloud, received: Any) -> None:
    response = httpx.post(
        f"{fixture_cloud.url}/webhooks/media/binary", content=b"\x89PNG\x00\xff", headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 200
    assert response.content == b"\x89PNG\r\n"
    assert received.latest("api", "/webhooks/media/binary")["isBase64Encoded"] is True


def test_function_errors_become_502(fixture_cloud: LocalCloud) -> None:
    response = httpx.get(f"{fixture_cloud.url}/webhooks/media/crash")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_unknown_route_and_wrong_method(fixture_cloud: LocalCloud) -> None:
    assert httpx.get(f"{fixture_cloud.url}/nothing/here").status_code == 404
    assert httpx.delete(f"{fixture_cloud.url}/webhooks/wechat/main").status_code == 405


def test_cors_preflight_uses_the_mock_integration(fixture_cloud: LocalCloud) -> None:
    response = httpx.options(f"{fixture_cloud.url}/api/v1/tickets")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"


def _forged_token(cloud: LocalCloud) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{cloud.user_pool_id}",
        "aud": cloud.user_pool_client_id,
        "token_use": "id",
        "sub": "intruder",
        "exp": now + 600,
        "iat": now,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def test_cognito_routes_reject_bad_tokens_without_invoking(fixture_cloud: LocalCloud, received: Any) -> None:
    before = received.settled_count("api")
    url = f"{fixture_cloud.url}/api/v1/me"
    for headers in (
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": f"Bearer {_forged_token(fixture_cloud)}"},
    ):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized"}
    assert received.settled_count("api") == before


def test_cognito_routes_accept_an_id_token_and_pass_claims(fixture_cloud: LocalCloud, received: Any) -> None:
    token = login(fixture_cloud, "supervisor@example.com")
    response = httpx.get(f"{fixture_cloud.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    event = received.latest("api", "/api/v1/me")
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["email"] == "supervisor@example.com"
    assert set(claims["cognito:groups"].split(",")) == {"supervisor", "agent"}
    assert claims["token_use"] == "id"
    assert all(isinstance(value, str) for value in claims.values())
    assert event["pathParameters"] == {"proxy": "me"}
    # An access token is not what the authorizer takes.
    access = client(fixture_cloud, "cognito-idp").initiate_auth(
        ClientId=fixture_cloud.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "agent1@example.com", "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    assert httpx.get(f"{fixture_cloud.url}/api/v1/me", headers={"Authorization": access}).status_code == 401


def _signed_like_the_pool(cloud: LocalCloud, **overrides: Any) -> str:
    """A token signed with the emulator's own Cognito key (kid "dummy"), with chosen claims."""
    from moto.utilities.utils import load_resource

    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{cloud.user_pool_id}",
        "aud": cloud.user_pool_client_id,
        "token_use": "id",
        "sub": "someone",
        "exp": now + 600,
        "iat": now,
        **overrides,
    }
    key = jwt.PyJWK.from_dict(load_resource("cognitoidp/resources/jwks-private.json")).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 60},
        {"aud": "another-client"},
        {"token_use": "access"},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"},
    ],
    ids=["expired", "other-client", "access-token", "other-pool"],
)
def test_tokens_the_authorizer_refuses(fixture_cloud: LocalCloud, overrides: dict[str, Any]) -> None:
    valid = _signed_like_the_pool(fixture_cloud)
    assert httpx.get(f"{fixture_cloud.url}/api/v1/me", headers={"Authorization": valid}).status_code == 200
    token = _signed_like_the_pool(fixture_cloud, **overrides)
    response = httpx.get(f"{fixture_cloud.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def _queue(cloud: LocalCloud, name: str) -> str:
    return str(client(cloud, "sqs").get_queue_url(QueueName=name)["QueueUrl"])


def test_sqs_partial_failures_are_redelivered_then_dead_lettered(fixture_cloud: LocalCloud, received: Any) -> None:
    sqs = client(fixture_cloud, "sqs")
    inbound = _queue(fixture_cloud, "kefu-InboundQueueE1F2A3B4.fifo")
    run = uuid.uuid4().hex
    for body, group in ((f"ok-{run}", "g1"), (f"fail-{run}", "g2"), (f"ok2-{run}", "g3")):
        sqs.send_message(
            QueueUrl=inbound,
            MessageBody=body,
            MessageGroupId=group,
            MessageDeduplicationId=f"{body}",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
        )
    dlq = _queue(fixture_cloud, "kefu-InboundDlqA1.fifo")
    dead = wait_for(lambda: sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages"), timeout=60)
    assert [message["Body"] for message in dead] == [f"fail-{run}"]
    records = [record for event in received["sqs"] for record in event["Records"] if run in record["body"]]
    by_body: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_body.setdefault(record["body"], []).append(record)
    assert len(by_body[f"ok-{run}"]) == 1
    assert len(by_body[f"ok2-{run}"]) == 1
    assert len(by_body[f"fail-{run}"]) == 3  # maxReceiveCount
    first = by_body[f"ok-{run}"][0]
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"].endswith(":kefu-InboundQueueE1F2A3B4.fifo")
    assert first["attributes"]["MessageGroupId"] == "g1"
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "MessageDeduplicationId", "SequenceNumber"} <= set(first["attributes"])
    assert first["messageAttributes"]["kind"]["stringValue"] == "test"
    assert first["md5OfBody"]
    wait_for(lambda: _queue_empty(fixture_cloud, inbound))


def _queue_empty(cloud: LocalCloud, url: str) -> bool:
    attributes = client(cloud, "sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    )


def test_sqs_function_error_fails_the_whole_batch(fixture_cloud: LocalCloud, received: Any) -> None:
    sqs = client(fixture_cloud, "sqs")
    inbound = _queue(fixture_cloud, "kefu-InboundQueueE1F2A3B4.fifo")
    run = uuid.uuid4().hex
    sqs.send_message(QueueUrl=inbound, MessageBody=f"crash-{run}", MessageGroupId="c", MessageDeduplicationId=run)
    dlq = _queue(fixture_cloud, "kefu-InboundDlqA1.fifo")
    dead = wait_for(lambda: sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages"), timeout=60)
    assert [message["Body"] for message in dead] == [f"crash-{run}"]


def test_stream_records_reach_the_stream_function(fixture_cloud: LocalCloud, received: Any) -> None:
    ddb = client(fixture_cloud, "dynamodb")
    key = f"T#{uuid.uuid4().hex}"
    ddb.put_item(TableName="kefu-DataTable1A2B3C4D", Item={"PK": {"S": key}, "SK": {"S": "A"}, "blob": {"B": b"\x01"}})
    ddb.update_item(
        TableName="kefu-DataTable1A2B3C4D",
        Key={"PK": {"S": key}, "SK": {"S": "A"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "2"}},
    )

    def records() -> list[dict[str, Any]]:
        return [
            record
            for event in received["stream"]
            for record in event["Records"]
            if record["dynamodb"]["Keys"]["PK"]["S"] == key
        ]

    found = wait_for(lambda: len(records()) >= 2 and records())
    insert, modify = found[0], found[1]
    assert insert["eventName"] == "INSERT"
    assert modify["eventName"] == "MODIFY"
    assert modify["dynamodb"]["OldImage"]["blob"] == {"B": "AQ=="}
    assert modify["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(modify["dynamodb"]["ApproximateCreationDateTime"], int)
    assert {"SequenceNumber", "SizeBytes", "Keys"} <= set(modify["dynamodb"])
    assert modify["eventSource"] == "aws:dynamodb"
    assert modify["eventSourceARN"].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/kefu-DataTable1A2B3C4D/stream/"
    )


def test_stream_failures_retry_then_go_to_the_on_failure_destination(fixture_cloud: LocalCloud, received: Any) -> None:
    ddb = client(fixture_cloud, "dynamodb")
    key = f"T#{uuid.uuid4().hex}"
    ddb.put_item(TableName="kefu-DataTable1A2B3C4D", Item={"PK": {"S": key}, "SK": {"S": "A"}, "note": {"S": "fail"}})
    sqs = client(fixture_cloud, "sqs")
    destination = _queue(fixture_cloud, "kefu-StreamDlqC3")
    messages = wait_for(lambda: sqs.receive_message(QueueUrl=destination).get("Messages"), timeout=60)
    description = json.loads(messages[0]["Body"])
    assert description["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert description["requestContext"]["approximateInvokeCount"] == 3  # first try + MaximumRetryAttempts 2
    info = description["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"].startswith("arn:aws:dynamodb:")
    deliveries = [
        record
        for event in received["stream"]
        for record in event["Records"]
        if record["dynamodb"]["Keys"]["PK"]["S"] == key
    ]
    assert len(deliveries) == 3
