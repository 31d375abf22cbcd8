"""Build the third-party dependencies Lambda layer for python3.13 on arm64 (no Docker needed).

    python layers/deps/build.py [--force]

Installs layers/deps/requirements.txt with pip's cross-platform wheel selection into
.build/layers/deps/python (the layout Lambda expects under /opt). A stamp file records the hash of the
requirements and pip options, so a second run with nothing changed returns at once; infra/app.py calls
this before synth. The new layer is built in a scratch folder and swapped in, so a failed or interrupted
build never leaves a half-filled layer behind.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # run as a script: infra.bytecode is the repository's
    sys.path.insert(0, str(REPO_ROOT))

from infra.bytecode import CACHE_TAG, compile_tree, runtime_interpreter  # noqa: E402

REQUIREMENTS = REPO_ROOT / "layers" / "deps" / "requirements.txt"
LAYER_DIR = REPO_ROOT / ".build" / "layers" / "deps"
STAMP_NAME = ".requirements.sha256"

PIP_PLATFORM_OPTIONS = (
    "--platform",
    "manylinux2014_aarch64",
    "--only-binary=:all:",
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
)
# The runtime ships these (aws-xray-sdk pulls botocore in); keeping them would add ~90 MB to the layer
# and shadow the runtime's own, tested versions.
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")


class LayerBuildError(RuntimeError):
    """pip could not build the layer (usually: no access to PyPI)."""


def requirements_digest() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(" ".join(PIP_PLATFORM_OPTIONS + PROVIDED_BY_RUNTIME).encode())
    # a machine that gains (or loses) the runtime's interpreter builds the layer again, with (without) bytecode
    digest.update(f" bytecode={CACHE_TAG if runtime_interpreter() else 'none'}".encode())
    return digest.hexdigest()


def is_up_to_date(layer_dir: Path = LAYER_DIR) -> bool:
    stamp = layer_dir / STAMP_NAME
    if not (layer_dir / "python").is_dir() or not stamp.is_file():
        return False
    return stamp.read_text().strip() == requirements_digest()


def _prune(site_dir: Path) -> None:
    for entry in site_dir.iterdir():
        package = entry.name.split("-")[0].lower()
        if package in PROVIDED_BY_RUNTIME or entry.name in {"__pycache__", "bin"}:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for cache in site_dir.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def build(layer_dir: Path = LAYER_DIR, *, force: bool = False) -> Path:
    """Build the layer unless it is up to date; return its folder (the one holding python/)."""
    if not force and is_up_to_date(layer_dir):
        return layer_dir
    layer_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = layer_dir.parent / f".{layer_dir.name}.building"
    shutil.rmtree(scratch, ignore_errors=True)
    site_dir = scratch / "python"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",  # host bytecode (a different Python) would be dead weight on Lambda; see compile_tree
        "--target",
        str(site_dir),
        *PIP_PLATFORM_OPTIONS,
        "-r",
        str(REQUIREMENTS),
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise LayerBuildError(
            f"pip could not build the dependencies layer (exit {result.returncode}):\n{result.stderr.strip()}"
        )
    _prune(site_dir)
    # Lambda's /opt is read-only: without the runtime's bytecode, every cold start compiles these packages again
    compile_tree(site_dir, "/opt/python", strict=False)
    (scratch / STAMP_NAME).write_text(requirements_digest() + "\n")
    old = layer_dir.parent / f".{layer_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if layer_dir.exists():
        layer_dir.rename(old)
    scratch.rename(layer_dir)
    shutil.rmtree(old, ignore_errors=True)
    return layer_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="rebuild even if the stamp says up to date")
    args = parser.parse_args(argv)
    try:
        path = build(force=args.force)
    except LayerBuildError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"dependencies layer ready: {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
