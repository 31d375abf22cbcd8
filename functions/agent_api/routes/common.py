"""What every agent route needs: the caller from the authorizer's claims, and the repository."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from kefu.auth import Caller, caller_from_claims
from kefu.repository import Repository


def caller_of(router: APIGatewayRouter) -> Caller:
    claims = router.current_event.request_context.authorizer.claims
    return caller_from_claims(claims)


def repository() -> Repository:
    return Repository.from_settings()
