"""The knowledge base for agents (/api/v1/kb/...) and its administration (/api/v1/admin/kb/...: supervisors
and admins). See docs/knowledge-base.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import ConfigDict, Field

from agent_api.routes.common import caller_of, store
from agent_api.schemas import DeletedOut, InboxId, TicketId
from kefu import identifiers
from kefu.clock import now
from kefu.errors import InvalidInput
from kefu.knowledge.bot import BotSettings
from kefu.knowledge.models import LOCALE, Article, ArticleFields, KbGap, SearchHit
from kefu.modelbase import LazyModel
from kefu.observability import decided
from kefu.services import knowledge

router = APIGatewayRouter()
ArticleId = Annotated[str, Path(pattern=identifiers.ULID, description="an article id")]
Locale = Annotated[str | None, Query(pattern=LOCALE, max_length=35)]
MAX_IMPORT_BYTES = 200 * 1024


class ArticleListOut(LazyModel):
    items: list[Article]
    next_cursor: str | None = None


class SearchOut(LazyModel):
    items: list[SearchHit]
    next_cursor: str | None = None


class ImportIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["markdown", "csv"]
    content: str | None = Field(
        default=None, max_length=MAX_IMPORT_BYTES, description="a CSV file, or one Markdown document"
    )
    documents: list[str] | None = Field(default=None, max_length=200, description="several Markdown documents")
    locale: str | None = Field(default=None, pattern=LOCALE, description="for rows or documents that name none")
    dry_run: bool = False


class ImportOut(LazyModel):
    created: list[Article]
    errors: list[str]
    dry_run: bool


class PromoteIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(pattern=identifiers.ULID)
    title: str | None = Field(default=None, max_length=200)
    locale: str = Field(pattern=LOCALE, max_length=35)


class GapListOut(LazyModel):
    items: list[KbGap]
    next_cursor: str | None = None


# ------------------------------------------------------------------------------------------- agents


@router.get("/kb/search", summary="Search the knowledge base (public and internal articles), best first")
def search(
    q: Annotated[str | None, Query(max_length=knowledge.MAX_QUERY)] = None,
    locale: Locale = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> SearchOut:
    hits = knowledge.agent_search(knowledge.article_index(), caller_of(router), q, locale, limit)
    return SearchOut(items=hits)


@router.get("/kb/articles/<article_id>", summary="One published article (authors also see drafts)")
def get_article(article_id: ArticleId) -> Article:
    return knowledge.get_article(store(), caller_of(router), article_id)


@router.get("/tickets/<ticket_id>/suggested-articles", summary="Articles that may answer a ticket, from its text")
def suggested(ticket_id: TicketId) -> SearchOut:
    hits = knowledge.suggestions_for_ticket(store(), knowledge.article_index(), caller_of(router), ticket_id)
    return SearchOut(items=hits)


@router.post("/tickets/<ticket_id>/promote", summary="Turn an agent's reply into a draft article", status_code=201)
def promote(ticket_id: TicketId, body: PromoteIn) -> tuple[Article, int]:
    article = knowledge.promote_reply(
        store(), caller_of(router), ticket_id, body.message_id, title=body.title, locale=body.locale
    )
    decided("kb", "reply_promoted", ticket_id=ticket_id, article_id=article.id)
    return article, 201


# ------------------------------------------------------------------------------------------- authors


class BotSettingsIn(BotSettings):
    model_config = ConfigDict(extra="forbid")


@router.get("/admin/kb/bot/<inbox_id>", summary="An inbox's bot: off, always, or night duty; threshold, turns")
def get_bot(inbox_id: InboxId) -> BotSettings:
    return knowledge.bot_settings(store(), caller_of(router), inbox_id)


@router.put("/admin/kb/bot/<inbox_id>", summary="Set an inbox's bot (admin)")
def put_bot(inbox_id: InboxId, body: BotSettingsIn) -> BotSettings:
    saved = knowledge.save_bot_settings(store(), caller_of(router), inbox_id, BotSettings(**body.model_dump()))
    decided("kb", "bot_configured", inbox=inbox_id, mode=saved.mode.value)
    return saved


@router.get("/admin/kb/articles", summary="Every article, latest change first (supervisor or admin)")
def list_articles(
    status: Annotated[Literal["draft", "published"] | None, Query()] = None, locale: Locale = None
) -> ArticleListOut:
    return ArticleListOut(items=knowledge.list_articles(store(), caller_of(router), status=status, locale=locale))


@router.post("/admin/kb/articles", summary="Write an article (supervisor or admin)", status_code=201)
def create_article(body: ArticleFields) -> tuple[Article, int]:
    article = knowledge.create_article(store(), caller_of(router), body)
    decided("kb", "article_created", article_id=article.id, status=article.status.value)
    return article, 201


@router.get("/admin/kb/articles/<article_id>", summary="One article, draft or published")
def admin_get_article(article_id: ArticleId) -> Article:
    return knowledge.get_article(store(), caller_of(router), article_id)


@router.put("/admin/kb/articles/<article_id>", summary="Change an article: a new version (supervisor or admin)")
def update_article(article_id: ArticleId, body: ArticleFields) -> Article:
    article = knowledge.update_article(store(), caller_of(router), article_id, body)
    decided("kb", "article_updated", article_id=article.id, version=article.version)
    return article


@router.post("/admin/kb/articles/<article_id>/publish", summary="Publish an article (a new version)")
def publish_article(article_id: ArticleId) -> Article:
    return knowledge.publish_article(store(), caller_of(router), article_id)


@router.post("/admin/kb/articles/<article_id>/unpublish", summary="Take an article back to draft")
def unpublish_article(article_id: ArticleId) -> Article:
    return knowledge.unpublish_article(store(), caller_of(router), article_id)


@router.delete("/admin/kb/articles/<article_id>", summary="Delete an article (its versions stay on record)")
def delete_article(article_id: ArticleId) -> DeletedOut:
    knowledge.delete_article(store(), caller_of(router), article_id)
    decided("kb", "article_deleted", article_id=article_id)
    return DeletedOut(id=article_id)


@router.get("/admin/kb/articles/<article_id>/versions", summary="Every saved version of an article, oldest first")
def versions(article_id: ArticleId) -> ArticleListOut:
    return ArticleListOut(items=knowledge.article_versions(store(), caller_of(router), article_id))


@router.post("/admin/kb/import", summary="Import articles from Markdown or CSV (all or nothing)")
def import_articles(body: ImportIn) -> ImportOut:
    content: str | list[tuple[str, str]]
    if body.format == "csv" or body.documents is None:
        content = body.content or ""
    else:
        content = [(f"document {i}", text) for i, text in enumerate(body.documents, start=1)]
    defaults = {"locale": body.locale} if body.locale else None
    result = knowledge.import_articles(
        store(), caller_of(router), body.format, content, defaults=defaults, dry_run=body.dry_run
    )
    decided("kb", "imported", articles=len(result.created), problems=len(result.errors), dry_run=body.dry_run)
    if result.errors and not body.dry_run:
        raise InvalidInput("nothing was imported: " + "; ".join(result.errors[:20]))
    return ImportOut(created=result.created, errors=result.errors, dry_run=result.dry_run)


@router.post("/admin/kb/reindex", summary="Rebuild the search index from the table behind its alias (admin)")
def reindex() -> dict[str, object]:
    caller_of(router).require("admin")
    name, count = knowledge.reindex(store(), knowledge.article_index())
    decided("kb", "reindexed", index=name, articles=count)
    return {"index": name, "articles": count}


@router.get("/admin/kb/unanswered", summary="Customer questions the knowledge base had no good answer to")
def unanswered(days: Annotated[int, Query(ge=1, le=31)] = 7) -> GapListOut:
    today = now()
    wanted = [(today - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days)]
    return GapListOut(items=knowledge.unanswered(store(), caller_of(router), wanted))
