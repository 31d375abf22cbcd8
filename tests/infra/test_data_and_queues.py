"""The table, the queues and their dead-letter queues, the key."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from infra.constants import (
    FUNCTIONS,
    MAX_RECEIVE_COUNT,
    VISIBILITY_TIMEOUT_FACTOR,
    LogicalIds,
)

from .conftest import Synthesized

pytestmark = pytest.mark.infra


def test_one_table_with_keys_indexes_stream_ttl_pitr_and_customer_managed_key(primary_template) -> None:
    primary_template.resource_count_is("AWS::DynamoDB::Table", 1)
    primary_template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "SK", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]},
                },
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": f"GSI{n}",
                        "KeySchema": [
                            {"AttributeName": f"GSI{n}PK", "KeyType": "HASH"},
                            {"AttributeName": f"GSI{n}SK", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                    for n in (1, 2, 3)
                ],
            },
        },
    )
    table = primary_template.find_resources("AWS::DynamoDB::Table")[LogicalIds.TABLE]
    definitions = {d["AttributeName"]: d["AttributeType"] for d in table["Properties"]["AttributeDefinitions"]}
    assert definitions == dict.fromkeys(("PK", "SK", *(f"GSI{n}{k}" for n in (1, 2, 3) for k in ["PK", "SK"])), "S")


def test_key_rotates(primary_template) -> None:
    primary_template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@pytest.mark.parametrize(
    ("queue", "dlq", "consumer"),
    [
        (LogicalIds.INBOUND_QUEUE, LogicalIds.INBOUND_DLQ, "IngestFunction"),
        (LogicalIds.OUTBOUND_QUEUE, LogicalIds.OUTBOUND_DLQ, "OutboundFunction"),
    ],
)
def test_fifo_queue_redrives_to_fifo_dlq_and_outlasts_its_consumer(
    synthesized: Synthesized, queue: str, dlq: str, consumer: str
) -> None:
    queues = synthesized.resources("AWS::SQS::Queue")
    props = queues[queue]["Properties"]
    assert props["FifoQueue"] is True
    assert props["ContentBasedDeduplication"] is False
    assert props["KmsMasterKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
        "maxReceiveCount": MAX_RECEIVE_COUNT,
    }
    assert queues[dlq]["Properties"]["FifoQueue"] is True
    assert queues[dlq]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}
    timeout = synthesized.resources("AWS::Lambda::Function")[consumer]["Properties"]["Timeout"]
    assert props["VisibilityTimeout"] >= VISIBILITY_TIMEOUT_FACTOR * timeout
    assert {spec.construct_id for spec in FUNCTIONS} >= {consumer}


def test_every_queue_denies_plain_http(synthesized: Synthesized) -> None:
    protected: set[str] = set()
    for policy in synthesized.resources("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(
            s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ):
            protected.update(q["Ref"] for q in policy["Properties"]["Queues"])
    assert protected == set(synthesized.resources("AWS::SQS::Queue"))


def test_stream_dlq_is_a_standard_encrypted_queue(primary_template) -> None:
    queue = primary_template.find_resources("AWS::SQS::Queue")[LogicalIds.STREAM_DLQ]
    assert "FifoQueue" not in queue["Properties"]
    assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}


def test_alarms_watch_every_dlq_and_every_function(synthesized: Synthesized, primary_template) -> None:
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    watched_queues = {
        d["Value"]["Fn::GetAtt"][0]
        for a in alarms
        for d in a["Properties"].get("Dimensions", [])
        if d["Name"] == "QueueName"
    }
    assert watched_queues == {
        LogicalIds.INBOUND_DLQ,
        LogicalIds.OUTBOUND_DLQ,
        LogicalIds.STREAM_DLQ,
        LogicalIds.MEDIA_DLQ,
        LogicalIds.ROUTING_DLQ,
        LogicalIds.BOT_DLQ,
    }
    watched_functions = {
        d["Value"]["Ref"]
        for a in alarms
        if a["Properties"]["MetricName"] == "Errors"
        for d in a["Properties"]["Dimensions"]
    }
    assert watched_functions == {spec.construct_id for spec in FUNCTIONS}
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": LogicalIds.ALARM_TOPIC}]
    primary_template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}}
    )
    primary_template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )
    primary_template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Threshold": 0,
            "ComparisonOperator": Match.exact("GreaterThanThreshold"),
        },
    )
