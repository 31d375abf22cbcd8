"""The SLA timer workflow in the template: a Standard state machine that waits on each timer's timestamp,
reads the ticket with a DynamoDB task and invokes the SLA function; least-privilege grants around it."""

from __future__ import annotations

import json
from typing import Any

from infra.constants import LogicalIds
from tests.infra.conftest import Synthesized


def _definition(synthesized: Synthesized) -> str:
    machine = synthesized.resources("AWS::StepFunctions::StateMachine")[LogicalIds.SLA_STATE_MACHINE]
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else "<token>" for part in parts)


def _statements(synthesized: Synthesized, role: str) -> list[dict[str, Any]]:
    """The statements of the policies attached to the role whose logical id contains ``role``."""
    out = []
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        roles = [r.get("Ref", "") for r in policy["Properties"]["Roles"]]
        if any(role in r for r in roles):
            out += policy["Properties"]["PolicyDocument"]["Statement"]
    return out


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_a_standard_workflow_waits_reads_and_acts(synthesized: Synthesized) -> None:
    machine = synthesized.resources("AWS::StepFunctions::StateMachine")[LogicalIds.SLA_STATE_MACHINE]
    assert machine["Properties"].get("StateMachineType", "STANDARD") == "STANDARD"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    text = _definition(synthesized)
    states = json.loads(text.replace('"<token>"', '"x"').replace("<token>", "x"))
    processor = states["States"]["Timers"]["ItemProcessor"]["States"]
    assert states["States"]["Timers"]["MaxConcurrency"] == 1  # one timer after the other
    assert processor["UntilDue"]["TimestampPath"] == "$.timer.at"
    assert processor["ReadTicket"]["Resource"].endswith(":states:::dynamodb:getItem")
    assert processor["ReadTicket"]["Parameters"]["Key.$"] == "$.key"  # keys are built by kefu.store.keys only
    assert processor["Act"]["Resource"].endswith(":states:::lambda:invoke")
    choice = processor["StillCurrent"]["Choices"][0]["And"]
    assert {"Variable": "$.found.Item.sla.M.generation.N", "StringEqualsPath": "$.generation"} in choice


def test_the_workflow_reads_only_the_ticket_table(synthesized: Synthesized) -> None:
    statements = _statements(synthesized, "SlaStateMachineRole")
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert [_actions(s) for s in dynamodb] == [{"dynamodb:GetItem"}]
    assert dynamodb[0]["Resource"] == {"Fn::GetAtt": [LogicalIds.TABLE, "Arn"]}


def test_the_stream_starts_and_stops_timers_of_that_workflow_only(synthesized: Synthesized) -> None:
    statements = _statements(synthesized, "StreamFunctionRole")
    states = [s for s in statements if any(a.startswith("states:") for a in _actions(s))]
    assert {a for s in states for a in _actions(s)} == {"states:StartExecution", "states:StopExecution"}
    start = next(s for s in states if "states:StartExecution" in _actions(s))
    assert start["Resource"] == {"Ref": LogicalIds.SLA_STATE_MACHINE}


def test_sla_notices_go_to_an_encrypted_topic(synthesized: Synthesized) -> None:
    topic = synthesized.resources("AWS::SNS::Topic")[LogicalIds.SLA_TOPIC]
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}
    publishers = [
        role
        for role in ("SlaFunctionRole", "AgentApiFunctionRole")
        if any("sns:Publish" in _actions(s) for s in _statements(synthesized, role))
    ]
    assert publishers == ["SlaFunctionRole", "AgentApiFunctionRole"]
