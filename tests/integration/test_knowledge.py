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
