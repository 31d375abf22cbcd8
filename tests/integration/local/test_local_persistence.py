"""Persistence: a second local cloud on the same state dir sees what the first one stored.

Runs after the fixture cloud's module (moto's backends live in the process: one cloud at a time).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import jwt
from local_helpers import FIXTURES, TEMPLATE, client, login

from local.cloud import LocalCloud


def test_state_survives_a_restart(tmp_path: Path) -> None:
    """A second cloud on the same state dir sees the table items, users (same sub, password) and KMS keys."""
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
        assert client(second, "kms").decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"secret"
        # A token issued before the restart is still accepted (same pool id, same signing keys).
        assert httpx.get(f"{second.url}/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 200
