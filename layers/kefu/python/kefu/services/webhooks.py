"""A provider's webhook delivery: verify, parse, queue durably, then give the provider its fast answer."""

from __future__ import annotations

from kefu.channels.base import FastAnswer, WebhookRequest, adapter_for
from kefu.errors import NotFound
from kefu.observability import decided
from kefu.queues import enqueue_inbound
from kefu.services.inboxes import load_inbox
from kefu.store import Store


def handle_delivery(store: Store, channel: str, inbox_id: str, request: WebhookRequest) -> FastAnswer:
    inbox = load_inbox(store, inbox_id)
    if inbox.channel != channel:
        raise NotFound(f"inbox '{inbox_id}' is not a {channel} inbox")
    adapter = adapter_for(channel)
    handshake = adapter.handshake(request, inbox)
    if handshake is not None:
        decided("webhook", "handshake", channel=channel, inbox=inbox_id)
        return handshake
    messages = adapter.verify_and_parse(request, inbox)  # one pass: a body is decrypted and parsed once
    if messages:
        enqueue_inbound(messages)
    decided(
        "webhook", "queued" if messages else "nothing_to_queue", channel=channel, inbox=inbox_id, count=len(messages)
    )
    return adapter.answer(request, inbox, messages)
