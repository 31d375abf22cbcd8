"""The channel adapter interface. Each channel is one module in this package that registers one adapter.

An adapter never touches AWS: it verifies a provider's request, parses it into ``InboundMessage``s, says
what to answer the provider right away, and sends an outbound message through the provider's HTTP API.
The webhooks function does the rest (enqueue, answer fast), the outbound function calls ``send``.
"""

from __future__ import annotations

import threading
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import Field

from kefu.errors import ProviderError
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.modelbase import Attachment, LazyModel


class InboxConfig(LazyModel):
    """One inbox: a channel account (a WeChat OA, a WhatsApp number, the web chat of a site ...).

    Built at first use, as the other models: importing an adapter builds no validator."""

    id: str
    channel: str
    name: str = ""
    credentials: dict[str, str] = Field(default_factory=dict)
    api_base: str | None = None  # overrides the provider's API host (regional hosts, proxies, tests)
    public_url: str | None = None  # the exact webhook URL the provider signs (Twilio)

    def credential(self, key: str) -> str:
        value = self.credentials.get(key)
        if not value:
            from kefu.errors import InvalidInput

            raise InvalidInput(f"inbox '{self.id}' has no credential '{key}'")
        return value


@dataclass(frozen=True)
class WebhookRequest:
    """A provider's HTTP request, independent of API Gateway's event shape."""

    method: str
    url: str  # the full public URL the provider called (scheme, host, path and query)
    path: str
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    body: bytes
    source_ip: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class FastAnswer:
    """What the provider gets back right away."""

    status: int = 200
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None = None
    status: str = "sent"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaBlob:
    """A customer's file as fetched from the provider (the media pipeline checks and stores it)."""

    content: bytes
    content_type: str  # as the provider said it ("application/octet-stream" when it did not)
    name: str | None = None


# Headers that carry credentials: they never follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_ERROR_BODY_BYTES = 64 * 1024
_MAX_REDIRECTS = 10
_READ_CHUNK = 64 * 1024
_POOL: Any = None  # urllib3.PoolManager, created on first use (a delivery never makes an HTTP call)
_POOL_LOCK = threading.Lock()


def _pool() -> Any:
    """One pool of kept-alive connections per container, shared by every provider call."""
    global _POOL  # noqa: PLW0603 - module-level on purpose: warm Lambda containers reuse connections
    if _POOL is None:
        with _POOL_LOCK:
            if _POOL is None:
                import urllib3

                _POOL = urllib3.PoolManager(num_pools=16, maxsize=4, retries=False)
    return _POOL


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class HttpClient:
    """A small HTTP client for provider APIs over pooled connections (urllib3); tests point ``api_base`` at
    a loopback server instead of mocking.

    Redirects are followed by hand (at most 10, http(s) only) so that credentials never reach another
    origin: a provider's bearer token or Twilio's basic auth would otherwise go to the CDN or S3 host a
    file redirects to (S3 even refuses a presigned URL that also carries an Authorization header).
    Errors name the host only: provider URLs carry tokens (WeChat's access_token, Telegram's bot path).
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None
    ) -> HttpResponse:
        return self._send(method, url, headers, body, None, f"could not reach {_host(url)}")

    def download(
        self, url: str, *, headers: Mapping[str, str] | None = None, max_bytes: int | None = None
    ) -> HttpResponse:
        """GET a file: http(s) only, credentials stay on the origin across redirects, and a body larger than
        ``max_bytes`` is refused (from Content-Length, else while reading) without reading it all."""
        host = urllib.parse.urlsplit(url).hostname or "?"
        if urllib.parse.urlsplit(url).scheme.lower() not in {"http", "https"}:
            raise ProviderError(f"refusing to download a non-HTTP URL from {host}", retryable=False)
        return self._send("GET", url, headers, None, max_bytes, f"could not download from {host}")

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        max_bytes: int | None,
        failure: str,
    ) -> HttpResponse:
        import urllib3

        send_headers = dict(headers or {})
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        try:
            for _ in range(_MAX_REDIRECTS + 1):
                resp = _pool().request(
                    method, url, body=body, headers=send_headers, timeout=timeout, redirect=False, preload_content=False
                )
                try:
                    location = resp.headers.get("location") if resp.status in {301, 302, 303, 307, 308} else None
                    target = urllib.parse.urljoin(url, location) if location else None
                    if target is None or urllib.parse.urlsplit(target).scheme.lower() not in {"http", "https"}:
                        # the answer itself (a redirect to a non-HTTP URL is not followed: its 3xx is the answer)
                        response_headers = {k.lower(): v for k, v in resp.headers.items()}
                        if resp.status >= 400:  # an error page: its first 64 KiB say all there is to say
                            content = _read_capped(resp, response_headers, _ERROR_BODY_BYTES, truncate=True)
                        else:
                            content = _read_capped(resp, response_headers, max_bytes)
                        if resp.status >= 400:
                            resp.close()  # an error page may be cut short: that connection is not reused
                        return HttpResponse(resp.status, content, response_headers)
                    resp.drain_conn()  # the redirect's own body, so that the connection can serve the next request
                except BaseException:
                    resp.close()  # a body read halfway (too large, a timeout): this connection is not reused
                    raise
                finally:
                    resp.release_conn()
                if _origin(target) != _origin(url):
                    send_headers = {k: v for k, v in send_headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
                if resp.status == 303 or (resp.status in {301, 302} and method == "POST"):
                    method, body = "GET", None  # as browsers and urllib do
                    send_headers = {k: v for k, v in send_headers.items() if k.lower() != "content-type"}
                url = target
            raise ProviderError(f"{failure}: more than {_MAX_REDIRECTS} redirects", retryable=False)
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise ProviderError(f"{failure}: {_reason(err)}", retryable=True) from err


def _reason(err: BaseException) -> str:
    """What went wrong, without the pool's "HTTPConnectionPool(host=..., port=...): " prefix and never with a
    URL's query (provider URLs carry tokens)."""
    reason = getattr(err, "reason", None) or err
    detail = str(reason).rsplit("): ", 1)[-1].strip()
    if not detail or "?" in detail or "://" in detail:
        return type(reason).__name__
    return f"{type(reason).__name__}: {detail}"


def _too_large(size: str, max_bytes: int) -> ProviderError:
    return ProviderError(f"the file is {size} bytes, over the {max_bytes}-byte limit", retryable=False)


def _read_capped(resp: Any, headers: Mapping[str, str], max_bytes: int | None, *, truncate: bool = False) -> bytes:
    """The body, refused when over ``max_bytes`` (or cut there, for an error body nobody needs whole)."""
    if max_bytes is None:
        return bytes(resp.read())
    length = headers.get("content-length", "")
    if not truncate and length.isdigit() and int(length) > max_bytes:
        raise _too_large(length, max_bytes)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = resp.read(min(_READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            if truncate:
                return b"".join(chunks)[:max_bytes]
            raise _too_large("more than", max_bytes)


class ChannelAdapter(ABC):
    """One channel. Subclasses set ``channel`` and are registered with ``@register``."""

    channel: ClassVar[str]
    # What an inbox of this channel must (and may) have in its credentials (docs/contract.md, "Inboxes").
    credential_keys: ClassVar[tuple[str, ...]] = ()
    optional_credential_keys: ClassVar[tuple[str, ...]] = ()
    # how a reply's files reach the customer: "inline" (as files), "link" (download links in the text, which
    # the outbound function presigns for 7 days) or "none" (the agent app says so and the API refuses them)
    outbound_media: ClassVar[str] = "none"

    def enrich_sender(self, sender: Sender, inbox: InboxConfig, http: HttpClient) -> Sender:
        """Fill in what the delivery did not carry but the provider's API knows (WeChat: the unionid that
        ties one person's openids across a company's accounts). Best effort: ingest goes on without it."""
        return sender

    def on_inbox_saved(self, inbox: InboxConfig) -> None:
        """Called after an admin creates or changes an inbox of this channel (e.g. verify an email address)."""
        return

    def handshake(self, request: WebhookRequest, inbox: InboxConfig) -> FastAnswer | None:
        """Answer a provider's URL check or subscription confirmation; None when this is a normal delivery."""
        return None

    @abstractmethod
    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        """Raise ``Unauthenticated`` (401) or ``Forbidden`` (403) unless the request is really from the provider."""

    @abstractmethod
    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        """Turn a verified request into inbound messages; raise ``InvalidInput`` (400) on a malformed body."""

    def verify_and_parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        """What the webhook service calls: verify, then parse, in one pass over the request.

        Channels whose check and parse share work (WeChat/WeCom decrypt the body that holds the message,
        Twilio signs the parameters it then reads, SNS signs the envelope that carries the email) override
        this so that the work is done once. The default suits a check over the raw bytes (an HMAC).
        """
        self.verify(request, inbox)
        return self.parse(request, inbox)

    def answer(self, request: WebhookRequest, inbox: InboxConfig, messages: list[InboundMessage]) -> FastAnswer:
        """What the provider expects back once the messages are safely queued."""
        return FastAnswer(200, "")

    @abstractmethod
    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        """Deliver an outbound message; raise ``ProviderError`` (retryable for 5xx/timeouts, not for 4xx)."""

    def fetch_media(
        self, attachment: Attachment, inbox: InboxConfig, http: HttpClient, *, max_bytes: int | None = None
    ) -> MediaBlob:
        """Download one attachment of an inbound message from the provider.

        ``max_bytes`` is the media pipeline's size limit (kefu.services.media): pass it to
        ``http.download`` so a huge file is refused early. Raise ``ProviderError``: retryable for 5xx and
        timeouts, not for 4xx (expired media, bad credentials) or a file over the limit.
        """
        raise ProviderError(f"the {self.channel} channel has no media to fetch", retryable=False)


_REGISTRY: dict[str, type[ChannelAdapter]] = {}


def register(cls: type[ChannelAdapter]) -> type[ChannelAdapter]:
    _REGISTRY[cls.channel] = cls
    return cls


def _registered(channel: str) -> type[ChannelAdapter] | None:
    """The adapter class of one channel, importing only that channel's module the first time."""
    cls = _REGISTRY.get(channel)
    if cls is None:
        from kefu.channels import load

        if load(channel):
            cls = _REGISTRY.get(channel)
    return cls


def adapter_for(channel: str) -> ChannelAdapter:
    from kefu.errors import NotFound

    cls = _registered(channel)
    if cls is None:
        raise NotFound(f"unknown channel '{channel}'")
    return cls()


def adapter_class(channel: str) -> type[ChannelAdapter]:
    from kefu.errors import InvalidInput

    cls = _registered(channel)
    if cls is None:
        raise InvalidInput(f"unknown channel '{channel}'; known: {', '.join(registered_channels())}")
    return cls


def registered_channels() -> list[str]:
    from kefu.channels import load_all

    load_all()
    return sorted(_REGISTRY)
