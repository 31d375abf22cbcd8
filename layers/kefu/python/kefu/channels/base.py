"""The channel adapter interface. Each channel is one module in this package that registers one adapter.

An adapter never touches AWS: it verifies a provider's request, parses it into ``InboundMessage``s, says
what to answer the provider right away, and sends an outbound message through the provider's HTTP API.
The webhooks function does the rest (enqueue, answer fast), the outbound function calls ``send``.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPMessage
from typing import IO, Any, ClassVar

from pydantic import BaseModel, Field

from kefu.errors import ProviderError
from kefu.inbound import InboundMessage, OutboundMessage, Sender
from kefu.models import Attachment


class InboxConfig(BaseModel):
    """One inbox: a channel account (a WeChat OA, a WhatsApp number, the web chat of a site ...)."""

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
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-authorization", "Cookie")
_ERROR_BODY_BYTES = 64 * 1024


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class _DownloadRedirects(urllib.request.HTTPRedirectHandler):
    """Follow http(s) redirects only, and drop credentials when one leaves the origin.

    urllib's default handler forwards every header, so a provider's bearer token or Twilio's basic auth
    would reach the CDN or S3 host the file redirects to (S3 even refuses a presigned URL that also
    carries an Authorization header).
    """

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in {"http", "https"}:
            raise urllib.error.HTTPError(newurl, code, "redirect to a non-HTTP URL refused", headers, fp)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            for name in _CREDENTIAL_HEADERS:
                new.remove_header(name)
        return new


_DOWNLOADER = urllib.request.build_opener(_DownloadRedirects())


class HttpClient:
    """A tiny HTTP client for provider APIs; tests point ``api_base`` at a loopback server instead of mocking."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None
    ) -> HttpResponse:
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                return HttpResponse(resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()})
        except urllib.error.HTTPError as err:
            return HttpResponse(err.code, err.read(), {k.lower(): v for k, v in err.headers.items()})
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            # only the host: provider URLs carry tokens (WeChat access_token, Telegram's bot path)
            parts = urllib.parse.urlsplit(url)
            reason = getattr(err, "reason", err)
            raise ProviderError(f"could not reach {parts.scheme}://{parts.netloc}: {reason}", retryable=True) from err

    def download(
        self, url: str, *, headers: Mapping[str, str] | None = None, max_bytes: int | None = None
    ) -> HttpResponse:
        """GET a file: http(s) only, credentials stay on the origin across redirects, and a body larger than
        ``max_bytes`` is refused (from Content-Length, else while reading) without reading it all.

        Errors name the host only: media URLs carry tokens (Telegram in the path, WeChat in the query).
        """
        host = urllib.parse.urlsplit(url).hostname or "?"
        if urllib.parse.urlsplit(url).scheme.lower() not in {"http", "https"}:
            raise ProviderError(f"refusing to download a non-HTTP URL from {host}", retryable=False)
        req = urllib.request.Request(url, method="GET", headers=dict(headers or {}))  # noqa: S310 - scheme checked
        try:
            with _DOWNLOADER.open(req, timeout=self.timeout) as resp:
                response_headers = {k.lower(): v for k, v in resp.headers.items()}
                return HttpResponse(resp.status, _read_capped(resp, response_headers, max_bytes), response_headers)
        except urllib.error.HTTPError as err:
            return HttpResponse(
                err.code, err.read(_ERROR_BODY_BYTES), {k.lower(): v for k, v in (err.headers or {}).items()}
            )
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", None) or type(err).__name__
            raise ProviderError(f"could not download from {host}: {reason}", retryable=True) from err


def _too_large(size: str, max_bytes: int) -> ProviderError:
    return ProviderError(f"the file is {size} bytes, over the {max_bytes}-byte limit", retryable=False)


def _read_capped(resp: Any, headers: Mapping[str, str], max_bytes: int | None) -> bytes:
    if max_bytes is None:
        return bytes(resp.read())
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_large(length, max_bytes)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = resp.read(min(64 * 1024, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large("more than", max_bytes)


class ChannelAdapter(ABC):
    """One channel. Subclasses set ``channel`` and are registered with ``@register``."""

    channel: ClassVar[str]
    # What an inbox of this channel must (and may) have in its credentials (contract.md, "Inboxes").
    credential_keys: ClassVar[tuple[str, ...]] = ()
    optional_credential_keys: ClassVar[tuple[str, ...]] = ()

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


def adapter_for(channel: str) -> ChannelAdapter:
    from kefu.channels import load_all
    from kefu.errors import NotFound

    load_all()
    try:
        return _REGISTRY[channel]()
    except KeyError:
        raise NotFound(f"unknown channel '{channel}'") from None


def adapter_class(channel: str) -> type[ChannelAdapter]:
    from kefu.channels import load_all
    from kefu.errors import InvalidInput

    load_all()
    try:
        return _REGISTRY[channel]
    except KeyError:
        raise InvalidInput(f"unknown channel '{channel}'; known: {', '.join(sorted(_REGISTRY))}") from None


def registered_channels() -> list[str]:
    from kefu.channels import load_all

    load_all()
    return sorted(_REGISTRY)
