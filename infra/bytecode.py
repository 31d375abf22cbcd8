"""Bytecode for Lambda's Python, compiled when the assets are built.

Lambda unpacks a function's code into ``/var/task`` and its layers into ``/opt``, both read-only: Python cannot
write its bytecode cache there, so every module shipped without its ``.pyc`` is compiled from source again at
every cold start (a handler's cold import took about twice as long, docs/benchmarks.md (b)). So the assets carry
the bytecode of the runtime's Python version, compiled by an interpreter of that version (bytecode is specific to
a minor version: 3.11's is ignored by 3.13). It is compiled in unchecked-hash mode: valid whatever file times the
zip Lambda unpacks carries, and the same bytes on every build, so an asset's hash changes only with its sources.

No interpreter of the runtime's version on the building machine: the assets ship their sources alone, as before,
and synth says so (``KEFU_RUNTIME_PYTHON`` names an interpreter explicitly; one that is not CPython of the
runtime's version fails the build instead of being ignored).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from functools import cache
from pathlib import Path

RUNTIME_VERSION = (3, 13)  # the functions' runtime, infra.constructs.lambda_function.RUNTIME
INTERPRETER_VARIABLE = "KEFU_RUNTIME_PYTHON"
CACHE_TAG = f"cpython-{RUNTIME_VERSION[0]}{RUNTIME_VERSION[1]}"
# build leftovers that never ship: the host's own bytecode, and the egg-info an editable install writes
LEFTOVERS = ("__pycache__", "*.pyc", "*.egg-info")
STALE_AFTER_SECONDS = 24 * 3600

_VERSION_PROBE = "import sys; print(sys.implementation.name, *sys.version_info[:2])"
_COMPILE = (
    "import compileall, py_compile, sys; "
    "ok = compileall.compile_dir(sys.argv[1], ddir=sys.argv[2], quiet=1, workers=0, "
    "invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH); "
    "sys.exit(0 if ok else 1)"
)


class BytecodeError(RuntimeError):
    """The named interpreter is not the runtime's, or our own code does not compile with it."""


def _is_runtime_python(candidate: str) -> bool:
    try:
        out = subprocess.run([candidate, "-c", _VERSION_PROBE], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.split() == ["cpython", *map(str, RUNTIME_VERSION)]


@cache
def runtime_interpreter() -> Path | None:
    """A CPython of the runtime's version on this machine: ``KEFU_RUNTIME_PYTHON``, ``python3.13`` on the PATH,
    or one pyenv installed; None when there is none."""
    version = ".".join(map(str, RUNTIME_VERSION))
    explicit = os.environ.get(INTERPRETER_VARIABLE)
    if explicit:
        if not _is_runtime_python(explicit):
            raise BytecodeError(f"{INTERPRETER_VARIABLE}={explicit} is not a CPython {version} interpreter")
        return Path(explicit)
    candidates = [found] if (found := shutil.which(f"python{version}")) else []
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(path) for path in pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    # a pyenv shim on the PATH fails when that version is not selected; the next candidate is tried
    return next((Path(candidate) for candidate in candidates if _is_runtime_python(candidate)), None)


def compile_tree(directory: Path, lambda_path: str, *, strict: bool) -> bool:
    """Compile every module under ``directory`` for the runtime, tracebacks naming ``lambda_path`` (where Lambda
    puts the folder). False when there is no interpreter for it. ``strict``: a module that does not compile
    fails the build (our code); otherwise it ships as source only (a third-party package's py2 leftovers)."""
    interpreter = runtime_interpreter()
    if interpreter is None:
        return False
    result = subprocess.run(  # noqa: S603 (an interpreter this module checked, our own arguments)
        [str(interpreter), "-c", _COMPILE, str(directory), lambda_path],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0 and strict:
        raise BytecodeError(f"{directory} does not compile with {interpreter}:\n{result.stdout[-3000:]}")
    return True


def ships_bytecode(directory: Path) -> bool:
    """Whether an asset folder carries the runtime's bytecode."""
    return next(directory.rglob(f"*.{CACHE_TAG}.pyc"), None) is not None


def _sources_digest(source: Path) -> str:
    digest = hashlib.sha256(repr(RUNTIME_VERSION).encode())
    ignored = shutil.ignore_patterns(*LEFTOVERS)
    for folder, subfolders, files in os.walk(source):
        skipped = ignored(folder, [*subfolders, *files])
        subfolders[:] = sorted(name for name in subfolders if name not in skipped)
        for name in sorted(name for name in files if name not in skipped):
            path = Path(folder, name)
            digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def staged(source: Path, build_dir: Path, lambda_path: str) -> Path:
    """The folder to make an asset of: a copy of ``source`` with the runtime's bytecode beside each module, or
    ``source`` itself when this machine has no interpreter for it (synth warns).

    Each copy is named by the digest of its sources and made in a scratch folder first, so synths running at once
    (parallel tests) share one and never see a half-written one."""
    if runtime_interpreter() is None:
        version = ".".join(map(str, RUNTIME_VERSION))
        print(
            f"warning: no CPython {version} here (set {INTERPRETER_VARIABLE}): {source.name} ships without "
            "bytecode, and Lambda compiles it at every cold start",
            file=sys.stderr,
        )
        return source
    target = build_dir / f"{source.name}-{_sources_digest(source)}"
    if target.is_dir():
        os.utime(target)  # in use: not pruned
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    scratch = build_dir / f".{target.name}.{uuid.uuid4().hex}"
    try:
        shutil.copytree(source, scratch, ignore=shutil.ignore_patterns(*LEFTOVERS))
        compile_tree(scratch, lambda_path, strict=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        scratch.rename(target)
    except OSError:  # another synth made the same copy first
        shutil.rmtree(scratch, ignore_errors=True)
    _prune(build_dir, source.name, keep=target)
    return target


def _prune(build_dir: Path, name: str, keep: Path) -> None:
    """Copies of earlier sources, left a day ago or more (a running local cloud may still use a recent one)."""
    now = time.time()
    for old in build_dir.glob(f"{name}-*"):
        if old != keep and now - old.stat().st_mtime > STALE_AFTER_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
