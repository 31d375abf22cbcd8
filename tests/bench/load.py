"""(c) 1,000 chat messages from 50 concurrent customers on the local cloud, over HTTP.

Every message must be stored exactly once (checked through the agent API); we report the HTTP accept rate,
the end-to-end rate (first send to last message stored), and p50/p99 of the HTTP answer time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import LocalCloudProcess, synthesize_once


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def measure(messages: int = 1000, customers: int = 50) -> dict[str, Any]:
    synthesize_once()
    per_customer = messages // customers
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        cloud = LocalCloudProcess(Path(tmp) / "state", Path(tmp) / "local-cloud.log")
        cloud.start(reset=True)
        try:
            return _run(cloud, customers, per_customer)
        finally:
            cloud.stop()


def _run(cloud: LocalCloudProcess, customers: int, per_customer: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=customers, max_keepalive_connections=customers)
    with httpx.Client(base_url=cloud.url, timeout=60.0, limits=limits) as http:
        sessions = [http.post("/chat/web/sessions", json={"name": f"bench {i}"}).json() for i in range(customers)]
        latencies: list[float] = []
        failures: list[str] = []

        def customer(index: int) -> None:
            token = sessions[index]["session_token"]
            for n in range(per_customer):
                started = time.perf_counter()
                resp = http.post(
                    "/chat/web/messages",
                    json={"text": f"customer {index} message {n}", "client_message_id": f"b{index}-{n}"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                latencies.append(time.perf_counter() - started)
                if resp.status_code != 202:
                    failures.append(f"{resp.status_code} {resp.text[:100]}")

        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=customers) as pool:
            list(pool.map(customer, range(customers)))
        accepted_in = time.perf_counter() - began
        if failures:
            raise RuntimeError(f"{len(failures)} messages refused, e.g. {failures[0]}")

    # a fresh client: the sending phase's pooled connections may have idled out on the server side
    with httpx.Client(base_url=cloud.url, timeout=60.0) as http:
        token = cloud.login("supervisor@example.com", "Kefu-demo-1")
        headers = {"Authorization": f"Bearer {token}"}
        expected = per_customer * customers
        deadline = time.monotonic() + 600
        stored: dict[str, list[str]] = {}
        while time.monotonic() < deadline:
            stored = {}
            for session in sessions:
                resp = http.get(f"/api/v1/tickets/{session['ticket_id']}", headers=headers)
                stored[session["ticket_id"]] = [m["body"] for m in resp.json()["messages"]] if resp.is_success else []
            if sum(len(v) for v in stored.values()) >= expected:
                break
            time.sleep(0.5)
        done_in = time.perf_counter() - began
        bodies = [body for values in stored.values() for body in values]
        exactly_once = len(bodies) == expected and len(set(bodies)) == expected
        in_order = all(
            values == [f"customer {i} message {n}" for n in range(per_customer)]
            for i, values in enumerate(stored[s["ticket_id"]] for s in sessions)
        )
    return {
        "messages sent": expected,
        "messages stored": len(bodies),
        "stored exactly once": "yes" if exactly_once else "NO",
        "each conversation in order": "yes" if in_order else "NO",
        "HTTP accept rate (msg/s)": round(expected / accepted_in, 1),
        "end-to-end rate, send to stored (msg/s)": round(expected / done_in, 1),
        "HTTP answer p50 (ms)": round(statistics.median(latencies) * 1000, 1),
        "HTTP answer p99 (ms)": round(_percentile(latencies, 99) * 1000, 1),
    }
