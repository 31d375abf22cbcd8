"""(b) Cold import time of each handler module: median of 10 fresh interpreters, next to `import boto3`."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "webhooks.handler",
    "ingest.handler",
    "stream.handler",
    "agent_api.handler",
    "outbound.handler",
    "media.handler",
]
RUNS = 10


def _once(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/kefu/python"), str(ROOT / "functions")]),
        "PYTHONDONTWRITEBYTECODE": "",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def measure() -> dict[str, float]:
    """Median milliseconds per module; the first run of each warms the bytecode cache and is not counted."""
    results: dict[str, float] = {}
    for module in ["boto3", *MODULES]:
        _once(module)
        results[module] = statistics.median(_once(module) for _ in range(RUNS)) * 1000
    return results
