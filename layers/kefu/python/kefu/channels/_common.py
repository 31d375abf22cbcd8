"""Helpers shared by the channel adapters (private: the plugin loader skips modules starting with ``_``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kefu import clock
from kefu.channels.base import HttpResponse, InboxConfig, WebhookRequest
from kefu.errors import InvalidInput, ProviderError, Unauthenticated

MAX_BODY_BYTES = 1024 * 1024  # no provider webhook we accept is anywhere near this


def conversation_key(channel: str, inbox: InboxConfig, external_id: str) -> str:
    return f"{channel}:{inbox.id}:{external_id}"


def secure_equals(expected: str | bytes, given: str | bytes) -> bool:
    """Constant-time comparison that never raises (``hmac.compare_digest`` refuses non-ASCII str)."""
    a = expected.encode() if isinstance(expected, str) else expected
    b = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(a, b)


def sha1_sorted(*parts: str) -> str:
    """WeChat / WeCom / Weibo signature: sha1 of the sorted parts joined without separator."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - the providers' algorithm


def check_size(request: WebhookRequest, limit: int = MAX_BODY_BYTES) -> None:
    if len(request.body) > limit:
        raise InvalidInput(f"request body is {len(request.body)} bytes, more than the {limit} accepted")


def require_header(request: WebhookRequest, name: str) -> str:
    value = request.header(name)
    if not value:
        raise Unauthenticated(f"missing {name} header")
    return value


def require_query(request: WebhookRequest, name: str, error: type[Exception] = Unauthenticated) -> str:
    value = request.query.get(name)
    if not value:
        raise error(f"missing '{name}' query parameter")
    return value


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise InvalidInput(f"body is not valid UTF-8 JSON: {err}") from None


def load_json_object(body: bytes) -> dict[str, Any]:
    data = load_json(body)
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object")
    return data


def parse_form(body: bytes) -> dict[str, list[str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("form body is not valid UTF-8") from None
    try:
        return urllib.parse.parse_qs(text, keep_blank_values=True, max_num_fields=1000)
    except ValueError as err:
        raise InvalidInput(f"form body is malformed: {err}") from None


def first_values(form: Mapping[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in form.items() if values}


def obj(value: Any) -> dict[str, Any]:
    """A JSON sub-object, or an empty dict when the payload has something else there."""
    return value if isinstance(value, dict) else {}


def arr(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text_of(value: Any) -> str:
    """A JSON scalar as text ('' for objects, lists and null): ids arrive as numbers or strings."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def iso_from_epoch(value: Any, *, millis: bool = False) -> str:
    """A provider's epoch timestamp as our ISO string (what ``clock.iso`` writes); now when it is missing or
    nonsense. Formatted with ``time.strftime``: every delivery passes here, and datetime costs 3x as much."""
    try:
        text = text_of(value)
        if text.isdigit():  # the usual shape: whole seconds, or whole milliseconds
            whole, ms = divmod(int(text), 1000) if millis else (int(text), 0)
        else:
            micros = round(float(text) * (1000 if millis else 1_000_000))
            whole, ms = micros // 1_000_000, micros % 1_000_000 // 1000
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{ms:03d}Z"
    except (ValueError, OverflowError, OSError):
        return clock.now_iso()


def iso_from_text(value: Any) -> str:
    try:
        return clock.iso(clock.parse_iso(text_of(value)))
    except ValueError:
        return clock.now_iso()


# --- outbound ------------------------------------------------------------------------------------------


def api_base(inbox: InboxConfig, default: str) -> str:
    return (inbox.api_base or default).rstrip("/")


def json_body(payload: Any) -> bytes:
    # ensure_ascii=False: some Tencent APIs show \\uXXXX escapes literally to the customer
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def response_json(response: HttpResponse) -> dict[str, Any]:
    try:
        data = json.loads(response.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def raise_for_http(provider: str, response: HttpResponse, reason: str | None = None) -> None:
    """5xx (and 429) are worth retrying; other 4xx are the provider refusing this message."""
    if response.status < 400:
        return
    detail = reason or response.body[:300].decode("utf-8", "replace") or "no details"
    retryable = response.status >= 500 or response.status == 429
    raise ProviderError(
        f"{provider} answered HTTP {response.status}: {detail}", retryable=retryable, status=response.status
    )


@dataclass
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Access tokens kept in memory (per Lambda container) until shortly before they expire.

    Keyed by the API base and the app's id, so inboxes of different apps never share a token.
    """

    MARGIN_SECONDS = 300

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], fetch: Callable[[], tuple[str, int]]) -> str:
        now = clock.now().timestamp()
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached.expires_at > now:
                return cached.value
        value, expires_in = fetch()
        with self._lock:
            self._tokens[key] = _Token(value, now + max(expires_in - self.MARGIN_SECONDS, 0))
        return value

    def invalidate(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


def send_credential(inbox: InboxConfig, key: str) -> str:
    """A credential needed to send; missing means the inbox is misconfigured, which retrying cannot fix."""
    value = inbox.credentials.get(key)
    if not value:
        raise ProviderError(f"inbox '{inbox.id}' has no credential '{key}'", retryable=False)
    return value
