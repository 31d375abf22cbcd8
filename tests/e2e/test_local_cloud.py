"""The local cloud as `make dev` runs it: the synthesized stack, the real handlers, a real restart."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Kefu-demo-1"


def test_health(local_cloud: Any) -> None:
    response = httpx.get(f"{local_cloud.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_runtime_config_for_the_spa(local_cloud: Any) -> None:
    config = httpx.get(f"{local_cloud.url}/config.json").json()
    assert config["apiBase"] == local_cloud.url
    assert config["region"] == "us-east-1"
    assert config["userPoolId"].startswith("us-east-1_")
    assert config["userPoolClientId"]
    assert config["cognitoEndpoint"] == local_cloud.aws_endpoint
    assert httpx.get(f"{config['cognitoEndpoint']}/{config['userPoolId']}/.well-known/jwks.json").status_code == 200


def test_demo_users_log_in_and_wrong_passwords_do_not(local_cloud: Any) -> None:
    token = local_cloud.login("agent1@example.com", PASSWORD)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["token_use"] == "id"
    assert claims["cognito:groups"] == ["agent"]
    admin = jwt.decode(local_cloud.login("admin@example.com", PASSWORD), options={"verify_signature": False})
    assert set(admin["cognito:groups"]) == {"admin", "supervisor", "agent"}
    cognito = local_cloud.client("cognito-idp")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        local_cloud.login("agent1@example.com", "wrong-password-1")


def test_agent_api_needs_a_valid_token(local_cloud: Any) -> None:
    url = f"{local_cloud.url}/api/v1/me"
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Bearer " + "x" * 40}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized"}


def test_agent_api_answers_with_a_token(local_cloud: Any) -> None:
    token = local_cloud.login("agent1@example.com", PASSWORD)
    response = httpx.get(f"{local_cloud.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    sub = jwt.decode(token, options={"verify_signature": False})["sub"]
    assert sub in response.text


def test_unknown_routes_are_404(local_cloud: Any) -> None:
    response = httpx.get(f"{local_cloud.url}/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_the_spa_is_served_under_app(local_cloud: Any) -> None:
    response = httpx.get(f"{local_cloud.url}/app/some/client/route")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


def test_data_survives_a_restart(local_cloud: Any) -> None:
    cognito = local_cloud.client("cognito-idp")
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    cognito.admin_create_user(
        UserPoolId=local_cloud.user_pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    cognito.admin_set_user_password(
        UserPoolId=local_cloud.user_pool_id, Username=email, Password="Restart-pass-1", Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=local_cloud.user_pool_id, Username=email, GroupName="agent")
    sub = jwt.decode(local_cloud.login(email, "Restart-pass-1"), options={"verify_signature": False})["sub"]
    agent1_sub = jwt.decode(local_cloud.login("agent1@example.com", PASSWORD), options={"verify_signature": False})[
        "sub"
    ]
    table = local_cloud.table_name()
    key = {"PK": {"S": f"E2E#{uuid.uuid4().hex}"}, "SK": {"S": "RESTART"}}
    local_cloud.client("dynamodb").put_item(TableName=table, Item={**key, "value": {"S": "kept"}})
    pool_id = local_cloud.user_pool_id

    local_cloud.restart()

    assert local_cloud.user_pool_id == pool_id
    assert httpx.get(f"{local_cloud.url}/healthz").json() == {"status": "ok"}
    item = local_cloud.client("dynamodb").get_item(TableName=local_cloud.table_name(), Key=key).get("Item")
    assert item is not None
    assert item["value"] == {"S": "kept"}
    after = jwt.decode(local_cloud.login(email, "Restart-pass-1"), options={"verify_signature": False})
    assert after["sub"] == sub
    assert after["cognito:groups"] == ["agent"]
    again = jwt.decode(local_cloud.login("agent1@example.com", PASSWORD), options={"verify_signature": False})
    assert again["sub"] == agent1_sub
