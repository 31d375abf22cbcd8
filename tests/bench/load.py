"""(c) 1,000 chat messages from 50 concurrent customers on the local cloud, over HTTP.

Every message must be stored exactly once (checked through the agent API); we report the HTTP accept rate,
the end-to-end rate (first send to last message stored), p50/p99 of the HTTP answer time, the CPU each part
of the local cloud spent per message (where the time goes), and the emulator's own ceiling in the same run.
"""

from __future__ import annotations

import os
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
            assert cloud.process is not None
            before: dict[str, float] = {}
            figures = _run(cloud, customers, per_customer, before)
            own_after = os.times()
            spent = cpu_by_component(cloud.process.pid)
            total = customers * per_customer
            spent["load generator (the HTTP clients)"] = own_after.user + own_after.system
            for component, seconds in sorted(spent.items(), key=lambda item: -item[1]):
                used = seconds - before.get(component, 0.0)
                figures[f"CPU ms per message: {component}"] = round(used / total * 1000, 2)
            from tests.bench import emulator

            for name, rate in emulator.measure(cloud.aws_endpoint).items():
                figures[f"emulator ceiling, same run: {name}"] = rate
            return figures
        finally:
            cloud.stop()


def _stored_by_ingest(state_dir: Path) -> int:
    count = 0
    for log in (state_dir / "logs").glob("*Ingest*.log"):
        with log.open(encoding="utf-8", errors="replace") as lines:
            count += sum(1 for line in lines if '"ingest: stored"' in line)
    return count


def cpu_by_component(root: int) -> dict[str, float]:
    """CPU seconds (user + system) of every process below ``root``, by part: the emulator, each function's
    workers, the gateway with the dispatchers, the search server."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        # utime, stime of the process, and of its reaped children (workers that were replaced)
        cpu = sum(int(value) for value in fields[11:15]) / ticks
        stats[pid] = (command, cpu)
    found: dict[str, float] = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        command, cpu = stats.get(pid, ("", 0.0))
        if "local.emulator" in command:
            name = "emulator"
        elif "awslambdaric" in command:
            name = "function " + command.split("awslambdaric", 1)[1].split()[0].split(".")[0]
        elif "osmem" in command:
            name = "search server"
        elif pid == root:
            name = "gateway and dispatchers"
        else:
            name = "other"
        found[name] = found.get(name, 0.0) + cpu
    return found


def _run(cloud: LocalCloudProcess, customers: int, per_customer: int, cpu_before: dict[str, float]) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=customers, max_keepalive_connections=customers)
    with httpx.Client(base_url=cloud.url, timeout=60.0, limits=limits) as http:
        # Sessions start together: the webhooks function scales to its concurrency (its cold starts happen
        # here, before the clock starts, as a warmed-up service's would have).
        with ThreadPoolExecutor(max_workers=customers) as pool:
            sessions = list(
                pool.map(
                    lambda i: http.post("/chat/web/sessions", json={"name": f"bench {i}"}).json(), range(customers)
                )
            )
        assert cloud.process is not None
        cpu_before.update(cpu_by_component(cloud.process.pid))
        served_by_emulator(cloud.aws_endpoint, reset=True)
        own = os.times()
        cpu_before["load generator (the HTTP clients)"] = own.user + own.system
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

    # Wait by reading the ingest function's decision lines (its log, as CloudWatch Logs would hold it), not by
    # polling the API: the polling would load the emulator the run is measuring. Then check once, by API.
    expected = per_customer * customers
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and _stored_by_ingest(cloud.state_dir) < expected:
        time.sleep(0.1)
    done_in = time.perf_counter() - began
    served = served_by_emulator(cloud.aws_endpoint)
    with httpx.Client(base_url=cloud.url, timeout=60.0) as http:
        token = cloud.login("supervisor@example.com", "Kefu-demo-1")
        headers = {"Authorization": f"Bearer {token}"}
        stored: dict[str, list[str]] = {}
        while True:
            stored = {}
            for session in sessions:
                resp = http.get(f"/api/v1/tickets/{session['ticket_id']}", headers=headers)
                stored[session["ticket_id"]] = [m["body"] for m in resp.json()["messages"]] if resp.is_success else []
            if sum(len(v) for v in stored.values()) >= expected or time.monotonic() > deadline:
                break
            time.sleep(2)
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
        **_served_per_message(served, expected),
    }


EMULATOR_ROWS = 12  # the requests that cost the emulator most, one row each; the rest summed


def served_by_emulator(endpoint: str, reset: bool = False) -> list[dict[str, Any]]:
    """What the emulator served since the last reset (``/_kefu/requests``, local/emulator.py)."""
    response = httpx.post(f"{endpoint}/_kefu/requests", json={"reset": reset}, timeout=30)
    response.raise_for_status()
    return list(response.json()["requests"])


def _served_per_message(served: list[dict[str, Any]], messages: int) -> dict[str, Any]:
    """The emulator's requests of the run per message, and its CPU in moto per message, by request."""
    rows = sorted(served, key=lambda row: -row["cpu_seconds"])
    figures: dict[str, Any] = {
        "emulator requests per message (all)": round(sum(row["calls"] for row in rows) / messages, 2),
        "emulator CPU ms per message in moto (all requests)": round(
            sum(row["cpu_seconds"] for row in rows) / messages * 1000, 2
        ),
    }
    for row in rows[:EMULATOR_ROWS]:
        label = f"{row['service']} {row['action']} by {row['caller']}"
        figures[f"emulator: {label}: requests / CPU ms per message"] = (
            f"{row['calls'] / messages:.2f} / {row['cpu_seconds'] / messages * 1000:.2f}"
        )
    rest = rows[EMULATOR_ROWS:]
    if rest:
        figures["emulator: every other request: requests / CPU ms per message"] = (
            f"{sum(r['calls'] for r in rest) / messages:.2f} / {sum(r['cpu_seconds'] for r in rest) / messages * 1000:.2f}"
        )
    return figures
