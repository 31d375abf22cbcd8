"""The knowledge base through its real pieces: the store on moto, the index on the OpenSearch-compatible
server through opensearch-py, the stream handler keeping the index in step, the agent API and help routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from osmem_server import OsmemServer

from kefu.auth import Caller
from kefu.config import Env, get_settings
from kefu.errors import ConcurrentUpdate, Forbidden, InvalidInput, NotFound
from kefu.knowledge.models import ArticleFields, ArticleStatus
from kefu.services import knowledge
from tests.integration.conftest import Cloud

AUTHOR = Caller(id="sup-1", roles=["supervisor", "agent"])
AGENT = Caller(id="agent-1", roles=["agent"])


@pytest.fixture(scope="module")
def search_server() -> Iterator[OsmemServer]:
    server = OsmemServer.start(addr="127.0.0.1:0")
    yield server
    server.close()


@pytest.fixture
def kb(
    cloud: Cloud, search_server: OsmemServer, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Cloud:
    monkeypatch.setenv(Env.SEARCH_ENDPOINT, search_server.url.rstrip("/"))
    # one alias per test: the server is shared by the module
    monkeypatch.setenv(Env.KB_INDEX, "kb-" + request.node.name.lower().replace("_", "-")[:40])
    get_settings.cache_clear()
    return cloud


def stream(kb: Cloud) -> None:
    from stream.handler import lambda_handler

    result = kb.run_stream(lambda_handler)
    assert result["batchItemFailures"] == []


def fields(**overrides: Any) -> ArticleFields:
    values: dict[str, Any] = {
        "title": "如何申请退款",
        "body": "打开**我的订单**，选择订单后点击“申请退款”。审核通过后 1-3 个工作日原路退回。",
        "locale": "zh-CN",
        "category": "refunds",
        "tags": ["退款"],
        "questions": ["钱什么时候退回来", "怎么退钱"],
        "visibility": "public",
        "status": "published",
    }
    values.update(overrides)
    return ArticleFields.model_validate(values)


def test_published_article_is_found_and_drafts_and_deletions_leave_the_index(kb: Cloud) -> None:
    article = knowledge.create_article(kb.store, AUTHOR, fields())
    draft = knowledge.create_article(kb.store, AUTHOR, fields(title="退款草稿", status="draft"))
    stream(kb)
    index = knowledge.article_index()
    index.client.indices.refresh(index=index.alias)
    hits = knowledge.help_search(index, "退款怎么申请", "zh-CN")
    assert [h.id for h in hits] == [article.id]
    assert "<mark>" in hits[0].snippet or "<mark>" not in hits[0].title
    assert draft.id not in [h.id for h in knowledge.agent_search(index, AGENT, "退款草稿", None)]

    knowledge.unpublish_article(kb.store, AUTHOR, article.id)
    stream(kb)
    index.client.indices.refresh(index=index.alias)
    assert knowledge.help_search(index, "退款", "zh-CN") == []

    knowledge.publish_article(kb.store, AUTHOR, draft.id)
    stream(kb)
    index.client.indices.refresh(index=index.alias)
    assert [h.id for h in knowledge.help_search(index, "退款草稿", "zh-CN")] == [draft.id]
    knowledge.delete_article(kb.store, AUTHOR, draft.id)
    stream(kb)
    index.client.indices.refresh(index=index.alias)
    assert knowledge.help_search(index, "退款草稿", "zh-CN") == []


def test_internal_articles_are_for_agents_only(kb: Cloud) -> None:
    internal = knowledge.create_article(kb.store, AUTHOR, fields(title="退款审批内部流程", visibility="internal"))
    stream(kb)
    index = knowledge.article_index()
    index.client.indices.refresh(index=index.alias)
    assert knowledge.help_search(index, "退款审批", "zh-CN") == []
    assert [h.id for h in knowledge.agent_search(index, AGENT, "退款审批", "zh-CN")] == [internal.id]
    with pytest.raises(NotFound):
        knowledge.public_article(kb.store, internal.id)


def test_versions_are_kept_and_a_stale_edit_is_refused(kb: Cloud) -> None:
    article = knowledge.create_article(kb.store, AUTHOR, fields(status="draft"))
    knowledge.update_article(kb.store, AUTHOR, article.id, fields(title="如何申请退款（新版）", status="draft"))
    published = knowledge.publish_article(kb.store, AUTHOR, article.id)
    assert published.version == 3 and published.published_at
    versions = knowledge.article_versions(kb.store, AUTHOR, article.id)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].title == "如何申请退款"
    stale = published.model_copy(update={"version": 4})
    with pytest.raises(ConcurrentUpdate):
        kb.store.knowledge.save(stale, previous_version=1)


def test_agents_may_not_write_articles(kb: Cloud) -> None:
    with pytest.raises(Forbidden):
        knowledge.create_article(kb.store, AGENT, fields())


def test_synonyms_and_english_stemming(kb: Cloud) -> None:
    refund = knowledge.create_article(
        kb.store,
        AUTHOR,
        fields(
            title="Requesting a refund",
            body="Open **Orders**, pick the order and choose *Request refund*.",
            locale="en",
            tags=[],
            questions=["Can I get my money back?"],
        ),
    )
    stream(kb)
    index = knowledge.article_index()
    index.client.indices.refresh(index=index.alias)
    assert knowledge.help_search(index, "refunds requested", "en")[0].id == refund.id
    # "reimburse" is in no field: only the synonym group (refund, money back, reimburse) finds it
    assert knowledge.help_search(index, "reimburse me", "en")[0].id == refund.id


def test_votes_are_counted_per_article(kb: Cloud) -> None:
    article = knowledge.create_article(kb.store, AUTHOR, fields())
    knowledge.vote(kb.store, article.id, True)
    knowledge.vote(kb.store, article.id, True)
    votes = knowledge.vote(kb.store, article.id, False)
    assert (votes.helpful, votes.not_helpful) == (2, 1)
    draft = knowledge.create_article(kb.store, AUTHOR, fields(status="draft"))
    with pytest.raises(NotFound):
        knowledge.vote(kb.store, draft.id, True)


def test_reindex_swaps_the_alias_and_keeps_every_published_article(kb: Cloud) -> None:
    published = [knowledge.create_article(kb.store, AUTHOR, fields(title=f"退款问题 {n}")) for n in range(3)]
    knowledge.create_article(kb.store, AUTHOR, fields(title="草稿", status="draft"))
    index = knowledge.article_index()
    index.ensure()
    before = index.live_indexes()
    name, count = knowledge.reindex(kb.store, index)
    assert count == 3 and index.live_indexes() == [name] and name not in before
    found = {h.id for h in knowledge.help_search(index, "退款问题", "zh-CN")}
    assert found == {a.id for a in published}


def test_markdown_and_csv_imports_are_all_or_nothing(kb: Cloud) -> None:
    doc = "---\nlocale: en\ncategory: shipping\ntags: shipping, tracking\nquestions: Where is my parcel? | Track my order\nstatus: published\n---\n# Tracking an order\n\nOpen **Orders** and choose *Track*."
    result = knowledge.import_articles(kb.store, AUTHOR, "markdown", [("track.md", doc)])
    assert not result.errors
    (article,) = result.created
    assert (article.title, article.category, article.questions) == (
        "Tracking an order",
        "shipping",
        ["Where is my parcel?", "Track my order"],
    )
    assert article.status == ArticleStatus.PUBLISHED and not article.body.startswith("#")

    csv_text = "title,body,locale,tags,questions\n发票怎么开,在订单详情页点击“申请发票”。,zh-CN,发票,怎么开发票|能开专票吗\n,missing title,en,,\n"
    refused = knowledge.import_articles(kb.store, AUTHOR, "csv", csv_text)
    assert refused.created == [] and refused.errors and refused.errors[0].startswith("line 3")
    assert [a.id for a in kb.store.knowledge.all()] == [article.id]
    bad_header = knowledge.import_articles(kb.store, AUTHOR, "csv", "name,text\na,b\n")
    assert "missing column(s) title, body" in bad_header.errors[0]
    with pytest.raises(InvalidInput):
        knowledge.import_articles(kb.store, AUTHOR, "docx", "x")


# ------------------------------------------------------------------------------------------- /help


def help_call(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    from help.handler import lambda_handler

    from tests.support.aws_events import FakeContext, api_event

    return lambda_handler(api_event(method, path, query=query, body=body, headers=headers), FakeContext())


def test_help_routes_search_show_and_count_votes(kb: Cloud) -> None:
    import json

    article = knowledge.create_article(kb.store, AUTHOR, fields(body="打开**我的订单**。<script>alert(1)</script>"))
    internal = knowledge.create_article(kb.store, AUTHOR, fields(title="退款内部说明", visibility="internal"))
    stream(kb)
    index = knowledge.article_index()
    index.client.indices.refresh(index=index.alias)

    found = json.loads(help_call("GET", "/help/search", query={"q": "怎么申请退款", "locale": "zh-CN"})["body"])
    assert [item["id"] for item in found["items"]] == [article.id]
    assert set(found["items"][0]) >= {"id", "title", "snippet", "score"}
    empty = help_call("GET", "/help/search", query={"q": " "})
    assert empty["statusCode"] == 400 and "q:" in json.loads(empty["body"])["message"]

    shown = help_call("GET", f"/help/articles/{article.id}")
    payload = json.loads(shown["body"])
    assert shown["statusCode"] == 200 and "<strong>我的订单</strong>" in payload["html"]
    assert "<script>" not in payload["html"]
    assert help_call("GET", f"/help/articles/{internal.id}")["statusCode"] == 404
    assert help_call("GET", "/help/articles/not-an-id")["statusCode"] == 404

    voted = help_call("POST", f"/help/articles/{article.id}/helpful", body={"helpful": True})
    assert json.loads(voted["body"]) == {"helpful": 1, "not_helpful": 0}
    form = help_call(
        "POST",
        f"/help/articles/{article.id}/helpful",
        body="helpful=false",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form["statusCode"] == 200 and "感谢" in form["body"]
    assert kb.store.knowledge.votes(article.id).model_dump() == {"helpful": 1, "not_helpful": 1}
    assert help_call("POST", f"/help/articles/{article.id}/helpful", body={"helpful": "maybe"})["statusCode"] == 400


def test_help_center_pages_in_both_languages(kb: Cloud) -> None:
    zh = knowledge.create_article(kb.store, AUTHOR, fields())
    en = knowledge.create_article(
        kb.store,
        AUTHOR,
        fields(
            title="Tracking a parcel",
            body="Open **Orders** and choose *Track*.",
            locale="en",
            category="shipping",
            tags=[],
            questions=[],
        ),
    )
    stream(kb)
    index = knowledge.article_index()
    index.client.indices.refresh(index=index.alias)

    home = help_call("GET", "/help/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert home["statusCode"] == 200 and "帮助中心" in home["body"] and "退款" in home["body"]
    assert "script-src" not in home["multiValueHeaders"]["Content-Security-Policy"][0]
    english = help_call("GET", "/help", query={"locale": "en"})
    assert "Help Center" in english["body"] and "Shipping" in english["body"]
    results = help_call("GET", "/help", query={"locale": "en", "q": "<b>track parcel</b>"})
    assert en.id in results["body"] and "<b>track" not in results["body"]
    page = help_call("GET", "/help", query={"article": zh.id})
    assert "如何申请退款" in page["body"] and "这篇文章有帮助吗" in page["body"]
    missing = help_call("GET", "/help", query={"article": "01J00000000000000000000000"})
    assert missing["statusCode"] == 404


def test_the_import_route_refuses_bad_input_with_a_400_that_says_why(kb: Cloud) -> None:
    import json

    from tests.integration.test_chat_flow import agent
    from tests.support.aws_events import agent_claims

    supervisor = agent_claims(groups="[supervisor]")
    for body in ({"format": "csv"}, {"format": "markdown", "documents": [""]}, {"format": "csv", "content": "a,b\n"}):
        status, answer = agent("POST", "/api/v1/admin/kb/import", body, claims=supervisor)
        assert status == 400, (body, answer)
        assert "nothing was imported" in answer["message"]
    status, answer = agent(
        "POST",
        "/api/v1/admin/kb/import",
        {"format": "csv", "content": "title,body,locale\nQ,A,en\n"},
        claims=supervisor,
    )
    assert status == 200 and len(answer["created"]) == 1, answer
    assert json.dumps(answer["created"][0]["title"]) == '"Q"'
