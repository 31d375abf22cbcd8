"""Shared fixtures: request builders, the official samples, and a loopback HTTP server playing the provider."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kefu.channels.base import HttpClient, WebhookRequest

# official vectors and provider payloads, vendored in the repository so the suite stands alone
SAMPLES = Path(__file__).parent / "samples"


def sample(relative: str) -> bytes:
    return (SAMPLES / relative).read_bytes()


def make_request(
    method: str = "POST",
    url: str = "https://kefu.example.com/webhooks/test/inbox-1",
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    path: str | None = None,
) -> WebhookRequest:
    parsed = urllib.parse.urlsplit(url)
    if query is None:
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    elif parsed.query == "" and query:
        url = url + "?" + urllib.parse.urlencode(query)
    return WebhookRequest(
        method=method,
        url=url,
        path=path if path is not None else parsed.path,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query=dict(query),
        body=body,
    )


@dataclass
class Recorded:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))


class FakeProvider:
    """Scripted answers per path (FIFO); every request is recorded. Unscripted paths answer 404."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._answers: dict[str, deque[tuple[int, bytes, str]]] = defaultdict(deque)
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with provider._lock:
                    provider.requests.append(
                        Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    queue = provider._answers[self.path.split("?", 1)[0]]
                    status, payload, content_type = queue.popleft() if queue else (404, b"{}", "application/json")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def script(self, path: str, status: int = 200, body: Any = None, content_type: str = "application/json") -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
        self._answers[path].append((status, payload, content_type))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.close()


@pytest.fixture
def http() -> HttpClient:
    return HttpClient(timeout=5)


@pytest.fixture(autouse=True)
def unwired_email() -> Iterator[None]:
    """The functions wire the email adapter's S3/SES hooks at import; adapter tests run without them."""
    from kefu.channels import email

    saved = dict(email._wiring)
    for key in saved:
        email._wiring[key] = None
    yield
    email._wiring.update(saved)
