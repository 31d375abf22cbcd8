"""Every model whose validator is built at first use (``defer_build``) can be built.

A deferred model that names a type its module cannot resolve (a forward reference to a name imported only for
type checking, a typo) imports fine and fails at the first request that uses it, in production. Building them
all here turns that into a test failure.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from pydantic import BaseModel

import kefu

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def _modules() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(kefu.__path__, "kefu.")]
    for package in sorted(p.name for p in FUNCTIONS.iterdir() if (p / "__init__.py").is_file()):
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages([str(FUNCTIONS / package)], f"{package}.")]
    return names


def _deferred() -> list[type[BaseModel]]:
    for name in _modules():
        importlib.import_module(name)
    found: dict[str, type[BaseModel]] = {}
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        module = model.__module__.split(".")[0]
        if model.model_config.get("defer_build") and (module == "kefu" or (FUNCTIONS / module).is_dir()):
            found[f"{model.__module__}.{model.__qualname__}"] = model
    return [found[key] for key in sorted(found)]


DEFERRED = _deferred()


def test_the_functions_models_are_deferred() -> None:
    # the agent API's request and response models are among them (its cold start builds none of them)
    names = {f"{model.__module__}.{model.__qualname__}" for model in DEFERRED}
    assert {"agent_api.schemas.TicketOut", "agent_api.routes.metrics.LiveMetricsOut"} <= names


@pytest.mark.parametrize("model", DEFERRED, ids=lambda model: f"{model.__module__}.{model.__qualname__}")
def test_a_deferred_model_builds(model: type[BaseModel]) -> None:
    model.model_rebuild(force=True, raise_errors=True)
    assert model.__pydantic_complete__
    model.model_json_schema()  # what the OpenAPI document and the first serialization need
