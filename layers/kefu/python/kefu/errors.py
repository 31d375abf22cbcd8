"""Domain exceptions: the one list of what can go wrong. Only the API layer maps them to HTTP codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class KefuError(Exception):
    """Base of every domain error; ``message`` is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(KefuError):
    """The request is malformed or a field is out of range (400)."""


class InvalidCursor(InvalidInput):
    """A list cursor that was not issued for this query: tampered, foreign or malformed (400)."""


class PayloadTooLarge(InvalidInput):
    """The body is larger than the route takes (413)."""


class UnsupportedMediaType(InvalidInput):
    """The body's content type is not one the route takes (415)."""


class Unauthenticated(KefuError):
    """No credentials, or credentials that do not verify (401)."""


class Forbidden(KefuError):
    """Authenticated, but the role may not do this (403)."""


class NotFound(KefuError):
    """The addressed thing does not exist (404)."""


class Conflict(KefuError):
    """The request contradicts the current state, e.g. an illegal status change (409)."""


class ConcurrentUpdate(Conflict):
    """Someone else wrote the same ticket first (optimistic locking); re-read and try again."""


class SurveyNotOpen(Conflict):
    """A satisfaction survey whose ticket was reopened: not open until the ticket is resolved again (409)."""


class TooManyRequests(KefuError):
    """The caller did this more often than the limit allows in the current window (429)."""


class Duplicate(KefuError):
    """A delivery that was already stored; callers treat it as success."""


class ProviderError(KefuError):
    """A channel provider refused or failed a call.

    ``retryable`` is true for 5xx and timeouts (retried, then DLQ), false for a provider's 4xx
    (not retried; the reason is shown to the agent).
    """

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class OrderSystemUnavailable(KefuError):
    """The installation's order system (CRM/ERP) did not answer usefully: down, slow, refused our credentials
    or answered something that is not an order. Callers answer "order system unavailable" (503 on the API)."""


def retry_on_concurrent_update(attempt: Callable[[], T], attempts: int = 5) -> T:
    """Run a read-modify-write until it lands: each try re-reads, so it never overwrites another's change."""
    for remaining in range(attempts - 1, -1, -1):
        try:
            return attempt()
        except ConcurrentUpdate:
            if remaining == 0:
                raise
    raise AssertionError("unreachable")


HTTP_STATUS: dict[type[KefuError], int] = {
    InvalidInput: 400,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyRequests: 429,
    Duplicate: 200,
    ProviderError: 502,
    OrderSystemUnavailable: 503,
}


def http_status_for(error: KefuError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500
