"""The local gateway's HTTP edge: what API Gateway and CloudFront do before and after any route.

- request headers over API Gateway's 10 KB limit -> 431, bodies over its 10 MB limit -> 413, paths with
  control characters -> 400, a method the gateway's own paths (health, config, SPA) do not take -> 405
  (JSON ``{"message"}``, as API Gateway answers);
- no ``server`` banner;
- the SPA (``/app/``) gets the headers of the stack's CloudFront response headers policy, read from the
  template, with the local emulator's origin added where the SPA reaches AWS (Cognito, presigned media);
- every other answer gets the gateway responses' headers (nosniff, no framing, no-store, no referrer),
  unless the function already set them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_HEADER_BYTES = 10 * 1024  # API Gateway: total request line and headers
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway: payload
API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
# When the template hosts no SPA (not built): the gateway's placeholder page still is never framed or sniffed.
DEFAULT_SPA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; object-src 'none'",
}
# Directives through which the SPA reaches AWS: locally that is the emulator.
AWS_DIRECTIVES = ("connect-src", "img-src", "media-src")


def spa_headers(template: dict[str, Any]) -> dict[str, str]:
    """The security headers of the template's CloudFront response headers policy, as header -> value."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::CloudFront::ResponseHeadersPolicy":
            continue
        config = resource.get("Properties", {}).get("ResponseHeadersPolicyConfig", {})
        return _policy_headers(config.get("SecurityHeadersConfig", {}))
    return dict(DEFAULT_SPA_HEADERS)


def localized(headers: dict[str, str], origins: list[str]) -> dict[str, str]:
    """``headers`` with the local emulator's ``origins`` allowed where the SPA reaches AWS."""
    policy = headers.get("Content-Security-Policy")
    return {**headers, "Content-Security-Policy": with_origins(policy, origins)} if policy else dict(headers)


def _policy_headers(security: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        headers["X-Frame-Options"] = str(security["FrameOptions"]["FrameOption"])
    if "ReferrerPolicy" in security:
        headers["Referrer-Policy"] = str(security["ReferrerPolicy"]["ReferrerPolicy"])
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        if hsts.get("IncludeSubdomains"):
            value += "; includeSubDomains"
        headers["Strict-Transport-Security"] = value
    if "ContentSecurityPolicy" in security:
        policy = str(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
        headers["Content-Security-Policy"] = policy
    return headers


def with_origins(policy: str, origins: list[str]) -> str:
    """``policy`` with ``origins`` added to the directives through which the SPA reaches AWS."""
    directives = []
    for directive in (part.strip() for part in policy.split(";") if part.strip()):
        extended = directive.split()[0] in AWS_DIRECTIVES and origins
        directives.append(" ".join([directive, *origins]) if extended else directive)
    return "; ".join(directives)


# The gateway's own paths (not API routes) and the methods they take; any other method is a 405.
OWN_PATHS = {"/healthz": ("GET", "HEAD"), "/config.json": ("GET", "HEAD")}
SPA_METHODS = ("GET", "HEAD")


def is_spa_path(path: str) -> bool:
    return path == "/app" or path.startswith("/app/")


class HttpEdge:
    """ASGI middleware around the gateway's Starlette app (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, spa: dict[str, str]) -> None:
        self.app = app
        self.spa = spa

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        size = len(scope.get("raw_path") or scope["path"].encode()) + sum(len(k) + len(v) + 4 for k, v in headers)
        if size > MAX_HEADER_BYTES:
            await _answer(send, 431, f"Request headers are {size} bytes; at most {MAX_HEADER_BYTES} are accepted")
            return
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in scope["path"]):
            # no route has such a path (and Starlette's path patterns would not even match it)
            await _answer(send, 400, "The path holds control characters")
            return
        allowed = OWN_PATHS.get(scope["path"]) or (SPA_METHODS if is_spa_path(scope["path"]) else None)
        if allowed is not None and scope["method"] not in allowed:
            await _answer(send, 405, "Method Not Allowed", allow=", ".join(allowed))
            return
        length = next((v for k, v in headers if k.lower() == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await _answer(send, 413, f"Request Entity Too Large: at most {MAX_BODY_BYTES} bytes")
            return
        if length is None and any(k.lower() == b"transfer-encoding" for k, _ in headers):
            body = await _read_capped(receive)
            if body is None:
                await _answer(send, 413, f"Request Entity Too Large: at most {MAX_BODY_BYTES} bytes")
                return
            receive = _replay(body)
        extra = self.spa if is_spa_path(scope["path"]) else API_HEADERS
        await self.app(scope, receive, _with_headers(send, extra))


async def _read_capped(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
            present = {k.lower() for k, _ in headers}
            for name, value in extra.items():
                if name.lower().encode("latin-1") not in present:
                    headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return send_with_headers


async def _answer(send: Send, status: int, message: str, allow: str | None = None) -> None:
    body = json.dumps({"message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if allow:
        headers.append((b"allow", allow.encode()))
    headers += [(k.lower().encode(), v.encode()) for k, v in API_HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
