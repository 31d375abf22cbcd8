"""The emulator's Step Functions fixes (local/sfn_patches.py) that need no running execution: a definition
is lexed and parsed once, each execution still gets a program of its own, and a broken definition is
refused every time as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local import sfn_patches

DEFINITION = json.dumps(
    {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Pick"},
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Done"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
)


def test_a_definition_is_parsed_once_and_each_execution_gets_its_own_program(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

    # moto's own parse, also when an in-process emulator of an earlier test applied the patches already
    original = getattr(AmazonStateLanguageParser.parse, "__wrapped__", AmazonStateLanguageParser.parse)
    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(original))
    expected, _ = AmazonStateLanguageParser.parse(DEFINITION)
    parses: list[int] = []
    state_machine = ASLParser.state_machine

    def counted(self: Any) -> Any:
        parses.append(1)
        return state_machine(self)

    monkeypatch.setattr(ASLParser, "state_machine", counted)
    sfn_patches._definitions_parsed_once()
    first, tree = AmazonStateLanguageParser.parse(DEFINITION)
    second, same_tree = AmazonStateLanguageParser.parse(DEFINITION)
    assert len(parses) == 1 and same_tree is tree
    assert first is not second  # components hold an execution's state: never shared
    assert type(first) is type(second) is type(expected)
    states: Any = second.states  # type: ignore[attr-defined]  # a Program (EvalComponent's subclass)
    assert [type(s).__name__ for s in states.states.values()] == [
        type(s).__name__
        for s in expected.states.states.values()  # type: ignore[attr-defined]
    ]
    assert list(states.states) == ["Wait", "Pick", "Done"]
    broken = DEFINITION.replace('"Type": "Succeed"', '"Type": "Nonsense"')
    for _ in range(2):
        with pytest.raises(ASLParserException):
            AmazonStateLanguageParser.parse(broken)
