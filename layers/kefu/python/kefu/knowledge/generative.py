"""Optional generative answers through Amazon Bedrock's Converse API, grounded only in retrieved articles.

Off unless an installation names a model (``KEFU_BOT_GENERATIVE_MODEL_ID``, CDK context
``kefu:botGenerativeModel``); off on the local cloud. Three refusals keep it honest:

1. retrieval is weak (the best article's confidence below the bot's threshold): Bedrock is not called;
2. the model says the articles do not answer the question (it must reply with ``NO_ANSWER``);
3. the reply cites none of the articles it was given (an uncited answer is not grounded).

Any refusal or Bedrock error returns None, and the bot then uses the article's own words or hands over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

NO_ANSWER = "NO_ANSWER"
MAX_ARTICLES = 3
MAX_ARTICLE_CHARS = 4000
MAX_TOKENS = 400

SYSTEM = {
    "zh-CN": (
        "你是客服助手。只能根据下面编号的知识库文章回答客户的问题，不要使用文章以外的任何信息，不要编造。"
        "回答要简短（不超过 120 字），用中文，并在用到的内容后标注来源编号，例如 [1]。"
        f"如果这些文章不能回答问题，只回复 {NO_ANSWER}。"
    ),
    "en": (
        "You are a customer-support assistant. Answer the customer's question using only the numbered "
        "knowledge-base articles below; use nothing else and never make anything up. Keep it short (at most "
        "80 words), in English, and cite the articles you used by number, like [1]. "
        f"If the articles do not answer the question, reply only {NO_ANSWER}."
    ),
}


@dataclass(frozen=True)
class Source:
    article_id: str
    title: str
    text: str
    confidence: float


@dataclass(frozen=True)
class GeneratedAnswer:
    text: str
    cited: list[str]  # article ids, in the order first cited


def should_refuse(sources: list[Source], threshold: float) -> bool:
    """Weak retrieval: no article, or the best one below the threshold. Bedrock is then not asked at all."""
    return not sources or max(s.confidence for s in sources) < threshold


def build_request(model_id: str, question: str, locale: str, sources: list[Source]) -> dict[str, Any]:
    """The Converse request: the rules as the system prompt, the articles numbered, then the question."""
    lang = "zh-CN" if locale.lower().startswith("zh") else "en"
    chosen = sorted(sources, key=lambda s: s.confidence, reverse=True)[:MAX_ARTICLES]
    articles = "\n\n".join(
        f"[{n}] {source.title}\n{source.text[:MAX_ARTICLE_CHARS]}" for n, source in enumerate(chosen, start=1)
    )
    label = ("知识库文章", "客户的问题") if lang == "zh-CN" else ("Knowledge-base articles", "Customer's question")
    return {
        "modelId": model_id,
        "system": [{"text": SYSTEM[lang]}],
        "messages": [{"role": "user", "content": [{"text": f"{label[0]}:\n\n{articles}\n\n{label[1]}: {question}"}]}],
        "inferenceConfig": {"maxTokens": MAX_TOKENS, "temperature": 0.1},
    }


_CITATION = re.compile(r"\[(\d{1,2})\]")


def parse_answer(response: dict[str, Any], sources: list[Source]) -> GeneratedAnswer | None:
    """The model's grounded answer, or None for a refusal, an uncited reply or an unexpected shape."""
    chosen = sorted(sources, key=lambda s: s.confidence, reverse=True)[:MAX_ARTICLES]
    try:
        blocks = response["output"]["message"]["content"]
    except (KeyError, TypeError):
        return None
    text = "".join(block.get("text", "") for block in blocks if isinstance(block, dict)).strip()
    if not text or NO_ANSWER in text or response.get("stopReason") not in (None, "end_turn", "stop_sequence"):
        return None
    cited: list[str] = []
    for number in _CITATION.findall(text):
        index = int(number) - 1
        if 0 <= index < len(chosen) and chosen[index].article_id not in cited:
            cited.append(chosen[index].article_id)
    if not cited:
        return None
    return GeneratedAnswer(text=text, cited=cited)


def generate(
    client: Any, model_id: str, question: str, locale: str, sources: list[Source], threshold: float
) -> GeneratedAnswer | None:
    if not model_id or should_refuse(sources, threshold):
        return None
    try:
        response = client.converse(**build_request(model_id, question, locale, sources))
    except Exception:  # Bedrock unavailable, throttled, model not enabled: the bot answers without it
        return None
    return parse_answer(response, sources)
