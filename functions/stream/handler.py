"""DynamoDB stream consumer: reactions to stored changes (today: the outbox for agent replies)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import aws
from kefu.repository import Repository
from kefu.services.media import wire_email
from kefu.services.stream import on_change

logger = Logger()
wire_email(lambda: aws.client("s3"))
tracer = Tracer()
# Ephemeral: its metric set belongs to this module alone, never shared with another handler in the process
metrics = EphemeralMetrics(namespace="Kefu")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> str:
    raw = record.raw_event
    return on_change(Repository.from_settings(), raw.get("eventName", ""), raw.get("dynamodb", {}).get("NewImage"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
