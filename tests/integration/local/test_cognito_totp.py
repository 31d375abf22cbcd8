"""The emulator's Cognito checks TOTP codes as Cognito does (``emulator_patches._cognito_totp_as_aws_does``).

Codes are computed here from the secret the emulator hands out, with the RFC 6238 parameters Cognito uses
(the same computation an authenticator app makes from the QR code), never taken from the patch itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local import emulator_patches

PASSWORD = "Kefu-demo-1"
EMAIL = "totp@example.com"


def rfc6238(secret: str, at: float) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, int(at // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.cognitoidp.models import CognitoIdpBackend

    for name in ("associate_software_token", "verify_software_token", "initiate_auth", "respond_to_auth_challenge"):
        monkeypatch.setattr(CognitoIdpBackend, name, getattr(CognitoIdpBackend, name))  # undone at teardown
    emulator_patches._cognito_totp_as_aws_does()
    with mock_aws():
        yield boto3.client("cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def make_pool(cognito: Any, mfa: str) -> tuple[str, str]:
    pool = cognito.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool, MfaConfiguration=mfa, SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="spa", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(
        UserPoolId=pool, Username=EMAIL, UserAttributes=[{"Name": "email", "Value": EMAIL}], MessageAction="SUPPRESS"
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=EMAIL, Password=PASSWORD, Permanent=True)
    return pool, client


def password_auth(cognito: Any, client: str) -> dict[str, Any]:
    return dict(
        cognito.initiate_auth(
            ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD}
        )
    )


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_optional_mfa_set_up_after_sign_in_then_challenged(cognito: Any) -> None:
    _, client = make_pool(cognito, "OPTIONAL")
    signed_in = password_auth(cognito, client)
    access = signed_in["AuthenticationResult"]["AccessToken"]  # no MFA yet: signed in at once

    first = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    second = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    assert first != second and len(second) == 32 and second != "asdfasdfasdf"  # a random secret each time
    base64.b32decode(second)

    with pytest.raises(ClientError) as refused:
        cognito.verify_software_token(AccessToken=access, UserCode=wrong(rfc6238(second, time.time())))
    assert error_code(refused) == "EnableSoftwareTokenMFAException"
    with pytest.raises(ClientError) as stale:  # the secret that was replaced is no longer the one checked
        cognito.verify_software_token(AccessToken=access, UserCode=rfc6238(first, time.time()))
    assert error_code(stale) == "EnableSoftwareTokenMFAException"
    with pytest.raises(ClientError) as not_verified:
        cognito.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})
    assert error_code(not_verified) == "InvalidParameterException"

    verified = cognito.verify_software_token(AccessToken=access, UserCode=rfc6238(second, time.time()))
    assert verified["Status"] == "SUCCESS"
    # Enabled without "preferred": Cognito still asks for the code (moto alone did not).
    cognito.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})

    challenge = password_auth(cognito, client)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in challenge
    with pytest.raises(ClientError) as mismatch:
        cognito.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": EMAIL, "SOFTWARE_TOKEN_MFA_CODE": wrong(rfc6238(second, time.time()))},
        )
    assert error_code(mismatch) == "CodeMismatchException"
    # A code from the previous 30-second step still counts (an authenticator's clock a little behind).
    answer = cognito.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": EMAIL, "SOFTWARE_TOKEN_MFA_CODE": rfc6238(second, time.time() - 30)},
    )
    assert answer["AuthenticationResult"]["IdToken"]
    with pytest.raises(ClientError) as reused:  # a session answers once
        cognito.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": EMAIL, "SOFTWARE_TOKEN_MFA_CODE": rfc6238(second, time.time())},
        )
    assert error_code(reused) == "NotAuthorizedException"


def test_codes_far_from_now_are_refused(cognito: Any) -> None:
    _, client = make_pool(cognito, "OPTIONAL")
    access = password_auth(cognito, client)["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    for code in (rfc6238(secret, time.time() - 300), rfc6238(secret, time.time() + 300), "abcdef"):
        if code == rfc6238(secret, time.time()):
            continue  # a coincidence of 6 digits, one in a million
        with pytest.raises(ClientError):
            cognito.verify_software_token(AccessToken=access, UserCode=code)


def test_required_mfa_asks_for_set_up_at_sign_in(cognito: Any) -> None:
    _, client = make_pool(cognito, "ON")
    setup = password_auth(cognito, client)
    assert setup["ChallengeName"] == "MFA_SETUP" and "AuthenticationResult" not in setup

    with pytest.raises(ClientError) as early:  # answering before a token is verified is refused
        cognito.respond_to_auth_challenge(
            ClientId=client, ChallengeName="MFA_SETUP", Session=setup["Session"], ChallengeResponses={"USERNAME": EMAIL}
        )
    assert error_code(early) == "InvalidParameterException"

    associated = cognito.associate_software_token(Session=setup["Session"])
    secret = associated["SecretCode"]
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=rfc6238(secret, time.time()))
    assert verified["Status"] == "SUCCESS"
    done = cognito.respond_to_auth_challenge(
        ClientId=client, ChallengeName="MFA_SETUP", Session=verified["Session"], ChallengeResponses={"USERNAME": EMAIL}
    )
    assert done["AuthenticationResult"]["IdToken"]

    # From now on the code is asked for at every sign-in.
    again = password_auth(cognito, client)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    answer = cognito.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=again["Session"],
        ChallengeResponses={"USERNAME": EMAIL, "SOFTWARE_TOKEN_MFA_CODE": rfc6238(secret, time.time())},
    )
    assert answer["AuthenticationResult"]["AccessToken"]


def test_wrong_password_is_still_refused_before_any_challenge(cognito: Any) -> None:
    _, client = make_pool(cognito, "ON")
    with pytest.raises(ClientError) as refused:
        cognito.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": EMAIL, "PASSWORD": "nope-Nope-1"},
        )
    assert error_code(refused) == "NotAuthorizedException"


def test_a_restart_keeps_the_totp_set_up(cognito: Any) -> None:
    """The local cloud's snapshot exports users and imports them into a fresh emulator: TOTP comes along."""
    from moto.cognitoidp.models import cognitoidp_backends

    from local import emulator

    pool, client = make_pool(cognito, "OPTIONAL")
    access = password_auth(cognito, client)["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    cognito.verify_software_token(AccessToken=access, UserCode=rfc6238(secret, time.time()))
    cognito.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})

    where = {"account": "123456789012", "region": "us-east-1", "pool_id": pool}
    exported = emulator._export_pool(where)
    backend = cognitoidp_backends["123456789012"]["us-east-1"]
    backend.user_pools[pool].users.clear()
    emulator._import_users({**where, "users": exported["users"]})

    challenge = password_auth(cognito, client)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    answer = cognito.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": EMAIL, "SOFTWARE_TOKEN_MFA_CODE": rfc6238(secret, time.time())},
    )
    assert answer["AuthenticationResult"]["IdToken"]
