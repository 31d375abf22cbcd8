"""The public help center: self-service search, articles, "was this helpful", and its pages at /help/.

Thin: parse the request, call one knowledge-base use case, shape the answer (JSON, or a page for people).
No caller identity: only published public articles are ever served.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import CORSConfig, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict

from kefu import identifiers, store
from kefu.api import JSON, BodyRules, GuardedResolver, error_response, json_response, parse_body
from kefu.config import HelpSettings, require
from kefu.errors import InvalidInput, KefuError, NotFound, http_status_for
from kefu.knowledge import helpcenter
from kefu.knowledge.models import LOCALE
from kefu.modelbase import LazyModel
from kefu.observability import (
    CORRELATION_HEADER,
    RESPONSE_HEADER,
    answered_with_id,
    bound,
    count,
    decided,
    from_api_event,
    logger,
)
from kefu.services import knowledge

settings = require(HelpSettings)

tracer = Tracer()
FORM = "application/x-www-form-urlencoded"
BODY = BodyRules(max_bytes=4 * 1024, media_types=frozenset({JSON, FORM}))

# Help-center answers may be read from any site (the chat widget searches before a customer writes).
app = GuardedResolver(
    body_rules=lambda event: BODY,
    cors=CORSConfig(
        allow_origin="*", allow_headers=["Content-Type", CORRELATION_HEADER], expose_headers=[RESPONSE_HEADER]
    ),
)


class VoteIn(LazyModel):
    model_config = ConfigDict(extra="forbid")

    helpful: bool


def _query(name: str, limit: int = 500) -> str | None:
    value = app.current_event.get_query_string_value(name)
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters")
    return value


def _locale() -> str | None:
    import re

    locale = _query("locale", 35)
    if locale and not re.match(LOCALE, locale):
        raise InvalidInput("locale: a language tag such as zh-CN or en")
    return locale or None


def _article_id(article_id: str) -> str:
    import re

    if not re.match(identifiers.ULID, article_id):
        raise NotFound(f"article '{article_id[:40]}' not found")
    return article_id


@app.exception_handler(KefuError)
def on_domain_error(error: KefuError) -> Response:
    decided("request", "refused", status=http_status_for(error), reason=error.message, path=app.current_event.path)
    return error_response(error)


@app.get("/help/search")
def search() -> Response:
    hits = knowledge.help_search(knowledge.article_index(), _query("q"), _locale(), _query("category", 48))
    count("HelpSearch", "help")
    if not hits:
        decided("help", "no_answer", locale=_locale())
    return json_response(
        200,
        {
            "items": [h.model_dump(include={"id", "title", "snippet", "score", "locale", "category"}) for h in hits],
            "next_cursor": None,
        },
    )


@app.get("/help/articles/<article_id>")
def article(article_id: str) -> Response:
    found, votes = knowledge.public_article(store.current(), _article_id(article_id))
    payload = {
        **found.model_dump(include={"id", "title", "body", "locale", "category", "tags", "updated_at", "version"}),
        "html": helpcenter.markdown.to_html(found.body),
        "helpful": votes.helpful,
        "not_helpful": votes.not_helpful,
    }
    return json_response(200, payload, headers={"Cache-Control": "public, max-age=60"})


@app.post("/help/articles/<article_id>/helpful")
def helpful(article_id: str) -> Response:
    event = app.current_event
    from_page = (event.headers.get("content-type") or "").startswith(FORM)
    if from_page:
        fields = urllib.parse.parse_qs(event.decoded_body or "")
        value = (fields.get("helpful") or [""])[0]
        if value not in ("true", "false"):
            raise InvalidInput("helpful: true or false")
        is_helpful = value == "true"
    else:
        is_helpful = parse_body(VoteIn, event.decoded_body).helpful
    votes = knowledge.vote(store.current(), _article_id(article_id), is_helpful)
    decided("help", "voted", article_id=article_id, helpful=is_helpful)
    count("HelpfulVote" if is_helpful else "NotHelpfulVote", "help")
    if from_page:
        found, _ = knowledge.public_article(store.current(), article_id)
        page = helpcenter.article_page(found, votes, _links(), voted=True)
        return _page(page)
    return json_response(200, votes.model_dump())


def _links() -> helpcenter.Links:
    stage = app.current_event.request_context.stage
    path = app.current_event.request_context.path or ""
    prefix = f"/{stage}" if stage and path.startswith(f"/{stage}/") else ""
    return helpcenter.Links(base=f"{prefix}/help/", chat_url=settings.help_chat_url or None)


def _page(body: str, status: int = 200) -> Response:
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=body,
        headers={"Content-Security-Policy": helpcenter.PAGE_CSP, "Cache-Control": "no-cache"},
    )


@app.get("/help")
def help_center() -> Response:
    locale = helpcenter.page_locale(_locale(), app.current_event.headers.get("accept-language"))
    links = _links()
    index = knowledge.article_index()
    article_id = _query("article", 40)
    if article_id:
        try:
            found, votes = knowledge.public_article(store.current(), _article_id(article_id))
        except NotFound:
            return _page(helpcenter.results_page(locale, "404", [], links, links.home(locale)), 404)
        return _page(helpcenter.article_page(found, votes, links))
    query = (_query("q") or "").strip()
    category = _query("category", 48)
    other = links.home("en" if locale == "zh-CN" else "zh-CN")
    if query:
        hits = knowledge.help_search(index, query, locale)
        return _page(
            helpcenter.results_page(locale, f"{helpcenter.TEXT[locale]['results']}: {query}", hits, links, other)
        )
    if category:
        hits = index.in_category(category, locale)
        return _page(helpcenter.results_page(locale, helpcenter.category_name(category, locale), hits, links, other))
    return _page(helpcenter.home_page(locale, index.categories(locale), links))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with bound(from_api_event(event)):
        if event.get("path") == "/help/":  # the help center's address as people type it
            event = {**event, "path": "/help"}
        return answered_with_id(app.resolve(event, context))
