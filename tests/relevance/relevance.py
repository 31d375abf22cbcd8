"""Relevance of the knowledge-base search: the seed articles indexed on the OpenSearch-compatible server, the
fixture questions asked, the expected article's rank counted (top-1, top-3). Used by the test and the bench."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.knowledge import synonyms
from kefu.knowledge.models import Article, Visibility
from kefu.knowledge.search import ArticleIndex, SearchRequest
from local.demo.kb import demo_articles

STAMP = "2026-01-01T00:00:00.000Z"


def seed_index(client: Any, alias: str) -> ArticleIndex:
    index = ArticleIndex(client, alias, synonyms.parse(""))
    articles = [
        Article(**fields, id=key.replace("/", "."), version=1, created_at=STAMP, updated_at=STAMP)
        for key, fields in demo_articles()
    ]
    index.rebuild(articles, stamp="relevance")
    return index


@dataclass
class Score:
    asked: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.asked if self.asked else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.asked if self.asked else 0.0

    def line(self, name: str) -> str:
        return f"{name}: {self.asked} questions, top-1 {self.top1_rate:.1%}, top-3 {self.top3_rate:.1%}"


def measure(index: ArticleIndex, questions: list[tuple[str, str, str]]) -> Score:
    score = Score()
    for question, locale, slug in questions:
        expected = f"{slug}.{locale}"
        hits = [
            h.id for h in index.search(SearchRequest(question, locale=locale, visibility=Visibility.PUBLIC, size=3))
        ]
        score.asked += 1
        score.top1 += bool(hits[:1] == [expected])
        score.top3 += expected in hits[:3]
        if expected not in hits[:1]:
            score.misses.append((question, slug, [h.split(".")[0] for h in hits]))
    return score
