"""The knowledge base's demo articles, as the seed writes them and the relevance tests index them."""

from __future__ import annotations

from typing import Any

from local.demo import kb_en, kb_zh


def demo_articles() -> list[tuple[str, dict[str, Any]]]:
    """(slug/locale, the article's fields) for every seed article, published."""
    out: list[tuple[str, dict[str, Any]]] = []
    for module, locale in ((kb_zh, "zh-CN"), (kb_en, "en")):
        for raw in module.ARTICLES:
            fields = {key: value for key, value in raw.items() if key != "slug"}
            fields.setdefault("visibility", "public")
            out.append((f"{raw['slug']}/{locale}", {**fields, "locale": locale, "status": "published"}))
    return out


def seed_articles(store: Any) -> int:
    """Write the demo articles through the domain package (the stream indexes them). Returns how many."""
    from kefu.knowledge.models import ArticleFields
    from kefu.services.knowledge import import_fields

    articles = [ArticleFields.model_validate(fields) for _, fields in demo_articles()]
    return len(import_fields(store, articles))


ASSISTANT_INBOX = "assistant"


def seed_assistant(store: Any) -> None:
    """A second web-chat inbox whose bot answers first at every hour (the `web` inbox keeps the bot off,
    so a demo agent sees plain routing there)."""
    from kefu.channels.base import InboxConfig
    from kefu.knowledge.bot import BotMode, BotSettings
    from kefu.services.admin import save_inbox

    save_inbox(store, InboxConfig(id=ASSISTANT_INBOX, channel="web", name="Web chat with the bot"))
    store.knowledge.save_bot_settings(ASSISTANT_INBOX, BotSettings(mode=BotMode.ALWAYS))
