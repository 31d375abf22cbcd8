"""EventBridge Scheduler on the local cloud: schedules from the template and from the API fire, as their role.

Every schedule is created at the start of the module, so the longest wait (a cron expression fires on a
minute boundary, up to a minute away) covers all the others.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from local_helpers import client, wait_for

from local.cloud import LocalCloud
from local.template import ACCOUNT_ID

CRON_WAIT = 75.0


def _arn(cloud: LocalCloud, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{cloud.region}:{ACCOUNT_ID}:{resource}"


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/kefu-{name}"


class Queue:
    """Everything a queue received since the module started (each message read once, then deleted)."""

    def __init__(self, cloud: LocalCloud, name: str) -> None:
        self.sqs = client(cloud, "sqs")
        self.url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        self.seen: list[dict[str, Any]] = []

    def messages(self) -> list[dict[str, Any]]:
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
            )
            batch = answer.get("Messages", [])
            if not batch:
                return self.seen
            for message in batch:
                self.seen.append(message)
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(message["Body"]) for message in self.messages()]

    def find(self, key: str, value: str) -> dict[str, Any] | None:
        return next((body for body in self.bodies() if body.get(key) == value), None)


class Made:
    def __init__(self) -> None:
        self.markers: dict[str, str] = {}
        self.created_at = time.time()
        self.cron_due = 0.0


def _create(cloud: LocalCloud, name: str, expression: str, target: dict[str, Any], **extra: Any) -> None:
    client(cloud, "scheduler").create_schedule(
        Name=name, ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"}, Target=target, **extra
    )


def _marker_input(made: Made, kind: str) -> str:
    made.markers[kind] = marker = f"{kind}-{uuid.uuid4().hex[:8]}"
    return json.dumps({"marker": marker, "scheduled": "<aws.scheduler.scheduled-time>"})


@pytest.fixture(scope="module")
def made(fixture_cloud: LocalCloud) -> Iterator[Made]:
    cloud, made = fixture_cloud, Made()
    queue, dlq = _arn(cloud, "sqs", "kefu-ScheduledQueue"), _arn(cloud, "sqs", "kefu-ScheduleDlq")
    machine = _arn(cloud, "states", "stateMachine:kefu-TaskMachine")
    function = _arn(cloud, "lambda", "function:kefu-TaskFn")
    now = datetime.now(UTC)
    # cron, in New York's time: the first whole minute at least 5 s away, named in that zone's wall time
    due = (now + timedelta(seconds=65)).replace(second=0, microsecond=0)
    made.cron_due = due.timestamp()
    wall = due.astimezone(ZoneInfo("America/New_York"))
    _create(
        cloud,
        "cron-new-york",
        f"cron({wall.minute} {wall.hour} * * ? {wall.year})",
        {"Arn": queue, "RoleArn": _role("SchedulerRole"), "Input": _marker_input(made, "cron")},
        ScheduleExpressionTimezone="America/New_York",
    )
    # rate(), first occurrence at its start date, to the function
    _create(
        cloud,
        "rate-to-lambda",
        "rate(1 hour)",
        {"Arn": function, "RoleArn": _role("SchedulerRole"), "Input": _marker_input(made, "rate")},
        StartDate=now + timedelta(seconds=2),
    )
    # at(), in Shanghai's wall time (8 hours from UTC: read as UTC it would never fire in this test), to the
    # state machine, deleted once done
    shanghai = (now + timedelta(seconds=3)).astimezone(ZoneInfo("Asia/Shanghai"))
    _create(
        cloud,
        "at-to-workflow",
        f"at({shanghai.strftime('%Y-%m-%dT%H:%M:%S')})",
        {"Arn": machine, "RoleArn": _role("SchedulerRole"), "Input": _marker_input(made, "at")},
        ScheduleExpressionTimezone="Asia/Shanghai",
        ActionAfterCompletion="DELETE",
    )
    # a role that may not send to the queue: refused, the event goes to the dead-letter queue
    _create(
        cloud,
        "refused",
        "rate(1 hour)",
        {
            "Arn": queue,
            "RoleArn": _role("NarrowSchedulerRole"),
            "Input": _marker_input(made, "refused"),
            "DeadLetterConfig": {"Arn": dlq},
        },
    )
    # disabled: would fire at once if it were enabled
    _create(
        cloud,
        "disabled",
        "rate(1 minute)",
        {"Arn": queue, "RoleArn": _role("SchedulerRole"), "Input": _marker_input(made, "disabled")},
        State="DISABLED",
    )
    yield made


@pytest.fixture(scope="module")
def scheduled_queue(fixture_cloud: LocalCloud) -> Queue:
    return Queue(fixture_cloud, "kefu-ScheduledQueue")


def test_a_template_schedule_fires_as_the_cloud_starts(made: Made, scheduled_queue: Queue) -> None:
    body = wait_for(lambda: scheduled_queue.find("from", "template"), timeout=20)
    # the context placeholder is filled with the occurrence's time
    assert datetime.strptime(body["at"], "%Y-%m-%dT%H:%M:%SZ").year >= 2026


def test_rate_fires_at_its_start_date_and_invokes_the_function(made: Made, received: Any) -> None:
    event = wait_for(lambda: next((e for e in received["task"] if e.get("marker") == made.markers["rate"]), None))
    scheduled = datetime.strptime(event["scheduled"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert scheduled >= made.created_at + 1  # its start date, not its creation


def test_at_fires_once_in_its_time_zone_starts_the_workflow_and_is_deleted(
    fixture_cloud: LocalCloud, made: Made
) -> None:
    sfn = client(fixture_cloud, "stepfunctions")
    machine = _arn(fixture_cloud, "states", "stateMachine:kefu-TaskMachine")

    def started() -> Any:
        for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if made.markers["at"] in described.get("input", ""):
                return described
        return None

    wait_for(started, timeout=20)
    scheduler = client(fixture_cloud, "scheduler")
    wait_for(lambda: "at-to-workflow" not in {s["Name"] for s in scheduler.list_schedules()["Schedules"]})


def test_a_role_without_the_permission_is_refused_and_the_event_goes_to_the_dlq(
    fixture_cloud: LocalCloud, made: Made, scheduled_queue: Queue
) -> None:
    dlq = Queue(fixture_cloud, "kefu-ScheduleDlq")
    message = wait_for(
        lambda: next((m for m in dlq.messages() if made.markers["refused"] in m["Body"]), None), timeout=20
    )
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] in ("AccessDenied", "AccessDeniedException")
    assert attributes["SCHEDULE_ARN"].endswith(":schedule/default/refused")
    assert attributes["TARGET_ARN"].endswith(":kefu-ScheduledQueue")
    assert scheduled_queue.find("marker", made.markers["refused"]) is None


def test_a_function_creates_a_one_shot_schedule_at_runtime_with_its_own_role(
    fixture_cloud: LocalCloud, scheduled_queue: Queue
) -> None:
    lam, marker = client(fixture_cloud, "lambda"), uuid.uuid4().hex
    when = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")

    def request(name: str, role: str) -> dict[str, Any]:
        target = {"Arn": _arn(fixture_cloud, "sqs", "kefu-ScheduledQueue"), "RoleArn": _role(role)}
        target["Input"] = json.dumps({"marker": marker})
        create = {
            "Name": name,
            "ScheduleExpression": f"at({when})",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": target,
            "ActionAfterCompletion": "DELETE",
        }
        answer = lam.invoke(FunctionName="kefu-TaskFn", Payload=json.dumps({"create_schedule": create}).encode())
        return dict(json.loads(answer["Payload"].read()))

    assert request("runtime-one-shot", "SchedulerRole")["created"] is True
    wait_for(lambda: scheduled_queue.find("marker", marker), timeout=20)
    # the function's role may pass SchedulerRole only: passing another role is refused (iam:PassRole)
    refused = request("runtime-other-role", "NarrowSchedulerRole")
    assert refused["created"] is False and refused["status"] == 403, refused


def test_a_universal_target_makes_the_sdk_call_with_the_input(
    fixture_cloud: LocalCloud, scheduled_queue: Queue
) -> None:
    marker = uuid.uuid4().hex
    call = {"QueueUrl": scheduled_queue.url, "MessageBody": json.dumps({"marker": marker})}
    target = {"Arn": "arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "RoleArn": _role("SchedulerRole")}
    _create(fixture_cloud, f"universal-{marker[:6]}", "rate(1 hour)", {**target, "Input": json.dumps(call)})
    wait_for(lambda: scheduled_queue.find("marker", marker), timeout=20)


def test_an_expression_scheduler_refuses_is_refused(fixture_cloud: LocalCloud) -> None:
    scheduler = client(fixture_cloud, "scheduler")
    target = {"Arn": _arn(fixture_cloud, "sqs", "kefu-ScheduledQueue"), "RoleArn": _role("SchedulerRole")}
    for expression, zone in (
        ("cron(* * * * * *)", "UTC"),
        ("rate(0 minutes)", "UTC"),
        ("rate(5 minutes)", "Mars/Base"),
    ):
        with pytest.raises(scheduler.exceptions.ValidationException):
            _create(fixture_cloud, f"bad-{uuid.uuid4().hex[:6]}", expression, target, ScheduleExpressionTimezone=zone)


def test_cron_fires_on_the_minute_in_its_time_zone_and_a_disabled_schedule_never(
    made: Made, scheduled_queue: Queue
) -> None:
    body = wait_for(lambda: scheduled_queue.find("marker", made.markers["cron"]), timeout=CRON_WAIT)
    fired = datetime.strptime(body["scheduled"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert fired == made.cron_due
    assert time.time() - made.created_at > 5  # a disabled rate(1 minute) would have fired at once
    assert scheduled_queue.find("marker", made.markers["disabled"]) is None
    assert not any(body.get("from") == "disabled" for body in scheduled_queue.bodies())


def test_an_update_replaces_the_action_after_completion(fixture_cloud: LocalCloud) -> None:
    scheduler = client(fixture_cloud, "scheduler")
    target = {"Arn": _arn(fixture_cloud, "sqs", "kefu-ScheduledQueue"), "RoleArn": _role("SchedulerRole")}
    name = f"updated-{uuid.uuid4().hex[:6]}"
    _create(fixture_cloud, name, "rate(1 day)", target, State="DISABLED")
    scheduler.update_schedule(
        Name=name,
        ScheduleExpression="at(2099-01-01T00:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
        ActionAfterCompletion="DELETE",
    )
    assert scheduler.get_schedule(Name=name)["ActionAfterCompletion"] == "DELETE"
