"""Routing queue consumer: assign what waits in a queue the stream says has a new ticket, and run routing's
timers (an assignment unanswered in time goes back, an agent without heartbeats goes offline, a reopened
ticket counts against its assignee again). A failed job goes back to the queue and, after the last try, to
the dead-letter queue (which alarms)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import store
from kefu.config import RoutingSettings, require
from kefu.observability import bound, decided, failures_logged, from_sqs_record, logger
from kefu.routing.jobs import RoutingJob
from kefu.services.routing_jobs import run

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(RoutingSettings)

tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    with bound(from_sqs_record(record)), failures_logged("routing"):
        job = RoutingJob.model_validate_json(record.body)
        outcome = run(store.current(), job)
        decided(
            "routing_job",
            outcome,
            job=job.kind.value,
            team=job.team,
            ticket_id=job.ticket_id,
            agent_id=job.agent_id,
        )
        return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
