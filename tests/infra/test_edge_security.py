"""The stack's side of hostile-input handling (docs/security.md): headers at CloudFront and API Gateway, the
CORS allow-list defaulting to the SPA's own origin, request validation, and the cursor key's readers."""

from __future__ import annotations

from typing import Any

from infra.constructs.web_hosting import SPA_CONTENT_SECURITY_POLICY
from kefu.config import Env
from tests.infra.conftest import Synthesized


def _distribution_id(synthesized: Synthesized) -> str:
    return next(iter(synthesized.resources("AWS::CloudFront::Distribution")))


def test_the_spa_gets_a_security_headers_policy(synthesized: Synthesized) -> None:
    policies = synthesized.resources("AWS::CloudFront::ResponseHeadersPolicy")
    assert len(policies) == 1
    policy_id, policy = next(iter(policies.items()))
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert security["ContentSecurityPolicy"]["ContentSecurityPolicy"] == SPA_CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in SPA_CONTENT_SECURITY_POLICY
    assert config["RemoveHeadersConfig"]["Items"] == [{"Header": "Server"}]
    distribution = synthesized.resources("AWS::CloudFront::Distribution")[_distribution_id(synthesized)]
    behavior = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}


def test_the_agent_api_allows_only_the_spa_origin_by_default(synthesized: Synthesized) -> None:
    origin = {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [_distribution_id(synthesized), "DomainName"]}]]}
    agent_api = synthesized.resources("AWS::Lambda::Function")["AgentApiFunction"]["Properties"]
    assert agent_api["Environment"]["Variables"][Env.ALLOWED_ORIGINS] == origin
    quoted = {"Fn::Join": ["", ["'https://", {"Fn::GetAtt": [_distribution_id(synthesized), "DomainName"]}, "'"]]}
    for method_id, method in synthesized.resources("AWS::ApiGateway::Method").items():
        props = method["Properties"]
        if props["HttpMethod"] != "OPTIONS":
            continue
        response = props["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        allowed = response["method.response.header.Access-Control-Allow-Origin"]
        # the chat widget's routes answer any origin; /api/v1 only the SPA's
        assert allowed == (quoted if "apiv1" in method_id else "'*'"), method_id


def test_gateway_responses_carry_the_edge_headers(synthesized: Synthesized) -> None:
    responses = synthesized.resources("AWS::ApiGateway::GatewayResponse").values()
    types = set()
    for response in responses:
        props = response["Properties"]
        types.add(props["ResponseType"])
        params = props["ResponseParameters"]
        assert params["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert params["gatewayresponse.header.Cache-Control"] == "'no-store'"
        assert params["gatewayresponse.header.X-Frame-Options"] == "'DENY'"
    assert types >= {"DEFAULT_4XX", "DEFAULT_5XX"}


def test_chat_messages_are_validated_by_api_gateway(synthesized: Synthesized) -> None:
    models = synthesized.resources("AWS::ApiGateway::Model")
    model_id, model = next((k, v) for k, v in models.items() if "ChatMessage" in k)
    schema: dict[str, Any] = model["Properties"]["Schema"]
    assert schema["required"] == ["text"] and schema["additionalProperties"] is False
    chat_posts = [
        m["Properties"]
        for m in synthesized.resources("AWS::ApiGateway::Method").values()
        if m["Properties"].get("RequestModels") is not None
    ]
    assert [p["RequestModels"] for p in chat_posts] == [{"application/json": {"Ref": model_id}}]
    assert chat_posts[0]["HttpMethod"] == "POST" and chat_posts[0]["RequestValidatorId"]


def test_the_cursor_key_is_a_generated_secret(synthesized: Synthesized) -> None:
    secrets = synthesized.resources("AWS::SecretsManager::Secret")
    key = next(v for k, v in secrets.items() if k.startswith("FunctionsCursorKey"))["Properties"]
    assert key["GenerateSecretString"]["PasswordLength"] >= 64
    assert "KmsKeyId" in key
