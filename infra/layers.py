"""Make sure the dependencies layer is built before synth (it is a build product, not in git)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from infra.constants import DEPS_LAYER_BUILD_SCRIPT, DEPS_LAYER_DIR


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kefu_deps_layer_build", DEPS_LAYER_BUILD_SCRIPT)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {DEPS_LAYER_BUILD_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_dependencies_layer() -> None:
    """Build .build/layers/deps unless it is up to date with layers/deps/requirements.txt."""
    script = _build_script()
    if script.is_up_to_date(DEPS_LAYER_DIR):
        return
    try:
        script.build(DEPS_LAYER_DIR)
    except script.LayerBuildError as error:
        raise RuntimeError(
            f"{error}\nThe dependencies layer .build/layers/deps is missing or stale and could not be built. "
            "Run `make build` (or `python layers/deps/build.py`) with access to PyPI, then synth again."
        ) from error
