"""(b) Cold import time of each handler module, as Lambda imports it: median of 10 fresh interpreters, next to
`import boto3` in the same run.

Where this machine has an interpreter of the runtime's Python (3.13, infra.bytecode), each handler is imported
as Lambda imports it: by that Python, from the synthesized assets in ``cdk.out/`` (the functions asset and the
kefu layer, with the bytecode they ship), with the dependencies layer's distributions installed for this
machine's platform and that Python and compiled as the layer build compiles them, boto3 in a runtime of its
own (``.build/bench-runtime``), and nothing written back (``PYTHONDONTWRITEBYTECODE``: Lambda's ``/var/task``
and ``/opt`` are read-only). Beside it, the same import from sources alone (the repository's folders, a copy of
the layer without bytecode): what every cold start cost before the assets shipped bytecode, and what it costs
when synth finds no such interpreter. Without one here, the handlers are imported with the dev venv's Python
from the repository's folders (bytecode cached), as this benchmark did before 2026-12-02, and it says so.

Each handler gets what its sandbox holds: the function's environment from the synthesized template (values the
template computes are placeholders, each an https URL: init checks that they are there, and the survey's base
URL also that it is an absolute http(s) address), Lambda's own variables (``LAMBDA_TASK_ROOT``,
``AWS_LAMBDA_FUNCTION_NAME``) and nothing of the shell's. With the X-Ray SDK off (the stack's default) and on
(``-c kefu:xraySdk=true``, which sets ``POWERTOOLS_TRACE_DISABLED=false``). Wall time and CPU time of the import
are both printed: on a shared machine the CPU time is the steadier figure.

Beside each handler, its floor: the libraries its import loaded (every module outside the standard library
and our own folders: boto3, Powertools, pydantic and theirs), imported alone, in the order the handler loaded
them, by a fresh interpreter of the same sandbox. What the handler costs above it is ours (our modules, our
models built by pydantic, our settings read); the floor moves only if the handler loads fewer library modules.

``import boto3`` is measured again beside every handler, its samples interleaved with the handler's (boto3, SDK
off, SDK on, sources, boto3, ...), and each ratio divides by the boto3 median of the same stretch: on a machine
whose load changes during the run (other work on the same cores), a boto3 figure taken once at the start would
be compared with handlers measured minutes later under another load.
"""

from __future__ import annotations

import hashlib
import json
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from infra.bytecode import RUNTIME_VERSION, compile_tree, runtime_interpreter
from local.packaging import RUNTIME_PACKAGES, layer_distributions

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "cdk.out" / "Kefu.template.json"
BENCH_RUNTIME = ROOT / ".build" / "bench-runtime"
RUNS = 10
PROBE = (
    "import time; w = time.perf_counter(); c = time.process_time(); import {module}; "
    "print(time.perf_counter() - w, time.process_time() - c)"
)
# The libraries a handler's import loaded (every module outside the standard library and outside our own
# folders: boto3, Powertools, pydantic, ...), in the order they were loaded.
LIBRARIES_PROBE = (
    "import json, sys, sysconfig; import {module}; ours = (*sys.argv[1:], sysconfig.get_paths()['stdlib']); "
    "print(json.dumps([name for name, m in list(sys.modules.items()) "
    "if name.partition('.')[0] not in sys.stdlib_module_names "
    "and isinstance(getattr(m, '__file__', None), str) and not m.__file__.startswith(ours)]))"
)
# Those libraries alone, imported in that order by a fresh interpreter: the handler's floor.
FLOOR_PROBE = (
    "import importlib, json, os, time; names = json.loads(os.environ['KEFU_BENCH_LIBRARIES']); "
    "w = time.perf_counter(); c = time.process_time()\n"
    "for name in names: importlib.import_module(name)\n"
    "print(time.perf_counter() - w, time.process_time() - c)"
)


@dataclass(frozen=True)
class Sandbox:
    """What a handler is imported with: an interpreter, the task root (its working directory), ``PYTHONPATH``."""

    python: Path
    task_root: Path
    path: tuple[Path, ...]
    read_only: bool

    @property
    def own_code(self) -> tuple[Path, ...]:
        """Where our modules come from: the task root (the function's code) and the kefu layer, always the
        path's first folder."""
        return (self.task_root, self.path[0])

    def environment(self) -> dict[str, str]:
        env = {"PYTHONPATH": ":".join(map(str, self.path)), "LAMBDA_TASK_ROOT": str(self.task_root)}
        return {**env, "PYTHONDONTWRITEBYTECODE": "1"} if self.read_only else env


def _assets(template: Path) -> tuple[Path, list[Path]]:
    """The functions' code asset and the layers' folders (``python/`` inside) of the webhooks function."""
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    function = next(
        resource["Properties"]
        for resource in resources.values()
        if resource.get("Type") == "AWS::Lambda::Function"
        and str(resource["Properties"].get("Handler", "")).startswith("webhooks.")
    )

    def folder(code: dict[str, Any]) -> Path:
        return template.parent / f"asset.{str(code['S3Key']).removesuffix('.zip')}"

    layers = [folder(resources[layer["Ref"]]["Properties"]["Content"]) / "python" for layer in function["Layers"]]
    return folder(function["Code"]), layers


def _pip(python: Path | str, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args], check=True)


def _runtime(interpreter: Path, deps_layer: Path) -> tuple[Path, Path, Path]:
    """The runtime's Python with boto3, and the dependencies layer for this platform with and without bytecode
    (built once, again when the pins change)."""
    distributions = layer_distributions(deps_layer)
    boto = [f"{name}=={version}" for name, version in _pins(RUNTIME_PACKAGES)]
    digest = hashlib.sha256("\n".join([str(interpreter), *boto, *distributions]).encode()).hexdigest()[:16]
    venv, with_bytecode, sources = BENCH_RUNTIME / "venv", BENCH_RUNTIME / "deps-bytecode", BENCH_RUNTIME / "deps"
    stamp = BENCH_RUNTIME / ".built-from"
    if not (stamp.is_file() and stamp.read_text() == digest):
        subprocess.run(["rm", "-rf", str(BENCH_RUNTIME)], check=True)
        subprocess.run([str(interpreter), "-m", "venv", str(venv)], check=True)
        _pip(venv / "bin" / "python", *boto)
        version = ".".join(map(str, RUNTIME_VERSION))
        _pip(
            venv / "bin" / "python",
            "--no-deps",
            "--no-compile",
            "--only-binary=:all:",
            f"--platform=manylinux2014_{platform.machine()}",
            f"--python-version={version}",
            "--implementation=cp",
            f"--target={sources}",
            *distributions,
        )
        subprocess.run(["cp", "-r", str(sources), str(with_bytecode)], check=True)
        compile_tree(with_bytecode, "/opt/python", strict=False)
        stamp.write_text(digest)
    return venv / "bin" / "python", with_bytecode, sources


def _pins(names: tuple[str, ...]) -> list[tuple[str, str]]:
    from importlib import metadata

    return [(name, metadata.version(name)) for name in names]


def sandboxes(template: Path = TEMPLATE) -> tuple[Sandbox, Sandbox | None, str]:
    """The sandbox handlers are measured in, the one of sources alone (None without the runtime's Python), and a
    line saying which they are."""
    interpreter = runtime_interpreter()
    if interpreter is None:
        host = Sandbox(Path(sys.executable), ROOT / "functions", (ROOT / "layers/kefu/python",), read_only=False)
        version = ".".join(map(str, RUNTIME_VERSION))
        return (
            host,
            None,
            f"no CPython {version} here: the dev venv's Python {platform.python_version()}, bytecode cached",
        )
    code, (kefu_layer, deps_layer) = _assets(template)
    python, with_bytecode, sources = _runtime(interpreter, deps_layer)
    shipped = Sandbox(python, code, (kefu_layer, with_bytecode), read_only=True)
    bare = Sandbox(python, ROOT / "functions", (ROOT / "layers/kefu/python", sources), read_only=True)
    probe = [str(python), "-c", "import platform; print(platform.python_version())"]
    out = subprocess.run(probe, check=True, capture_output=True)
    return shipped, bare, f"Python {out.stdout.decode().strip()} (the runtime's), the synthesized assets, read-only"


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


def _run(sandbox: Sandbox, code: str, environment: dict[str, str], *args: str) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **sandbox.environment(),
        **environment,
    }
    out = subprocess.run(
        [str(sandbox.python), "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=sandbox.task_root,
    )
    return out.stdout.strip().splitlines()[-1]


def _once(sandbox: Sandbox, module: str, environment: dict[str, str]) -> tuple[float, float]:
    wall, cpu = _run(sandbox, PROBE.format(module=module), environment).split()
    return float(wall) * 1000, float(cpu) * 1000


def libraries_of(sandbox: Sandbox, module: str, environment: dict[str, str]) -> list[str]:
    """The modules of libraries (not the standard library's, not ours) that importing ``module`` loads."""
    ours = [str(folder) for folder in sandbox.own_code]
    names: list[str] = json.loads(_run(sandbox, LIBRARIES_PROBE.format(module=module), environment, *ours))
    return names


def _floor_once(sandbox: Sandbox, libraries: list[str], environment: dict[str, str]) -> tuple[float, float]:
    wall, cpu = _run(sandbox, FLOOR_PROBE, {**environment, "KEFU_BENCH_LIBRARIES": json.dumps(libraries)}).split()
    return float(wall) * 1000, float(cpu) * 1000


def _median(samples: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall": statistics.median(s[0] for s in samples), "cpu": statistics.median(s[1] for s in samples)}


def measure() -> dict[str, Any]:
    """Each handler's figures with the X-Ray SDK off (the default) and on, from sources alone, and boto3's
    measured beside it, in milliseconds; ``boto3`` overall is the median of all boto3 samples."""
    shipped, bare, label = sandboxes()
    results: dict[str, Any] = {}
    every_boto3: list[tuple[float, float]] = []
    for module, environment in handlers().items():
        off = {name: value for name, value in environment.items() if name != "POWERTOOLS_TRACE_DISABLED"}
        on = {**environment, "POWERTOOLS_TRACE_DISABLED": "false"}
        kinds: list[tuple[str, Callable[[], tuple[float, float]]]] = [
            ("boto3", partial(_once, shipped, "boto3", {})),
            ("off", partial(_once, shipped, module, off)),
            ("libraries", partial(_floor_once, shipped, libraries_of(shipped, module, off), off)),
            ("on", partial(_once, shipped, module, on)),
        ]
        if bare is not None:
            kinds.append(("sources", partial(_once, bare, module, off)))
        for _, sample in kinds:
            sample()  # warms the file cache (and the dev venv's bytecode); not counted
        samples: dict[str, list[tuple[float, float]]] = {kind: [] for kind, _ in kinds}
        for _ in range(RUNS):
            for kind, sample in kinds:
                samples[kind].append(sample())
        every_boto3 += samples["boto3"]
        results[module] = {key: _median(values) for key, values in samples.items()}
    return {"sandbox": label, "boto3": _median(every_boto3), **results}


def table(results: dict[str, Any]) -> list[str]:
    boto3 = results["boto3"]
    sources = any("sources" in figures for figures in results.values() if isinstance(figures, dict))
    head = (
        "| module | wall ms (SDK off) | CPU ms (SDK off) | × boto3 (CPU) | CPU ms, its libraries alone "
        "| × boto3 (CPU) | CPU ms, ours | wall ms (SDK on) | CPU ms (SDK on) | × boto3 (CPU) |"
    )
    lines = [
        f'Imported with: {results["sandbox"]}. "Its libraries alone": a fresh interpreter importing only the '
        "modules of libraries (boto3, Powertools, pydantic, ...) that the handler's import loaded, in the same "
        'order: the floor of that handler with those libraries; "ours" is the rest (SDK off).',
        "",
        head + (" CPU ms, no bytecode | × boto3 (CPU) |" if sources else "") + " boto3 CPU ms beside it |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if sources else "") + "---:|",
        f"| `boto3` (all its samples) | {boto3['wall']:.0f} | {boto3['cpu']:.0f} | 1.00 | | | | | | |"
        + (" | |" if sources else "")
        + " |",
    ]
    for module, figures in results.items():
        if module in ("boto3", "sandbox"):
            continue
        off, on, beside = figures["off"], figures["on"], figures["boto3"]["cpu"]
        floor = figures["libraries"]["cpu"]
        bare = f" {figures['sources']['cpu']:.0f} | {figures['sources']['cpu'] / beside:.2f} |" if sources else ""
        lines.append(
            f"| `{module}` | {off['wall']:.0f} | {off['cpu']:.0f} | {off['cpu'] / beside:.2f} "
            f"| {floor:.0f} | {floor / beside:.2f} | {off['cpu'] - floor:.0f} "
            f"| {on['wall']:.0f} | {on['cpu']:.0f} | {on['cpu'] / beside:.2f} |{bare} {beside:.0f} |"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(table(measure())))
