"""The ``kefu`` console script: its verbs exist and do what ``kefu --help`` says."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kefu import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_console_script_declared_in_pyproject_is_this_main() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["kefu"].partition(":")
    assert (module, function) == ("kefu.cli", "main")
    assert cli.CHECKOUT == ROOT


def test_help_lists_the_verbs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for verb in ("local", "trace", "mask"):
        assert f"    {verb} " in out


def test_the_installed_command_answers_help() -> None:
    kefu = Path(sys.executable).with_name("kefu")
    if not kefu.is_file():
        pytest.skip("the kefu script is installed by `make install` (pip install -e .)")
    done = subprocess.run([str(kefu), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "trace" in done.stdout


def test_an_unknown_verb_is_refused_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["import", "x.csv"])
    assert exit_.value.code == 2
    assert "invalid choice: 'import'" in capsys.readouterr().err


def test_local_hands_its_arguments_to_the_local_cloud() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from kefu.cli import main; sys.exit(main(['local', '--help']))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",  # from anywhere: the checkout is found from the package's place
    )
    assert done.returncode == 0, done.stderr
    assert "--state-dir" in done.stdout and "--reset" in done.stdout


def test_mask_masks_arguments_and_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    assert cli.run_mask(["write", "li@example.com", "or", "+8613812345678"], io.StringIO(), out) == 0
    assert out.getvalue() == "write l***@example.com or +86138****5678\n"
    out = io.StringIO()
    cli.run_mask([], io.StringIO('{"sender": "13812345678"}\nplain line\n'), out)
    assert out.getvalue() == '{"sender": "138****5678"}\nplain line\n'


def test_trace_prints_one_ids_lines_from_every_function_in_time_order(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()

    def line(at: str, correlation_id: str, message: str) -> str:
        return json.dumps({"timestamp": at, "correlation_id": correlation_id, "message": message})

    (logs / "WebhooksFunction.log").write_text(
        line("2026-12-01 10:00:00,100+0000", "c-1", "webhook: queued") + "\nnot json c-1\n"
    )
    # a metric line (EMF) has its time in _aws.Timestamp, epoch milliseconds: 10:00:00.200 here
    metric = {"_aws": {"Timestamp": 1_796_119_200_200}, "correlation_id": "c-1", "MessageStored": [1.0]}
    (logs / "IngestFunction.log").write_text(
        line("2026-12-01 10:00:00,300+0000", "c-1", "ingest: stored")
        + "\n"
        + line("2026-12-01 10:00:00,200+0000", "c-2", "ingest: stored")
        + "\n"
        + json.dumps(metric)
        + "\n"
    )
    out = io.StringIO()
    assert cli.run_trace("c-1", tmp_path, out) == 0
    printed = out.getvalue().splitlines()
    assert [p.split(": ", 1)[0] for p in printed] == ["WebhooksFunction", "IngestFunction", "IngestFunction"]
    assert "webhook: queued" in printed[0] and "MessageStored" in printed[1] and "ingest: stored" in printed[2]
    assert cli.run_trace("c-unknown", tmp_path, io.StringIO()) == 1
    assert cli.run_trace("c-1", tmp_path / "elsewhere", io.StringIO()) == 1
