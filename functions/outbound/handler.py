"""Outbound queue consumer: deliver agent messages through their channel.

A retryable provider failure goes back to the queue until the last allowed receive, when the message is
marked failed with the provider's reason (and the queue's DLQ keeps nothing that was lost silently).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import aws
from kefu.config import MAX_RECEIVE_COUNT
from kefu.errors import ProviderError
from kefu.inbound import OutboundMessage
from kefu.queues import delay_redelivery
from kefu.repository import Repository
from kefu.services.media import wire_email
from kefu.services.outbound import deliver

logger = Logger()
wire_email(lambda: aws.client("s3"), lambda: aws.client("ses"))
tracer = Tracer()
# Ephemeral: its metric set belongs to this module alone, never shared with another handler in the process
metrics = EphemeralMetrics(namespace="Kefu")
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> str:
    job = OutboundMessage.model_validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count)
    try:
        outcome = deliver(Repository.from_settings(), job, final_attempt=attempt >= MAX_RECEIVE_COUNT)
    except ProviderError as err:
        if err.retryable and attempt < MAX_RECEIVE_COUNT:
            delay_redelivery(record.event_source_arn, record.receipt_handle, attempt)
        raise
    logger.info("outbound", extra={"outcome": outcome, "ticket_id": job.ticket_id, "channel": job.channel})
    metrics.add_metric(name=f"Outbound{outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
