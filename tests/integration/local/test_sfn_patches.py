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


def test_a_json_path_is_parsed_once_and_answers_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    parses: list[str] = []
    for module in (json_path, result_path):
        original = getattr(module.parse, "__wrapped__", module.parse)

        def counted(path: str, original: Any = original) -> Any:
            parses.append(path)
            return original(path)

        monkeypatch.setattr(module, "parse", counted)
    inputs = [{"a": {"b": [1, 2]}, "c": "x"}, {"a": {"b": [3]}, "c": "y"}]

    def answers() -> list[Any]:
        out: list[Any] = []
        for data in inputs:
            out.append(json_path.extract_json("$.a.b", data))
            out.append(json_path.extract_json("$.a.b[0]", data))
            out.append(json_path.extract_json("$.a.b[*]", data))
            with pytest.raises(json_path.NoSuchJsonPathError):
                json_path.extract_json("$.missing", data)
            out.append(result_path.parse("$.result.value").update_or_create(dict(data), {"done": data["c"]}))
        return out

    expected = answers()
    assert len(parses) == 10
    sfn_patches._json_paths_parsed_once()
    parses.clear()
    assert answers() == expected
    assert answers() == expected
    assert sorted(parses) == ["$.a.b", "$.a.b[*]", "$.a.b[0]", "$.missing", "$.result.value"]
