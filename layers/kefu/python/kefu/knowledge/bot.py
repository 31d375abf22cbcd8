"""The bot's judgement, as pure functions: what the customer wants, how sure an answer is, what to say.

No I/O here (kefu.services.bot reads and writes); each rule is small enough to test on its own.

Confidence is the share of what the customer said that the best article's title, alternative questions or
tags cover (CJK bigrams and English word stems, the same units the index matches on), blended with the body's
coverage. It is a number in [0, 1] that does not depend on the index's size or BM25's scale, so one
threshold means the same on a ten-article help center and on ten thousand articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_THRESHOLD = 0.4  # measured on the tuning questions: 93 % of answers right, none off-topic (docs)
DEFAULT_MAX_TURNS = 3


class BotMode(StrEnum):
    OFF = "off"
    ALWAYS = "always"  # the bot answers first at every hour
    NIGHT = "night"  # night duty: the bot answers first while the ticket's team does not work (its schedule)


class BotSettings(BaseModel):
    """An inbox's bot (the admin API's body and what is stored)."""

    model_config = ConfigDict(extra="ignore")

    mode: BotMode = BotMode.OFF
    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    max_turns: int = Field(default=DEFAULT_MAX_TURNS, ge=1, le=20)
    locale: str | None = Field(default=None, pattern=r"^(zh-CN|en)$", description="when the inbox has one language")


def takes_new_ticket(settings: BotSettings | None, *, team_works: bool) -> bool:
    """``team_works``: whether the new ticket's team works now (kefu.routing.rules.team_works), which is what
    night duty asks too."""
    if settings is None or settings.mode == BotMode.OFF:
        return False
    return settings.mode == BotMode.ALWAYS or not team_works


# ------------------------------------------------------------------------------------------- intents

# Asking for a person, in the words customers use (人工 alone is how most Chinese customers ask).
_HUMAN_ZH = ("人工", "转人工", "找客服", "真人", "客服人员", "人工客服", "接人工", "联系客服", "叫客服")
_HUMAN_EN = re.compile(
    r"\b(human|agent|real person|representative|operator|talk to (someone|a person|somebody)|speak to (someone|a person))\b",
    re.I,
)


def _words(text: str) -> list[str]:
    return text.split()


# Short answers to "did this solve it?": every part of the reply is one of these (punctuation aside).
_YES = frozenset(
    [
        *_words(
            "是 是的 对 对的 好 好的 嗯 嗯嗯 解决了 已解决 可以了 有用 有帮助 明白了 知道了 懂了 谢谢 多谢 感谢 谢啦 "
            "ok okay yes yep yeah y thanks thank thx solved perfect great cool"
        ),
        *("thank you", "got it", "that helps", "that helped"),
    ]
)
_NO = frozenset(
    [
        *_words("否 不是 没有 没 不 不行 没用 没解决 没有解决 还是不行 不对 不是这个 no nope n"),
        *("not really", "didn't help", "did not help", "not solved", "still not working", "no it didn't"),
    ]
)
_PARTS = re.compile(r"[\s,，。.!！?？~、;；]+")
MAX_FEEDBACK_CHARS = 30


def asks_for_human(text: str) -> bool:
    return any(word in text for word in _HUMAN_ZH) or _HUMAN_EN.search(text) is not None


class Feedback(StrEnum):
    SOLVED = "solved"
    NOT_SOLVED = "not_solved"
    NONE = "none"  # a new question, or something else


def feedback(text: str) -> Feedback:
    lowered = text.strip().lower()
    if not lowered or len(lowered) > MAX_FEEDBACK_CHARS:
        return Feedback.NONE
    whole = _PARTS.sub(" ", lowered).strip()
    parts = [p for p in _PARTS.split(lowered) if p]
    if whole in _NO or (parts and parts[0] in _NO):
        return Feedback.NOT_SOLVED
    if whole in _YES or (parts and all(p in _YES for p in parts)):
        return Feedback.SOLVED
    return Feedback.NONE


# ------------------------------------------------------------------------------------------- confidence

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP_EN = frozenset(
    _words(
        "a an the i me my we our you your it its is are was were be been am do does did to of in on for at by with "
        "and or but if so can could would should will how what when where why which who this that there here have "
        "has had get got any some not no please hi hello thanks thank just still"
    )
)
_STOP_ZH = frozenset(
    ["我的", "你们", "请问", "一下", "什么", "怎么", "如何", "为什么", "可以", "吗", "呢", "了", "的", "我", "你"]
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def units(text: str) -> set[str]:
    """Chinese bigrams and English stems of ``text`` (stopwords out)."""
    lowered = text.lower()
    found: set[str] = set()
    for run in _CJK.findall(lowered):
        if len(run) == 1:
            found.add(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    found.difference_update(_STOP_ZH)
    for word in _WORD.findall(_CJK.sub(" ", lowered)):
        if word not in _STOP_EN and len(word) > 1:
            found.add(_stem(word))
    return found


def coverage(asked: set[str], text: str) -> float:
    if not asked:
        return 0.0
    return len(asked & units(text)) / len(asked)


def confidence(question: str, title: str, questions: Iterable[str], tags: Iterable[str], body: str) -> float:
    asked = units(question)
    if not asked:
        return 0.0
    best_head = max([coverage(asked, title), *(coverage(asked, q) for q in questions)], default=0.0)
    head_and_tags = coverage(asked, " ".join([title, *questions, *tags]))
    return round(0.6 * best_head + 0.2 * head_and_tags + 0.2 * coverage(asked, body), 3)


# ------------------------------------------------------------------------------------------- what to say

TEXT = {
    "zh-CN": {
        "answer": "{summary}\n\n详情请看：{title} {link}\n\n这解决您的问题了吗？回复“是”或“否”。",
        "handoff": "正在为您转接人工客服，请稍候，客服会看到我们刚才的对话。",
        "handoff_after_hours": "现在是非工作时间，人工客服将在 {back_at} 上班后接手，届时会看到我们刚才的对话。",
        "solved": "很高兴帮到您！如还有其他问题，随时告诉我。",
    },
    "en": {
        "answer": '{summary}\n\nMore in "{title}": {link}\n\nDid this solve it? Reply "yes" or "no".',
        "handoff": "I'm connecting you with a person now; they will see our conversation so far.",
        "handoff_after_hours": "We are outside working hours now; a person will take over when we are back: "
        "{back_at}. They will see our conversation so far.",
        "solved": "Glad that helped! Tell me if there is anything else.",
    },
}


def handoff_notice(locale: str, back_at: str | None = None) -> str:
    """What the bot says as it hands over: a person takes over now, or, ``back_at`` given (the ticket's team does
    not work and no rule answered the handoff), when the team is back."""
    if back_at is None:
        return TEXT[locale]["handoff"]
    return TEXT[locale]["handoff_after_hours"].format(back_at=back_at)


def language_of(text: str, default: str | None = None) -> str:
    if _CJK.search(text):
        return "zh-CN"
    return default if default in TEXT and not _WORD.search(text.lower()) else "en"


@dataclass(frozen=True)
class Answer:
    article_id: str
    title: str
    summary: str
    link: str

    def text(self, locale: str) -> str:
        return TEXT[locale]["answer"].format(summary=self.summary, title=self.title, link=self.link)
