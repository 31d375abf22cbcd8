"""A person who clones the repository has everything it refers to: no file points at notes kept beside the
checkout, and every document the README and docs/ link to is in the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Where design notes and samples lived before they were written into docs/ and vendored into tests/.
OUTSIDE = re.compile(r"\.\./shared\b|(?<![\w.-])shared/(?:design|channel-samples)\b|/work/shared\b")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")
BUILD_OUTPUTS = {".venv", "node_modules", "cdk.out", ".build", "dist", ".kefu", ".git", "__pycache__"}


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):  # an export without .git: everything but build outputs
        return [p for p in ROOT.rglob("*") if p.is_file() and not BUILD_OUTPUTS & set(p.relative_to(ROOT).parts)]


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def test_no_tracked_file_points_outside_the_repository() -> None:
    offenders = []
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue  # this file's own examples of what is refused
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "files pointing outside the repository:\n" + "\n".join(offenders)


def test_the_pattern_catches_what_it_is_for() -> None:
    for pointing in ("see ../shared/design/contract.md", "`shared/design/architecture.md`", "shared/channel-samples"):
        assert OUTSIDE.search(pointing), pointing
    for fine in ("aws_lambda_powertools/shared/functions.py", "shared state", "a shared/common helper"):
        assert not OUTSIDE.search(fine), fine


@pytest.mark.parametrize("document", ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))])
def test_every_linked_document_is_in_the_repository(document: str) -> None:
    path = ROOT / document if document == "README.md" else ROOT / "docs" / document
    missing = []
    for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        if not (path.parent / target).exists():
            missing.append(target)
    assert not missing, f"{document} links to files that are not in the repository: {missing}"


def test_the_readme_names_the_architecture_contract_and_requirements() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/architecture.md", "docs/contract.md", "docs/requirements.md"):
        assert f"]({name})" in readme
        assert (ROOT / name).is_file()
