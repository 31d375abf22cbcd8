"""What WhatsApp Cloud API, Messenger and Instagram share: Meta's webhook verification and Graph API errors."""

from __future__ import annotations

import hmac

from kefu.channels._common import MAX_BODY_BYTES, check_size, response_json, secure_equals
from kefu.channels.base import FastAnswer, HttpResponse, InboxConfig, WebhookRequest
from kefu.errors import Forbidden, InvalidInput, ProviderError, Unauthenticated

GRAPH_VERSION = "v21.0"
DEFAULT_API_BASE = "https://graph.facebook.com"


def verification_answer(request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
    """The subscription check: GET with hub.mode=subscribe and our verify token; echo hub.challenge."""
    if request.method.upper() != "GET":
        return None
    if request.query.get("hub.mode") != "subscribe":
        raise InvalidInput("a Meta verification request needs hub.mode=subscribe")
    if not secure_equals(inbox.credential("verify_token"), request.query.get("hub.verify_token", "")):
        raise Forbidden("hub.verify_token does not match this inbox's verify_token")
    return FastAnswer(200, request.query.get("hub.challenge", ""))


def hub_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.digest(app_secret.encode(), body, "sha256").hex()


def verify_signature(request: WebhookRequest, inbox: InboxConfig) -> None:
    """X-Hub-Signature-256 = ``sha256=`` + lower-case hex HMAC-SHA256 of the raw body with the app secret.

    Compared exactly as Meta sends it: no upper-case hex, no ``SHA256=``, no padding (docs/channels.md).
    """
    if len(request.body) > MAX_BODY_BYTES:
        check_size(request)
    given = request.headers.get("x-hub-signature-256")
    if not given:
        raise Unauthenticated("missing X-Hub-Signature-256 header")
    expected = "sha256=" + hmac.digest(inbox.credential("app_secret").encode(), request.body, "sha256").hex()
    if not (given.isascii() and hmac.compare_digest(expected, given)):  # compare_digest refuses non-ASCII str
        if not given.startswith("sha256="):
            raise Unauthenticated("X-Hub-Signature-256 must look like 'sha256=<lower-case hex>'")
        raise Unauthenticated("X-Hub-Signature-256 does not match the body signed with this inbox's app_secret")


def graph_error(provider: str, response: HttpResponse, hints: dict[int, str]) -> ProviderError | None:
    """A Graph API error as ProviderError, or None on success. Error codes decide more than HTTP statuses."""
    if response.status < 400:
        return None
    error = response_json(response).get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
    reason = str(error.get("message") or response.body[:300].decode("utf-8", "replace") or "no details")
    if details:
        reason = f"{reason} ({details})"
    hint = hints.get(code) if isinstance(code, int) else None
    if hint:
        return ProviderError(f"{provider}: {hint} [code {code}: {reason}]", retryable=False, status=response.status)
    # throttling (4, 17, 32, 613, 80007, 130429) and server-side errors are worth another try
    throttled = code in {1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016}
    retryable = response.status >= 500 or response.status == 429 or throttled
    label = f"code {code}: " if code is not None else ""
    return ProviderError(
        f"{provider} answered HTTP {response.status}: {label}{reason}", retryable=retryable, status=response.status
    )
