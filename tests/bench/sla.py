"""(g) SLA timers on the local cloud: 200 unanswered tickets with staggered due times.

The bench's own cloud (its policies are global state): the default policy is saved with seconds (first
response PT30S, warned at half, level 2 ten seconds after the breach), then 200 web-chat tickets are opened
spread over ``spread`` seconds, so their due times are staggered the same way. Nobody answers. Measured,
per ticket, from the ticket's own events: the lag from each timer's due time to the moment the SLA function
acted (warning, level 1, level 2), p50/p99/max; and the Step Functions state transitions one ticket's
execution took (from the execution history: every state entered), priced at the Standard workflow rate.
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from kefu.clock import parse_iso
from tests.bench.load import _percentile
from tests.e2e.conftest import LocalCloudProcess, synthesize_once

PASSWORD = "Kefu-demo-1"
TARGET_SECONDS = 30
LEVEL2_AFTER_SECONDS = 10
# AWS Step Functions Standard workflows, us-east-1: USD 0.025 per 1,000 state transitions (4,000 free a month)
PRICE_PER_TRANSITION = 0.025 / 1000


def measure(tickets: int = 200, spread: float = 60.0) -> dict[str, Any]:
    synthesize_once()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-sla-") as tmp:
        cloud = LocalCloudProcess(Path(tmp) / "state", Path(tmp) / "local-cloud.log")
        cloud.start(reset=True)
        try:
            return _run(cloud, tickets, spread)
        finally:
            cloud.stop()


def _run(cloud: LocalCloudProcess, count: int, spread: float) -> dict[str, Any]:
    with httpx.Client(base_url=cloud.url, timeout=30.0) as http:
        headers = {"Authorization": f"Bearer {cloud.login('admin@example.com', PASSWORD)}"}
        policy = {
            "id": "default",
            "name": "Bench",
            "first_response": f"PT{TARGET_SECONDS}S",
            "warn_at": 0.5,
            "level2_after": f"PT{LEVEL2_AFTER_SECONDS}S",
        }
        saved = http.post("/api/v1/admin/sla-policies", json=policy, headers=headers)
        assert saved.status_code == 201, saved.text
        time.sleep(11)  # the functions' policy caches (10 s) see the bench's policy

        def open_one(n: int) -> str:
            time.sleep(n * spread / count)
            started = http.post("/chat/web/sessions", json={"name": f"SLA bench {n}"})
            assert started.status_code == 201, started.text
            token = started.json()["session_token"]
            said = http.post(
                "/chat/web/messages", json={"text": f"bench {n}"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert said.status_code == 202, said.text
            return str(started.json()["ticket_id"])

        with ThreadPoolExecutor(max_workers=32) as pool:
            ids = list(pool.map(open_one, range(count)))
        # no reads while the timers fire (a poll of 200 tickets would load the two cores the timers share):
        # one look after the last level 2 is due, then every 10 s for any still short of it
        time.sleep(TARGET_SECONDS + LEVEL2_AFTER_SECONDS + 10)
        deadline = time.monotonic() + 120
        lags: dict[str, list[float]] = {"warning": [], "level 1": [], "level 2": []}
        pending = set(ids)
        details: dict[str, dict[str, Any]] = {}
        looked = False
        while pending and time.monotonic() < deadline:
            if looked:
                time.sleep(10)
            looked = True
            for ticket_id in list(pending):
                resp = http.get(f"/api/v1/tickets/{ticket_id}", headers=headers)
                if resp.status_code == 200 and resp.json()["escalation_level"] == 2:
                    details[ticket_id] = resp.json()
                    pending.discard(ticket_id)
        for detail in details.values():
            created = parse_iso(detail["created_at"])
            due = parse_iso(detail["sla"]["first_response_due_at"])
            events = {e["type"]: e for e in detail["events"] if e["type"] in ("sla_warning",)}
            escalations = {e["data"]["level"]: e for e in detail["events"] if e["type"] == "escalated"}
            warned_at = created + (due - created) / 2
            lags["warning"].append((parse_iso(events["sla_warning"]["created_at"]) - warned_at).total_seconds())
            lags["level 1"].append((parse_iso(escalations[1]["created_at"]) - due).total_seconds())
            level2_due = due.timestamp() + LEVEL2_AFTER_SECONDS
            lags["level 2"].append(parse_iso(escalations[2]["created_at"]).timestamp() - level2_due)
        transitions = _transitions(cloud, ids[0])
        started = _first_starts(cloud)
        delays = [(started[t] - parse_iso(d["created_at"])).total_seconds() for t, d in details.items() if t in started]

    figures: dict[str, Any] = {
        "tickets": count,
        "due times spread over (s)": spread,
        "escalated through level 2": len(details),
        "never reached level 2 within the run": len(pending),
    }
    for step, values in lags.items():
        if values:
            figures[f"lag due -> {step}, p50 (s)"] = round(_percentile(values, 50), 3)
            figures[f"lag due -> {step}, p99 (s)"] = round(_percentile(values, 99), 3)
            figures[f"lag due -> {step}, max (s)"] = round(max(values), 3)
            figures[f"lag due -> {step}, min (s)"] = round(min(values), 3)
    if delays:
        figures["ticket created -> its first timer started (stream), p50 (s)"] = round(_percentile(delays, 50), 3)
        figures["ticket created -> its first timer started (stream), p99 (s)"] = round(_percentile(delays, 99), 3)
    figures["load average (1 min) at the end, all processes of the machine"] = round(os.getloadavg()[0], 2)
    figures["state transitions, one unanswered ticket (warn, level 1, level 2)"] = transitions
    figures["USD per 1,000 unanswered tickets (transitions only)"] = round(transitions * PRICE_PER_TRANSITION * 1000, 4)
    return figures


def _first_starts(cloud: LocalCloudProcess) -> dict[str, Any]:
    """ticket id -> when its generation-1 execution started."""
    sfn = cloud.client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if "Sla" in m["name"])
    return {
        e["name"].rsplit("-", 1)[0]: e["startDate"]
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
        for e in page["executions"]
        if e["name"].endswith("-1")
    }


def _transitions(cloud: LocalCloudProcess, ticket_id: str) -> int:
    """States entered by the ticket's live execution: what AWS bills as state transitions."""
    sfn = cloud.client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if "Sla" in m["name"])
    names = [
        e["name"]
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
        for e in page["executions"]
        if e["name"].startswith(ticket_id)
    ]
    arn = machine.replace(":stateMachine:", ":execution:") + f":{max(names, key=lambda n: int(n.rsplit('-', 1)[1]))}"
    entered = 0
    token: str | None = None
    while True:
        page = sfn.get_execution_history(executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {}))
        entered += sum(1 for e in page["events"] if e["type"].endswith("StateEntered"))
        token = page.get("nextToken")
        if not token:
            return entered
