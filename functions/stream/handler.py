"""DynamoDB stream consumer: reactions to stored changes (agent replies to the outbound queue, inbound files
to the media queue). Quick work only: nothing here waits on a provider."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import store
from kefu.config import StreamSettings, require
from kefu.observability import bound, decided, failures_logged, from_stream_image, logger
from kefu.services import bot
from kefu.services.stream import on_change
from kefu.store import counters
from kefu.store.knowledge import article_id_of_record, is_article_record

# At init, as Lambda runs it: a variable this function needs that is missing fails the cold start, named.
settings = require(StreamSettings)

tracer = Tracer()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord, batch: counters.CounterBatch | None = None) -> str:
    if batch is not None:  # the counters this record moves are its own (see lambda_handler)
        batch.record = str(record.raw_event.get("dynamodb", {}).get("SequenceNumber", ""))
    raw = record.raw_event
    new_image = raw.get("dynamodb", {}).get("NewImage")
    # the id of the request that wrote the item, so its outbound or media job carries the same trace
    with bound(from_stream_image(new_image, fallback=str(raw.get("eventID", "")))), failures_logged("stream"):
        keys_image = raw.get("dynamodb", {}).get("Keys")
        if is_article_record(keys_image):  # the search index follows the articles
            # imported here: only an admin's article edit comes this way, and the search client and the article
            # models it loads (~15 ms at init) serve nothing else in this function
            from kefu.services import knowledge

            outcome = knowledge.on_article_change(
                knowledge.article_index(), raw.get("eventName", ""), keys_image, new_image
            )
            decided("stream", outcome, article_id=article_id_of_record(keys_image))
            return outcome
        # the bot's figures of the day; the same records may also matter below (a ticket's queue, its SLA)
        bot.count_from_stream(
            store.current(), raw.get("eventName", ""), new_image, raw.get("dynamodb", {}).get("OldImage")
        )
        old_image = raw.get("dynamodb", {}).get("OldImage")
        outcome = on_change(store.current(), raw.get("eventName", ""), new_image, old_image)
        if outcome != "ignored":  # most changes (tickets, events) need nothing: not worth a line each
            facts = {key: (new_image or {}).get(key, {}).get("S") for key in ("channel", "ticket_id", "id")}
            decided("stream", outcome, channel=facts["channel"], ticket_id=facts["ticket_id"], message_id=facts["id"])
        return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # The live figures' counters are summed over the batch and written once per counter item at its end,
    # for the records before the first failed one (Lambda hands the rest again): a busy stream no longer
    # spends a round trip per counter per record while the records behind wait. Each counter item holds the
    # records it counted, so a batch handed again after a failed write counts nothing twice (kefu.store.counters).
    with counters.gathered() as batch:
        response = process_partial_response(
            event=event,
            record_handler=lambda record: record_handler(record, batch),
            processor=processor,
            context=context,
        )
        batch.write(store.current().table, {str(f["itemIdentifier"]) for f in response.get("batchItemFailures", [])})
    return response
