"""Pushes to the agent app: the table's stream (tickets, messages, agents only, by the event source mapping's
filter) turned into small events posted to the WebSocket connections of each change's recipients.

A connection the Management API reports gone (410) is deleted; any other failure fails only that record
(partial batch response), which Lambda retries.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from kefu import aws, store
from kefu.config import RealtimePushSettings, require
from kefu.observability import failures_logged, logger
from kefu.services import realtime

settings = require(RealtimePushSettings)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# this invocation's connections by audience (one Query per audience per batch, not per push) and the holders
# of its records' tickets (one BatchGetItem per batch, not a GetItem per record)
batch: dict[str, Any] = {}


@functools.cache
def management() -> Any:
    """The stage's Management API client, made at the first push (each post is small: fail fast)."""
    return aws.new_client(
        "apigatewaymanagementapi",
        endpoint_url=realtime.management_endpoint(settings.realtime_url),
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5),
    )


def send(connection_id: str, data: bytes) -> None:
    client = management()
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except client.exceptions.GoneException as error:
        raise realtime.Gone(connection_id) from error


def record_handler(record: DynamoDBRecord) -> None:
    raw = record.raw_event.get("dynamodb", {})
    with failures_logged("realtime_push"):
        for push in realtime.pushes_for(
            record.raw_event.get("eventName", ""), raw.get("NewImage"), raw.get("OldImage"), batch["tickets"]
        ):
            delivery = realtime.deliver(store.current(), push, send, recipients=batch["recipients"])
            if delivery.sent or delivery.gone:
                logger.debug("pushed", extra={"type": push.event["type"], "sent": delivery.sent, "gone": delivery.gone})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    batch["recipients"] = realtime.Recipients(store.current())
    records = [(r.get("eventName", ""), r.get("dynamodb", {}).get("NewImage")) for r in event.get("Records", [])]
    batch["tickets"] = realtime.Tickets(store.current(), records)
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        batch.clear()
