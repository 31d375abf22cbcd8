"""The knowledge base on the local cloud, over HTTP only: the seeded articles are searchable at once, an article
a supervisor publishes is found by /help/search within seconds (the stream indexes it in the local
OpenSearch-compatible server), agents search public and internal articles, customers vote, and the help
center's pages answer in both languages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LocalCloudProcess, synthesize_once
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
PASSWORD = "Kefu-demo-1"


@pytest.fixture(scope="module")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    synthesize_once()
    base = tmp_path_factory.mktemp("kb-cloud")
    cloud = LocalCloudProcess(base / "state", base / "local-cloud.log")
    try:
        cloud.start(reset=True)
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture
def http(local_cloud: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=15.0) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_seeded_articles_are_found_in_both_languages(local_cloud: Any, http: httpx.Client) -> None:
    zh = eventually(
        lambda: http.get("/help/search", params={"q": "退款多久到账", "locale": "zh-CN"}).json()["items"],
        "the seeded Chinese articles are indexed",
    )
    assert zh[0]["title"] == "退款多久能到账"
    en = http.get("/help/search", params={"q": "how long until my refund arrives", "locale": "en"}).json()["items"]
    assert en[0]["title"] == "When will my refund arrive?"
    page = http.get("/help/", params={"locale": "zh-CN"})
    assert page.status_code == 200 and "帮助中心" in page.text and page.headers["content-type"].startswith("text/html")
    article = http.get(f"/help/articles/{zh[0]['id']}").json()
    assert "<table>" in article["html"]


def test_a_published_article_is_found_within_seconds_and_leaves_when_deleted(
    local_cloud: Any, http: httpx.Client
) -> None:
    supervisor = auth(local_cloud.login("supervisor@example.com", PASSWORD))
    agent = auth(local_cloud.login("agent1@example.com", PASSWORD))
    word = f"zyx{uuid.uuid4().hex[:6]}"
    body = {
        "title": f"Gift wrapping {word}",
        "body": f"Choose **gift wrap** at checkout ({word}).",
        "locale": "en",
        "category": "orders",
        "tags": ["gift"],
        "questions": ["Can you wrap my present?"],
        "visibility": "public",
        "status": "published",
    }
    assert http.post("/api/v1/admin/kb/articles", json=body, headers=agent).status_code == 403
    created = http.post("/api/v1/admin/kb/articles", json=body, headers=supervisor)
    assert created.status_code == 201, created.text
    article_id = created.json()["id"]
    hits = eventually(
        lambda: http.get("/help/search", params={"q": word}).json()["items"], "the new article is searchable"
    )
    assert hits[0]["id"] == article_id and "<mark>" in hits[0]["snippet"]
    agent_hits = http.get("/api/v1/kb/search", params={"q": word}, headers=agent).json()["items"]
    assert agent_hits[0]["id"] == article_id

    vote = http.post(f"/help/articles/{article_id}/helpful", json={"helpful": True})
    assert vote.status_code == 200 and vote.json()["helpful"] == 1

    bad = http.post("/api/v1/admin/kb/articles", json={**body, "locale": "not a locale!"}, headers=supervisor)
    assert bad.status_code == 400

    assert http.delete(f"/api/v1/admin/kb/articles/{article_id}", headers=supervisor).status_code == 204
    eventually(lambda: http.get("/help/search", params={"q": word}).json()["items"] == [], "the deleted article leaves")
    assert http.get(f"/help/articles/{article_id}").status_code == 404
