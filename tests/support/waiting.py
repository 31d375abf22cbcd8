"""Bounded polling for asynchronous paths (queue -> function -> table): a generous limit, never a speed claim."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WAIT = 30.0


def eventually(check: Callable[[], Any], what: str, timeout: float = WAIT, interval: float = 0.2) -> Any:
    """The first truthy value of ``check()``; fails naming ``what`` if none comes within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)
