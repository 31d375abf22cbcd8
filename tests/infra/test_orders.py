"""Order lookup's wiring: nothing without ``kefu:ordersEndpoint``; with it, the bot and the agent API get the
endpoint and may read exactly the order system's secret (and decrypt it through Secrets Manager only)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Synthesized, synth_with_context

pytestmark = pytest.mark.infra

READERS = {"BotFunction", "AgentApiFunction"}
ENDPOINT = "https://erp.example.com/kefu/"


@pytest.fixture(scope="module")
def with_orders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    from infra.constants import Context

    outdir = tmp_path_factory.mktemp("cdk.out.orders")
    yield (
        outdir,
        synth_with_context(outdir, {Context.ORDERS_ENDPOINT: ENDPOINT, Context.ORDERS_AUTH_HEADER: "X-Api-Key"}),
    )


def _of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_nothing_is_deployed_without_an_endpoint(synthesized: Synthesized) -> None:
    for name, function in synthesized.resources("AWS::Lambda::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert not [v for v in variables if v.startswith("KEFU_ORDERS_")], name
    assert "OrdersToken" not in json.dumps(synthesized.primary["Resources"])


def test_the_bot_and_the_agent_api_get_the_endpoint_and_the_secret(with_orders: tuple[Path, dict[str, Any]]) -> None:
    _, template = with_orders
    found = [(k, v) for k, v in _of(template, "AWS::SecretsManager::Secret").items() if "OrdersToken" in k]
    assert len(found) == 1
    secret_id, secret = found[0]
    assert (
        "KmsKeyId" in secret["Properties"]
        and secret["Properties"]["GenerateSecretString"]["GenerateStringKey"] == "token"
    )
    functions = _of(template, "AWS::Lambda::Function")
    for name, function in functions.items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if name in READERS:
            assert variables["KEFU_ORDERS_ENDPOINT"] == ENDPOINT.rstrip("/")
            assert variables["KEFU_ORDERS_SECRET_ARN"] == {"Ref": secret_id}
            assert variables["KEFU_ORDERS_AUTH_HEADER"] == "X-Api-Key"
        else:
            assert not [v for v in variables if v.startswith("KEFU_ORDERS_")], name


def test_only_the_readers_may_read_that_one_secret(with_orders: tuple[Path, dict[str, Any]]) -> None:
    _, template = with_orders
    secret_id = next(k for k in _of(template, "AWS::SecretsManager::Secret") if "OrdersToken" in k)
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0]: n for n, f in _of(template, "AWS::Lambda::Function").items()}
    readers: set[str] = set()
    for policy in _of(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if {"Ref": secret_id} == statement.get("Resource") or {"Ref": secret_id} in (
                statement.get("Resource") if isinstance(statement.get("Resource"), list) else []
            ):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert set(actions) <= {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
                readers |= {roles.get(r["Ref"], r["Ref"]) for r in policy["Properties"]["Roles"]}
            text = json.dumps(statement)
            if "secretsmanager:GetSecretValue" in text and "OrdersToken" not in text:
                assert "kefu/inbox/" in text or "CursorKey" in text, text  # nobody reads it by a wildcard
    assert readers == READERS


def test_a_plain_http_endpoint_to_another_host_is_refused(tmp_path: Path) -> None:
    from infra.constants import Context

    with pytest.raises(ValueError, match="https"):
        synth_with_context(tmp_path, {Context.ORDERS_ENDPOINT: "http://erp.example.com/api"})


def test_cfn_lint_passes_with_orders(with_orders: tuple[Path, dict[str, Any]]) -> None:
    outdir, _ = with_orders
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("cfn-lint")),
            "--ignore-checks",
            "W3005",
            "--",
            str(outdir / "Kefu.template.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
