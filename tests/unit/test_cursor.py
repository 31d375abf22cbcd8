"""Opaque cursors: what one page hands out, only the same query takes back; anything else is a 400."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from kefu import aws, cursor
from kefu.config import Env, get_settings
from kefu.errors import InvalidCursor, http_status_for


@pytest.fixture(autouse=True, scope="module")
def cursor_secret() -> Iterator[None]:
    patcher = pytest.MonkeyPatch()
    with mock_aws():
        patcher.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patcher.setenv("AWS_ACCESS_KEY_ID", "testing")
        patcher.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        arn = boto3.client("secretsmanager").create_secret(Name="kefu/cursor-key", SecretString="s3cret" * 8)["ARN"]
        patcher.setenv(Env.TABLE_NAME, "unused")
        patcher.setenv(Env.CURSOR_KEY_SECRET_ARN, arn)
        get_settings.cache_clear()
        aws.reset_clients()
        yield
    patcher.undo()
    get_settings.cache_clear()
    aws.reset_clients()


KEYS = {"STATUS#pending": {"PK": "TICKET#01H", "SK": "TICKET", "GSI1PK": "STATUS#pending", "GSI1SK": "2026"}}


@settings(max_examples=50)
@given(
    st.dictionaries(st.text(max_size=20), st.one_of(st.text(max_size=30), st.integers(), st.none())),
    st.text(max_size=40),
)
def test_round_trip_for_the_same_query(keys: dict[str, object], query: str) -> None:
    assert cursor.decode(cursor.encode(keys, query), query) == keys


def test_a_cursor_is_refused_for_another_query() -> None:
    token = cursor.encode(KEYS, "status=pending")
    with pytest.raises(InvalidCursor, match="different query"):
        cursor.decode(token, "status=resolved")


def test_forged_keys_are_refused() -> None:
    token = cursor.encode(KEYS, "q")
    _, mac = token.split(".")
    forged = {"STATUS#pending": {**KEYS["STATUS#pending"], "PK": "INBOX#web"}}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(InvalidCursor):
        cursor.decode(f"{forged_payload}.{mac}", "q")
    # the old unsigned format (base64 of raw keys) is refused too
    with pytest.raises(InvalidCursor):
        cursor.decode(forged_payload, "q")


@pytest.mark.parametrize(
    "token", ["", "%%%", "bm90IGpzb24", "////", "a.b", "a." + "A" * 22, "é.é", "x" * 5000, ".", "..."]
)
def test_malformed_cursors_are_400(token: str) -> None:
    with pytest.raises(InvalidCursor) as raised:
        cursor.decode(token, "q")
    assert http_status_for(raised.value) == 400
    assert raised.value.message.startswith("cursor is not valid")


def test_every_flipped_character_is_caught() -> None:
    token = cursor.encode(KEYS, "q")
    for index, char in enumerate(token):
        if char == ".":
            continue
        changed = token[:index] + ("A" if char != "A" else "B") + token[index + 1 :]
        with pytest.raises(InvalidCursor):
            cursor.decode(changed, "q")


def test_query_fingerprint_ignores_argument_order() -> None:
    assert cursor.query_fingerprint(a=1, b=[2]) == cursor.query_fingerprint(b=[2], a=1)
    assert cursor.query_fingerprint(a=1) != cursor.query_fingerprint(a=2)
