"""Outbound queue consumer: deliver agent messages through their channel.

A retryable provider failure goes back to the queue until the last allowed receive, when the message is
marked failed with the provider's reason (and the queue's DLQ keeps nothing that was lost silently).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import aws, store
from kefu.config import OutboundSettings, require
from kefu.inbound import OutboundJob
from kefu.observability import logger
from kefu.queues import run_job
from kefu.services.media import wire_email
from kefu.services.outbound import deliver

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(OutboundSettings)

wire_email(lambda: aws.client("s3"), lambda: aws.client("ses"))
tracer = Tracer()
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> str:
    return run_job(
        record,
        OutboundJob,
        "outbound",
        lambda job, final_attempt: deliver(store.current(), job, final_attempt=final_attempt),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
