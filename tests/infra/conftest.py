"""Synthesize the CDK app once per session (jsii start-up and synth take seconds) into a temp folder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")

TEST_REGION = "eu-west-1"
TEST_BACKUP_REGION = "eu-central-1"
TEST_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    primary: dict[str, Any]
    backup: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def template_paths(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.primary["Resources"].items() if v["Type"] == resource_type}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    from infra.application import create_app
    from infra.constants import BACKUP_STACK_ID, STACK_ID, Context
    from infra.layers import ensure_dependencies_layer

    ensure_dependencies_layer()
    outdir = tmp_path_factory.mktemp("cdk.out")
    # A stand-in SPA build, so the web-hosting construct is synthesized (and nag-checked) on every run.
    spa_dist = tmp_path_factory.mktemp("spa-dist")
    (spa_dist / "index.html").write_text("<!doctype html><title>Kefu</title>")
    # with a source map, as a build made with sourcemap on would leave it: the stack must not publish it
    (spa_dist / "assets").mkdir()
    (spa_dist / "assets" / "index-stand-in.js").write_text(
        "console.log('kefu')\n//# sourceMappingURL=index-stand-in.js.map\n"
    )
    (spa_dist / "assets" / "index-stand-in.js.map").write_text('{"version": 3, "sources": ["src/main.tsx"]}')
    previous_account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    os.environ["CDK_DEFAULT_ACCOUNT"] = TEST_ACCOUNT
    try:
        app = create_app(
            outdir=str(outdir),
            context={
                Context.REGION: TEST_REGION,
                Context.BACKUP_REGION: TEST_BACKUP_REGION,
                Context.WEB_HOSTING: "true",
                Context.ALARM_EMAIL: "oncall@example.com",
            },
            spa_dist_dir=spa_dist,
        )
        app.synth()  # raises if cdk-nag reports anything unacknowledged
    finally:
        if previous_account is None:
            os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
        else:
            os.environ["CDK_DEFAULT_ACCOUNT"] = previous_account

    def load(name: str) -> dict[str, Any]:
        return json.loads((outdir / name).read_text())

    yield Synthesized(
        outdir=outdir,
        primary=load(f"{STACK_ID}.template.json"),
        backup=load(f"{BACKUP_STACK_ID}.template.json"),
        manifest=load("manifest.json"),
    )


@pytest.fixture(scope="session")
def primary_template(synthesized: Synthesized) -> Any:
    from aws_cdk.assertions import Template

    return Template.from_json(synthesized.primary)


@pytest.fixture(scope="session")
def backup_template(synthesized: Synthesized) -> Any:
    from aws_cdk.assertions import Template

    return Template.from_json(synthesized.backup)


def synth_with_context(outdir: Path, extra: dict[str, Any]) -> dict[str, Any]:
    """The primary stack synthesized (cdk-nag checked: it raises on any finding) with more context: what an
    installation that sets it deploys."""
    from infra.application import create_app
    from infra.constants import STACK_ID, Context

    previous = os.environ.get("CDK_DEFAULT_ACCOUNT")
    os.environ["CDK_DEFAULT_ACCOUNT"] = TEST_ACCOUNT
    try:
        context = {Context.REGION: TEST_REGION, Context.BACKUP_REGION: TEST_BACKUP_REGION, Context.WEB_HOSTING: "false"}
        create_app(outdir=str(outdir), context={**context, **extra}).synth()
    finally:
        if previous is None:
            os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
        else:
            os.environ["CDK_DEFAULT_ACCOUNT"] = previous
    return dict(json.loads((outdir / f"{STACK_ID}.template.json").read_text()))
