"""(i) The agent workspace: what a browser loads first, how soon the inbox is ready, and how long a customer's
message takes to appear in an inbox that is open (a real Chromium against the local cloud).

python -m tests.bench.workspace [--messages 50]: only (i), recorded like a make bench run.
"""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import LocalCloudProcess, synthesize_once

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "spa" / "dist"
WIDGET = ROOT / "functions" / "webhooks" / "static" / "widget.js"
CHROMIUM = "/usr/bin/chromium"
AGENT = ("agent1@example.com", "Kefu-demo-1")
WAIT_S = 60.0
TARGETS = "initial JS ≤ 250 KB gzip, widget ≤ 30 KB gzip, inbox ready ≤ 2 s, message to open inbox p95 ≤ 1 s"


def _gzip_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), 9)) / 1024


def initial_javascript() -> dict[str, float]:
    """The scripts index.html makes the browser fetch before the app runs (the entry and its preloads)."""
    index = (DIST / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'<script[^>]+type="module"[^>]+src="([^"]+)"', index)
    names += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"', index)
    files = {DIST / name.split("/app/", 1)[-1].lstrip("/") for name in names}
    every = sorted((DIST / "assets").glob("*.js"))
    return {
        "initial JavaScript, KB gzip": round(sum(_gzip_kb(f) for f in files), 1),
        "initial JavaScript files": len(files),
        "all JavaScript of the build, KB gzip": round(sum(_gzip_kb(f) for f in every), 1),
        "chat widget, KB gzip": round(_gzip_kb(WIDGET), 1),
    }


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def _new_chat(http: httpx.Client, text: str) -> float:
    """A new customer writes; returns the time the message was sent (before the request)."""
    started = http.post("/chat/web/sessions", json={"name": "Bench 客户"})
    started.raise_for_status()
    token = started.json()["session_token"]
    sent_at = time.monotonic()
    answer = http.post(
        "/chat/web/messages",
        json={"text": text, "client_message_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {token}"},
    )
    answer.raise_for_status()
    return sent_at


def in_the_browser(cloud: LocalCloudProcess, messages: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, Any] = {}
    with sync_playwright() as playwright, httpx.Client(base_url=cloud.url, timeout=20) as http:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            for index in range(10):  # an inbox with tickets in it (a fresh cloud has none)
                _new_chat(http, f"bench warm-up {index}")
            page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US").new_page()
            page.set_default_timeout(WAIT_S * 1000)
            page.goto(f"{cloud.url}/app/")
            page.get_by_test_id("login-email").fill(AGENT[0])
            page.get_by_test_id("login-password").fill(AGENT[1])
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id("current-user").wait_for()
            page.get_by_test_id("status-tab-all").click()
            page.locator('[data-testid="ticket-row"]').first.wait_for()

            ready: list[float] = []
            for _ in range(5):  # a signed-in agent opens the app again: until the inbox shows its tickets
                started = time.monotonic()
                page.reload()
                page.locator('[data-testid="ticket-row"]').first.wait_for()
                ready.append(time.monotonic() - started)
            figures["inbox ready after a reload, median s"] = round(statistics.median(ready), 2)
            figures["inbox ready after a reload, max s"] = round(max(ready), 2)
            page.get_by_test_id("status-tab-all").click()
            page.locator('[data-testid="ticket-row"]').first.wait_for()

            lags: list[float] = []
            for _ in range(messages):
                marker = uuid.uuid4().hex[:10]
                sent_at = _new_chat(http, f"bench {marker} 我的订单到哪了")
                page.locator('[data-testid="ticket-row"]', has_text=marker).wait_for()
                lags.append(time.monotonic() - sent_at)
            figures[f"customer message to open inbox, p50 s ({messages} messages)"] = round(_percentile(lags, 50), 2)
            figures[f"customer message to open inbox, p95 s ({messages} messages)"] = round(_percentile(lags, 95), 2)
            figures["customer message to open inbox, max s"] = round(max(lags), 2)
        finally:
            browser.close()
    return figures


def measure(messages: int = 50) -> dict[str, Any]:
    figures: dict[str, Any] = dict(initial_javascript())
    synthesize_once()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-ws-") as tmp:
        cloud = LocalCloudProcess(Path(tmp) / "state", Path(tmp) / "local-cloud.log")
        cloud.start(reset=True)
        try:
            figures |= in_the_browser(cloud, messages)
        finally:
            cloud.stop()
    return figures


def section(messages: int) -> str:
    print(f"(i) agent workspace: initial JavaScript, inbox ready time, {messages} messages to an open inbox")
    figures = measure(messages)
    for key, value in figures.items():
        print(f"  {key}: {value}")
    lines = ["| figure | value |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in figures.items()]
    note = (
        "Sizes from spa/dist (the entry script and its modulepreloads, gzip -9) and the widget file. Times in a "
        "headless Chromium on the local cloud: a reload until the first inbox row shows; a new web chat sent over "
        "HTTP until its row shows in the open inbox (pushed over the WebSocket API; the app polls only when the socket is down). "
        f"Targets: {TARGETS}."
    )
    return "## (i) Agent workspace\n\n" + note + "\n\n" + "\n".join(lines)


if __name__ == "__main__":  # python -m tests.bench.workspace: only (i), recorded like a make bench run
    import argparse
    import platform
    from datetime import UTC, datetime

    from tests.bench.__main__ import _cpus, _record

    parser = argparse.ArgumentParser(prog="python -m tests.bench.workspace")
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = section(args.messages).replace("## ", "#### ")
    _record(
        f"### Run of {stamp} on {platform.machine()}, Python {platform.python_version()}, {_cpus()} CPUs: "
        f"(i) only\n\n{body}"
    )
