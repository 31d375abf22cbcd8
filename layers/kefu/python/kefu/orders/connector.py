"""Order lookup in an installation's CRM/ERP: one interface, one HTTP JSON implementation.

``OrderConnector`` is what the bot and the agent API use; ``HttpJsonConnector`` speaks Kefu's order API
(docs/orders.md) to the endpoint an installation configures:

- ``GET {endpoint}/orders/{order_number}`` → one order (404: no such order);
- ``GET {endpoint}/orders?email=...`` or ``?phone=...`` (and ``limit``) → ``{"orders": [...]}``, newest first.

Every request carries the installation's token (from Secrets Manager, cached 5 minutes per container) in the
configured header (``Authorization: Bearer <token>`` by default), never follows a redirect (the token must not
reach another host), and is bounded: ``timeout`` seconds to connect and as many to read. Only GETs are ever
sent, so a retry is always safe; one retry is made when the connection could not be made or the system
answered 502, 503 or 504 (a gateway in front of it restarting), never after a read timeout (a slow system
would only be slow twice while the customer waits). Whatever goes wrong (down, slow, credentials refused, an
answer that is not valid JSON or not an order) becomes ``OrderSystemUnavailable``: the callers answer "order
system unavailable", no exception reaches a customer. Logs name the order number and status, never the
order's personal data.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, NoReturn, Protocol

from pydantic import ValidationError

from kefu.errors import OrderSystemUnavailable
from kefu.observability import logger
from kefu.orders.endpoint import check_endpoint
from kefu.orders.models import ORDER_NUMBER_PATTERN, Order, OrderList

RETRIED_STATUSES = frozenset({502, 503, 504})
MAX_ANSWER_BYTES = 1024 * 1024
SECRET_CACHE_SECONDS = 300.0
DEFAULT_LIMIT = 5


class OrderConnector(Protocol):
    """What Kefu asks of an order system; every method raises ``OrderSystemUnavailable`` when it cannot say."""

    def get(self, order_number: str) -> Order | None:
        """The order with this number, or None when the system has none."""
        ...

    def recent(self, *, email: str | None = None, phone: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Order]:
        """The latest orders placed with this email or phone (one of them), newest first."""
        ...


class HttpJsonConnector:
    def __init__(
        self,
        endpoint: str,
        token: Callable[[], str],
        *,
        auth_header: str = "Authorization",
        timeout: float = 3.0,
        retries: int = 1,
        retry_delay: float = 0.2,
    ) -> None:
        import urllib3

        self.endpoint = check_endpoint(endpoint)
        self._token = token
        self.auth_header = auth_header
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self._pool = urllib3.PoolManager(num_pools=2, maxsize=4, retries=False)

    # -- the interface ------------------------------------------------------------------------------------------

    def get(self, order_number: str) -> Order | None:
        if not re.fullmatch(ORDER_NUMBER_PATTERN, order_number):
            return None  # nothing the order system could hold; never put it in a URL
        status, body = self._get(f"/orders/{urllib.parse.quote(order_number, safe='')}")
        if status == 404:
            logger.info("order lookup", extra={"order_lookup": "not_found"})
            return None
        order = _parse(Order, body)
        logger.info("order lookup", extra={"order_lookup": "found", "order": order.log_view()})
        return order

    def recent(self, *, email: str | None = None, phone: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Order]:
        query = {"email": email} if email else {"phone": phone} if phone else None
        if query is None:
            return []
        status, body = self._get(f"/orders?{urllib.parse.urlencode({**query, 'limit': str(limit)})}")
        if status == 404:  # a system that answers "no such customer" with a 404
            return []
        orders = _parse(OrderList, body).orders[:limit]
        logger.info(
            "order lookup",
            extra={"order_lookup": "recent", "by": next(iter(query)), "orders": [o.log_view() for o in orders]},
        )
        return orders

    # -- one GET, bounded -----------------------------------------------------------------------------------------

    def _get(self, path: str) -> tuple[int, bytes]:
        import urllib3

        url = self.endpoint + path
        try:
            token = self._token()
        except Exception as error:  # the secret could not be read: nothing to ask the system with
            logger.warning("order system credentials unavailable", extra={"error": type(error).__name__})
            raise OrderSystemUnavailable("the order system's credentials could not be read") from None
        value = f"Bearer {token}" if self.auth_header.lower() == "authorization" else token
        headers = {self.auth_header: value, "Accept": "application/json"}
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        attempt = 0
        while True:
            attempt += 1
            retry = attempt <= self.retries
            try:
                response = self._pool.request(
                    "GET", url, headers=headers, timeout=timeout, redirect=False, preload_content=False
                )
            except urllib3.exceptions.ReadTimeoutError:
                _unavailable("timeout", attempt)
            except urllib3.exceptions.HTTPError as error:  # refused, reset, DNS, connect timeout
                if retry:
                    time.sleep(self.retry_delay)
                    continue
                _unavailable(type(error).__name__, attempt)
            try:
                body = response.read(MAX_ANSWER_BYTES + 1, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                _unavailable("timeout", attempt)
            except urllib3.exceptions.HTTPError as error:
                _unavailable(type(error).__name__, attempt)
            finally:
                response.release_conn()
            if response.status in RETRIED_STATUSES and retry:
                time.sleep(self.retry_delay)
                continue
            if response.status in {200, 404}:
                if len(body) > MAX_ANSWER_BYTES:
                    _unavailable("answer_too_large", attempt)
                return response.status, body
            _unavailable(f"http_{response.status}", attempt)


def _unavailable(why: str, attempts: int) -> NoReturn:
    logger.warning("order system unavailable", extra={"reason": why, "attempts": attempts})
    raise OrderSystemUnavailable("the order system is unavailable")


def _parse(model: Any, body: bytes) -> Any:
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        # the validation errors name fields, never their values (which may be personal data)
        fields = (
            [".".join(str(p) for p in e["loc"]) for e in error.errors()] if isinstance(error, ValidationError) else []
        )
        logger.warning("order system answer invalid", extra={"fields": fields[:10]})
        raise OrderSystemUnavailable("the order system answered something that is not an order") from None


class SecretToken:
    """The token in a Secrets Manager secret (``{"token": "..."}`` or the bare string), cached per container."""

    def __init__(self, secret_id: str, client: Callable[[], Any]) -> None:
        self.secret_id = secret_id
        self._client = client
        self._cached: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._cached and self._cached[0] > time.monotonic():
                return self._cached[1]
        raw = str(self._client().get_secret_value(SecretId=self.secret_id)["SecretString"])
        token = raw
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("token"), str):
            token = parsed["token"]
        with self._lock:
            self._cached = (time.monotonic() + SECRET_CACHE_SECONDS, token)
        return token


_lock = threading.Lock()
_connector: dict[tuple[Any, ...], HttpJsonConnector] = {}


def configured() -> OrderConnector | None:
    """This container's connector, from its settings; None when the installation configured no order system.

    A configured but unusable endpoint (plain http to another host) is logged and treated as unavailable
    at each use, not as "not configured": an operator must see it."""
    from kefu import aws
    from kefu.config import get_settings

    settings = get_settings()
    if not settings.orders_endpoint:
        return None
    key = (settings.orders_endpoint, settings.orders_secret_arn, settings.orders_auth_header)
    with _lock:
        if key not in _connector:
            secret = settings.orders_secret_arn or ""
            try:
                _connector[key] = HttpJsonConnector(
                    settings.orders_endpoint,
                    SecretToken(secret, lambda: aws.client("secretsmanager")) if secret else _no_token,
                    auth_header=settings.orders_auth_header,
                    timeout=settings.orders_timeout_seconds,
                )
            except ValueError as error:
                logger.error("order system misconfigured", extra={"error": str(error)})
                return _Broken()
        return _connector[key]


def _no_token() -> str:
    raise OrderSystemUnavailable("no credentials are configured for the order system")


class _Broken:
    """A misconfigured order system: unavailable at every question."""

    def get(self, order_number: str) -> Order | None:
        raise OrderSystemUnavailable("the order system is misconfigured")

    def recent(self, *, email: str | None = None, phone: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Order]:
        raise OrderSystemUnavailable("the order system is misconfigured")


def reset() -> None:
    """Forget the connectors made from earlier settings (tests, the local cloud)."""
    with _lock:
        _connector.clear()
