"""Inbound queue consumer: each message is stored once on its ticket.

FIFO: when one message of a conversation fails, the rest of that conversation's messages in the batch are
handed back too, so order within a conversation holds; other conversations go on.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import store
from kefu.config import IngestSettings, require
from kefu.inbound import InboundMessage
from kefu.observability import bound, count, decided, failures_logged, from_sqs_record, logger
from kefu.services.ingest import ingest_message, read_ahead

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(IngestSettings)

tracer = Tracer()
processor = SqsFifoPartialProcessor(skip_group_on_error=True)
parsed: dict[str, InboundMessage] = {}  # the batch's messages by SQS message id, parsed once for the read ahead


def record_handler(record: SQSRecord) -> str:
    with bound(from_sqs_record(record)), failures_logged("ingest"):
        # a body that did not parse is parsed again here, so its record fails with the reason
        message = parsed.get(record.message_id) or InboundMessage.model_validate_json(record.body)
        result = ingest_message(store.current(), message)
        decided(
            "ingest",
            result.outcome,
            channel=message.channel,
            inbox=message.inbox,
            sender=message.sender.external_id,  # often a phone number: the log formatter masks it
            ticket_id=result.ticket_id,
            message_id=result.message_id,
            created_ticket=result.created_ticket,
        )
        if result.outcome == "stored":
            count("MessageStored", message.channel)
            if result.created_ticket:
                count("TicketCreated", message.channel)
        elif result.outcome == "duplicate":
            count("DuplicateDelivery", message.channel)
        return result.outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    parsed.clear()
    for record in event.get("Records", []):
        try:
            parsed[record["messageId"]] = InboundMessage.model_validate_json(record.get("body", ""))
        except ValueError:
            continue
    current = store.current()
    with current.table.ahead():  # the batch's reads in two requests, not one or two a message
        read_ahead(current, list(parsed.values()))
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
