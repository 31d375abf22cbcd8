"""What a function's sandbox holds, built for this machine: the runtime's packages and the layers.

- The runtime (Lambda's ``/var/runtime``): a virtual environment of its own with only boto3 (and what it
  needs) and AWS's runtime interface client, never the developer's virtual environment.
- A layer of third-party packages built for Lambda's platform (arm64, Python 3.13) cannot load here
  (compiled modules), so it is installed again for this machine, exactly the distributions the layer holds
  (names and versions from its ``*.dist-info``, no dependency resolution): a package missing from the
  layer is missing here too. Layers of plain Python (the kefu package) are used as synthesized.
- Bytecode as Lambda has it: its ``/var/task`` and ``/opt`` are read-only, so a sandbox never writes bytecode
  into an asset. An asset that ships the runtime's bytecode (infra.bytecode) is compiled once for this machine's
  Python into ``.build/local/pycache`` (``PYTHONPYCACHEPREFIX``), as if it shipped bytecode for this version; one
  that ships none is compiled at every cold start (``PYTHONDONTWRITEBYTECODE``), and a layer installed again
  for this machine gets no bytecode either: a cold start here costs what it costs in Lambda, never less.

Everything lands in ``.build/local/`` of the repository and is rebuilt only when its inputs change.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from infra.bytecode import ships_bytecode

log = logging.getLogger("local")

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / ".build" / "local"
RUNTIME_CLIENT = "awslambdaric==4.2.2"
# What the Lambda Python runtime itself provides (the layer build prunes the same names).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer")
STAMP = ".built-from"
PYCACHE_DIR = BUILD_DIR / "pycache"


class PackagingError(RuntimeError):
    """pip could not install what a sandbox needs (usually: no access to the package index)."""


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with (BUILD_DIR / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _pip(python: Path | str, *args: str) -> None:
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    if result.returncode != 0:
        raise PackagingError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")


def runtime_requirements() -> list[str]:
    """boto3 as the developer's environment pins it (the runtime's own version differs by region)."""
    return [f"{name}=={metadata.version(name)}" for name in RUNTIME_PACKAGES] + [RUNTIME_CLIENT]


def runtime_python() -> Path:
    """The interpreter of the sandbox runtime (built once)."""
    target = BUILD_DIR / "runtime"
    python = target / "bin" / "python"
    wanted = "\n".join(runtime_requirements())
    with _locked("runtime"):
        stamp = target / STAMP
        if python.exists() and stamp.is_file() and stamp.read_text() == wanted:
            return python
        log.info("building the sandbox runtime (boto3 and the Lambda runtime interface client)")
        shutil.rmtree(target, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(target)], check=True, timeout=300)
        _pip(python, *runtime_requirements())
        stamp.write_text(wanted)
    return python


def layer_distributions(site_dir: Path) -> list[str]:
    """``name==version`` for every distribution a layer's ``python/`` folder holds."""
    found = []
    for info in sorted(site_dir.glob("*.dist-info")):
        try:
            meta = metadata.Distribution.at(info).metadata
        except Exception:  # a broken dist-info is a broken layer: install it as named by the folder
            name, _, version = info.name.removesuffix(".dist-info").partition("-")
            found.append(f"{name}=={version}")
            continue
        found.append(f"{meta['Name']}=={meta['Version']}")
    return found


def layer_for_this_machine(layer_dir: Path) -> Path:
    """The folder to put on ``PYTHONPATH`` for one layer (its ``python/``, rebuilt when it has wheels)."""
    site_dir = layer_dir / "python"
    if not site_dir.is_dir():
        return site_dir
    distributions = layer_distributions(site_dir)
    if not distributions:
        return site_dir
    # without the runtime's bytecode in the layer, Lambda compiles its packages at every cold start: so here
    compile_flags = [] if ships_bytecode(site_dir) else ["--no-compile"]
    digest = hashlib.sha256("\n".join([*distributions, *compile_flags]).encode()).hexdigest()[:16]
    target = BUILD_DIR / "layers" / digest
    with _locked(f"layer-{digest}"):
        if (target / STAMP).is_file():
            return target / "python"
        log.info("installing layer %s for this machine (%d distributions)", layer_dir.name, len(distributions))
        scratch = target.with_name(f".{digest}.building")
        shutil.rmtree(scratch, ignore_errors=True)
        _pip(
            sys.executable,
            "--no-deps",
            "--only-binary=:all:",
            *compile_flags,
            "--target",
            str(scratch / "python"),
            *distributions,
        )
        shutil.rmtree(target, ignore_errors=True)
        scratch.rename(target)
        (target / STAMP).write_text("\n".join(distributions))
    return target / "python"


def bytecode_environment(task_root: Path) -> dict[str, str]:
    """The variables that give a sandbox Lambda's bytecode: this machine's own for an asset that ships the
    runtime's (kept out of the asset), none for one that ships none."""
    if ships_bytecode(task_root):
        return {"PYTHONPYCACHEPREFIX": str(PYCACHE_DIR)}
    return {"PYTHONDONTWRITEBYTECODE": "1"}


# -- the packaging probe -------------------------------------------------------------------------------------

PROBE = r"""
import importlib, json, pkgutil, sys, traceback
handler, packages = sys.argv[1], sys.argv[2:]
failures = {}
module_name, _, attribute = handler.rpartition(".")
try:
    if not callable(getattr(importlib.import_module(module_name), attribute)):
        failures[handler] = "not callable"
except BaseException:
    failures[handler] = traceback.format_exc(limit=3)
loaded = [module_name]
for name in packages:
    try:
        package = importlib.import_module(name)
    except BaseException:
        failures[name] = traceback.format_exc(limit=3)
        continue
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), prefix=name + "."):
        try:
            importlib.import_module(info.name)
            loaded.append(info.name)
        except BaseException:
            failures[info.name] = traceback.format_exc(limit=3)
print(json.dumps({"loaded": loaded, "failures": failures}))
"""


def probe_imports(
    task_root: Path, layer_dirs: list[Path], handler: str, environment: dict[str, str], packages: list[str]
) -> dict[str, Any]:
    """Import a function's handler and every module of ``packages`` in a sandbox of that function (its asset,
    its layers built for this machine, the runtime's packages, its environment); what failed and why."""
    import json
    import os

    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "PYTHONPATH": os.pathsep.join(str(layer_for_this_machine(path)) for path in layer_dirs),
        "PYTHONNOUSERSITE": "1",
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **bytecode_environment(task_root),
        **environment,
    }
    result = subprocess.run(
        [str(runtime_python()), "-s", "-c", PROBE, handler, *packages],
        cwd=task_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        return {"loaded": [], "failures": {handler: result.stderr[-3000:] or "the probe printed nothing"}}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))
