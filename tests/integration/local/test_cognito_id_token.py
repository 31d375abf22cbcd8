"""The emulator's ID tokens carry the user's attributes as Cognito's do for a client without ReadAttributes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import jwt
import pytest
from moto import mock_aws

from local import emulator_patches


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.cognitoidp.models import CognitoIdpUserPool

    name = "get_user_extra_data_by_client_id"
    monkeypatch.setattr(CognitoIdpUserPool, name, getattr(CognitoIdpUserPool, name))  # undone at teardown
    emulator_patches._cognito_id_token_attributes_as_aws_does()
    with mock_aws():
        yield boto3.client("cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def id_token_claims(cognito: Any, read_attributes: list[str] | None) -> dict[str, Any]:
    pool = cognito.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    request: dict[str, Any] = {
        "UserPoolId": pool,
        "ClientName": "spa",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
    }
    if read_attributes is not None:
        request["ReadAttributes"] = read_attributes
    client = cognito.create_user_pool_client(**request)["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(
        UserPoolId=pool,
        Username="zh@example.com",
        UserAttributes=[{"Name": "email", "Value": "zh@example.com"}, {"Name": "name", "Value": "周慧"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username="zh@example.com", Password="Kefu-demo-1", Permanent=True)
    answer = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "zh@example.com", "PASSWORD": "Kefu-demo-1"},
    )
    return dict(jwt.decode(answer["AuthenticationResult"]["IdToken"], options={"verify_signature": False}))


def test_a_client_without_read_attributes_reads_them_all(cognito: Any) -> None:
    claims = id_token_claims(cognito, None)
    assert claims["name"] == "周慧"
    assert claims["email"] == "zh@example.com"
    assert claims["token_use"] == "id"


def test_a_client_with_read_attributes_reads_only_those(cognito: Any) -> None:
    claims = id_token_claims(cognito, ["email"])
    assert "name" not in claims
    assert claims["email"] == "zh@example.com"
