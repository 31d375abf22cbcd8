"""Putting work on the queues: on the FIFO ones one message group per conversation, deduplicated on the
provider's id; every message carries the current correlation id as a message attribute (kefu.observability).
And taking a provider job off its queue again (`run_job`): its retries, backoff, decision log and metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from kefu import aws
from kefu.config import MAX_RECEIVE_COUNT, get_settings
from kefu.errors import ProviderError
from kefu.inbound import InboundMessage, MediaJob, OutboundJob
from kefu.observability import bound, count, decided, failures_logged, from_sqs_record, sqs_attributes

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from kefu.routing.jobs import RoutingJob

JobT = TypeVar("JobT", MediaJob, OutboundJob)

SQS_BATCH = 10


def enqueue_inbound(messages: list[InboundMessage]) -> None:
    """Send before answering the provider: once this returns, the messages are durable."""
    queue_url = get_settings().inbound_queue_url
    sqs = aws.client("sqs")
    attributes = sqs_attributes()
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        resp = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": m.model_dump_json(),
                    "MessageGroupId": m.message_group,
                    "MessageDeduplicationId": m.dedupe_hash,
                    "MessageAttributes": attributes,
                }
                for i, m in enumerate(chunk)
            ],
        )
        failed = resp.get("Failed") or []
        if failed:
            # The provider will retry the whole delivery; the ones that did go through are deduplicated.
            raise RuntimeError(f"could not queue {len(failed)} inbound message(s): {failed[0].get('Message')}")


def enqueue_outbound(message: OutboundJob) -> None:
    import hashlib

    aws.client("sqs").send_message(
        QueueUrl=get_settings().outbound_queue_url,
        MessageBody=message.model_dump_json(),
        MessageGroupId=hashlib.sha256(message.conversation_key.encode()).hexdigest()[:64],
        MessageDeduplicationId=message.message_id,
        MessageAttributes=sqs_attributes(),
    )


def enqueue_media(job: MediaJob) -> None:
    """A standard queue: downloads need no order, and a redelivered job only overwrites the same objects."""
    aws.client("sqs").send_message(
        QueueUrl=get_settings().media_queue_url, MessageBody=job.model_dump_json(), MessageAttributes=sqs_attributes()
    )


def enqueue_routing(job: RoutingJob, delay_seconds: int = 0) -> None:
    """A standard queue: each job may wait its own delay (routing's timers, at most 15 minutes)."""
    # imported here: the stream and the routing function, which enqueue these jobs, have the module from init;
    # the webhooks, media and outbound functions, which use this module's other queues, skip its model
    from kefu.routing.jobs import MAX_DELAY_SECONDS

    aws.client("sqs").send_message(
        QueueUrl=get_settings().routing_queue_url,
        MessageBody=job.model_dump_json(exclude_none=True),
        DelaySeconds=max(0, min(MAX_DELAY_SECONDS, int(delay_seconds))),
        MessageAttributes=sqs_attributes(),
    )


def retry_delay(attempt: int) -> int:
    """Seconds before the next try of a failed job: 10, 20, 40, 80 ... capped at 15 minutes."""
    return int(min(900, 10 * 2 ** max(0, attempt - 1)))


def delay_redelivery(queue_arn: str, receipt_handle: str, attempt: int) -> None:
    """Back off exponentially instead of waiting the queue's whole visibility timeout (or hammering a
    provider that is down). Best effort: if this fails, the visibility timeout still brings the job back."""
    from botocore.exceptions import BotoCoreError, ClientError

    _, _, _, _, account, name = queue_arn.split(":", 5)
    sqs = aws.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=receipt_handle, VisibilityTimeout=retry_delay(attempt)
        )
    except (ClientError, BotoCoreError):
        return


def run_job(record: SQSRecord, model: type[JobT], use_case: str, work: Callable[[JobT, bool], str]) -> str:
    """One provider job from its queue: `work(job, final_attempt)` says what became of it (its outcome, logged
    as the use case's decision and counted as the metric `<UseCase><Outcome>`, e.g. MediaPartlyStored). A
    ProviderError is a retry (backed off, counted <UseCase>Retry) while receives are left and the error is
    retryable, else a give-up (<UseCase>GaveUp); either way it is raised again, so the batch reports the record
    as failed and the queue (and after the last try its DLQ) keeps the job."""
    metric = use_case.title()
    with bound(from_sqs_record(record)), failures_logged(use_case, decided_already=(ProviderError,)):
        job = model.model_validate_json(record.body)
        attempt = int(record.attributes.approximate_receive_count)
        facts = {"channel": job.channel, "inbox": job.inbox, "ticket_id": job.ticket_id, "message_id": job.message_id}
        try:
            outcome = work(job, attempt >= MAX_RECEIVE_COUNT)
        except ProviderError as err:
            retry = err.retryable and attempt < MAX_RECEIVE_COUNT
            decided(use_case, "retry" if retry else "gave_up", attempt=attempt, reason=err.message, **facts)
            count(f"{metric}Retry" if retry else f"{metric}GaveUp", job.channel)
            if retry:
                delay_redelivery(record.event_source_arn, record.receipt_handle, attempt)
            raise
        decided(use_case, outcome, attempt=attempt, **facts)
        count(metric + outcome.title().replace("_", ""), job.channel)
        return outcome
