"""Media queue consumer: a customer's files fetched from the provider into the media bucket.

Its own queue, batch and timeout: a download of up to 25 MiB from a slow provider never holds up the stream,
and so never delays an agent's reply. A provider that fails for now is retried with backoff; on the last try
the ticket records that the file will not come, and the job goes to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import aws, store
from kefu.config import MediaSettings, require
from kefu.inbound import MediaJob
from kefu.observability import logger
from kefu.queues import run_job
from kefu.services.media import store_job_media, wire_email

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(MediaSettings)

wire_email(lambda: aws.client("s3"))  # email attachments are read from the stored raw email
tracer = Tracer()
# A provider that is down is a retry, not an error of this function: the failed job goes back to the queue
# (and after the last try to the DLQ, which alarms) without failing the invocation.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    return run_job(
        record,
        MediaJob,
        "media",
        lambda job, final_attempt: store_job_media(store.current(), job, final_attempt=final_attempt),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
