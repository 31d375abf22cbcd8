"""Lambda's event sources, played locally: SQS pollers and DynamoDB stream readers.

Each mapping gets poller threads that invoke the function through its own workers (local/runtime.py).
An SQS mapping has as many pollers as the function may have workers (Lambda scales its pollers with the
backlog; on a FIFO queue SQS itself never hands out a message group that is already in flight, so order
within a conversation holds); a stream mapping has one reader per shard, one batch at a time, as Lambda.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from local.event_filters import EventFilter
from local.events import RECORDS_AS_SENT, records_as_sent, sqs_record, stream_failure_description, stream_record
from local.lambdas import LocalFunction

log = logging.getLogger("local")


@dataclass
class MappingSpec:
    logical_id: str
    function_logical_id: str
    source_arn: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_retry_attempts: int = -1
    maximum_record_age: int = -1  # MaximumRecordAgeInSeconds: older records are discarded; -1: never
    bisect_on_error: bool = False
    on_failure_arn: str | None = None
    enabled: bool = True
    batching_window: float = 0.0  # MaximumBatchingWindowInSeconds
    event_filter: EventFilter | None = None  # FilterCriteria (local/event_filters.py)


def mapping_specs(template: dict[str, Any], resolver: Any) -> list[MappingSpec]:
    from local.template import resources_of_type

    specs = []
    for logical_id, resource in resources_of_type(template, "AWS::Lambda::EventSourceMapping").items():
        raw = resource.get("Properties", {})
        function = raw.get("FunctionName", {})
        function_logical_id = function.get("Ref") if isinstance(function, dict) else None
        if function_logical_id is None:  # a name or ARN string: find the function by its physical name
            name = str(resolver.resolve(function)).rsplit(":", 1)[-1]
            function_logical_id = next((lid for lid, phys in resolver.physical.items() if phys.ref == name), name)
        props = resolver.resolve(raw)
        source = next((name for name in ("sqs", "dynamodb") if f":{name}:" in props["EventSourceArn"]), "other")
        # A filter Lambda would refuse fails the start here, as it would fail the deploy (FilterError).
        event_filter = EventFilter.from_criteria(props.get("FilterCriteria"), source, logical_id)
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        specs.append(
            MappingSpec(
                logical_id=logical_id,
                function_logical_id=function_logical_id,
                source_arn=props["EventSourceArn"],
                batch_size=int(props.get("BatchSize", 10 if ":sqs:" in props["EventSourceArn"] else 100)),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                maximum_record_age=int(props.get("MaximumRecordAgeInSeconds", -1)),
                bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                on_failure_arn=destination,
                enabled=bool(props.get("Enabled", True)),
                batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                event_filter=event_filter,
            )
        )
    return specs


def failed_item_ids(result: Any) -> list[str] | None:
    """The ``batchItemFailures`` identifiers, or None when the response itself is malformed (= all failed)."""
    if result is None:
        return []
    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    ids = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return None
        ids.append(identifier)
    return ids


class Dispatcher(threading.Thread):
    def __init__(self, spec: MappingSpec, function: LocalFunction, client: Any, region: str) -> None:
        super().__init__(name=f"dispatch-{spec.logical_id}", daemon=True)
        self.spec = spec
        self.function = function
        self.client = client
        self.region = region
        self._stopping = threading.Event()
        self.busy = False
        self.errors = 0

    def stop(self) -> None:
        """Finish the batch in flight, then stop."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        last_said = 0.0
        while not self.stopping:
            try:
                self.poll_once()
            except Exception as error:  # the emulator may be going away; keep the thread alive, slow down
                self.errors += 1
                if not self.stopping:
                    # the first failure with its traceback, then a line at most every 30 s (a role refused
                    # its queue would otherwise fill the log once a second)
                    if self.errors == 1:
                        log.exception("dispatcher %s failed to poll", self.spec.logical_id)
                    elif time.monotonic() - last_said > 30:
                        log.error(
                            "dispatcher %s still failing (%d times): %s", self.spec.logical_id, self.errors, error
                        )
                    else:
                        self._stopping.wait(1.0)
                        continue
                    last_said = time.monotonic()
                    self._stopping.wait(1.0)

    def poll_once(self) -> None:
        raise NotImplementedError

    def idle(self) -> bool:
        raise NotImplementedError


class SqsPoller(Dispatcher):
    """Receives up to BatchSize messages, invokes, deletes the successes.

    Failed messages stay in the queue and come back (moto's redrive moves them to the DLQ after
    maxReceiveCount receives). Locally they come back after ``retry_delay`` seconds instead of the queue's
    visibility timeout, so a developer does not wait minutes for a retry.
    """

    def __init__(
        self,
        spec: MappingSpec,
        function: LocalFunction,
        client: Any,
        region: str,
        queue_url: str,
        retry_delay: int = 1,
    ) -> None:
        super().__init__(spec, function, client, region)
        self.queue_url = queue_url
        self.retry_delay = retry_delay

    def _receive(self, wait_seconds: int, count: int) -> list[dict[str, Any]]:
        response = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(count, 10)),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _matching(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages the mapping's filter lets through; Lambda deletes the others from the queue."""
        event_filter = self.spec.event_filter
        if event_filter is None or not messages:
            return messages
        kept: list[dict[str, Any]] = []
        dropped: list[dict[str, Any]] = []
        for message in messages:
            record = sqs_record(message, self.spec.source_arn, self.region)
            (kept if event_filter.matches(record) else dropped).append(message)
        self._delete_messages(dropped)
        return kept

    def _delete_messages(self, messages: list[dict[str, Any]]) -> None:
        for chunk in _chunks(messages, 10):
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )

    def poll_once(self) -> None:
        messages = self._matching(self._receive(1, self.spec.batch_size))
        if messages and self.spec.batching_window > 0:
            # Lambda gathers records for up to the batching window (or until the batch is full), filtering
            # each as it comes: only matching messages fill the batch.
            deadline = time.monotonic() + self.spec.batching_window
            while len(messages) < self.spec.batch_size and time.monotonic() < deadline and not self.stopping:
                more = self._matching(self._receive(0, self.spec.batch_size - len(messages)))
                if not more:
                    self._stopping.wait(min(0.05, max(0.0, deadline - time.monotonic())))
                messages += more
        if messages:
            self.busy = True
            try:
                self.process(messages)
            finally:
                self.busy = False

    def process(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(message, self.spec.source_arn, self.region) for message in messages]}
        try:
            result = self.function.invoke(event)
        except Exception:
            log.exception("function %s failed on an SQS batch", self.function.spec.name)
            failed: list[str] | None = None
        else:
            failed = failed_item_ids(result) if self.spec.report_batch_item_failures else []
        ids = {message["MessageId"] for message in messages}
        if failed is not None and not set(failed) <= ids:
            failed = None  # Lambda treats an unknown identifier as a failure of the whole batch
        failed_set = ids if failed is None else set(failed)
        succeeded = [m for m in messages if m["MessageId"] not in failed_set]
        retried = [m for m in messages if m["MessageId"] in failed_set]
        self._delete_messages(succeeded)
        for chunk in _chunks(retried, 10):
            self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self.retry_delay}
                    for i, m in enumerate(chunk)
                ],
            )

    def idle(self) -> bool:
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(attributes.get("ApproximateNumberOfMessages", 0))
        in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
        return not self.busy and waiting == 0 and in_flight == 0


class StreamReader(Dispatcher):
    """Reads the table's stream from LATEST, invokes with batches, retries from the failed record."""

    def __init__(
        self,
        spec: MappingSpec,
        function: LocalFunction,
        client: Any,
        region: str,
        sqs_client: Any,
        queue_urls_by_arn: dict[str, str],
        poll_interval: float = 0.05,
        retry_delay: float = 0.5,
    ) -> None:
        super().__init__(spec, function, client, region)
        client.meta.events.register(
            "before-parse.dynamodb-streams.GetRecords", records_as_sent, unique_id=RECORDS_AS_SENT
        )
        self.sqs = sqs_client
        self.queue_urls_by_arn = queue_urls_by_arn
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        shard = client.describe_stream(StreamArn=spec.source_arn)["StreamDescription"]["Shards"][0]
        self.shard_id: str = shard["ShardId"]
        # Positioned at construction: everything written after this point is delivered.
        self.iterator: str = client.get_shard_iterator(
            StreamArn=spec.source_arn, ShardId=self.shard_id, ShardIteratorType="LATEST"
        )["ShardIterator"]
        self.caught_up = True

    def poll_once(self) -> None:
        response = self.client.get_records(ShardIterator=self.iterator, Limit=min(self.spec.batch_size, 1000))
        self.iterator = response["NextShardIterator"]
        records = response[RECORDS_AS_SENT]
        if not records:
            self.caught_up = True
            self._stopping.wait(self.poll_interval)
            return
        self.caught_up = False
        batch = [stream_record(r, self.spec.source_arn, self.region) for r in records]
        if self.spec.event_filter is not None:
            # Records the filter refuses are skipped: the iterator has already moved past them, as Lambda's.
            batch = [record for record in batch if self.spec.event_filter.matches(record)]
        if not batch:
            return
        self.busy = True
        try:
            self.deliver(batch)
        finally:
            self.busy = False

    def deliver(self, batch: list[dict[str, Any]]) -> None:
        """Invoke until the batch succeeds or its retries run out, in the shard's order.

        A partial failure (ReportBatchItemFailures) retries from the lowest failed sequence number. A batch that
        fails as a whole (a function error, or a response Lambda cannot read) is split in two when the mapping
        sets BisectBatchOnFunctionError, and each half is then delivered the same way, the first half first;
        a split does not use up a retry, so a single bad record ends up alone, retried, then given up.
        """
        pending = [batch]
        while pending:
            self._deliver_until_done(pending.pop(0), pending)

    def _deliver_until_done(self, batch: list[dict[str, Any]], pending: list[list[dict[str, Any]]]) -> None:
        attempts = 0
        error: str | None = None
        while batch:
            batch = self._young_enough(batch, attempts, error)
            if not batch:
                return
            attempts += 1
            error = None
            try:
                result = self.function.invoke({"Records": batch})
            except Exception:
                log.exception("function %s failed on a stream batch", self.function.spec.name)
                failed: list[str] | None = None
                error = "Unhandled"
            else:
                failed = failed_item_ids(result) if self.spec.report_batch_item_failures else []
            if failed == []:
                return
            sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
            if failed is not None and set(failed) <= set(sequence_numbers):
                # Lambda resumes from the lowest failed sequence number.
                batch = batch[min(sequence_numbers.index(number) for number in failed) :]
            elif self.spec.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                pending[:0] = [batch[:half], batch[half:]]
                return
            limit = self.spec.maximum_retry_attempts
            if (limit >= 0 and attempts > limit) or (limit < 0 and self.stopping):
                self.give_up(batch, attempts, error)
                return
            self._stopping.wait(self.retry_delay)

    def _young_enough(self, batch: list[dict[str, Any]], attempts: int, error: str | None) -> list[dict[str, Any]]:
        """The batch without its records older than MaximumRecordAgeInSeconds, which Lambda discards before an
        invocation (first or retry) and sends to the on-failure destination (``RecordAgeExceeded``). Records
        come in the shard's order, so the expired ones are the oldest, at the front."""
        if self.spec.maximum_record_age < 0:
            return batch
        oldest_kept = time.time() - self.spec.maximum_record_age
        expired = 0
        while expired < len(batch) and float(batch[expired]["dynamodb"]["ApproximateCreationDateTime"]) < oldest_kept:
            expired += 1
        if expired:
            self.give_up(batch[:expired], attempts, error, condition="RecordAgeExceeded")
        return batch[expired:]

    def give_up(
        self, batch: list[dict[str, Any]], attempts: int, error: str | None, condition: str = "RetryAttemptsExhausted"
    ) -> None:
        log.error(
            "%s: stream batch of %d records given up after %d attempts (%s)",
            self.function.spec.name,
            len(batch),
            attempts,
            condition,
        )
        if not self.spec.on_failure_arn:
            return
        description = stream_failure_description(
            function_arn=self.function.spec.arn,
            stream_arn=self.spec.source_arn,
            shard_id=self.shard_id,
            records=batch,
            attempts=attempts,
            condition=condition,
            function_error=error,
        )
        queue_url = self.queue_urls_by_arn.get(self.spec.on_failure_arn)
        if queue_url is None:
            log.error("on-failure destination %s is not a local queue", self.spec.on_failure_arn)
            return
        message: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": json.dumps(description)}
        if queue_url.endswith(".fifo"):
            message["MessageGroupId"] = self.shard_id
            message["MessageDeduplicationId"] = description["requestContext"]["requestId"]
        self.sqs.send_message(**message)

    def idle(self) -> bool:
        return not self.busy and self.caught_up


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
