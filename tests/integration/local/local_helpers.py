"""Helpers shared by the local cloud's integration tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from local.cloud import LocalCloud
from local.seed import DEMO_PASSWORD
from tests.support.waiting import eventually

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = FIXTURES / "stack.template.json"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    return eventually(condition, "condition", timeout, interval)


def client(cloud: LocalCloud, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=cloud.aws_endpoint,
        region_name=cloud.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def login(cloud: LocalCloud, email: str, password: str = DEMO_PASSWORD) -> str:
    result = client(cloud, "cognito-idp").initiate_auth(
        ClientId=cloud.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])
