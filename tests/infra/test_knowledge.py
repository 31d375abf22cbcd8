"""The knowledge base's search domain and who may reach it."""

from __future__ import annotations

import json

import pytest

from .conftest import Synthesized

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
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            es_actions = {a for a in actions if a.startswith("es:")}
            if not es_actions:
                continue
            assert "es:*" not in es_actions and all(a.startswith("es:ESHttp") for a in es_actions)
            assert "*" not in json.dumps(statement["Resource"]).replace("kefu-kb*", "").replace("/_*", "")
            for role in policy["Properties"]["Roles"]:
                callers.setdefault(roles.get(role["Ref"], role["Ref"]), set()).update(es_actions)
    assert set(callers) == SEARCHERS
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
