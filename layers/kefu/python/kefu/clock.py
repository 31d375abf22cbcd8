"""Time and identifiers. Timestamps are ISO-8601 UTC with milliseconds, so they sort as strings."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(now())


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def epoch_after(delta: timedelta) -> int:
    """An epoch-seconds value for DynamoDB's TTL attribute."""
    return int(time.time() + delta.total_seconds())


def new_id() -> str:
    """A ULID: 48-bit millisecond time + 80 random bits, Crockford base32; sorts by creation time."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))
