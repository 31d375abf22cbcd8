"""The bot's queue consumer: one decision per customer message (answer, hand over, resolve or stay silent).

Thin: parse the job, call the bot's use case, log what it decided. A failed decision is reported as a
partial batch failure, retried by SQS and finally kept in the DLQ; the FIFO group holds the ticket's later
messages back meanwhile, so they are never judged out of order.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import store
from kefu.config import BotFunctionSettings, require
from kefu.observability import bound, count, decided, failures_logged, from_sqs_record, logger
from kefu.services import bot, knowledge

settings = require(BotFunctionSettings)

tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    with bound(from_sqs_record(record)), failures_logged("bot"):
        job = bot.BotJob.model_validate_json(record.body)
        decision = bot.decide(store.current(), knowledge.article_index(), job, help_base_url=settings.help_base_url)
        decided(
            "bot",
            decision.action,
            ticket_id=job.ticket_id,
            message_id=job.message_id,
            reason=decision.reason or None,
            article_id=decision.article_id,
            confidence=decision.confidence,
        )
        if decision.action in ("answered", "handoff", "resolved"):
            count(f"Bot{decision.action.capitalize()}", "bot")
        return decision.action


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
