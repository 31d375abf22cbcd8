"""Reactions to table changes, from the DynamoDB stream: agent replies onto the outbound queue (the table is
the outbox), inbound messages with files onto the media queue, a ticket's SLA timer replaced when its
schedule changed, and the satisfaction survey sent when a ticket is resolved (a bad rating followed up).

Only quick work happens here: a slow download runs in the media function, with its own batch and timeout,
so it never holds up a reply behind it in the stream."""

from __future__ import annotations

from typing import Any

from kefu.models import Direction
from kefu.queues import enqueue_media, enqueue_outbound
from kefu.services import csat, routing_stream, sla
from kefu.services.media import media_job_for
from kefu.services.outbound import outbound_job_for
from kefu.store import Store
from kefu.store.tickets import message_from_stream_image


def _to_bot(message: Any) -> bool:
    from kefu.services import bot

    bot.enqueue(bot.BotJob(ticket_id=message.ticket_id, message_id=message.id))
    return True


def on_change(
    store: Store, event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None = None
) -> str:
    """Handle one stream record; returns what was done (for logs and tests)."""
    # a ticket whose SLA schedule moved: its one live timer is replaced (kefu.services.sla)
    timer = sla.on_ticket_change(old_image, new_image)
    counted = sla.count_change(store, old_image, new_image)  # the live figures' SLA counters
    routed = routing_stream.react(store, event_name, new_image, old_image)
    # the survey of a ticket just resolved, the follow-up of a bad rating (kefu.services.csat)
    surveyed = csat.react(store, event_name, new_image, old_image)
    if routed is not None:
        return routed
    if surveyed is not None:
        return surveyed
    if timer is not None:
        return "sla_timer_started" if timer.started else "sla_timer_stopped"
    if counted:
        return "sla_counted"
    if event_name != "INSERT" or not new_image:
        return "ignored"
    message = message_from_stream_image(new_image)
    if message is not None:
        if message.direction == Direction.INBOUND:
            # the bot judges what was stored, on its own queue: ingest never waits for it
            bot_queued = message.for_bot and _to_bot(message)
            # media is fetched after the message is durable: a failed download never loses the message
            media_job = media_job_for(message)
            if media_job is None:
                return "bot_queued" if bot_queued else "no_media"
            enqueue_media(media_job)
            return "media_queued"
        job = outbound_job_for(message)
        if job is not None:
            enqueue_outbound(job)
            return "outbound_queued"
    return "ignored"
