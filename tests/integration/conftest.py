"""Integration tests: the real handlers against DynamoDB and SQS emulated in-process by moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kefu import aws
from kefu.channels.base import InboxConfig
from kefu.config import Env, get_settings
from kefu.services.admin import save_inbox
from kefu.store import Store
from tests.support.aws_events import FakeContext, sqs_event, stream_event
from tests.support.role_guard import RoleGuard, functions_act_as_their_roles

TABLE = "kefu-test"


def create_table(ddb: Any, name: str) -> dict[str, Any]:
    indexes = [
        {
            "IndexName": f"GSI{i}",
            "KeySchema": [
                {"AttributeName": f"GSI{i}PK", "KeyType": "HASH"},
                {"AttributeName": f"GSI{i}SK", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for i in (1, 2, 3)
    ]
    attrs = [{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK")]
    attrs += [{"AttributeName": f"GSI{i}{k}", "AttributeType": "S"} for i in (1, 2, 3) for k in ("PK", "SK")]
    return ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=attrs,
        GlobalSecondaryIndexes=indexes,
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]


@dataclass
class Cloud:
    store: Store
    sqs: Any
    ddb: Any
    streams: Any
    inbound_url: str
    outbound_url: str
    stream_arn: str
    media_url: str = ""
    routing_url: str = ""
    bot_url: str = ""
    shard_iterator: str | None = None
    roles: RoleGuard | None = None  # judges each call a function makes against its role in the stack

    def receive(self, queue_url: str, max_messages: int = 10) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            resp = self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=max_messages,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            batch = resp.get("Messages", [])
            if not batch:
                return out
            out.extend(batch)

    def run_sqs(self, handler: Any, queue_url: str) -> dict[str, Any]:
        """Play Lambda's SQS event source once: receive, invoke, delete what succeeded."""
        messages = self.receive(queue_url)
        if not messages:
            return {"batchItemFailures": []}
        arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        result = handler(sqs_event(messages, arn), FakeContext())
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            else:
                self.sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
        return result

    def run_stream(self, handler: Any) -> dict[str, Any]:
        if self.shard_iterator is None:
            shard = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]
            self.shard_iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        resp = self.streams.get_records(ShardIterator=self.shard_iterator)
        self.shard_iterator = resp.get("NextShardIterator")
        records = resp.get("Records", [])
        if not records:
            return {"batchItemFailures": []}
        return handler(stream_event(records, self.stream_arn), FakeContext())


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    with moto_cloud(monkeypatch) as value:
        yield value


@cache
def _moto_as_the_local_cloud_runs_it() -> None:
    """The local cloud's fixes of moto (local/emulator_patches.py, same answers, each tested there), here too:
    among them, a transaction that is rolled back leaves no record in the table's stream, as in DynamoDB (moto
    puts back a copy of the table, while a stream reader already holds the shard that got the records)."""
    from local import emulator_patches

    emulator_patches.apply()


@contextmanager
def moto_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    """Table and queues shaped like the stack's, in moto in-process, with the functions' settings pointing there."""
    _moto_as_the_local_cloud_runs_it()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "KefuTest")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(), functions_act_as_their_roles() as roles:
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        table = create_table(ddb, TABLE)
        queues = {}
        for name in ("inbound", "outbound"):
            dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            queues[name] = sqs.create_queue(
                QueueName=f"{name}.fifo",
                Attributes={
                    "FifoQueue": "true",
                    "VisibilityTimeout": "30",
                    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
                },
            )["QueueUrl"]
        monkeypatch.setenv(Env.TABLE_NAME, TABLE)
        monkeypatch.setenv(Env.INBOUND_QUEUE_URL, queues["inbound"])
        monkeypatch.setenv(Env.OUTBOUND_QUEUE_URL, queues["outbound"])
        # media downloads: a standard queue, as in the stack
        media_dlq_arn = sqs.get_queue_attributes(
            QueueUrl=sqs.create_queue(QueueName="media-dlq")["QueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        media_url = sqs.create_queue(
            QueueName="media",
            Attributes={
                "VisibilityTimeout": "30",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": media_dlq_arn, "maxReceiveCount": 5}),
            },
        )["QueueUrl"]
        monkeypatch.setenv(Env.MEDIA_QUEUE_URL, media_url)
        # routing's work: a standard queue too (jobs carry their own delays)
        routing_dlq_arn = sqs.get_queue_attributes(
            QueueUrl=sqs.create_queue(QueueName="routing-dlq")["QueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        routing_url = sqs.create_queue(
            QueueName="routing",
            Attributes={
                "VisibilityTimeout": "30",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": routing_dlq_arn, "maxReceiveCount": 5}),
            },
        )["QueueUrl"]
        monkeypatch.setenv(Env.ROUTING_QUEUE_URL, routing_url)
        # SLA timers: a state machine the stream starts and stops executions of (moto in-process runs none of
        # them: tests/e2e/test_sla_e2e.py runs the real workflow), and the topic notices go to
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        machine = sfn.create_state_machine(
            name="kefu-sla",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/kefu-sla",
        )["stateMachineArn"]
        monkeypatch.setenv(Env.SLA_STATE_MACHINE_ARN, machine)
        topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="kefu-sla")["TopicArn"]
        monkeypatch.setenv(Env.SLA_TOPIC_ARN, topic)
        monkeypatch.setenv(Env.SLA_EMAIL, "")  # no mail unless a test sets an address (tests/conftest.py's placeholder)
        # the bot's work: FIFO, one group per ticket (kefu.services.bot)
        bot_dlq = sqs.create_queue(QueueName="bot-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        bot_dlq_arn = sqs.get_queue_attributes(QueueUrl=bot_dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bot_url = sqs.create_queue(
            QueueName="bot.fifo",
            Attributes={
                "FifoQueue": "true",
                "VisibilityTimeout": "30",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": bot_dlq_arn, "maxReceiveCount": 5}),
            },
        )["QueueUrl"]
        monkeypatch.setenv(Env.BOT_QUEUE_URL, bot_url)
        cursor_key = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="kefu/cursor-key", SecretString="integration-cursor-key"
        )
        monkeypatch.setenv(Env.CURSOR_KEY_SECRET_ARN, cursor_key["ARN"])
        # the key inbox secrets and media are encrypted with, as the stack's KefuKey: a function's role must
        # allow its use (tests/support/role_guard.py judges it)
        key = boto3.client("kms", region_name="us-east-1").create_key(Description="kefu")["KeyMetadata"]["Arn"]
        monkeypatch.setenv(Env.SECRETS_KMS_KEY_ID, key)
        get_settings.cache_clear()
        aws.reset_clients()
        store = Store.from_settings()
        save_inbox(store, InboxConfig(id="web", channel="web", name="Web chat"))
        yield Cloud(
            store=store,
            sqs=sqs,
            ddb=ddb,
            # botocore now derives an account-scoped streams host from the ARN, which moto's in-process
            # interceptor does not know; the classic regional host reaches the same backend.
            streams=boto3.client(
                "dynamodbstreams",
                region_name="us-east-1",
                endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com",
            ),
            inbound_url=queues["inbound"],
            outbound_url=queues["outbound"],
            stream_arn=table["LatestStreamArn"],
            media_url=media_url,
            routing_url=routing_url,
            bot_url=bot_url,
            roles=roles,
        )
        get_settings.cache_clear()
        aws.reset_clients()
        if roles.denials:
            pytest.fail(
                "a function's role in the synthesized stack does not allow a call it made (as AWS would refuse it):\n"
                + "\n".join(sorted({str(denial) for denial in roles.denials})),
                pytrace=False,
            )
