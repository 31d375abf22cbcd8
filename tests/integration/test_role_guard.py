"""The integration tests judge each call a function's code makes in-process against that function's role in the
synthesized stack (tests/support/role_guard.py). Taken from the realtime push function, the grant whose absence
e7b4816 shipped (``dynamodb:BatchGetItem`` on the tickets it reads) refuses its read here, as the local cloud's
emulator and AWS refused it, while the suite stayed green then."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from kefu.models import Ticket
from kefu.store import keys
from kefu.store.table import model_item
from tests.integration.conftest import Cloud
from tests.support.role_guard import functions_act_as_their_roles, synthesized_template

PUSH = "RealtimePushFunction"
STAMP = "2026-12-01T00:00:00.000Z"


def _role_documents(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    """The policy documents of the function's role (inline and attached), to change in place."""
    resources = template["Resources"]
    role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    documents = [policy["PolicyDocument"] for policy in resources[role]["Properties"].get("Policies", [])]
    return documents + [
        resource["Properties"]["PolicyDocument"]
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"].get("Roles", [])
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def _without_action(template: dict[str, Any], function: str, action: str) -> dict[str, Any]:
    """The template with ``action`` taken out of every statement of the function's role."""
    changed = copy.deepcopy(template)
    removed = 0
    for document in _role_documents(changed, function):
        kept = []
        for statement in document["Statement"]:
            actions = _actions(statement)
            removed += action in actions
            rest = [name for name in actions if name != action]
            if rest:
                kept.append({**statement, "Action": rest})
        document["Statement"] = kept
    assert removed, f"{function}'s role has no statement allowing {action}"
    return changed


@pytest.fixture
def push_batch(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A stream batch holding one message of a stored ticket; the push's posts are kept here."""
    from realtime_push import handler

    monkeypatch.setattr(handler, "send", lambda connection_id, data: None)
    ticket = Ticket(
        id="T1", channel="web", inbox="web", customer_id="C1", conversation_key="k", team="team-a",
        created_at=STAMP, updated_at=STAMP,
    )  # fmt: skip
    cloud.store.table.put(model_item(ticket, "ticket", keys.ticket("T1")))
    cloud.run_stream(lambda event, context: {"batchItemFailures": []})  # the fixture's and the ticket's records
    key = keys.message("T1", STAMP, "M1")
    cloud.store.table.put({**key.as_dict(), "entity": "message", "ticket_id": "T1", "id": "M1"})
    return lambda: cloud.run_stream(handler.lambda_handler)


def test_the_push_function_reads_its_batchs_tickets_with_the_grant_its_role_has(push_batch: Any) -> None:
    with functions_act_as_their_roles() as roles:
        assert push_batch() == {"batchItemFailures": []}
    assert (PUSH, "dynamodb:BatchGetItem") in roles.checked
    assert roles.denials == []


def test_without_the_grant_the_push_functions_read_is_refused_and_its_batch_retried(push_batch: Any) -> None:
    template = _without_action(synthesized_template(), PUSH, "dynamodb:BatchGetItem")
    with functions_act_as_their_roles(template) as roles, pytest.raises(BatchProcessingError):
        push_batch()  # its one record failed: Lambda retries the batch
    assert [(denial.function, denial.action) for denial in roles.denials] == [(PUSH, "dynamodb:BatchGetItem")]
    assert "AccessDenied" in roles.denials[0].error
    assert roles.denials[0].resource.endswith(":table/kefu-test")


def test_a_call_the_test_makes_itself_is_the_account_roots_and_is_not_judged(cloud: Cloud) -> None:
    template = _without_action(synthesized_template(), PUSH, "dynamodb:BatchGetItem")
    with functions_act_as_their_roles(template) as roles:
        cloud.store.table.put({**keys.ticket("T2").as_dict(), "entity": "ticket", "id": "T2"})
        assert cloud.store.table.get(keys.ticket("T2")) is not None
    assert roles.checked == [] and roles.denials == []


def test_a_grant_scoped_to_other_partitions_refuses_as_dynamodb_leading_keys_does(push_batch: Any) -> None:
    template = copy.deepcopy(synthesized_template())
    narrowed = 0
    for document in _role_documents(template, PUSH):
        for statement in document["Statement"]:
            if "dynamodb:BatchGetItem" in _actions(statement):
                statement["Condition"] = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["AGENT#*"]}}
                narrowed += 1
    assert narrowed
    with functions_act_as_their_roles(template) as roles, pytest.raises(BatchProcessingError):
        push_batch()  # its one record failed: Lambda retries the batch
    assert (PUSH, "dynamodb:BatchGetItem") in {(denial.function, denial.action) for denial in roles.denials}
