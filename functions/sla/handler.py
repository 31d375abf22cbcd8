"""The SLA workflow's one Lambda task: a due timer of a ticket, acted on (warn, or escalate a level).

Invoked by the SLA state machine (``lambda:invoke``) only after its DynamoDB read found the timer still
belongs to the ticket's current schedule; ``act`` checks that again under the ticket's version."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict

from kefu import store
from kefu.config import SlaSettings, require
from kefu.modelbase import LazyModel
from kefu.observability import bound, failures_logged, logger
from kefu.services.sla import Step, act

settings = require(SlaSettings)
tracer = Tracer()


class StepEvent(LazyModel):
    model_config = ConfigDict(extra="ignore")

    ticket_id: str
    generation: int
    target: str
    action: str
    level: int = 0


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    step = StepEvent.model_validate(event)
    with bound(f"sla-{step.ticket_id}-{step.generation}"), failures_logged("sla_step"):
        outcome = act(store.current(), Step(step.ticket_id, step.generation, step.target, step.action, step.level))
    return {"outcome": outcome}
