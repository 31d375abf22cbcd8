"""Inbound queue consumer: each message is stored once on its ticket.

FIFO: when one message of a conversation fails, the rest of that conversation's messages in the batch are
handed back too, so order within a conversation holds; other conversations go on.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.inbound import InboundMessage
from kefu.repository import Repository
from kefu.services.ingest import ingest_message

logger = Logger()
tracer = Tracer()
# Ephemeral: its metric set belongs to this module alone, never shared with another handler in the process
metrics = EphemeralMetrics(namespace="Kefu")
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> str:
    message = InboundMessage.model_validate_json(record.body)
    result = ingest_message(Repository.from_settings(), message)
    logger.info(
        "ingested",
        extra={"outcome": result.outcome, "ticket_id": result.ticket_id, "channel": message.channel},
    )
    if result.outcome == "stored":
        metrics.add_metric(name="MessageStored", unit=MetricUnit.Count, value=1)
        if result.created_ticket:
            metrics.add_metric(name="TicketCreated", unit=MetricUnit.Count, value=1)
    elif result.outcome == "duplicate":
        metrics.add_metric(name="DuplicateDelivery", unit=MetricUnit.Count, value=1)
    return result.outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
