"""An in-process local cloud on the fixture template and fixture handlers (fault injection allowed here)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from local_helpers import FIXTURES, TEMPLATE

from local.cloud import LocalCloud


@pytest.fixture(scope="module")
def fixture_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    state_dir = tmp_path_factory.mktemp("kefu-state")
    cloud = LocalCloud(root=FIXTURES, state_dir=state_dir, template=TEMPLATE, search=False, snapshot_interval=3600)
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


class Received:
    """What the fixture functions received, read from their log files (they run in their own processes)."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud

    def records(self, kind: str) -> list[dict[str, Any]]:
        found = []
        for path in sorted(self.cloud.log_dir.glob("*.log")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith(f"RECEIVED {kind} "):
                    found.append(json.loads(line.split(" ", 2)[2]))
        return found

    def __getitem__(self, kind: str) -> list[dict[str, Any]]:
        return [record["event"] for record in self.records(kind)]

    # A function's output reaches its log file a moment after its answer reaches the caller (as with CloudWatch
    # Logs): wait for what is expected rather than read the last line.
    def latest(self, kind: str, path: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = [event for event in self[kind] if event.get("path") == path]
            if found or time.monotonic() > deadline:
                assert found, f"no {kind} event for {path} in the function logs"
                return found[-1]
            time.sleep(0.05)

    def settled_count(self, kind: str, quiet: float = 0.5) -> int:
        """The number of events once no new line has arrived for ``quiet`` seconds."""
        count, since = len(self[kind]), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.05)
            now = len(self[kind])
            if now != count:
                count, since = now, time.monotonic()
        return count


@pytest.fixture(scope="module")
def received(fixture_cloud: LocalCloud) -> Received:
    return Received(fixture_cloud)
