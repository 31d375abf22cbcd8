"""The articles' search index in OpenSearch (opensearch-py), reached through an alias.

- ``ALIAS`` always names the live index (``<alias>-<stamp>``): a reindex builds a new index from the table,
  then moves the alias in one ``_aliases`` call, so searches never see an empty or half-built index.
- Each text field is indexed twice, as Chinese (``kefu_zh``: cjk bigrams) and as English (``kefu_en``: stemmed),
  both without the words a question has besides its subject;
  a query uses the analyzers of its locale, or both when the locale is unknown. Title and the alternative
  questions weigh more than the body.
- Synonyms are expanded at query time (kefu.knowledge.synonyms); highlights mark the matched words.
- Requests are signed with SigV4 (``AWSV4SignerAuth``, service ``es``) with the function's own credentials,
  which OpenSearch Service's fine-grained access control maps to a role; the local server ignores the
  signature, so the same code runs on both.

Only published articles are in the index: internal ones for agents, public ones for everyone.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.knowledge import markdown
from kefu.knowledge.models import Article, SearchHit, Visibility
from kefu.knowledge.synonyms import expansions

SCHEMA_VERSION = 2  # 2: the kefu_zh and kefu_en analyzers (stopwords)
MAX_RESULTS = 20
SNIPPET_CHARS = 160
# Title and alternative questions say what an article answers; the body says how. The alternative questions
# weigh most: they are written the way customers ask, several per article, so a match there is the surest
# sign. Every field's score is added up (``most_fields``): an article that matches in its questions, its title
# and its body is a better answer than one that matches as well in a single field (a near-duplicate title).
# Tuned on the tuning questions of tests/relevance (65 articles, and among 10,000 in bench (h)).
TITLE_BOOST = 2.0
QUESTIONS_BOOST = 4.0
TAGS_BOOST = 1.0
BODY_BOOST = 1.0
SYNONYM_WEIGHT = 0.6  # a synonym's match counts less than the customer's own word

_MARK_OPEN, _MARK_CLOSE = "\u0002", "\u0003"

# What a question says besides its subject: Chinese particles and pronouns (dropped before the bigrams are
# made), question words (dropped as bigrams), and English function and question words. They are in nearly
# every alternative question ("怎么…", "可以…吗", "How do I…"), so matching them ranks articles by how their
# questions are phrased rather than by what they are about. Words only: nothing here names a subject.
# fmt: off
ZH_PARTICLES = (
    "的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "哦", "我", "你", "您",
)
ZH_QUESTION_WORDS = (
    "怎么", "如何", "什么", "可以", "能否", "是否", "请问", "为什么", "哪里", "怎样", "一下", "我们", "你们",
)
EN_STOPWORDS = (
    # Lucene's English stop set (what the `english` analyzer drops) ...
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they",
    "this", "to", "was", "will", "with",
    # ... and the words of a question that are not its subject
    "how", "what", "where", "when", "why", "which", "who", "can", "could", "do", "does", "did", "i", "me",
    "my", "we", "our", "you", "your", "please", "would", "should", "am", "get", "want", "need", "like", "just",
    "still",
)
# fmt: on
# The `cjk` and `english` analyzers rebuilt from the same standard filters (OpenSearch's own components, so
# OpenSearch Service and the local server analyze alike), with the stopwords above. Possessives: `apostrophe`
# (what follows an apostrophe goes) rather than the `possessive_english` stemmer, which the local server does
# not apply when it indexes.
ANALYSIS: dict[str, Any] = {
    "filter": {
        "kefu_zh_particles": {"type": "stop", "stopwords": list(ZH_PARTICLES)},
        "kefu_zh_question_words": {"type": "stop", "stopwords": list(ZH_QUESTION_WORDS)},
        "kefu_zh_bigrams": {"type": "cjk_bigram"},
        "kefu_en_stop": {"type": "stop", "stopwords": list(EN_STOPWORDS)},
        "kefu_en_stem": {"type": "stemmer", "language": "english"},
    },
    "analyzer": {
        "kefu_zh": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "cjk_width",
                "lowercase",
                "kefu_zh_particles",
                "kefu_zh_bigrams",
                "kefu_zh_question_words",
                "kefu_en_stop",
            ],
        },
        "kefu_en": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["apostrophe", "lowercase", "kefu_en_stop", "kefu_en_stem"],
        },
    },
}
_MULTILINGUAL = {
    "type": "text",
    "analyzer": "standard",
    "fields": {"zh": {"type": "text", "analyzer": "kefu_zh"}, "en": {"type": "text", "analyzer": "kefu_en"}},
}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "title": _MULTILINGUAL,
        "questions": _MULTILINGUAL,
        "body": _MULTILINGUAL,
        "tags_text": _MULTILINGUAL,
        "locale": {"type": "keyword"},
        "category": {"type": "keyword"},
        "tags": {"type": "keyword"},
        "visibility": {"type": "keyword"},
        "version": {"type": "integer"},
        "updated_at": {"type": "date"},
    },
}
SETTINGS: dict[str, Any] = {"index": {"number_of_shards": 1, "number_of_replicas": 1, "analysis": ANALYSIS}}


def analyzers_for(locale: str | None) -> tuple[str, ...]:
    if locale is None:
        return ("zh", "en")
    return ("zh",) if locale.lower().startswith("zh") else ("en",)


def document(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "questions": article.questions,
        "body": markdown.to_text(article.body),
        "tags_text": " ".join(article.tags),
        "locale": article.locale,
        "category": article.category,
        "tags": article.tags,
        "visibility": article.visibility.value,
        "version": article.version,
        "updated_at": article.updated_at,
    }


def connect(endpoint: str, region: str, credentials: Any | None = None, timeout: float = 5.0) -> Any:
    """An opensearch-py client for ``endpoint`` (a host or URL; https when no scheme is given)."""
    from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection

    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    if credentials is None:
        from kefu import aws

        credentials = aws.credentials()
    return OpenSearch(
        hosts=[url],
        http_auth=AWSV4SignerAuth(credentials, region, "es"),
        use_ssl=url.startswith("https://"),
        verify_certs=url.startswith("https://"),
        connection_class=RequestsHttpConnection,
        timeout=timeout,
        max_retries=2,
        retry_on_timeout=True,
        pool_maxsize=8,
    )


@dataclass
class SearchRequest:
    query: str
    locale: str | None = None
    visibility: Visibility | None = Visibility.PUBLIC  # None: public and internal (agents)
    category: str | None = None
    size: int = 10


class ArticleIndex:
    """The index behind ``alias``; ``client`` is an opensearch-py client."""

    def __init__(self, client: Any, alias: str, synonym_groups: tuple[tuple[str, ...], ...] = ()) -> None:
        self.client = client
        self.alias = alias
        self.synonym_groups = synonym_groups
        self._ready = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the index and its alias

    def new_index_name(self, stamp: str) -> str:
        return f"{self.alias}-v{SCHEMA_VERSION}-{stamp.lower()}"

    def create_index(self, name: str) -> None:
        self.client.indices.create(index=name, body={"settings": SETTINGS, "mappings": MAPPINGS})

    def ensure(self) -> None:
        """The alias exists (creating its first index when there is none); once per container."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if not self.client.indices.exists_alias(name=self.alias):
                name = f"{self.alias}-v{SCHEMA_VERSION}-initial"
                try:
                    self.create_index(name)
                except Exception as err:  # created meanwhile by another container: fine
                    if "resource_already_exists" not in str(err):
                        raise
                self.client.indices.update_aliases(body={"actions": [{"add": {"index": name, "alias": self.alias}}]})
            self._ready = True

    def live_indexes(self) -> list[str]:
        if not self.client.indices.exists_alias(name=self.alias):
            return []
        return sorted(self.client.indices.get_alias(name=self.alias))

    def rebuild(self, articles: Iterable[Article], stamp: str, batch: int = 500) -> tuple[str, int]:
        """Build a new index from ``articles`` (the published ones are kept), then point the alias at it in
        one atomic call and drop the old ones. Returns (new index, documents indexed)."""
        name = self.new_index_name(stamp)
        self.create_index(name)
        count = 0
        pending: list[dict[str, Any]] = []
        for article in articles:
            if article.status != "published":
                continue
            pending += [{"index": {"_index": name, "_id": article.id}}, document(article)]
            count += 1
            if len(pending) >= 2 * batch:
                self._bulk(pending)
                pending = []
        if pending:
            self._bulk(pending)
        self.client.indices.refresh(index=name)
        old = self.live_indexes()
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": self.alias}} for index in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        for index in old:
            if index != name:
                self.client.indices.delete(index=index, ignore_unavailable=True)
        self._ready = True
        return name, count

    def _bulk(self, actions: list[dict[str, Any]]) -> None:
        answer = self.client.bulk(body=actions)
        if answer.get("errors"):
            failed = [item for item in answer.get("items", []) if next(iter(item.values())).get("error")]
            raise RuntimeError(f"{len(failed)} article(s) were not indexed: {failed[:1]}")

    # ------------------------------------------------------------ documents

    def put(self, article: Article, *, refresh: bool = False) -> None:
        self.ensure()
        self.client.index(index=self.alias, id=article.id, body=document(article), refresh=refresh)

    def put_many(self, articles: Sequence[Article], *, refresh: bool = False) -> None:
        self.ensure()
        actions: list[dict[str, Any]] = []
        for article in articles:
            actions += [{"index": {"_index": self.alias, "_id": article.id}}, document(article)]
        if actions:
            self._bulk(actions)
        if refresh:
            self.client.indices.refresh(index=self.alias)

    def remove(self, article_id: str, *, refresh: bool = False) -> None:
        self.ensure()
        try:
            self.client.delete(index=self.alias, id=article_id, refresh=refresh)
        except Exception as err:  # not there (never published, or removed twice): nothing to do
            if getattr(err, "status_code", None) != 404:
                raise

    # ------------------------------------------------------------ search

    def query_body(self, request: SearchRequest) -> dict[str, Any]:
        analyzers = analyzers_for(request.locale)
        fields = [
            f"{name}.{analyzer}^{boost}"
            for analyzer in analyzers
            for name, boost in (
                ("title", TITLE_BOOST),
                ("questions", QUESTIONS_BOOST),
                ("tags_text", TAGS_BOOST),
                ("body", BODY_BOOST),
            )
        ]
        should: list[dict[str, Any]] = [
            {"multi_match": {"query": request.query, "fields": fields, "type": "most_fields"}}
        ]
        extra = expansions(request.query, self.synonym_groups)
        if extra:
            should.append(
                {
                    "multi_match": {
                        "query": " ".join(extra),
                        "fields": [f for f in fields if not f.startswith("body.")],
                        "type": "best_fields",
                        "boost": SYNONYM_WEIGHT,
                    }
                }
            )
        filters: list[dict[str, Any]] = []
        if request.locale:
            filters.append({"term": {"locale": request.locale}})
        if request.visibility is not None:
            filters.append({"term": {"visibility": request.visibility.value}})
        if request.category:
            filters.append({"term": {"category": request.category}})
        # The snippet is cut from the body alone (_hit), so only the body is highlighted.
        highlight_fields = {
            f"body.{analyzer}": {"number_of_fragments": 1, "fragment_size": SNIPPET_CHARS} for analyzer in analyzers
        }
        return {
            "size": max(1, min(request.size, MAX_RESULTS)),
            "query": {"bool": {"should": should, "minimum_should_match": 1, "filter": filters}},
            "_source": ["title", "body", "locale", "category", "visibility", "questions"],
            "highlight": {"pre_tags": [_MARK_OPEN], "post_tags": [_MARK_CLOSE], "fields": highlight_fields},
        }

    def search(self, request: SearchRequest) -> list[SearchHit]:
        if not request.query.strip():
            return []
        self.ensure()
        answer = self.client.search(index=self.alias, body=self.query_body(request))
        return [_hit(raw) for raw in answer.get("hits", {}).get("hits", [])]

    def categories(
        self, locale: str | None, visibility: Visibility | None = Visibility.PUBLIC
    ) -> list[tuple[str, int]]:
        """(category, published articles in it), most articles first (a terms aggregation)."""
        self.ensure()
        filters: list[dict[str, Any]] = []
        if locale:
            filters.append({"term": {"locale": locale}})
        if visibility is not None:
            filters.append({"term": {"visibility": visibility.value}})
        answer = self.client.search(
            index=self.alias,
            body={
                "size": 0,
                "query": {"bool": {"filter": filters}},
                "aggs": {"categories": {"terms": {"field": "category", "size": 50}}},
            },
        )
        buckets = answer.get("aggregations", {}).get("categories", {}).get("buckets", [])
        return [(str(b["key"]), int(b["doc_count"])) for b in buckets]

    def in_category(self, category: str, locale: str | None, size: int = 50) -> list[SearchHit]:
        """The public articles of one category, titles in order."""
        self.ensure()
        filters: list[dict[str, Any]] = [{"term": {"category": category}}, {"term": {"visibility": "public"}}]
        if locale:
            filters.append({"term": {"locale": locale}})
        answer = self.client.search(
            index=self.alias,
            body={
                "size": size,
                "query": {"bool": {"filter": filters}},
                "_source": ["title", "body", "locale", "category", "visibility"],
            },
        )
        hits = [_hit(raw) for raw in answer.get("hits", {}).get("hits", [])]
        return sorted(hits, key=lambda h: h.title)

    def sources(self, request: SearchRequest) -> list[tuple[SearchHit, dict[str, Any]]]:
        """Hits with their stored text (the bot scores its confidence on them)."""
        if not request.query.strip():
            return []
        self.ensure()
        answer = self.client.search(index=self.alias, body=self.query_body(request))
        return [(_hit(raw), raw.get("_source", {})) for raw in answer.get("hits", {}).get("hits", [])]


def _hit(raw: dict[str, Any]) -> SearchHit:
    source = raw.get("_source", {})
    highlights = raw.get("highlight", {})
    fragment = next((highlights[f][0] for f in ("body.zh", "body.en") if highlights.get(f)), None)
    return SearchHit(
        id=str(raw["_id"]),
        title=source.get("title", ""),
        snippet=marked_snippet(fragment) if fragment else html.escape(_cut(source.get("body", ""))),
        score=round(float(raw.get("_score") or 0.0), 4),
        locale=source.get("locale", ""),
        category=source.get("category"),
        visibility=source.get("visibility", "public"),
    )


def _cut(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rstrip() + "…"


def marked_snippet(fragment: str) -> str:
    """A highlight fragment as safe HTML: the article's text escaped, matches in ``<mark>``."""
    parts: list[str] = []
    open_ = False
    for piece in re.split(f"([{_MARK_OPEN}{_MARK_CLOSE}])", fragment.replace("\n", " ")):
        if piece == _MARK_OPEN:
            if not open_:
                parts.append("<mark>")
                open_ = True
        elif piece == _MARK_CLOSE:
            if open_:
                parts.append("</mark>")
                open_ = False
        else:
            parts.append(html.escape(piece))
    if open_:  # a fragment cut inside a match
        parts.append("</mark>")
    return "".join(parts).replace("</mark><mark>", "")
