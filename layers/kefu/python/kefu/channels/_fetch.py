"""What the adapters' ``fetch_media`` share: turning a provider's download answer into a ``MediaBlob``.

Limits and content-type policy are not here: the media pipeline (kefu.services.media) owns them and passes
its byte limit down as ``max_bytes``. Every download goes through ``HttpClient.download`` (http(s) only,
credentials never follow a redirect to another host, size capped while reading).
"""

from __future__ import annotations

import json
import urllib.parse
from email.message import Message
from typing import Any

from kefu.channels import _tencent
from kefu.channels._common import TokenCache, raise_for_http
from kefu.channels.base import HttpClient, HttpResponse, MediaBlob
from kefu.errors import ProviderError
from kefu.models import Attachment

GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
JSON_ANSWER_BYTES = 64 * 1024  # a JSON error or pointer, never a file

# Tencent errors worth a hint: media ids live three days; WeCom wants Range downloads above ~20 MB
_TENCENT_HINTS = {
    40007: "the media id is invalid or expired (Tencent keeps received media for 3 days)",
    830002: "the file is too large for a single download",
}


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


def tencent_media(
    http: HttpClient,
    cache: TokenCache,
    cache_key: tuple[str, str],
    provider: str,
    token_url: str,
    media_url: str,
    attachment: Attachment,
    max_bytes: int | None,
) -> MediaBlob:
    """WeChat / WeCom ``/cgi-bin/media/get``: the file, or JSON (an errcode, or WeChat's ``video_url``).

    A stale token (40001/42001/40014) is replaced once, as for sending.
    """
    media_id = require_media_id(provider, attachment)
    for attempt in range(2):
        token = cache.get(cache_key, lambda: _tencent.fetch_token(http, provider, token_url))
        query = urllib.parse.urlencode({"access_token": token, "media_id": media_id})
        response = download(provider, http, f"{media_url}?{query}", max_bytes=max_bytes)
        answer = json_answer(response)
        if answer is None:
            return blob_of(response, attachment)
        raw_code = str(answer.get("errcode") or "0")
        errcode = int(raw_code) if raw_code.lstrip("-").isdigit() else 0
        if errcode in _tencent.TOKEN_ERRORS and attempt == 0:
            cache.invalidate(cache_key)
            continue
        if errcode:
            hint = _TENCENT_HINTS.get(errcode)
            message = _tencent._error_message(provider, errcode, str(answer.get("errmsg", "")))
            raise ProviderError(
                message + (f" ({hint})" if hint else ""),
                retryable=errcode in _tencent.BUSY_ERRORS,
                status=response.status,
            )
        video_url = answer.get("video_url")
        if isinstance(video_url, str) and video_url:
            # WeChat answers video messages with a download address instead of the bytes
            video = download(provider, http, video_url, max_bytes=max_bytes)
            return blob_of(video, attachment, name=f"{media_id}.mp4")
        raise ProviderError(f"{provider} answered JSON without a file for media {media_id}", retryable=False)
    raise AssertionError("unreachable")  # pragma: no cover
