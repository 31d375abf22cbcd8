"""The knowledge base on the local cloud, over HTTP only: the seeded articles are searchable at once, an article
a supervisor publishes is found by /help/search within seconds (the stream indexes it in the local
OpenSearch-compatible server), agents search public and internal articles, customers vote, and the help
center's pages answer in both languages."""

from __future__ import annotations

import functools
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
    widget = http.get("/widget.js").text
    assert 'data-testid="kefu-help"' in widget and "/help/?locale=" in widget  # the widget links the help center


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

    deleted = http.delete(f"/api/v1/admin/kb/articles/{article_id}", headers=supervisor)
    assert deleted.status_code == 200 and deleted.json() == {"id": article_id, "deleted": True}
    eventually(lambda: http.get("/help/search", params={"q": word}).json()["items"] == [], "the deleted article leaves")
    assert http.get(f"/help/articles/{article_id}").status_code == 404


def chat(http: httpx.Client, inbox: str = "assistant") -> tuple[str, str, dict[str, str]]:
    resp = http.post(f"/chat/{inbox}/sessions", json={"name": "Chen Jing"})
    assert resp.status_code == 201, resp.text
    token = resp.json()["session_token"]
    return token, resp.json()["ticket_id"], {"Authorization": f"Bearer {token}"}


def bot_lines(http: httpx.Client, headers: dict[str, str], inbox: str = "assistant") -> list[str]:
    items = http.get(f"/chat/{inbox}/messages", headers=headers).json()["items"]
    return [m["body"] for m in items if m["author_type"] == "bot"]


def test_the_bot_answers_common_questions_in_both_languages(local_cloud: Any, http: httpx.Client) -> None:
    for question, expected in (
        ("退款审核通过了，多久能到账？", "这解决您的问题了吗"),
        ("How do I reset my password? I forgot it", "Did this solve it?"),
    ):
        _, _, headers = chat(http)
        assert http.post("/chat/assistant/messages", json={"text": question}, headers=headers).status_code == 202
        answer: list[str] = eventually(functools.partial(bot_lines, http, headers), "the bot answers")
        assert expected in answer[0] and "article=" in answer[0]


def test_asking_for_a_person_reaches_an_online_agent_with_the_history(local_cloud: Any, http: httpx.Client) -> None:
    admin = auth(local_cloud.login("admin@example.com", PASSWORD))
    agent = auth(local_cloud.login("agent3@example.com", PASSWORD))
    me = http.put("/api/v1/me/presence", json={"status": "away"}, headers=agent)
    assert me.status_code == 200, me.text
    agent_id = me.json()["id"]
    teams = ["general", "sales", "after_sales", "finance", "technical"]
    profile = {"teams": teams, "skills": {"consultation": 3}, "capacity": {"chat": 5, "ticket": 5}}
    assert http.put(f"/api/v1/admin/agents/{agent_id}", json=profile, headers=admin).status_code == 200
    assert http.put("/api/v1/me/presence", json={"status": "online"}, headers=agent).status_code == 200

    _, ticket_id, headers = chat(http)
    http.post("/chat/assistant/messages", json={"text": "我的快递到哪了"}, headers=headers)
    eventually(lambda: bot_lines(http, headers), "the bot answers first")
    ticket = http.get(f"/api/v1/tickets/{ticket_id}", headers=agent).json()
    assert ticket["bot_active"] is True and ticket["assignee"] is None
    http.post("/chat/assistant/messages", json={"text": "转人工"}, headers=headers)

    def assigned() -> dict[str, Any] | None:
        found = http.get(f"/api/v1/tickets/{ticket_id}", headers=agent).json()
        return found if found.get("assignee") == agent_id else None

    ticket = eventually(assigned, "the agent gets the ticket")
    assert ticket["bot_active"] is False
    assert [e["data"]["reason"] for e in ticket["events"] if e["type"] == "handoff"] == ["requested"]
    said = [(m["author_type"], m["body"]) for m in ticket["messages"]]
    assert ("customer", "我的快递到哪了") in said and ("customer", "转人工") in said
    assert [a for a, _ in said].count("bot") == 2  # its answer and the handoff notice, both visible
