"""(b) Cold import time of each handler module, as Lambda imports it: median of 10 fresh interpreters, next to
`import boto3` in the same run.

Each handler is imported with what its sandbox holds: the function's environment from the synthesized template
(values the template computes are placeholders, each an https URL: init checks that they are there, and the
survey's base URL also that it is an absolute http(s) address), Lambda's own variables
(``LAMBDA_TASK_ROOT``, ``AWS_LAMBDA_FUNCTION_NAME``) and nothing of the shell's. Twice: with the X-Ray SDK off
(the stack's default) and on (``-c kefu:xraySdk=true``, which sets ``POWERTOOLS_TRACE_DISABLED=false``). Wall time
and CPU time of the import are both printed: on a shared machine the CPU time is the steadier figure.

``import boto3`` is measured again beside every handler, its samples interleaved with the handler's (boto3, SDK
off, SDK on, boto3, ...), and each ratio divides by the boto3 median of the same stretch: on a machine whose load
changes during the run (other work on the same cores), a boto3 figure taken once at the start would be compared
with handlers measured minutes later under another load.
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
            name: value if isinstance(value, str) else f"https://bench.invalid/{name.lower()}/"
            for name, value in variables.items()
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


def _median(samples: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall": statistics.median(s[0] for s in samples), "cpu": statistics.median(s[1] for s in samples)}


def measure() -> dict[str, Any]:
    """Each handler's figures with the X-Ray SDK off (the default) and on, and boto3's measured beside it, in
    milliseconds; ``boto3`` overall is the median of all boto3 samples."""
    results: dict[str, Any] = {}
    every_boto3: list[tuple[float, float]] = []
    for module, environment in handlers().items():
        off = {name: value for name, value in environment.items() if name != "POWERTOOLS_TRACE_DISABLED"}
        on = {**environment, "POWERTOOLS_TRACE_DISABLED": "false"}
        for name, env in (("boto3", {}), (module, off), (module, on)):
            _once(name, env)  # warms the bytecode cache; not counted
        samples: dict[str, list[tuple[float, float]]] = {"boto3": [], "off": [], "on": []}
        for _ in range(RUNS):
            samples["boto3"].append(_once("boto3", {}))
            samples["off"].append(_once(module, off))
            samples["on"].append(_once(module, on))
        every_boto3 += samples["boto3"]
        results[module] = {key: _median(values) for key, values in samples.items()}
    return {"boto3": _median(every_boto3), **results}


def table(results: dict[str, Any]) -> list[str]:
    boto3 = results["boto3"]
    lines = [
        "| module | wall ms (SDK off) | CPU ms (SDK off) | × boto3 (CPU) | wall ms (SDK on) | CPU ms (SDK on) "
        "| × boto3 (CPU) | boto3 CPU ms beside it |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| `boto3` (all its samples) | {boto3['wall']:.0f} | {boto3['cpu']:.0f} | 1.00 | | | | |",
    ]
    for module, figures in results.items():
        if module == "boto3":
            continue
        off, on, beside = figures["off"], figures["on"], figures["boto3"]["cpu"]
        lines.append(
            f"| `{module}` | {off['wall']:.0f} | {off['cpu']:.0f} | {off['cpu'] / beside:.2f} "
            f"| {on['wall']:.0f} | {on['cpu']:.0f} | {on['cpu'] / beside:.2f} | {beside:.0f} |"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(table(measure())))
