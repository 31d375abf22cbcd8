"""Knowledge-base use cases: authoring (supervisors and admins), self-service, agents' search, the index.

Writers change the table; the stream keeps the search index in step (``on_article_change``), so a published
public article is findable seconds after it is saved, and the table stays the one source of truth.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kefu.auth import Caller
from kefu.clock import new_id, now_iso
from kefu.config import get_settings
from kefu.errors import InvalidInput, NotFound
from kefu.knowledge import synonyms
from kefu.knowledge.bot import BotSettings
from kefu.knowledge.models import (
    Article,
    ArticleFields,
    ArticleStatus,
    KbGap,
    SearchHit,
    Visibility,
    Votes,
)
from kefu.knowledge.search import ArticleIndex, SearchRequest, connect
from kefu.store import Store, keys
from kefu.store.knowledge import ARTICLE_ENTITY, article_from_item, is_article_record
from kefu.store.table import from_av

AUTHORS = ("supervisor", "admin")
MAX_QUERY = 500

# ------------------------------------------------------------------------------------------- the index

_lock = threading.Lock()
_index: dict[str, tuple[Any, ArticleIndex]] = {}


class SearchUnavailable(NotFound):
    """This function has no search endpoint configured."""


def article_index() -> ArticleIndex:
    """This container's index client, built once from the settings (and again when they change: tests)."""
    settings = get_settings()
    with _lock:
        held = _index.get("index")
        if held is None or held[0] is not settings:
            if not settings.search_endpoint:
                raise InvalidInput("the knowledge base's search is not configured (KEFU_SEARCH_ENDPOINT)")
            region = _region()
            client = connect(settings.search_endpoint, region)
            index = ArticleIndex(client, settings.kb_index, synonyms.parse(settings.kb_synonyms))
            held = _index["index"] = (settings, index)
        return held[1]


@functools.cache
def _region() -> str:
    from kefu import aws

    return aws.region() or "us-east-1"


# ------------------------------------------------------------------------------------------- authoring


def _new_article(fields: ArticleFields, caller_id: str | None, *, source_ticket: str | None = None) -> Article:
    stamp = now_iso()
    return Article(
        **fields.model_dump(),
        id=new_id(),
        version=1,
        created_at=stamp,
        updated_at=stamp,
        published_at=stamp if fields.status == ArticleStatus.PUBLISHED else None,
        author=caller_id,
        source_ticket=source_ticket,
    )


def create_article(store: Store, caller: Caller, fields: ArticleFields) -> Article:
    caller.require(*AUTHORS)
    article = _new_article(fields, caller.id)
    store.knowledge.save(article, previous_version=None)
    return article


def _revise(store: Store, article_id: str, caller_id: str | None, change: dict[str, Any]) -> Article:
    current = store.knowledge.get(article_id, consistent=True)
    stamp = now_iso()
    merged = ArticleFields.model_validate({**current.model_dump(include=set(ArticleFields.model_fields)), **change})
    becomes_published = merged.status == ArticleStatus.PUBLISHED and current.status != ArticleStatus.PUBLISHED
    article = current.model_copy(
        update={
            **merged.model_dump(),
            "version": current.version + 1,
            "updated_at": stamp,
            "published_at": stamp if becomes_published else current.published_at,
            "author": caller_id,
        }
    )
    store.knowledge.save(article, previous_version=current.version)
    return article


def update_article(store: Store, caller: Caller, article_id: str, fields: ArticleFields) -> Article:
    caller.require(*AUTHORS)
    return _revise(store, article_id, caller.id, fields.model_dump())


def publish_article(store: Store, caller: Caller, article_id: str) -> Article:
    caller.require(*AUTHORS)
    return _revise(store, article_id, caller.id, {"status": ArticleStatus.PUBLISHED})


def unpublish_article(store: Store, caller: Caller, article_id: str) -> Article:
    caller.require(*AUTHORS)
    return _revise(store, article_id, caller.id, {"status": ArticleStatus.DRAFT})


def delete_article(store: Store, caller: Caller, article_id: str) -> None:
    caller.require(*AUTHORS)
    store.knowledge.delete(article_id)


def get_article(store: Store, caller: Caller, article_id: str) -> Article:
    article = store.knowledge.get(article_id, consistent=True)
    if article.status != ArticleStatus.PUBLISHED and not any(caller.has(r) for r in AUTHORS):
        raise NotFound(f"article '{article_id}' not found")
    return article


def list_articles(
    store: Store, caller: Caller, *, status: str | None = None, locale: str | None = None
) -> list[Article]:
    caller.require(*AUTHORS)
    articles = [
        a
        for a in store.knowledge.all()
        if (status is None or a.status == status) and (locale is None or a.locale == locale)
    ]
    return sorted(articles, key=lambda a: a.updated_at, reverse=True)


def article_versions(store: Store, caller: Caller, article_id: str) -> list[Article]:
    caller.require(*AUTHORS)
    versions = store.knowledge.versions(article_id)
    if not versions:
        raise NotFound(f"article '{article_id}' not found")
    return versions


@dataclass
class ImportResult:
    created: list[Article]
    errors: list[str]
    dry_run: bool


def import_articles(
    store: Store,
    caller: Caller | None,
    fmt: str,
    content: str | list[tuple[str, str]],
    *,
    defaults: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Markdown documents or a CSV file as new articles. All or nothing: with any error nothing is saved,
    and every error is listed (item and what is wrong)."""
    if caller is not None:
        caller.require(*AUTHORS)
    # imported here: imports are an admin's rare request (agent API); help and the bot never parse CSV
    from kefu.knowledge import importer

    if fmt == "csv":
        if not isinstance(content, str):
            raise InvalidInput("a CSV import is one text")
        parsed = importer.parse_csv(content, defaults)
    elif fmt == "markdown":
        documents = [("document 1", content)] if isinstance(content, str) else content
        parsed = importer.parse_markdown(documents, defaults)
    else:
        raise InvalidInput(f"unknown import format '{fmt}' (markdown or csv)")
    if not parsed.errors and not parsed.articles:
        parsed.errors.append("nothing to import")
    if parsed.errors:
        return ImportResult(created=[], errors=parsed.errors, dry_run=dry_run)
    articles = [_new_article(fields, caller.id if caller else None) for fields in parsed.articles]
    if not dry_run:
        for article in articles:
            store.knowledge.save(article, previous_version=None)
    return ImportResult(created=articles, errors=[], dry_run=dry_run)


def import_fields(store: Store, articles: Sequence[ArticleFields]) -> list[Article]:
    """Articles already validated (seeding, set-up scripts), without the API's caller checks."""
    created = [_new_article(fields, None) for fields in articles]
    for article in created:
        store.knowledge.save(article, previous_version=None)
    return created


def bot_settings(store: Store, caller: Caller, inbox_id: str) -> BotSettings:
    caller.require(*AUTHORS)
    store.inboxes.get(inbox_id)  # a 404 for an inbox that does not exist
    return store.knowledge.bot_settings(inbox_id)


def save_bot_settings(store: Store, caller: Caller, inbox_id: str, settings: BotSettings) -> BotSettings:
    caller.require("admin")
    store.inboxes.get(inbox_id)
    store.knowledge.save_bot_settings(inbox_id, settings)
    return settings


# ------------------------------------------------------------------------------------------- self-service


def public_article(store: Store, article_id: str) -> tuple[Article, Votes]:
    """A published public article, for anyone (anything else is simply not found)."""
    try:
        article = store.knowledge.get(article_id)
    except NotFound:
        raise NotFound(f"article '{article_id}' not found") from None
    if not article.findable_by_customers:
        raise NotFound(f"article '{article_id}' not found")
    return article, store.knowledge.votes(article_id)


def vote(store: Store, article_id: str, helpful: bool) -> Votes:
    public_article(store, article_id)  # votes only for what customers can see
    votes = store.knowledge.vote(article_id, helpful)
    store.knowledge.count_day(now_iso()[:10], **({"helpful_votes": 1} if helpful else {"not_helpful_votes": 1}))
    return votes


def day_figures(store: Store, day: str) -> dict[str, Any]:
    """The knowledge base's section of the live figures (docs/metrics.md)."""
    counts = store.knowledge.day_counts(day)
    taken = counts.get("bot_conversations", 0)
    votes = counts.get("helpful_votes", 0) + counts.get("not_helpful_votes", 0)
    return {
        "day": day,
        "bot_conversations": taken,
        "bot_answers": counts.get("bot_answers", 0),
        "bot_resolved_confirmed_by_customer": counts.get("bot_resolved", 0),
        "bot_handoffs": counts.get("bot_handoffs", 0),
        "bot_handoffs_by_reason": {
            reason: counts.get(f"handoff_{reason}", 0)
            for reason in ("requested", "not_solved", "turn_limit", "low_confidence", "orders_unavailable")
        },
        "bot_resolutions_withdrawn": {
            why: counts.get(f"withdrawn_{why}", 0) for why in ("reopened", "human_replied", "customer_returned")
        },
        "bot_resolution_rate": round(counts.get("bot_resolved", 0) / taken, 3) if taken else None,
        "handoff_rate": round(counts.get("bot_handoffs", 0) / taken, 3) if taken else None,
        "helpful_votes": counts.get("helpful_votes", 0),
        "not_helpful_votes": counts.get("not_helpful_votes", 0),
        "helpful_share": round(counts.get("helpful_votes", 0) / votes, 3) if votes else None,
    }


def _clean_query(query: str | None) -> str:
    text = (query or "").strip()
    if not text:
        raise InvalidInput("q: give the words to search for")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"q: at most {MAX_QUERY} characters")
    return text


def help_search(
    index: ArticleIndex, query: str | None, locale: str | None, category: str | None = None, size: int = 10
) -> list[SearchHit]:
    return index.search(
        SearchRequest(_clean_query(query), locale=locale, visibility=Visibility.PUBLIC, category=category, size=size)
    )


def agent_search(
    index: ArticleIndex, caller: Caller, query: str | None, locale: str | None, size: int = 10
) -> list[SearchHit]:
    caller.require("agent", *AUTHORS)
    return index.search(SearchRequest(_clean_query(query), locale=locale, visibility=None, size=size))


def suggestions_for_ticket(
    store: Store, index: ArticleIndex, caller: Caller, ticket_id: str, size: int = 5
) -> list[SearchHit]:
    """Articles for a ticket, from what its customer wrote (the latest messages weigh in first)."""
    caller.require("agent", *AUTHORS)
    from kefu.models import AuthorType

    ticket = store.tickets.get(ticket_id)
    messages, _ = store.tickets.thread(ticket_id)
    said = [m.body for m in messages if m.author_type == AuthorType.CUSTOMER and m.body][-3:]
    text = " ".join(said)[-MAX_QUERY:].strip()
    if not text:
        return []
    locale = getattr(ticket, "locale", None)
    return index.search(
        SearchRequest(text, locale=locale if locale in ("zh-CN", "en") else None, visibility=None, size=size)
    )


def promote_reply(
    store: Store, caller: Caller, ticket_id: str, message_id: str, *, title: str | None, locale: str
) -> Article:
    """An agent's reply becomes a draft article (the question: what the customer asked before it)."""
    caller.require("agent", *AUTHORS)
    from kefu.models import AuthorType

    messages, _ = store.tickets.thread(ticket_id)
    position = next((i for i, m in enumerate(messages) if m.id == message_id), None)
    if position is None:
        raise NotFound(f"message '{message_id}' not found on ticket '{ticket_id}'")
    reply = messages[position]
    if reply.author_type != AuthorType.AGENT or reply.internal or not reply.body:
        raise InvalidInput("only an agent's reply to the customer can become an article")
    asked = next(
        (m.body for m in reversed(messages[:position]) if m.author_type == AuthorType.CUSTOMER and m.body), None
    )
    question = (asked or "").strip()[:300]
    heading = (title or question or reply.body.splitlines()[0])[:200].strip() or "Untitled"
    fields = ArticleFields(
        title=heading,
        body=reply.body,
        locale=locale,
        questions=[question] if question and question != heading else [],
        visibility=Visibility.INTERNAL,
        status=ArticleStatus.DRAFT,
    )
    article = _new_article(fields, caller.id, source_ticket=ticket_id)
    store.knowledge.save(article, previous_version=None)
    return article


def record_gap(
    store: Store, question: str, *, locale: str | None, ticket_id: str | None, best: SearchHit | None, source: str
) -> KbGap:
    gap = KbGap(
        id=new_id(),
        question=question[:MAX_QUERY],
        locale=locale,
        created_at=now_iso(),
        ticket_id=ticket_id,
        best_article=best.id if best else None,
        best_score=best.score if best else None,
        source=source,
    )
    store.knowledge.record_gap(gap)
    return gap


def unanswered(store: Store, caller: Caller, days: Sequence[str]) -> list[KbGap]:
    caller.require(*AUTHORS)
    found: list[KbGap] = []
    for day in days:
        found.extend(store.knowledge.gaps(day))
    return found


# ------------------------------------------------------------------------------------------- the index


def on_article_change(
    index: ArticleIndex, event_name: str, keys_image: dict[str, Any], new_image: dict[str, Any] | None
) -> str:
    """One stream record (images as DynamoDB sends them), for the index: an article saved published goes
    in (or is replaced), anything else about it (draft, deleted) takes it out. Other items: ``ignored``."""
    if not is_article_record(keys_image):
        return "ignored"
    pk = keys_image[keys.PK]["S"]
    item = from_av(new_image) if new_image else None
    if event_name == "REMOVE" or not item or item.get(keys.ENTITY) != ARTICLE_ENTITY:
        index.remove(keys.article_id_of(pk))
        return "article_unindexed"
    article = article_from_item(item)
    if article.status == ArticleStatus.PUBLISHED:
        index.put(article)
        return "article_indexed"
    index.remove(article.id)
    return "article_unindexed"


def reindex(store: Store, index: ArticleIndex) -> tuple[str, int]:
    """A fresh index from the table, swapped in behind the alias (no moment without results)."""
    return index.rebuild(store.knowledge.all(), stamp=new_id())
