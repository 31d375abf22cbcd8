"""Putting work on the FIFO queues: one message group per conversation, deduplicated on the provider's id."""

from __future__ import annotations

from kefu import aws
from kefu.config import get_settings
from kefu.inbound import InboundMessage, OutboundMessage

SQS_BATCH = 10


def enqueue_inbound(messages: list[InboundMessage]) -> None:
    """Send before answering the provider: once this returns, the messages are durable."""
    queue_url = get_settings().inbound_queue_url
    sqs = aws.client("sqs")
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        resp = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": m.model_dump_json(),
                    "MessageGroupId": m.message_group,
                    "MessageDeduplicationId": m.dedupe_hash,
                }
                for i, m in enumerate(chunk)
            ],
        )
        failed = resp.get("Failed") or []
        if failed:
            # The provider will retry the whole delivery; the ones that did go through are deduplicated.
            raise RuntimeError(f"could not queue {len(failed)} inbound message(s): {failed[0].get('Message')}")


def enqueue_outbound(message: OutboundMessage) -> None:
    import hashlib

    aws.client("sqs").send_message(
        QueueUrl=get_settings().outbound_queue_url,
        MessageBody=message.model_dump_json(),
        MessageGroupId=hashlib.sha256(message.conversation_key.encode()).hexdigest()[:64],
        MessageDeduplicationId=message.message_id,
    )
