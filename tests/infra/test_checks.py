"""cdk-nag finds nothing unacknowledged, the gate really fails on a finding, cfn-lint passes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from infra.nag import acknowledge

from .conftest import Synthesized

pytestmark = pytest.mark.infra

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def test_cdk_nag_reports_nothing_for_the_app(synthesized: Synthesized) -> None:
    # The fixture's synth would have raised on an unacknowledged finding; the report says the same.
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []
    assert all(plugin.get("summary", {}).get("status", "success") == "success" for plugin in report["pluginReports"])


def _tiny_app(tmp_path: Path, *, acknowledged: bool) -> cdk.App:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "NagProbe", env=cdk.Environment(region="us-east-1"))
    queue = sqs.Queue(stack, "Unencrypted", encryption=sqs.QueueEncryption.UNENCRYPTED)
    if acknowledged:
        for rule in ("AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"):
            acknowledge(queue, rule, "A probe queue in a test proving that acknowledgements are honoured.")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def test_the_nag_gate_fails_synth_on_an_unacknowledged_finding(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="AwsSolutions-SQS"):
        _tiny_app(tmp_path / "bad", acknowledged=False).synth()
    _tiny_app(tmp_path / "ok", acknowledged=True).synth()


def test_acknowledgements_need_a_real_reason() -> None:
    app = cdk.App()
    with pytest.raises(ValueError, match="real reason"):
        acknowledge(app, "AwsSolutions-SQS3", "ok")


def test_cfn_lint_passes_on_both_templates(synthesized: Synthesized) -> None:
    assert len(synthesized.template_paths) == 2
    result = subprocess.run(
        [str(CFN_LINT), "--ignore-checks", "W3005", "--", *map(str, synthesized.template_paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
