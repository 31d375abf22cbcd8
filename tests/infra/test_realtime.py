"""The WebSocket API, its two functions' grants and the push function's own, filtered stream mapping."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.conftest import Synthesized


def _statements(synthesized: Synthesized, function_id: str) -> list[dict[str, Any]]:
    role = synthesized.resources("AWS::Lambda::Function")[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    found: list[dict[str, Any]] = []
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_the_websocket_api_routes_connect_disconnect_and_default_to_the_connections_function(
    synthesized: Synthesized,
) -> None:
    apis = synthesized.resources("AWS::ApiGatewayV2::Api")
    assert apis["RealtimeApi"]["Properties"]["ProtocolType"] == "WEBSOCKET"
    routes = {r["Properties"]["RouteKey"]: r for r in synthesized.resources("AWS::ApiGatewayV2::Route").values()}
    assert set(routes) == {"$connect", "$disconnect", "$default"}
    integrations = synthesized.resources("AWS::ApiGatewayV2::Integration")
    for route in routes.values():
        target = route["Properties"]["Target"]["Fn::Join"][1][-1]["Ref"]
        uri = json.dumps(integrations[target]["Properties"]["IntegrationUri"])
        assert "RealtimeFunction" in uri and "RealtimePushFunction" not in uri
    (stage,) = synthesized.resources("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AccessLogSettings"]["DestinationArn"]
    assert "RealtimeUrl" in synthesized.primary["Outputs"]


def test_the_connections_function_writes_only_connection_items(synthesized: Synthesized) -> None:
    data = [
        s for s in _statements(synthesized, "RealtimeFunction") if any(a.startswith("dynamodb:") for a in _actions(s))
    ]
    assert data
    for statement in data:
        prefixes = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        if _actions(statement) & {"dynamodb:PutItem", "dynamodb:DeleteItem"}:
            assert prefixes == ["WSCONN#*", "WSTO#*"]
        else:
            assert _actions(statement) == {"dynamodb:GetItem"}
            assert prefixes == ["AGENT#*", "WSCONN#*"]
    assert not any("execute-api:ManageConnections" in _actions(s) for s in _statements(synthesized, "RealtimeFunction"))


def test_the_push_function_manages_connections_of_this_api_only(synthesized: Synthesized) -> None:
    statements = _statements(synthesized, "RealtimePushFunction")
    (manage,) = [s for s in statements if "execute-api:ManageConnections" in _actions(s)]
    assert _actions(manage) == {"execute-api:ManageConnections"}
    resource = json.dumps(manage["Resource"])
    assert '{"Ref": "RealtimeApi"}' in resource and resource.endswith('"/prod/*/@connections/*"]]}')
    writes = [s for s in statements if _actions(s) & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}]
    assert [_actions(s) for s in writes] == [{"dynamodb:DeleteItem"}]
    assert writes[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["WSCONN#*", "WSTO#*"]


def test_the_push_function_has_its_own_filtered_stream_mapping(synthesized: Synthesized) -> None:
    mappings = [
        m["Properties"]
        for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "RealtimePushFunction"}
    ]
    (mapping,) = mappings
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {
        "dynamodb": {"NewImage": {"entity": {"S": ["ticket", "message", "agent", "notification", "typing"]}}}
    }
    environment = synthesized.resources("AWS::Lambda::Function")["RealtimePushFunction"]["Properties"]["Environment"]
    assert environment["Variables"]["KEFU_REALTIME_URL"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": ["RealtimeApi", "ApiEndpoint"]}, "/prod"]]
    }
