"""(b) Cold import time of each handler module, as Lambda imports it: median of 10 fresh interpreters, next to
`import boto3` in the same run.

Each handler is imported with what its sandbox holds: the function's environment from the synthesized template
(values the template computes are placeholders: init only checks that they are there), Lambda's own variables
(``LAMBDA_TASK_ROOT``, ``AWS_LAMBDA_FUNCTION_NAME``) and nothing of the shell's. Twice: with the X-Ray SDK off
(the stack's default) and on (``-c kefu:xraySdk=true``, which sets ``POWERTOOLS_TRACE_DISABLED=false``). Wall time
and CPU time of the import are both printed: on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "cdk.out" / "Kefu.template.json"
RUNS = 10
PROBE = (
    "import time; w = time.perf_counter(); c = time.process_time(); import {module}; "
    "print(time.perf_counter() - w, time.process_time() - c)"
)


def handlers(template: Path = TEMPLATE) -> dict[str, dict[str, str]]:
    """Handler module -> the function's environment, for every function of ours in the template."""
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    found: dict[str, dict[str, str]] = {}
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        module = str(props.get("Handler", "")).rsplit(".", 1)[0]
        if resource.get("Type") != "AWS::Lambda::Function" or not (ROOT / "functions" / module.split(".")[0]).is_dir():
            continue  # CDK's own helper functions
        variables = props.get("Environment", {}).get("Variables", {})
        environment = {
            name: value if isinstance(value, str) else f"bench-{name.lower()}" for name, value in variables.items()
        }
        environment["AWS_LAMBDA_FUNCTION_NAME"] = f"kefu-{logical_id}"
        found[module] = environment
    return found


def _once(module: str, environment: dict[str, str]) -> tuple[float, float]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT / 'layers/kefu/python'}",
        "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **environment,
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall) * 1000, float(cpu) * 1000


def _median(module: str, environment: dict[str, str]) -> dict[str, float]:
    _once(module, environment)  # warms the bytecode cache; not counted
    samples = [_once(module, environment) for _ in range(RUNS)]
    return {"wall": statistics.median(s[0] for s in samples), "cpu": statistics.median(s[1] for s in samples)}


def measure() -> dict[str, Any]:
    """boto3's figures, then each handler's with the X-Ray SDK off (the default) and on, in milliseconds."""
    results: dict[str, Any] = {"boto3": _median("boto3", {})}
    for module, environment in handlers().items():
        off = {name: value for name, value in environment.items() if name != "POWERTOOLS_TRACE_DISABLED"}
        on = {**environment, "POWERTOOLS_TRACE_DISABLED": "false"}
        results[module] = {"off": _median(module, off), "on": _median(module, on)}
    return results


def table(results: dict[str, Any]) -> list[str]:
    boto3 = results["boto3"]
    lines = [
        "| module | wall ms (SDK off) | CPU ms (SDK off) | × boto3 (CPU) | wall ms (SDK on) | CPU ms (SDK on) | × boto3 (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| `boto3` | {boto3['wall']:.0f} | {boto3['cpu']:.0f} | 1.00 | | | |",
    ]
    for module, figures in results.items():
        if module == "boto3":
            continue
        off, on = figures["off"], figures["on"]
        lines.append(
            f"| `{module}` | {off['wall']:.0f} | {off['cpu']:.0f} | {off['cpu'] / boto3['cpu']:.2f} "
            f"| {on['wall']:.0f} | {on['cpu']:.0f} | {on['cpu'] / boto3['cpu']:.2f} |"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(table(measure())))
