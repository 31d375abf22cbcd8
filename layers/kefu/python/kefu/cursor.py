"""Opaque list cursors: the position of a page, signed and bound to the query it came from.

A cursor is ``<payload>.<mac>``: the payload is base64url JSON of the keys where the page stopped, the mac an
HMAC-SHA256 over a version, the query and the payload. A caller can neither forge a position (another
partition's keys) nor replay a cursor against a different query; both answer 400, as does any string that is
not a cursor. The HMAC key is derived from a Secrets Manager secret the stack generates (``CursorKey``); each
function reads it once per process, and only the functions that page (agent API, chat) may read it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from typing import Any

from kefu import aws
from kefu.config import get_settings
from kefu.errors import InvalidCursor

VERSION = b"kefu-cursor-1"
MAC_BYTES = 16  # 128 bits: far beyond guessing, keeps cursors short
MAX_CURSOR_CHARS = 4000

_lock = threading.Lock()
_keys: dict[str, bytes] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key() -> bytes:
    """The HMAC key for this process, derived from the stack's cursor secret (fetched once)."""
    arn = get_settings().cursor_key_secret_arn
    if not arn:
        raise RuntimeError("KEFU_CURSOR_KEY_SECRET_ARN is not set: the stack passes its CursorKey secret")
    with _lock:
        if arn not in _keys:
            secret = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            # A derived key, so the raw secret is never itself the MAC key of anything else.
            _keys[arn] = hmac.new(secret.encode("utf-8"), VERSION, hashlib.sha256).digest()
        return _keys[arn]


def _mac(query: str, payload: str) -> bytes:
    message = b"\n".join((VERSION, query.encode("utf-8"), payload.encode("ascii")))
    return hmac.new(signing_key(), message, hashlib.sha256).digest()[:MAC_BYTES]


def encode(keys: dict[str, Any], query: str) -> str:
    """A cursor for ``keys`` (where the page stopped), valid only for ``query``."""
    payload = _b64(json.dumps(keys, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{payload}.{_b64(_mac(query, payload))}"


def decode(token: str, query: str) -> dict[str, Any]:
    """The keys of a cursor issued by :func:`encode` for the same ``query``; InvalidCursor (400) otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_CURSOR_CHARS:
        raise InvalidCursor("cursor is not valid: use the cursor of the previous page as it was returned")
    payload, dot, mac_text = token.partition(".")
    try:
        mac = _unb64(mac_text) if dot else b""
        payload.encode("ascii")
    except (binascii.Error, ValueError, UnicodeEncodeError) as err:
        raise InvalidCursor("cursor is not valid: it is not a cursor this API issued") from err
    # base64 without padding leaves spare bits in the last character: only the canonical spelling counts
    if len(mac) != MAC_BYTES or _b64(mac) != mac_text or not hmac.compare_digest(mac, _mac(query, payload)):
        raise InvalidCursor("cursor is not valid: it was changed, or it belongs to a different query")
    try:
        keys = json.loads(_unb64(payload))
    except (binascii.Error, ValueError) as err:  # signed by us, so only a key change gets here
        raise InvalidCursor("cursor is not valid") from err
    if not isinstance(keys, dict):
        raise InvalidCursor("cursor is not valid")
    return keys


def query_fingerprint(**parts: Any) -> str:
    """A canonical string of a query's parameters, to bind cursors to (order-independent)."""
    return json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str)
