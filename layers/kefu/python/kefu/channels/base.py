"""The channel adapter interface. Each channel is one module in this package that registers one adapter.

An adapter never touches AWS: it verifies a provider's request, parses it into ``InboundMessage``s, says
what to answer the provider right away, and sends an outbound message through the provider's HTTP API.
The webhooks function does the rest (enqueue, answer fast), the outbound function calls ``send``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import BaseModel, Field

from kefu.errors import ProviderError
from kefu.inbound import InboundMessage, OutboundMessage


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
            raise ProviderError(f"could not reach {url}: {err}", retryable=True) from err


class ChannelAdapter(ABC):
    """One channel. Subclasses set ``channel`` and are registered with ``@register``."""

    channel: ClassVar[str]

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


def registered_channels() -> list[str]:
    from kefu.channels import load_all

    load_all()
    return sorted(_REGISTRY)
