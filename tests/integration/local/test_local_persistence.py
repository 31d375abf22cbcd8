"""Persistence: a second local cloud on the same state dir sees what the first one stored.

Runs after the fixture cloud's module (moto's backends live in the process: one cloud at a time).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from local_helpers import FIXTURES, TEMPLATE, client, login, wait_for

from local.cloud import LocalCloud


def test_state_survives_a_restart(tmp_path: Path) -> None:
    """A second cloud on the same state dir sees the table items, users (same sub, password), KMS keys and
    schedules created at runtime (which still fire)."""
    state_dir = tmp_path / "state"
    first = LocalCloud(root=FIXTURES, state_dir=state_dir, template=TEMPLATE, search=False, snapshot_interval=3600)
    with first:
        ddb = client(first, "dynamodb")
        ddb.put_item(
            TableName="kefu-DataTable1A2B3C4D", Item={"PK": {"S": "KEEP"}, "SK": {"S": "ME"}, "b": {"B": b"\x02"}}
        )
        cognito = client(first, "cognito-idp")
        cognito.admin_create_user(
            UserPoolId=first.user_pool_id,
            Username="new@example.com",
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": "new@example.com"}],
        )
        cognito.admin_set_user_password(
            UserPoolId=first.user_pool_id, Username="new@example.com", Password="Another-pass-1", Permanent=True
        )
        cognito.admin_add_user_to_group(
            UserPoolId=first.user_pool_id, Username="new@example.com", GroupName="supervisor"
        )
        sub = jwt.decode(login(first, "new@example.com", "Another-pass-1"), options={"verify_signature": False})["sub"]
        kms = client(first, "kms")
        key_id = kms.list_keys()["Keys"][0]["KeyId"]
        ciphertext = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
        old_token = login(first, "agent1@example.com")
        pool_id, client_id = first.user_pool_id, first.user_pool_client_id
        target = {
            "Arn": "arn:aws:sqs:us-east-1:123456789012:kefu-ScheduledQueue",
            "RoleArn": "arn:aws:iam::123456789012:role/kefu-SchedulerRole",
            "Input": '{"marker": "survived"}',
        }
        scheduler = client(first, "scheduler")
        # a one-shot timer that fires before the restart: it must not fire again after it
        soon = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        early = {**target, "Input": '{"marker": "fired-once"}'}
        scheduler.create_schedule(
            Name="early", ScheduleExpression=f"at({soon})", FlexibleTimeWindow={"Mode": "OFF"}, Target=early
        )
        first_sqs = client(first, "sqs")
        first_url = first_sqs.get_queue_url(QueueName="kefu-ScheduledQueue")["QueueUrl"]
        wait_for(lambda: _bodies(first_sqs, first_url) & {'{"marker": "fired-once"}'})
        # a one-shot timer a function would create at runtime, due just after the restart (made last: under
        # load the steps above can take longer than its delay, and it must not fire before the restart)
        when = (datetime.now(UTC) + timedelta(seconds=20)).strftime("%Y-%m-%dT%H:%M:%S")
        scheduler.create_schedule(
            Name="timer", ScheduleExpression=f"at({when})", FlexibleTimeWindow={"Mode": "OFF"}, Target=target
        )
        created = scheduler.get_schedule(Name="timer")["CreationDate"]
    second = LocalCloud(root=FIXTURES, state_dir=state_dir, template=TEMPLATE, search=False, snapshot_interval=3600)
    with second:
        assert not second.seeded
        assert (second.user_pool_id, second.user_pool_client_id) == (pool_id, client_id)
        item = client(second, "dynamodb").get_item(
            TableName="kefu-DataTable1A2B3C4D", Key={"PK": {"S": "KEEP"}, "SK": {"S": "ME"}}
        )
        assert item["Item"]["b"] == {"B": b"\x02"}
        token = login(second, "new@example.com", "Another-pass-1")
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["sub"] == sub
        assert claims["cognito:groups"] == ["supervisor"]
        # the restored user is a confirmed user to Cognito (the agent app reads its MFA status with GetUser)
        access = client(second, "cognito-idp").initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "new@example.com", "PASSWORD": "Another-pass-1"},
        )["AuthenticationResult"]["AccessToken"]
        assert client(second, "cognito-idp").get_user(AccessToken=access)["Username"]
        assert client(second, "kms").decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"secret"
        assert client(second, "scheduler").get_schedule(Name="timer")["CreationDate"] == created
        sqs = client(second, "sqs")
        url = sqs.get_queue_url(QueueName="kefu-ScheduledQueue")["QueueUrl"]
        seen: set[str] = set()

        def survived() -> bool:
            seen.update(_bodies(sqs, url))
            return '{"marker": "survived"}' in seen

        wait_for(survived, timeout=45)
        assert '{"marker": "fired-once"}' not in seen | _bodies(sqs, url)
        # A token issued before the restart is still accepted (same pool id, same signing keys).
        assert httpx.get(f"{second.url}/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 200


def _bodies(sqs: Any, url: str) -> set[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {message["Body"] for message in messages}
