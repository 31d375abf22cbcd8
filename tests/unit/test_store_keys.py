"""Only ``kefu/store/keys.py`` builds or parses a table key: no entity prefix, index name or key attribute
appears as a string anywhere else in the code that ships or runs the stack (layers/, functions/, local/)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from kefu.store import keys

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("layers", "functions", "local")
KEYS_MODULE = ROOT / "layers" / "kefu" / "python" / "kefu" / "store" / "keys.py"
SKIPPED_PARTS = {".venv", "node_modules", "cdk.out", ".build", "__pycache__"}

# a prefix or index attribute anywhere in a string; the bare key attributes as a whole string
EMBEDDED = (*keys.PREFIXES, *(name for index in keys.INDEXES for name in index))
WHOLE = (keys.PK, keys.SK)


def key_literals(source: str) -> list[tuple[int, str]]:
    """(line, string) of every string token in ``source`` that spells a key."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING:
            continue
        body = token.string.lstrip("rRbBuUfF")
        if "b" in token.string[: len(token.string) - len(body)].lower():
            continue  # bytes are not keys (a zip signature starts with PK)
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        text = body[len(quote) : len(body) - len(quote)]
        if any(p in text for p in EMBEDDED) or text in WHOLE:
            found.append((token.start[0], token.string))
    return found


def scanned_files() -> list[Path]:
    out = []
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts) and path != KEYS_MODULE:
                out.append(path)
    return sorted(out)


def test_no_key_literal_outside_the_keys_module() -> None:
    files = scanned_files()
    assert len(files) > 50  # the scan really covers the code
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in files
        for line, text in key_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "keys are built in kefu/store/keys.py only:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        'pk = f"CUSTOMER#{customer_id}"\n',
        "sk = 'TICKET'\nprefix = 'TICKET#'\n",
        'kwargs = {"IndexName": "GSI1"}\n',
        'condition = "GSI3PK = :pk"\n',
        'key = {"PK": pk}\n',
        'doc = """Pointers live under PROVIDERMSG#<channel>."""\n',
    ],
)
def test_the_scan_finds_a_key_spelled_out(source: str) -> None:
    assert key_literals(source)


@pytest.mark.parametrize(
    "source",
    [
        'condition = "attribute_not_exists(PK)"\n',  # an attribute in an expression, not a key
        'magic = b"PK\\x03\\x04"\n',  # a zip file's signature
        "key = keys.customer(customer_id)\n",
    ],
)
def test_the_scan_leaves_other_strings_alone(source: str) -> None:
    assert not key_literals(source)


def test_the_stack_defines_the_table_the_keys_module_uses() -> None:
    from infra.constants import Table

    assert (Table.PARTITION_KEY, Table.SORT_KEY, Table.TTL_ATTRIBUTE) == (keys.PK, keys.SK, keys.TTL_ATTRIBUTE)
    assert tuple(Table.GLOBAL_SECONDARY_INDEXES) == tuple(tuple(index) for index in keys.INDEXES)
