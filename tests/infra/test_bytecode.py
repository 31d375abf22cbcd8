"""The assets' bytecode (infra.bytecode), with this machine's Python standing in for the runtime's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import bytecode

pytestmark = pytest.mark.infra

HOST_TAG = sys.implementation.cache_tag


@pytest.fixture
def host_is_the_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The module as it would be if Lambda ran this machine's Python."""
    monkeypatch.setattr(bytecode, "RUNTIME_VERSION", sys.version_info[:2])
    monkeypatch.setattr(bytecode, "CACHE_TAG", HOST_TAG)
    monkeypatch.setenv(bytecode.INTERPRETER_VARIABLE, sys.executable)
    bytecode.runtime_interpreter.cache_clear()
    yield
    bytecode.runtime_interpreter.cache_clear()


def _sources(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text("def answer():\n    return 42\n")
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "stale.cpython-39.pyc").write_bytes(b"old")
    (root / "pkg.egg-info").mkdir()
    return root


def test_a_staged_copy_carries_bytecode_and_no_leftovers(tmp_path: Path, host_is_the_runtime: None) -> None:
    source = _sources(tmp_path / "src")
    target = bytecode.staged(source, tmp_path / "build", "/var/task")
    assert target != source and bytecode.ships_bytecode(target)
    assert sorted(path.name for path in target.rglob("*.pyc")) == [f"__init__.{HOST_TAG}.pyc", f"mod.{HOST_TAG}.pyc"]
    assert not (target / "pkg.egg-info").exists()
    # importable from the bytecode alone, with the source deleted: it is the bytecode Python uses
    (target / "pkg" / "mod.py").unlink()
    (target / "pkg" / "__pycache__" / f"mod.{HOST_TAG}.pyc").rename(target / "pkg" / "mod.pyc")
    probe = "import pkg.mod; print(pkg.mod.answer())"
    out = subprocess.run([sys.executable, "-c", probe], cwd=target, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "42"


def test_the_same_sources_give_the_same_bytes_and_share_one_copy(tmp_path: Path, host_is_the_runtime: None) -> None:
    first = bytecode.staged(_sources(tmp_path / "a" / "src"), tmp_path / "build-a", "/var/task")
    second = bytecode.staged(_sources(tmp_path / "b" / "src"), tmp_path / "build-b", "/var/task")
    assert first.name == second.name  # named by the sources' digest
    for pyc in first.rglob("*.pyc"):
        assert pyc.read_bytes() == (second / pyc.relative_to(first)).read_bytes()
    assert bytecode.staged(tmp_path / "a" / "src", tmp_path / "build-a", "/var/task") == first
    (tmp_path / "a" / "src" / "pkg" / "mod.py").write_text("def answer():\n    return 43\n")
    changed = bytecode.staged(tmp_path / "a" / "src", tmp_path / "build-a", "/var/task")
    assert changed != first


def test_tracebacks_name_the_folder_where_lambda_puts_it(tmp_path: Path, host_is_the_runtime: None) -> None:
    target = bytecode.staged(_sources(tmp_path / "src"), tmp_path / "build", "/var/task")
    probe = "import marshal, sys; data = open(sys.argv[1], 'rb').read(); print(marshal.loads(data[16:]).co_filename)"
    pyc = target / "pkg" / "__pycache__" / f"mod.{HOST_TAG}.pyc"
    out = subprocess.run([sys.executable, "-c", probe, str(pyc)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "/var/task/pkg/mod.py"


def test_our_code_that_does_not_compile_fails_the_build(tmp_path: Path, host_is_the_runtime: None) -> None:
    source = _sources(tmp_path / "src")
    (source / "pkg" / "broken.py").write_text("def (:\n")
    with pytest.raises(bytecode.BytecodeError, match="does not compile"):
        bytecode.staged(source, tmp_path / "build", "/var/task")
    assert list((tmp_path / "build").iterdir()) == []  # no half-made copy is left to be shipped
    assert bytecode.compile_tree(source, "/opt/python", strict=False)  # a package's leftover only ships as source


def test_a_named_interpreter_of_another_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bytecode.INTERPRETER_VARIABLE, sys.executable)
    monkeypatch.setattr(bytecode, "RUNTIME_VERSION", (3, sys.version_info[1] + 1))
    bytecode.runtime_interpreter.cache_clear()
    try:
        with pytest.raises(bytecode.BytecodeError, match="is not a CPython"):
            bytecode.runtime_interpreter()
    finally:
        bytecode.runtime_interpreter.cache_clear()


def test_without_an_interpreter_the_sources_ship_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(bytecode.INTERPRETER_VARIABLE, raising=False)
    monkeypatch.setattr(bytecode, "RUNTIME_VERSION", (2, 99))  # no such interpreter anywhere
    bytecode.runtime_interpreter.cache_clear()
    try:
        source = _sources(tmp_path / "src")
        assert bytecode.staged(source, tmp_path / "build", "/var/task") == source
        assert "ships without bytecode" in capsys.readouterr().err
    finally:
        bytecode.runtime_interpreter.cache_clear()
