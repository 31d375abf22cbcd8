"""Every function of the synthesized stack imports, with only what `cdk deploy` ships it.

Each handler, and every module of its own package and of the kefu layer (channel adapters included, even
those loaded only for one kind of delivery), is imported in a sandbox holding the function's code asset, its
layers (the dependencies layer installed for this machine with exactly the distributions it carries) and
the Lambda runtime's own packages, with the function's environment from the template. A package missing
from the layer, or a setting missing from a function's environment, fails here rather than after a deploy.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.bytecode import CACHE_TAG, runtime_interpreter
from local.packaging import layer_for_this_machine, probe_imports, runtime_python
from local.provision import CDK_HELPER_PREFIXES
from local.template import Resolver

from .conftest import Synthesized

LAYER_PACKAGES = ["kefu"]


class Placeholders(Resolver):
    """Resolves every Ref and GetAtt to a stable placeholder (the probe needs values, not real resources)."""

    def ref(self, name: str) -> str:
        return self.pseudo(name) or f"local-{name}"

    def get_att(self, logical_id: str, attribute: str) -> str:
        return f"arn:aws:local:us-east-1:123456789012:{logical_id}.{attribute}"


def our_functions(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in synthesized.resources("AWS::Lambda::Function").items()
        if not logical_id.startswith(CDK_HELPER_PREFIXES)
    }


def asset_of(synthesized: Synthesized, properties: dict[str, Any]) -> Any:
    key = properties["S3Key"]
    return synthesized.outdir / f"asset.{key.removesuffix('.zip')}"


def test_every_function_is_probed(synthesized: Synthesized) -> None:
    assert len(our_functions(synthesized)) >= 6


@pytest.mark.parametrize(
    "logical_id",
    [
        "WebhooksFunction",
        "IngestFunction",
        "StreamFunction",
        "AgentApiFunction",
        "OutboundFunction",
        "MediaFunction",
        "RoutingFunction",
        "SearchSecurityFunction",
    ],
)
def test_the_function_imports_with_only_its_asset_layers_and_runtime(synthesized: Synthesized, logical_id: str) -> None:
    functions = our_functions(synthesized)
    if logical_id not in functions:
        pytest.fail(f"{logical_id} is not in the synthesized stack")
    properties = functions[logical_id]["Properties"]
    resources = synthesized.primary["Resources"]
    layers = [asset_of(synthesized, resources[layer["Ref"]]["Properties"]["Content"]) for layer in properties["Layers"]]
    environment = {
        name: str(value)
        for name, value in Placeholders(synthesized.primary, "us-east-1")
        .resolve(properties["Environment"]["Variables"])
        .items()
    }
    package = properties["Handler"].split(".", 1)[0]
    result = probe_imports(
        asset_of(synthesized, properties["Code"]),
        layers,
        properties["Handler"],
        environment,
        [package, *LAYER_PACKAGES],
    )
    failures: dict[str, str] = result["failures"]
    loaded: list[str] = result["loaded"]
    assert failures == {}, "\n".join(f"{name}:\n{why}" for name, why in failures.items())
    assert len(loaded) > 10  # the walk really went through the packages
    # Lambda's /var/task and /opt are read-only: the sandbox wrote no bytecode of its own into the assets
    for folder in [asset_of(synthesized, properties["Code"]), *layers]:
        assert host_bytecode(folder) == []


def host_bytecode(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*.pyc") if not path.name.endswith(f".{CACHE_TAG}.pyc")]


def our_assets(synthesized: Synthesized) -> dict[str, Path]:
    """The functions' code asset and the two layers, by what they hold."""
    resources = synthesized.primary["Resources"]
    function = our_functions(synthesized)["WebhooksFunction"]["Properties"]
    found = {"functions": asset_of(synthesized, function["Code"])}
    for layer in function["Layers"]:
        folder = asset_of(synthesized, resources[layer["Ref"]]["Properties"]["Content"])
        found["kefu" if (folder / "python" / "kefu").is_dir() else "deps"] = folder
    return found


@pytest.mark.parametrize("asset", ["functions", "kefu", "deps"])
def test_the_assets_ship_the_runtimes_bytecode_when_this_machine_can_compile_it(
    synthesized: Synthesized, asset: str
) -> None:
    """Lambda cannot write bytecode into /var/task or /opt, so a module shipped without it is compiled at every
    cold start. With an interpreter of the runtime's version here, every module of ours and nearly every one of
    the packages ships its bytecode, and nothing else's; without one, the assets carry sources alone (synth warns)."""
    folder = our_assets(synthesized)[asset]
    sources = list(folder.rglob("*.py"))
    compiled = {
        path.parent.parent / (path.name.split(".", 1)[0] + ".py") for path in folder.rglob(f"*.{CACHE_TAG}.pyc")
    }
    assert host_bytecode(folder) == []
    if runtime_interpreter() is None:
        assert compiled == set()
    elif asset == "deps":
        assert len(compiled) >= 0.99 * len(sources)  # a package's file that 3.13 cannot parse ships as source
    else:
        assert compiled == set(sources)


def test_time_zones_come_from_the_layer_not_the_host(synthesized: Synthesized) -> None:
    """Lambda's runtime image has no zone database of its own; business hours and shifts name zones. With the
    host's database switched off (an empty PYTHONTZPATH), zoneinfo finds the zones only in the dependencies
    layer's tzdata, as on Lambda; without tzdata in the layer this fails."""
    properties = our_functions(synthesized)["RoutingFunction"]["Properties"]
    resources = synthesized.primary["Resources"]
    layers = [asset_of(synthesized, resources[layer["Ref"]]["Properties"]["Content"]) for layer in properties["Layers"]]
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONTZPATH": "",
        "PYTHONNOUSERSITE": "1",
        "PYTHONPATH": os.pathsep.join(str(layer_for_this_machine(path)) for path in layers),
    }
    probe = "import zoneinfo; print(zoneinfo.TZPATH, zoneinfo.ZoneInfo('Asia/Shanghai'), zoneinfo.ZoneInfo('Europe/Berlin'))"
    result = subprocess.run(
        [str(runtime_python()), "-s", "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["()", "Asia/Shanghai", "Europe/Berlin"]
