"""kefu.aws: a process's clients come from one session, made once each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.loaders import Loader

from kefu import aws


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A process with no client yet, counting the botocore data files its sessions load."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    loaded: list[str] = []
    real = Loader.load_data_with_path

    def counting(self: Loader, name: str, *args: Any, **kwargs: Any) -> Any:
        loaded.append(name)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(Loader, "load_data_with_path", counting)
    aws.reset_clients()
    yield loaded
    aws.reset_clients()


def test_the_clients_of_a_process_share_one_session(fresh: list[str]) -> None:
    """botocore's endpoint rules are loaded once for all clients, not once per client (~100 ms each)."""
    ddb = aws.client("dynamodb")
    sqs = aws.client("sqs")
    signed = aws.new_client("s3", region_name="eu-west-1")
    assert aws.client("dynamodb") is ddb  # made once
    assert fresh.count("endpoints") == 1, fresh
    assert {ddb.meta.region_name, sqs.meta.region_name, signed.meta.region_name} == {"us-east-1", "eu-west-1"}
    assert aws.region() == "us-east-1"
    assert aws.credentials().access_key == "testing"


def test_a_reset_forgets_the_session_with_its_credentials(fresh: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert aws.credentials().access_key == "testing"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "other")
    assert aws.credentials().access_key == "testing"  # a session keeps what it resolved
    aws.reset_clients()
    assert aws.credentials().access_key == "other"
