"""The dependencies layer build script and the optional web hosting of the SPA."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from infra.application import web_hosting_wanted
from infra.bytecode import CACHE_TAG
from infra.constants import DEPS_LAYER_BUILD_SCRIPT, DEPS_LAYER_DIR, LogicalIds

from .conftest import Synthesized

pytestmark = pytest.mark.infra


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deps_layer_build", DEPS_LAYER_BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deps_layer_holds_arm64_cp313_wheels_without_boto(synthesized: Synthesized) -> None:
    site = DEPS_LAYER_DIR / "python"
    assert (site / "aws_lambda_powertools").is_dir()
    assert (site / "pydantic").is_dir()
    assert list((site / "pydantic_core").glob("*.cpython-313-aarch64-linux-gnu.so"))
    assert not (site / "botocore").exists(), "the runtime provides botocore"
    # bytecode for the runtime's Python only (test_packaging checks it is there), never this machine's
    assert [path for path in site.rglob("*.pyc") if not path.name.endswith(f".{CACHE_TAG}.pyc")] == []


def test_layer_stamp_goes_stale_when_requirements_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _build_script()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pydantic==2.14.3\n")
    monkeypatch.setattr(script, "REQUIREMENTS", requirements)
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    assert not script.is_up_to_date(layer)
    (layer / script.STAMP_NAME).write_text(script.requirements_digest() + "\n")
    assert script.is_up_to_date(layer)
    requirements.write_text("pydantic==2.14.4\n")
    assert not script.is_up_to_date(layer)


def test_a_failed_pip_run_leaves_no_layer_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _build_script()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("--no-index\nno-such-package-kefu==0.0.0\n")
    monkeypatch.setattr(script, "REQUIREMENTS", requirements)
    layer = tmp_path / "layer"
    with pytest.raises(script.LayerBuildError, match="pip could not build"):
        script.build(layer)
    assert not layer.exists()
    assert not list(tmp_path.glob(".layer*"))


def test_web_hosting_setting(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert web_hosting_wanted("auto", tmp_path) is True
    assert web_hosting_wanted("auto", missing) is False
    assert web_hosting_wanted("false", tmp_path) is False
    with pytest.raises(FileNotFoundError):
        web_hosting_wanted("true", missing)
    with pytest.raises(ValueError):
        web_hosting_wanted("sometimes", tmp_path)


def test_spa_behind_cloudfront_with_origin_access_control(primary_template, synthesized: Synthesized) -> None:
    primary_template.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)
    distribution = next(iter(synthesized.resources("AWS::CloudFront::Distribution").values()))["Properties"]
    config = distribution["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultRootObject"] == "app/index.html"
    bucket = synthesized.resources("AWS::S3::Bucket")[LogicalIds.WEB_BUCKET]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert "WebUrl" in synthesized.primary["Outputs"]


def test_the_spa_is_published_without_its_source_maps(synthesized: Synthesized) -> None:
    # The stand-in build (conftest) has a source map next to its script; the asset the stack uploads has none.
    deployments = synthesized.resources("Custom::CDKBucketDeployment")
    published: list[Path] = []
    for deployment in deployments.values():
        for key in deployment["Properties"]["SourceObjectKeys"]:
            folder = synthesized.outdir / f"asset.{key.removesuffix('.zip')}"
            if (folder / "index.html").is_file():
                published.append(folder)
    assert len(published) == 1, f"one deployment publishes the SPA, found {published}"
    files = sorted(str(path.relative_to(published[0])) for path in published[0].rglob("*") if path.is_file())
    assert files == ["assets/index-stand-in.js", "index.html"]
