"""SQS queues between the functions, each with its dead-letter queue, and the stream's DLQ.

Inbound and outbound are FIFO (one conversation's messages in order); media downloads are a standard queue
(no order to keep, and a redelivered job overwrites the same objects)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    INGEST_FUNCTION,
    MAX_RECEIVE_COUNT,
    MEDIA_FUNCTION,
    OUTBOUND_FUNCTION,
    ROUTING_FUNCTION,
    VISIBILITY_TIMEOUT_FACTOR,
    FunctionSpec,
    LogicalIds,
)
from infra.nag import acknowledge, pin_logical_id

DLQ_RETENTION = cdk.Duration.days(14)


class Queues(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self._key = key
        # Webhooks -> ingest. Message group = conversation (ordering), dedup id = provider message id
        # (set by the producer: content-based dedup would merge two identical texts from one customer).
        self.inbound_dlq = self._fifo("InboundDeadLetterQueue", LogicalIds.INBOUND_DLQ, retention=DLQ_RETENTION)
        self.inbound = self._fifo(
            "InboundQueue",
            LogicalIds.INBOUND_QUEUE,
            consumer=INGEST_FUNCTION,
            dead_letter_queue=self.inbound_dlq,
        )
        # Stream (agent replies) -> outbound sender.
        self.outbound_dlq = self._fifo("OutboundDeadLetterQueue", LogicalIds.OUTBOUND_DLQ, retention=DLQ_RETENTION)
        self.outbound = self._fifo(
            "OutboundQueue",
            LogicalIds.OUTBOUND_QUEUE,
            consumer=OUTBOUND_FUNCTION,
            dead_letter_queue=self.outbound_dlq,
        )
        # Stream (inbound messages with files) -> media downloader.
        self.media_dlq = sqs.Queue(
            self,
            "MediaDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        pin_logical_id(self.media_dlq, LogicalIds.MEDIA_DLQ)
        self.media = sqs.Queue(
            self,
            "MediaQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            data_key_reuse=cdk.Duration.minutes(5),
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(MEDIA_FUNCTION.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.media_dlq, max_receive_count=MAX_RECEIVE_COUNT),
        )
        pin_logical_id(self.media, LogicalIds.MEDIA_QUEUE)
        # Stream (a ticket started waiting, an assignment to check later) -> routing. Standard: each message may
        # carry its own DelaySeconds (routing's timers), and the claim itself is what keeps decisions safe.
        self.routing_dlq = sqs.Queue(
            self,
            "RoutingDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        pin_logical_id(self.routing_dlq, LogicalIds.ROUTING_DLQ)
        self.routing = sqs.Queue(
            self,
            "RoutingQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            data_key_reuse=cdk.Duration.minutes(5),
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(ROUTING_FUNCTION.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.routing_dlq, max_receive_count=MAX_RECEIVE_COUNT),
        )
        pin_logical_id(self.routing, LogicalIds.ROUTING_QUEUE)
        # On-failure destination of the DynamoDB stream mapping: Lambda writes a record describing the
        # failed batch (shard, sequence numbers) here; a standard queue is what Lambda supports.
        self.stream_dlq = sqs.Queue(
            self,
            "StreamDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        pin_logical_id(self.stream_dlq, LogicalIds.STREAM_DLQ)
        acknowledge(
            self.stream_dlq,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter destination of the DynamoDB stream event source mapping; "
            "a DLQ of a DLQ would only move the same failure records one hop further.",
        )

    def _fifo(
        self,
        construct_id: str,
        logical_id: str,
        *,
        consumer: FunctionSpec | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retention: cdk.Duration | None = None,
    ) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            construct_id,
            fifo=True,
            content_based_deduplication=False,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self._key,
            data_key_reuse=cdk.Duration.minutes(5),
            enforce_ssl=True,
            retention_period=retention,
            visibility_timeout=(
                cdk.Duration.seconds(consumer.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR) if consumer else None
            ),
            dead_letter_queue=(
                sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT)
                if dead_letter_queue
                else None
            ),
        )
        pin_logical_id(queue, logical_id)
        return queue
