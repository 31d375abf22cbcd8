"""An in-process local cloud on the fixture template and fixture handlers (fault injection allowed here)."""

from __future__ import annotations

import sys
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


@pytest.fixture(scope="module")
def received(fixture_cloud: LocalCloud) -> dict[str, list[Any]]:
    module = sys.modules["fixture_fn.handler"]
    return module.RECEIVED
