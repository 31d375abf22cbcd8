"""What every agent route needs: the caller from the authorizer's claims, and the store."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from kefu import store as kefu_store
from kefu.auth import Caller, caller_from_claims


def caller_of(router: APIGatewayRouter) -> Caller:
    claims = router.current_event.request_context.authorizer.claims
    return caller_from_claims(claims)


def store() -> kefu_store.Store:
    """This container's store (built once, with its short caches)."""
    return kefu_store.current()
