"""Cognito, the REST API routes and authorizers, outputs and the cross-region backup."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constants import BACKUP_STACK_ID, BACKUP_VAULT_NAME, STACK_ID, LogicalIds

from .conftest import TEST_BACKUP_REGION, Synthesized

pytestmark = pytest.mark.infra

PUBLIC_ROUTES = {
    ("GET", "/webhooks/{channel}/{inbox}"),
    ("POST", "/webhooks/{channel}/{inbox}"),
    ("POST", "/webhooks/{channel}/{inbox}/{action}"),
    ("POST", "/chat/{inbox}/sessions"),
    ("GET", "/chat/{inbox}/messages"),
    ("POST", "/chat/{inbox}/messages"),
    ("POST", "/chat/{inbox}/attachments"),
    ("POST", "/chat/{inbox}/typing"),
    ("POST", "/chat/{inbox}/rating"),
    ("POST", "/forms/{inbox}/tickets"),
    ("GET", "/csat/{token}"),  # the satisfaction survey's page
    ("POST", "/csat/{token}"),
    ("GET", "/widget.js"),
}
# the help center: public too, served by its own function (docs/knowledge-base.md)
HELP_ROUTES = {
    ("GET", "/help"),
    ("GET", "/help/search"),
    ("GET", "/help/articles/{id}"),
    ("POST", "/help/articles/{id}/helpful"),
}


def _routes(synthesized: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) -> method properties, paths rebuilt from the resources' parent chain."""
    resources = synthesized.resources("AWS::ApiGateway::Resource")

    def path_of(ref: Any) -> str:
        if "Fn::GetAtt" in ref:  # the API's root resource
            return ""
        resource = resources[ref["Ref"]]["Properties"]
        return f"{path_of(resource['ParentId'])}/{resource['PathPart']}"

    routes = {}
    for method in synthesized.resources("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        routes[(props["HttpMethod"], path_of(props["ResourceId"]) or "/")] = props
    return routes


def _integration_function(props: dict[str, Any]) -> str:
    uri = props["Integration"]["Uri"]["Fn::Join"][1]
    return next(part["Fn::GetAtt"][0] for part in uri if isinstance(part, dict) and "Fn::GetAtt" in part)


def test_user_pool_email_sign_in_no_self_sign_up_strong_passwords(primary_template) -> None:
    primary_template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UsernameAttributes": ["email"],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 10,
                    "RequireLowercase": True,
                    "RequireUppercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
        },
    )


def test_groups_and_spa_client(synthesized: Synthesized, primary_template) -> None:
    groups = synthesized.resources("AWS::Cognito::UserPoolGroup").values()
    assert {g["Properties"]["GroupName"] for g in groups} == {"agent", "supervisor", "admin"}
    client = synthesized.resources("AWS::Cognito::UserPoolClient")[LogicalIds.USER_POOL_CLIENT]["Properties"]
    assert client.get("GenerateSecret", False) is False
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= set(
        client["ExplicitAuthFlows"]
    )
    assert client["UserPoolId"] == {"Ref": LogicalIds.USER_POOL}


def test_public_routes_have_no_authorizer_and_reach_webhooks(synthesized: Synthesized) -> None:
    routes = _routes(synthesized)
    for route in PUBLIC_ROUTES:
        assert route in routes, f"missing route {route}"
        assert routes[route]["AuthorizationType"] == "NONE", route
        assert _integration_function(routes[route]) == "WebhooksFunction", route
    for route in HELP_ROUTES:
        assert route in routes, f"missing route {route}"
        assert routes[route]["AuthorizationType"] == "NONE", route
        assert _integration_function(routes[route]) == "HelpFunction", route
        assert routes[route]["Integration"]["Type"] == "AWS_PROXY"


def test_agent_api_behind_cognito_authorizer_schema_included(synthesized: Synthesized, primary_template) -> None:
    routes = _routes(synthesized)
    proxy = routes[("ANY", "/api/v1/{proxy+}")]
    assert proxy["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert proxy["AuthorizerId"] == {"Ref": LogicalIds.AGENT_AUTHORIZER}
    assert _integration_function(proxy) == "AgentApiFunction"
    # no route of its own: /api/v1/openapi.json is served through the proxy, behind the authorizer
    assert not [path for _, path in routes if path.startswith("/api/v1/") and path != "/api/v1/{proxy+}"]
    primary_template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "COGNITO_USER_POOLS",
            "IdentitySource": "method.request.header.Authorization",
            "ProviderARNs": [{"Fn::GetAtt": [LogicalIds.USER_POOL, "Arn"]}],
        },
    )


def test_only_cors_preflights_besides_the_listed_routes(synthesized: Synthesized) -> None:
    routes = _routes(synthesized)
    listed = PUBLIC_ROUTES | HELP_ROUTES | {("ANY", "/api/v1/{proxy+}")}
    extra = set(routes) - listed
    assert {method for method, _ in extra} == {"OPTIONS"}
    assert {path for _, path in extra} >= {"/api/v1/{proxy+}", "/chat/{inbox}/messages", "/chat/{inbox}/sessions"}
    assert not any(path.startswith("/webhooks") for _, path in extra)
    for route in extra:
        assert routes[route]["AuthorizationType"] == "NONE"
        assert routes[route]["Integration"]["Type"] == "MOCK"
        # a browser may name the trace of its request (X-Correlation-Id)
        answer = routes[route]["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        assert "X-Correlation-Id" in answer["method.response.header.Access-Control-Allow-Headers"]


def test_stage_prod_with_access_logs_tracing_and_throttling(primary_template) -> None:
    primary_template.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "Kefu"})
    stage = next(iter(primary_template.find_resources("AWS::ApiGateway::Stage").values()))["Properties"]
    assert stage["StageName"] == "prod"
    assert stage["TracingEnabled"] is True
    assert "DestinationArn" in stage["AccessLogSetting"]
    assert stage["MethodSettings"][0]["ThrottlingRateLimit"] > 0


def test_outputs(synthesized: Synthesized) -> None:
    assert {"UserPoolId", "UserPoolClientId", "ApiUrl"} <= set(synthesized.primary["Outputs"])


def test_backup_plan_copies_to_the_backup_region_vault_by_arn(synthesized: Synthesized, backup_template) -> None:
    backup_template.has_resource_properties("AWS::Backup::BackupVault", {"BackupVaultName": BACKUP_VAULT_NAME})
    plans = synthesized.resources("AWS::Backup::BackupPlan")
    assert len(plans) == 1
    rules = next(iter(plans.values()))["Properties"]["BackupPlan"]["BackupPlanRule"]
    destinations = [action["DestinationBackupVaultArn"] for rule in rules for action in rule["CopyActions"]]
    assert len(destinations) == 1
    arn_parts = destinations[0]["Fn::Join"][1]
    arn = "".join(part if isinstance(part, str) else "<token>" for part in arn_parts)
    assert arn == f"arn:<token>:backup:{TEST_BACKUP_REGION}:<token>:backup-vault:{BACKUP_VAULT_NAME}"
    selection = next(iter(synthesized.resources("AWS::Backup::BackupSelection").values()))
    resources = selection["Properties"]["BackupSelection"]["Resources"]
    assert any(LogicalIds.TABLE in str(r) for r in resources)
    # No cross-region reference machinery, and the vault's stack deploys first.
    assert "Custom::CrossRegionExportReader" not in {r["Type"] for r in synthesized.primary["Resources"].values()}
    assert synthesized.manifest["artifacts"][STACK_ID]["dependencies"].count(BACKUP_STACK_ID) == 1


def test_stacks_land_in_their_regions(synthesized: Synthesized) -> None:
    environments = {
        name: synthesized.manifest["artifacts"][name]["environment"] for name in (STACK_ID, BACKUP_STACK_ID)
    }
    assert environments[STACK_ID].endswith("/eu-west-1")
    assert environments[BACKUP_STACK_ID].endswith(f"/{TEST_BACKUP_REGION}")
