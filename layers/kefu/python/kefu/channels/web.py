"""Web chat: the customer talks to the chat API directly, so there is nothing to verify or parse here.

Sending means making the stored agent message visible to the customer's widget, which reads it from
``GET /chat/{inbox}/messages``; the outbound function marks it ``sent`` after this returns.
"""

from __future__ import annotations

from kefu.channels.base import ChannelAdapter, HttpClient, InboxConfig, SendResult, WebhookRequest, register
from kefu.errors import InvalidInput
from kefu.inbound import InboundMessage, OutboundMessage


@register
class WebChatAdapter(ChannelAdapter):
    channel = "web"
    outbound_media = "inline"  # the widget shows the files (kefu.services.chat.public_item)
    credential_keys = ()

    def verify(self, request: WebhookRequest, inbox: InboxConfig) -> None:
        raise InvalidInput("web chat has no provider webhook; use /chat/{inbox}/messages")

    def parse(self, request: WebhookRequest, inbox: InboxConfig) -> list[InboundMessage]:
        raise InvalidInput("web chat has no provider webhook; use /chat/{inbox}/messages")

    def send(self, message: OutboundMessage, inbox: InboxConfig, http: HttpClient) -> SendResult:
        return SendResult(provider_message_id=message.message_id, status="sent")
