"""Every function of the synthesized stack imports, with only what `cdk deploy` ships it.

Each handler, and every module of its own package and of the kefu layer (channel adapters included, even
those loaded only for one kind of delivery), is imported in a sandbox holding the function's code asset, its
layers (the dependencies layer installed for this machine with exactly the distributions it carries) and
the Lambda runtime's own packages, with the function's environment from the template. A package missing
from the layer, or a setting missing from a function's environment, fails here rather than after a deploy.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.packaging import probe_imports
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
    ["WebhooksFunction", "IngestFunction", "StreamFunction", "AgentApiFunction", "OutboundFunction", "MediaFunction"],
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
