"""Invoke reaches a function's own workers: directly through the Lambda API, and from a Step Functions
``lambda:invoke`` task of a state machine defined in the template (the emulator forwards both)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from local_helpers import client, wait_for

from local.cloud import LocalCloud


def test_invoke_runs_the_function_and_reports_its_errors(fixture_cloud: LocalCloud) -> None:
    lam = client(fixture_cloud, "lambda")
    answer = lam.invoke(FunctionName="kefu-TaskFn", Payload=json.dumps({"n": 1}).encode())
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"echo": {"n": 1}, "by": "kefu-TaskFn"}
    failed = lam.invoke(FunctionName="kefu-TaskFn", Payload=json.dumps({"fail": True}).encode())
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "the task was told to fail"


def test_an_asynchronous_invoke_is_accepted_and_runs(fixture_cloud: LocalCloud, received: Any) -> None:
    marker = uuid.uuid4().hex
    answer = client(fixture_cloud, "lambda").invoke(
        FunctionName="kefu-TaskFn", InvocationType="Event", Payload=json.dumps({"marker": marker}).encode()
    )
    assert answer["StatusCode"] == 202
    wait_for(lambda: any(event.get("marker") == marker for event in received["task"]))


def test_a_workflow_task_invokes_the_function_through_its_runtime(fixture_cloud: LocalCloud) -> None:
    sfn = client(fixture_cloud, "stepfunctions")
    machine = next(
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "kefu-TaskMachine"
    )
    execution = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex, input=json.dumps({"ticket": "T1"}))
    done = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] != "RUNNING" and d
    )
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"echo": {"ticket": "T1"}, "by": "kefu-TaskFn"}


def test_a_workflow_task_calls_as_the_state_machine_s_role(fixture_cloud: LocalCloud) -> None:
    """The same workflow under a role that may not invoke the function fails, as in AWS."""
    sfn = client(fixture_cloud, "stepfunctions")
    machine = next(
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "kefu-DeniedMachine"
    )
    execution = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex, input=json.dumps({"ticket": "T2"}))
    done = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] != "RUNNING" and d
    )
    assert done["status"] == "FAILED", done
    assert "AccessDenied" in done.get("cause", "") + done.get("error", ""), done
