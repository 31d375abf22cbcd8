"""Articles from Markdown files and CSV exports.

Markdown: one article per document, with an optional front-matter block of ``key: value`` lines between
``---`` lines (title, locale, category, tags, questions, visibility, status); lists are comma-separated
(questions by ``|``). Without a title the first ``# heading`` is the title and leaves the body.

CSV: a header row naming columns among title, body, locale, category, tags, questions, visibility, status;
title, body and locale are required; tags comma-separated, questions separated by ``|``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from kefu.knowledge.models import ArticleFields

MAX_IMPORT_ARTICLES = 500
KNOWN_COLUMNS = ("title", "body", "locale", "category", "tags", "questions", "visibility", "status")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"\A\s*#\s+(.+?)\s*#*\s*(?:\n|\Z)")


@dataclass
class Parsed:
    articles: list[ArticleFields] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "item N: what is wrong"


def _fields(raw: dict[str, Any], where: str, parsed: Parsed, defaults: dict[str, Any]) -> None:
    values: dict[str, Any] = {**defaults, **{k: v for k, v in raw.items() if v not in (None, "")}}
    for name in ("tags",):
        if isinstance(values.get(name), str):
            values[name] = [part.strip() for part in values[name].split(",") if part.strip()]
    if isinstance(values.get("questions"), str):
        values["questions"] = [part.strip() for part in values["questions"].split("|") if part.strip()]
    try:
        parsed.articles.append(ArticleFields.model_validate(values))
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'article'}: {e['msg']}" for e in err.errors())
        parsed.errors.append(f"{where}: {problems}")


def parse_markdown(documents: list[tuple[str, str]], defaults: dict[str, Any] | None = None) -> Parsed:
    """``documents``: (name, text) pairs, one article each."""
    parsed = Parsed()
    for name, text in documents[: MAX_IMPORT_ARTICLES + 1]:
        raw: dict[str, Any] = {}
        body = text.replace("\r\n", "\n")
        front = _FRONT.match(body)
        if front:
            for line in front.group(1).splitlines():
                key, sep, value = line.partition(":")
                if sep and key.strip():
                    raw[key.strip().lower()] = value.strip()
            body = body[front.end() :]
        unknown = sorted(set(raw) - set(KNOWN_COLUMNS) - {"body"})
        if unknown:
            parsed.errors.append(f"{name}: unknown front-matter key(s) {', '.join(unknown)}")
            continue
        if "title" not in raw:
            heading = _HEADING.match(body)
            if heading:
                raw["title"] = heading.group(1)
                body = body[heading.end() :]
        raw["body"] = body.strip()
        _fields(raw, name, parsed, defaults or {})
    if len(documents) > MAX_IMPORT_ARTICLES:
        parsed.errors.append(f"more than {MAX_IMPORT_ARTICLES} articles in one import")
    return parsed


def parse_csv(text: str, defaults: dict[str, Any] | None = None) -> Parsed:
    parsed = Parsed()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in ("title", "body") if c not in columns]
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    if missing or unknown:
        if missing:
            parsed.errors.append(f"header: missing column(s) {', '.join(missing)}")
        if unknown:
            parsed.errors.append(f"header: unknown column(s) {', '.join(unknown)}")
        return parsed
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ARTICLES:
            parsed.errors.append(f"more than {MAX_IMPORT_ARTICLES} articles in one import")
            break
        raw = {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            parsed.errors.append(f"line {number}: more values than columns")
            continue
        _fields(raw, f"line {number}", parsed, defaults or {})
    return parsed
