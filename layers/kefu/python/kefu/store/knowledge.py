"""Knowledge-base articles in the table (patterns 27-30 in ``keys``).

One partition per article: the article as it is now (CURRENT, which the stream follows into the search
index), every saved version (V#...), and its helpful-vote counters (VOTES, apart so that a vote never
conflicts with an edit nor makes the stream reindex). The table is the source of truth; OpenSearch is an
index rebuilt from pattern 27's list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kefu.errors import ConcurrentUpdate, Conflict, NotFound
from kefu.knowledge.bot import BotSettings
from kefu.store import counters, keys
from kefu.store.cache import TtlCache
from kefu.store.table import Read, Table, Transaction, model_item, to_av

if TYPE_CHECKING:
    from kefu.knowledge.models import Article, KbGap, Votes

# The article models (kefu.knowledge.models, ~8 ms of pydantic at import) are imported by the methods that use
# them: ingest and the stream use only the bot's settings and the day's counters of this repository, and every
# function that reads articles (help, bot, agent API) has the models imported at init by kefu.services.knowledge.

ARTICLE_ENTITY = "article"
VERSION_ENTITY = "article_version"
VOTES_ENTITY = "article_votes"
GAP_ENTITY = "kb_gap"
BOT_ENTITY = "bot_settings"
# every new ticket reads its inbox's bot settings, which change only when an admin edits them
BOT_CACHE_SECONDS = 60.0


def is_article_record(keys_image: dict[str, Any] | None) -> bool:
    """Whether a stream record (its ``Keys``, as DynamoDB sends them) is an article as it is now."""
    image = keys_image or {}
    pk, sk = image.get(keys.PK, {}).get("S", ""), image.get(keys.SK, {}).get("S", "")
    return keys.is_current_article(pk, sk)


def article_id_of_record(keys_image: dict[str, Any] | None) -> str:
    return keys.article_id_of((keys_image or {}).get(keys.PK, {}).get("S", ""))


def article_from_item(item: dict[str, Any]) -> Article:
    from kefu.knowledge.models import Article

    return Article.model_validate(item)


class KnowledgeRepository:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._bots: TtlCache[str, BotSettings] = TtlCache(BOT_CACHE_SECONDS, 256)

    def get(self, article_id: str, *, consistent: bool = False) -> Article:
        item = self.table.get(keys.article(article_id), consistent=consistent)
        if item is None:
            raise NotFound(f"article '{article_id}' not found")
        return article_from_item(item)

    def save(self, article: Article, *, previous_version: int | None) -> None:
        """The article as it is now plus its version record, in one transaction. ``previous_version``
        None: a new article (refused if the id exists); otherwise the version it was read at."""
        tx = Transaction()
        item = model_item(article, ARTICLE_ENTITY, keys.article(article.id), **keys.article_list_keys(article.id))
        if previous_version is None:
            tx.put(item, condition="attribute_not_exists(PK)", refused=Conflict(f"article '{article.id}' exists"))
        else:
            tx.put(
                item,
                condition="version = :v",
                values={":v": previous_version},
                refused=ConcurrentUpdate(f"article '{article.id}' was changed meanwhile; reload it and try again"),
            )
        tx.put(model_item(article, VERSION_ENTITY, keys.article_version(article.id, article.version)))
        self.table.commit(tx)

    def delete(self, article_id: str) -> None:
        """The article and its votes go; its versions stay (who wrote what stays on record)."""
        tx = Transaction()
        tx.delete(
            keys.article(article_id),
            condition="attribute_exists(PK)",
            refused=NotFound(f"article '{article_id}' not found"),
        )
        tx.delete(keys.article_votes(article_id))
        self.table.commit(tx)

    def versions(self, article_id: str) -> list[Article]:
        partition, prefix = keys.article_versions(article_id)
        return [
            article_from_item(item)
            for item in self.table.query(
                KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                ExpressionAttributeValues=to_av({":pk": partition, ":prefix": prefix}),
            )
        ]

    def all(self) -> Iterator[Article]:
        """Every article as it is now (pattern 27's list, paginated): the admin list and a reindex."""
        index = keys.BY_STATUS
        for item in self.table.query(
            IndexName=index.name,
            KeyConditionExpression=f"{index.partition} = :pk",
            ExpressionAttributeValues=to_av({":pk": keys.ALL_ARTICLES}),
        ):
            yield article_from_item(item)

    # ------------------------------------------------------------ votes

    def vote(self, article_id: str, helpful: bool) -> Votes:
        field = "helpful" if helpful else "not_helpful"
        key = keys.article_votes(article_id)
        answer = self.table.client.update_item(
            TableName=self.table.name,
            Key=to_av(key.as_dict()),
            UpdateExpression=f"ADD {field} :one SET article_id = :id, entity = :entity",
            ExpressionAttributeValues=to_av({":one": 1, ":id": article_id, ":entity": VOTES_ENTITY}),
            ReturnValues="ALL_NEW",
        )
        values = answer.get("Attributes", {})
        from kefu.knowledge.models import Votes

        return Votes(
            helpful=int(values.get("helpful", {}).get("N", 0)),
            not_helpful=int(values.get("not_helpful", {}).get("N", 0)),
        )

    def votes(self, article_id: str) -> Votes:
        item = self.table.get(keys.article_votes(article_id), consistent=False)
        from kefu.knowledge.models import Votes

        return Votes.model_validate(item or {})

    # ------------------------------------------------------------ questions without an answer

    def record_gap(self, gap: KbGap) -> None:
        self.table.put(model_item(gap, GAP_ENTITY, keys.kb_gap(gap.created_at, gap.id)))

    def gaps(self, day: str, limit: int = 100) -> list[KbGap]:
        items = self.table.first(
            limit,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_av({":pk": keys.kb_gap_day(day)}),
            ScanIndexForward=False,
        )
        from kefu.knowledge.models import KbGap

        return [KbGap.model_validate(item) for item in items]

    # ------------------------------------------------------------ the day's figures (counters)

    def count_day(self, day: str, **deltas: int) -> None:
        """Add to the day's counters (ADD: concurrent writers never lose a count); in a stream batch, gathered
        and each record counted once (kefu.store.counters)."""
        if not deltas:
            return
        counters.add(self.table, keys.kb_day_counter(day), "kb_counter", deltas)

    def day_counts(self, day: str) -> dict[str, int]:
        item = self.table.get(keys.kb_day_counter(day), consistent=False) or {}
        return {name: int(value) for name, value in item.items() if isinstance(value, int)}

    # ------------------------------------------------------------ an inbox's bot

    def bot_settings(self, inbox_id: str) -> BotSettings:
        """The inbox's bot, from this container's cache when fresh (never configured: off)."""
        settings = self.cached_bot_settings(inbox_id)
        if settings is None:
            item = self.table.get(keys.bot_settings(inbox_id), consistent=False)
            settings = self.remember_bot_settings(inbox_id, BotSettings.model_validate(item) if item else None)
        return settings

    def cached_bot_settings(self, inbox_id: str) -> BotSettings | None:
        return self._bots.get(inbox_id)

    def bot_settings_read(self, inbox_id: str) -> Read[BotSettings]:
        """For a batch (ingest reads it with the ticket); hand the result to ``remember_bot_settings``."""
        return Read(keys.bot_settings(inbox_id), BotSettings.model_validate)

    def remember_bot_settings(self, inbox_id: str, found: BotSettings | None) -> BotSettings:
        settings = found if found is not None else BotSettings()
        self._bots.put(inbox_id, settings)
        return settings

    def save_bot_settings(self, inbox_id: str, settings: BotSettings) -> None:
        self.table.put(model_item(settings, BOT_ENTITY, keys.bot_settings(inbox_id), inbox=inbox_id))
        self._bots.pop(inbox_id)
