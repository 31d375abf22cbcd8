"""The customer's chat widget is served by the webhooks function from its own asset, as API Gateway serves it."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.integration.conftest import Cloud
from tests.support.aws_events import FakeContext, api_event
from webhooks.handler import lambda_handler as webhooks

WIDGET = Path(__file__).resolve().parents[2] / "functions" / "webhooks" / "static" / "widget.js"
# The budget for the widget: a tag any site can add without weighing its pages down.
MAX_GZIPPED_BYTES = 30 * 1024


def _get(headers: dict[str, str] | None = None) -> dict[str, object]:
    return webhooks(api_event("GET", "/widget.js", resource="/widget.js", headers=headers), FakeContext())


def test_the_widget_is_served_as_javascript_with_an_etag(cloud: Cloud) -> None:
    answer = _get()
    assert answer["statusCode"] == 200
    headers = {name.lower(): values[0] for name, values in answer["multiValueHeaders"].items()}  # type: ignore[attr-defined]
    assert headers["content-type"].startswith("text/javascript")
    assert headers["x-content-type-options"] == "nosniff"  # so the type must be right, and it is
    assert headers["cache-control"].startswith("public, max-age=")
    assert answer["body"] == WIDGET.read_text(encoding="utf-8")

    again = _get({"If-None-Match": headers["etag"]})
    assert again["statusCode"] == 304
    assert not again.get("body")
    assert _get({"If-None-Match": '"something-else"'})["statusCode"] == 200


def test_the_widget_stays_under_its_size_budget() -> None:
    assert len(gzip.compress(WIDGET.read_bytes(), 9)) <= MAX_GZIPPED_BYTES
