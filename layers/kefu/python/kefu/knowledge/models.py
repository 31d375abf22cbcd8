"""Knowledge-base articles as the use cases see them."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.identifiers import TAG

# The locales the index has analyzers for: Chinese (cjk bigrams) and English (stemmed). Other locales are
# stored and searched through the English fields (kefu.knowledge.search.analyzers_for), for now.
LOCALES = ("zh-CN", "en")
LOCALE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
CATEGORY = r"^[a-z][a-z0-9_-]{0,47}$"
MAX_TITLE = 200
MAX_BODY = 50_000
MAX_QUESTIONS = 20
MAX_QUESTION = 300


class Visibility(StrEnum):
    PUBLIC = "public"  # the help center, the bot and agents
    INTERNAL = "internal"  # agents only


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ArticleFields(BaseModel):
    """What an author writes; the same for create, update and import."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY, description="Markdown")
    locale: str = Field(pattern=LOCALE, max_length=35)
    category: str | None = Field(default=None, pattern=CATEGORY)
    tags: list[str] = Field(default_factory=list, max_length=20)
    questions: list[str] = Field(
        default_factory=list,
        max_length=MAX_QUESTIONS,
        description="other ways customers ask this question (searched like the title)",
    )
    visibility: Visibility = Visibility.PUBLIC
    status: ArticleStatus = ArticleStatus.DRAFT

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.match(TAG, tag):
                raise ValueError(f"tag '{tag[:40]}' is not a tag (letters, digits, inner spaces, - . :)")
        return list(dict.fromkeys(tags))

    @field_validator("questions")
    @classmethod
    def _questions(cls, questions: list[str]) -> list[str]:
        cleaned = [q.strip() for q in questions if q.strip()]
        for question in cleaned:
            if len(question) > MAX_QUESTION:
                raise ValueError(f"a question is longer than {MAX_QUESTION} characters")
        return list(dict.fromkeys(cleaned))


class Article(ArticleFields):
    """An article as stored: the author's fields plus its identity and history."""

    model_config = ConfigDict(extra="ignore")

    id: str
    version: int = Field(ge=1)
    created_at: str
    updated_at: str
    published_at: str | None = None
    author: str | None = None  # the agent id that saved this version (None: imported or seeded)
    source_ticket: str | None = None  # promoted from an agent's reply on this ticket

    @property
    def findable_by_customers(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC


class Votes(BaseModel):
    helpful: int = 0
    not_helpful: int = 0


class SearchHit(BaseModel):
    id: str
    title: str
    snippet: str
    score: float
    locale: str
    category: str | None = None
    visibility: Visibility = Visibility.PUBLIC


class KbGap(BaseModel):
    """A customer question the knowledge base had no good answer to (for writers)."""

    id: str
    question: str
    locale: str | None = None
    created_at: str
    ticket_id: str | None = None
    best_article: str | None = None
    best_score: float | None = None
    source: str = "bot"  # bot | help
