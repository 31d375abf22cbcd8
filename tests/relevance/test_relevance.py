"""Relevance on the fixture questions (tests/relevance/questions.py) against the seed articles, on the local
OpenSearch-compatible server through opensearch-py: fails below 95 % top-3 on the tuning set (the issue asks for
90 %; the search does 99.5 %). The held-out set is measured and must stay clearly useful (90 % top-3, it does
95.3 %); its figure is the honest one (docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch
from osmem_server import OsmemServer

from kefu.knowledge.search import ArticleIndex
from tests.relevance.questions import HELD_OUT, TUNING
from tests.relevance.relevance import measure, seed_index


@pytest.fixture(scope="module")
def index() -> Iterator[ArticleIndex]:
    server = OsmemServer.start(addr="127.0.0.1:0")
    try:
        yield seed_index(OpenSearch(hosts=[server.url]), "relevance-kb")
    finally:
        server.close()


def test_the_fixture_is_big_enough_and_names_real_articles() -> None:
    from local.demo.kb import demo_articles

    slugs = {key.split("/")[0] for key, _ in demo_articles()}
    assert len(TUNING) >= 200 and len(HELD_OUT) >= 60
    assert {slug for _, _, slug in TUNING + HELD_OUT} <= slugs
    assert {locale for _, locale, _ in TUNING} == {"zh-CN", "en"}


def test_top3_on_the_tuning_questions_is_at_least_95_percent(index: ArticleIndex) -> None:
    score = measure(index, TUNING)
    print(score.line("tuning"))
    assert score.top3_rate >= 0.95, f"{score.line('tuning')}; misses: {score.misses[:15]}"


def test_held_out_questions(index: ArticleIndex) -> None:
    score = measure(index, HELD_OUT)
    print(score.line("held out"))
    assert score.top3_rate >= 0.90, f"{score.line('held out')}; misses: {score.misses[:15]}"
