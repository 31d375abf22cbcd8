"""EventBridge Scheduler, fired: moto stores schedules but never runs them; this does, inside the emulator.

It watches moto's own store (a create, update or delete wakes it at once, so a schedule a function creates at
runtime fires as one from the template does) and, when a schedule is due, calls its target **as the schedule's
role**: it assumes ``Target.RoleArn`` through STS and signs the call with those credentials, so a role missing
the permission is refused by the emulator's IAM as it would be in AWS. Targets:

- Lambda (``arn:aws:lambda:...``): ``Invoke`` with ``InvocationType=Event``, as Scheduler does; the emulator
  forwards it to the function's own workers.
- Step Functions (``arn:aws:states:...:stateMachine:...``): ``StartExecution`` with the input.
- SQS (``arn:aws:sqs:...``): ``SendMessage`` with the input as body (``SqsParameters.MessageGroupId`` for FIFO).
- Universal targets (``arn:aws:scheduler:::aws-sdk:<service>:<action>``): the SDK call with the input's
  parameters.

Failures follow the target's ``RetryPolicy`` (a 4xx other than throttling is not retried), then go to
``DeadLetterConfig`` (sent with the same role). ``ActionAfterCompletion: DELETE`` deletes a schedule once it
has nothing left to fire. Context placeholders (``<aws.scheduler.scheduled-time>`` ...) are filled in.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local import schedules

log = logging.getLogger("local.scheduler")

# A wait is bounded so that a clock jump or a missed wake-up costs at most this long.
LONGEST_SLEEP = 30.0
CREDENTIAL_SECONDS = 3600
RETRY_FIRST_DELAY = 1.0
RETRY_LONGEST_DELAY = 60.0
# A universal target names the service as the SDKs' service id; a few differ from boto3's names.
SDK_SERVICE_NAMES = {"sfn": "stepfunctions"}
THROTTLING = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}


@dataclass
class _Plan:
    version: tuple[float, int]
    not_before: float
    due: float | None


class TargetFailed(Exception):
    def __init__(self, code: str, message: str, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class Scheduler:
    """Fires the emulator's schedules. ``endpoint`` is the emulator itself; ``root`` its root credentials."""

    def __init__(self, endpoint: str, root_key: str, root_secret: str, workers: int = 4) -> None:
        self.endpoint = endpoint
        self.root = (root_key, root_secret)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._plans: dict[str, _Plan] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scheduler")
        self._credentials: dict[str, tuple[float, dict[str, str]]] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the loop -----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.tick(time.time())
            except Exception:  # the scheduler must outlive one bad schedule
                log.exception("scheduler: a pass over the schedules failed")
                wait = 1.0
            self._wake.wait(max(0.0, min(wait, LONGEST_SLEEP)))
            self._wake.clear()

    def tick(self, now: float) -> float:
        """Fire what is due at ``now``; the seconds until the next schedule is due."""
        from moto.scheduler.models import scheduler_backends

        wait = LONGEST_SLEEP
        seen: set[str] = set()
        for _, _, backend in scheduler_backends.iter_backends():
            for group in list(backend.schedule_groups.values()):  # type: ignore[attr-defined]
                for schedule in list(group.schedules.values()):
                    seen.add(schedule.arn)
                    plan = self._plan(schedule)
                    if plan.due is None:
                        end = _epoch(schedule.end_date)
                        if _recurring(schedule) and end is not None and end < now:
                            self._complete(backend, schedule)  # a recurring schedule past its end date
                        continue
                    if plan.due > now:
                        wait = min(wait, plan.due - now)
                        continue
                    if schedule.state == "ENABLED":
                        self._pool.submit(self._fire, backend, schedule, dict(schedule.to_dict()), plan.due)
                    # kept on the schedule (and in snapshots), so a restart does not fire this occurrence again
                    schedule.local_last_fired = plan.due
                    plan.not_before = plan.due + 1
                    plan.due = self._next(schedule, plan.not_before)
                    if plan.due is not None:
                        wait = min(wait, max(0.0, plan.due - now))
        for arn in set(self._plans) - seen:
            del self._plans[arn]
        return wait

    def _plan(self, schedule: Any) -> _Plan:
        version = (float(schedule.last_modified_date), id(schedule))
        plan = self._plans.get(schedule.arn)
        if plan is None or plan.version != version:
            # Occurrences from the schedule's creation or last change on (a rate without a start date
            # fires at once); an at() already past when the schedule was saved never fires.
            fired = getattr(schedule, "local_last_fired", None)
            plan = _Plan(version, max(version[0], fired + 1 if fired is not None else version[0]), None)
            plan.due = self._next(schedule, plan.not_before)
            self._plans[schedule.arn] = plan
        return plan

    def _next(self, schedule: Any, not_before: float) -> float | None:
        try:
            expression = schedules.parse(schedule.schedule_expression)
            return schedules.next_fire(
                expression,
                schedule.schedule_expression_timezone,
                not_before,
                anchor=float(schedule.last_modified_date),
                start=_epoch(schedule.start_date),
                end=_epoch(schedule.end_date),
            )
        except schedules.InvalidExpression:
            log.error(
                "scheduler: %s has an expression that never fires: %s", schedule.arn, schedule.schedule_expression
            )
            return None

    def _complete(self, backend: Any, schedule: Any) -> None:
        if (schedule.action_after_completion or "NONE") != "DELETE":
            return
        group = backend.schedule_groups.get(schedule.group_name)
        if group is not None and group.schedules.get(schedule.name) is schedule:
            del group.schedules[schedule.name]
            log.info("scheduler: %s completed and was deleted (ActionAfterCompletion DELETE)", schedule.arn)

    # -- one invocation -----------------------------------------------------------------------------------

    def _fire(self, backend: Any, schedule: Any, described: dict[str, Any], scheduled: float) -> None:
        target = described["Target"]
        execution_id = str(uuid.uuid4())
        policy = target.get("RetryPolicy") or {}
        retries = int(policy.get("MaximumRetryAttempts", 185))
        max_age = float(policy.get("MaximumEventAgeInSeconds", 86400))
        attempt, delay = 0, RETRY_FIRST_DELAY
        while True:
            attempt += 1
            payload = _with_context(target.get("Input"), described["Arn"], scheduled, execution_id, attempt)
            try:
                self._call(target, payload, execution_id, described["Arn"].split(":")[3])
                log.info("scheduler: %s invoked %s (attempt %d)", described["Arn"], target["Arn"], attempt)
                break
            except TargetFailed as failure:
                too_old = time.time() + delay - scheduled > max_age
                if failure.retryable and attempt <= retries and not too_old and not self._stop.is_set():
                    log.warning("scheduler: %s failed (%s), retrying in %.0f s", described["Arn"], failure, delay)
                    self._stop.wait(delay)
                    delay = min(delay * 2, RETRY_LONGEST_DELAY)
                    continue
                log.error("scheduler: %s could not invoke %s: %s", described["Arn"], target["Arn"], failure)
                self._dead_letter(target, payload, described["Arn"], scheduled, execution_id, failure)
                break
        if not _recurring(schedule):
            self._complete(backend, schedule)

    def _call(self, target: dict[str, Any], payload: str | None, execution_id: str, region: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        arn = target["Arn"]
        role = target.get("RoleArn", "")
        parts = arn.split(":")
        try:
            if arn.startswith("arn:aws:scheduler:::aws-sdk:"):
                # arn:aws:scheduler:::aws-sdk:<service>:<action>
                self._universal(role, region, parts[6], parts[7], payload)
            elif parts[2] == "lambda":
                self._client(role, "lambda", parts[3]).invoke(
                    FunctionName=arn, InvocationType="Event", Payload=(payload or "{}").encode()
                )
            elif parts[2] == "states":
                self._client(role, "stepfunctions", parts[3]).start_execution(
                    stateMachineArn=arn, name=execution_id, input=payload or "{}"
                )
            elif parts[2] == "sqs":
                request: dict[str, Any] = {"QueueUrl": self._queue_url(arn), "MessageBody": payload or "{}"}
                group = (target.get("SqsParameters") or {}).get("MessageGroupId")
                if group:
                    request["MessageGroupId"] = group
                if arn.endswith(".fifo"):
                    request["MessageDeduplicationId"] = execution_id
                self._client(role, "sqs", parts[3]).send_message(**request)
            else:
                raise TargetFailed("UnsupportedTarget", f"the local cloud does not invoke {arn}", retryable=False)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
            message = str(error.response.get("Error", {}).get("Message", error))
            if status == 403 and not code.isalpha():
                code = "AccessDenied"  # moto's IAM answers in XML, which a JSON-protocol client cannot parse
            raise TargetFailed(code, message, retryable=status >= 500 or status == 429 or code in THROTTLING) from None
        except BotoCoreError as error:
            raise TargetFailed(type(error).__name__, str(error), retryable=True) from None

    def _universal(self, role: str, region: str, service: str, action: str, payload: str | None) -> None:
        from botocore import xform_name
        from botocore.exceptions import UnknownServiceError

        try:
            parameters = json.loads(payload or "{}")
        except ValueError:
            raise TargetFailed("ValidationException", "the input of a universal target is not JSON", False) from None
        try:
            call = getattr(self._client(role, SDK_SERVICE_NAMES.get(service, service), region), xform_name(action))
        except (UnknownServiceError, AttributeError):
            raise TargetFailed("ValidationException", f"no SDK call {service}:{action}", retryable=False) from None
        call(**parameters)

    def _dead_letter(
        self,
        target: dict[str, Any],
        payload: str | None,
        schedule_arn: str,
        scheduled: float,
        execution_id: str,
        failure: TargetFailed,
    ) -> None:
        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue:
            return
        attributes = {
            "ERROR_CODE": failure.code,
            "ERROR_MESSAGE": failure.message[:1000] or failure.code,
            "EXECUTION_ID": execution_id,
            "SCHEDULE_ARN": schedule_arn,
            "SCHEDULED_TIME": _iso(scheduled),
            "TARGET_ARN": target["Arn"],
        }
        try:
            self._client(target.get("RoleArn", ""), "sqs", queue.split(":")[3]).send_message(
                QueueUrl=self._queue_url(queue),
                MessageBody=payload or "{}",
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
                },
            )
        except Exception as error:  # the dead-letter queue refused too: only the log is left
            log.error("scheduler: %s: the dead-letter queue %s refused the event: %s", schedule_arn, queue, error)

    # -- clients, as the schedule's role ------------------------------------------------------------------

    def _queue_url(self, arn: str) -> str:
        account, name = arn.split(":")[4], arn.split(":")[5]
        return f"{self.endpoint}/{account}/{name}"

    def _client(self, role: str, service: str, region: str) -> Any:
        import boto3

        credentials = self._role_credentials(role)
        key = (credentials["aws_access_key_id"], service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = boto3.client(  # type: ignore[call-overload]
                    service, endpoint_url=self.endpoint, region_name=region, **credentials
                )
            return client

    def _role_credentials(self, role: str) -> dict[str, str]:
        import boto3

        if not role:
            raise TargetFailed("ValidationException", "the schedule's target has no RoleArn", retryable=False)
        with self._lock:
            expires, credentials = self._credentials.get(role, (0.0, {}))
            if time.time() < expires - 300:
                return credentials
        sts = boto3.client(
            "sts",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.root[0],
            aws_secret_access_key=self.root[1],
        )
        try:
            answer = sts.assume_role(
                RoleArn=role, RoleSessionName="local-scheduler", DurationSeconds=CREDENTIAL_SECONDS
            )["Credentials"]
        except Exception as error:
            raise TargetFailed("AccessDeniedException", f"the role {role} cannot be assumed: {error}", False) from None
        credentials = {
            "aws_access_key_id": answer["AccessKeyId"],
            "aws_secret_access_key": answer["SecretAccessKey"],
            "aws_session_token": answer["SessionToken"],
        }
        with self._lock:
            self._credentials[role] = (time.time() + CREDENTIAL_SECONDS, credentials)
        return credentials


def _recurring(schedule: Any) -> bool:
    return not str(schedule.schedule_expression).strip().startswith("at(")


def _epoch(value: Any) -> float | None:
    """moto keeps dates as the request sent them: epoch seconds (the SDK) or ISO 8601 (a template)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_context(
    payload: str | None, schedule_arn: str, scheduled: float, execution_id: str, attempt: int
) -> str | None:
    if payload is None:
        return None
    for name, value in (
        ("schedule-arn", schedule_arn),
        ("scheduled-time", _iso(scheduled)),
        ("execution-id", execution_id),
        ("attempt-number", str(attempt)),
    ):
        payload = payload.replace(f"<aws.scheduler.{name}>", value)
    return payload
