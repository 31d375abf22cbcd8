"""What the adapters' ``fetch_media`` share: turning a provider's download answer into a ``MediaBlob``.

Limits and content-type policy are not here: the media pipeline (kefu.services.media) owns them and passes
its byte limit down as ``max_bytes``. Every download goes through ``HttpClient.download`` (http(s) only,
credentials never follow a redirect to another host, size capped while reading).
"""

from __future__ import annotations

import json
from typing import Any

from kefu.channels._common import raise_for_http
from kefu.channels.base import HttpClient, HttpResponse, MediaBlob
from kefu.errors import ProviderError
from kefu.modelbase import Attachment

GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
JSON_ANSWER_BYTES = 64 * 1024  # a JSON error or pointer, never a file


def require_media_id(provider: str, attachment: Attachment) -> str:
    if not attachment.media_id:
        raise ProviderError(f"{provider} attachment has no media id to fetch", retryable=False)
    return attachment.media_id


def require_url(provider: str, attachment: Attachment) -> str:
    if not attachment.url:
        raise ProviderError(f"{provider} attachment has no URL to fetch", retryable=False)
    return attachment.url


def content_type_of(response: HttpResponse) -> str:
    """The response's media type, lower-case, parameters kept (a text file's charset matters)."""
    value = response.headers.get("content-type", "").strip()
    return value.lower() if value else "application/octet-stream"


def filename_of(response: HttpResponse) -> str | None:
    """The file name of a Content-Disposition header (RFC 2231/5987 ``filename*`` understood)."""
    value = response.headers.get("content-disposition")
    if not value:
        return None
    from email.message import Message  # here: the email package is a heavy import for one header

    header = Message()
    header["content-disposition"] = value
    name = header.get_filename()
    return (name.strip() or None) if isinstance(name, str) else None


def blob_of(response: HttpResponse, attachment: Attachment, name: str | None = None) -> MediaBlob:
    return MediaBlob(
        content=response.body,
        content_type=content_type_of(response),
        name=attachment.name or name or filename_of(response),
    )


def download(
    provider: str,
    http: HttpClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int | None,
) -> HttpResponse:
    """GET a file; 4xx is final, 5xx / 429 / timeouts are worth another try."""
    response = http.download(url, headers=headers, max_bytes=max_bytes)
    raise_for_http(provider, response, json_reason(response))
    return response


def json_reason(response: HttpResponse) -> str | None:
    """The provider's own words from a JSON error body (Graph, LINE, Twilio, Telegram shapes)."""
    data = json_answer(response)
    if data is None:
        return None
    error = data.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    for value in (error, data.get("message"), data.get("description"), data.get("errmsg")):
        if isinstance(value, str) and value:
            return value
    return None


def json_answer(response: HttpResponse) -> dict[str, Any] | None:
    """A small JSON object answered instead of a file (an error or a pointer), else None.

    A real file download carries Content-Disposition or a non-JSON type; a JSON *file* a customer sent
    comes with Content-Disposition too, so it is never mistaken for an API answer.
    """
    if response.headers.get("content-disposition") or len(response.body) > JSON_ANSWER_BYTES:
        return None
    content_type = content_type_of(response)
    if "json" not in content_type and not (content_type.startswith("text/") and response.body.lstrip()[:1] == b"{"):
        return None
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None
