"""The knowledge base's search domain and who may reach it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import TEST_REGION, Synthesized, synth_with_context

pytestmark = pytest.mark.infra

SEARCHERS = {"StreamFunction", "AgentApiFunction", "HelpFunction", "BotFunction"}


def test_search_domain_is_encrypted_https_only_with_fine_grained_access(synthesized: Synthesized) -> None:
    (domain,) = synthesized.resources("AWS::OpenSearchService::Domain").values()
    props = domain["Properties"]
    assert props["EncryptionAtRestOptions"]["Enabled"] is True and "KmsKeyId" in props["EncryptionAtRestOptions"]
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["DomainEndpointOptions"]["TLSSecurityPolicy"] == "Policy-Min-TLS-1-2-2019-07"
    security = props["AdvancedSecurityOptions"]
    assert security["Enabled"] is True and security["InternalUserDatabaseEnabled"] is False
    assert "MasterUserARN" in security["MasterUserOptions"]
    assert set(props["LogPublishingOptions"]) >= {"ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"}
    statement = props["AccessPolicies"]["Statement"][0]
    assert statement["Principal"]["AWS"] != "*", "the domain policy admits only the account's identities"
    assert not synthesized.resources("Custom::OpenSearchAccessPolicy")


def test_only_the_functions_that_search_or_index_may_call_the_domain(synthesized: Synthesized) -> None:
    functions = synthesized.resources("AWS::Lambda::Function")
    roles = {props["Properties"]["Role"]["Fn::GetAtt"][0]: name for name, props in functions.items()}
    callers: dict[str, set[str]] = {}
    security_api: set[str] = set()
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            es_actions = {a for a in actions if a.startswith("es:")}
            if not es_actions:
                continue
            if "_plugins/_security/api/*" in json.dumps(statement["Resource"]):  # the master role's own policy
                security_api.update(r["Ref"] for r in policy["Properties"]["Roles"])
                continue
            assert "es:*" not in es_actions and all(a.startswith("es:ESHttp") for a in es_actions)
            assert "*" not in json.dumps(statement["Resource"]).replace("kefu-kb*", "").replace("/_*", "")
            for role in policy["Properties"]["Roles"]:
                callers.setdefault(roles.get(role["Ref"], role["Ref"]), set()).update(es_actions)
    assert set(callers) == SEARCHERS
    assert len(security_api) == 1 and "SearchAdminRole" in next(iter(security_api))  # nobody else administers
    help_env = functions["HelpFunction"]["Properties"]["Environment"]["Variables"]
    assert "Fn::GetAtt" in json.dumps(help_env["KEFU_SEARCH_ENDPOINT"])


def test_help_center_routes_reach_the_help_function(synthesized: Synthesized) -> None:
    methods = synthesized.resources("AWS::ApiGateway::Method")
    help_methods = [m for m in methods.values() if "HelpFunction" in json.dumps(m["Properties"].get("Integration", {}))]
    assert len(help_methods) == 4  # GET /help, GET /help/search, GET /help/articles/{id}, POST .../helpful
    assert all(m["Properties"]["AuthorizationType"] == "NONE" for m in help_methods)


def test_generative_answers_are_off_unless_an_installation_names_a_model(synthesized: Synthesized) -> None:
    bot = synthesized.resources("AWS::Lambda::Function")["BotFunction"]["Properties"]
    assert "KEFU_BOT_GENERATIVE_MODEL_ID" not in bot["Environment"]["Variables"]
    assert "bedrock:" not in json.dumps(synthesized.resources("AWS::IAM::Policy"))


MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def test_with_a_model_only_the_bot_may_invoke_it_and_only_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Converse is authorized as ``bedrock:InvokeModel`` (IAM has no ``bedrock:Converse``), on the model's ARN."""
    from infra.constants import Context

    template = synth_with_context(tmp_path_factory.mktemp("cdk.out.generative"), {Context.BOT_GENERATIVE_MODEL: MODEL})
    resources = template["Resources"]
    bot = resources["BotFunction"]["Properties"]
    assert bot["Environment"]["Variables"]["KEFU_BOT_GENERATIVE_MODEL_ID"] == MODEL
    grants = [
        (name, statement)
        for name, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Policy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if "bedrock:" in json.dumps(statement["Action"])
    ]
    assert len(grants) == 1, grants
    name, statement = grants[0]
    assert resources[name]["Properties"]["Roles"] == [{"Ref": bot["Role"]["Fn::GetAtt"][0]}]
    assert statement["Action"] == "bedrock:InvokeModel"
    assert statement["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":bedrock:{TEST_REGION}::foundation-model/{MODEL}"]]
    }


def _security_resource(synthesized: Synthesized) -> dict[str, Any]:
    (resource,) = synthesized.resources("Custom::KefuSearchSecurity").values()
    return resource


def test_search_works_after_deploy_the_functions_roles_are_mapped_by_a_custom_resource(
    synthesized: Synthesized,
) -> None:
    """No manual step: the custom resource maps exactly the searching functions' roles (the bot reads, the
    others write), as the domain's master role, after that role may administer the security API."""
    resource = _security_resource(synthesized)
    props = resource["Properties"]
    functions = synthesized.resources("AWS::Lambda::Function")
    role_of = {name: f["Properties"]["Role"]["Fn::GetAtt"][0] for name, f in functions.items()}
    readers = {r["Fn::GetAtt"][0] for r in props["ReaderRoleArns"]}
    writers = {r["Fn::GetAtt"][0] for r in props["WriterRoleArns"]}
    assert readers == {role_of["BotFunction"]}
    assert writers == {role_of[n] for n in ("StreamFunction", "AgentApiFunction", "HelpFunction")}
    assert props["IndexPattern"] == "kefu-kb*"
    assert props["Endpoint"] == {
        "Fn::GetAtt": [next(iter(synthesized.resources("AWS::OpenSearchService::Domain"))), "DomainEndpoint"]
    }
    ((_domain_id, domain),) = synthesized.resources("AWS::OpenSearchService::Domain").items()
    master = domain["Properties"]["AdvancedSecurityOptions"]["MasterUserOptions"]["MasterUserARN"]
    assert props["MasterRoleArn"] == master
    # answered by Kefu's own function (no provider framework), which may assume the master role and nothing more
    handler = props["ServiceToken"]["Fn::GetAtt"][0]
    assert functions[handler]["Properties"]["Handler"] == "search_security.handler.lambda_handler"
    handler_role = functions[handler]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in synthesized.resources("AWS::IAM::Policy").values()
        if {"Ref": handler_role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    granted = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert "sts:AssumeRole" in granted and not [a for a in granted if a.startswith(("es:", "secretsmanager:"))]
    assume = next(s for s in statements if s["Action"] == "sts:AssumeRole")
    assert assume["Resource"] == master
    assert resource["DependsOn"] and any("SearchAdminPolicy" in d for d in resource["DependsOn"])


def test_the_manual_mapping_step_is_gone_from_the_docs() -> None:
    from infra.constants import REPO_ROOT

    deploy = (REPO_ROOT / "docs" / "deploy.md").read_text()
    assert "once, after the first deploy" not in deploy and "Custom::KefuSearchSecurity" in deploy
