"""The six functions, their event sources and their least-privilege roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constants import FUNCTIONS, LogicalIds
from kefu.config import Env

from .conftest import Synthesized

pytestmark = pytest.mark.infra

SECRETS_ENV = {Env.SECRETS_PREFIX, Env.SECRETS_KMS_KEY_ID}
SEARCH_ENV = {Env.SEARCH_ENDPOINT, Env.KB_INDEX, Env.KB_SYNONYMS}
EXPECTED_ENV = {
    "WebhooksFunction": {
        Env.TABLE_NAME,
        Env.INBOUND_QUEUE_URL,
        Env.MEDIA_BUCKET,
        Env.CURSOR_KEY_SECRET_ARN,
        *SECRETS_ENV,
    },
    "IngestFunction": {Env.TABLE_NAME, *SECRETS_ENV},
    "StreamFunction": {
        Env.TABLE_NAME,
        Env.OUTBOUND_QUEUE_URL,
        Env.MEDIA_QUEUE_URL,
        Env.ROUTING_QUEUE_URL,
        Env.SLA_STATE_MACHINE_ARN,
        Env.BOT_QUEUE_URL,
        Env.PUBLIC_BASE_URL,  # the satisfaction survey's links
        *SEARCH_ENV,
    },
    "AgentApiFunction": {
        Env.TABLE_NAME,
        Env.USER_POOL_ID,
        Env.OUTBOUND_QUEUE_URL,
        Env.MEDIA_BUCKET,
        Env.CURSOR_KEY_SECRET_ARN,
        Env.ALLOWED_ORIGINS,
        Env.SLA_TOPIC_ARN,
        *SECRETS_ENV,
        *SEARCH_ENV,
    },
    "OutboundFunction": {Env.TABLE_NAME, Env.MEDIA_BUCKET, *SECRETS_ENV},  # a reply's files as presigned links
    "MediaFunction": {Env.TABLE_NAME, Env.MEDIA_BUCKET, *SECRETS_ENV},
    "RoutingFunction": {Env.TABLE_NAME, Env.ROUTING_QUEUE_URL},
    "HelpFunction": {Env.TABLE_NAME, *SEARCH_ENV},
    "BotFunction": {Env.TABLE_NAME, Env.HELP_BASE_URL, *SEARCH_ENV},
    "SlaFunction": {Env.TABLE_NAME, Env.SLA_TOPIC_ARN},
    "RealtimeFunction": {Env.TABLE_NAME, Env.USER_POOL_ID, Env.USER_POOL_CLIENT_ID},
    "RealtimePushFunction": {Env.TABLE_NAME, Env.REALTIME_URL},
}
# the functions that talk to providers (webhooks, outbound, media downloads, ingest for sender details)
# and the admin API; the stream talks to no provider
SECRET_READERS = {"WebhooksFunction", "OutboundFunction", "AgentApiFunction", "MediaFunction", "IngestFunction"}
# the functions that hand out list cursors read the cursor key, and nobody else
CURSOR_KEY_READERS = {"WebhooksFunction", "AgentApiFunction"}
EXPECTED_HANDLERS = {
    "WebhooksFunction": "webhooks.handler.lambda_handler",
    "IngestFunction": "ingest.handler.lambda_handler",
    "StreamFunction": "stream.handler.lambda_handler",
    "AgentApiFunction": "agent_api.handler.lambda_handler",
    "OutboundFunction": "outbound.handler.lambda_handler",
    "MediaFunction": "media.handler.lambda_handler",
    "RoutingFunction": "routing.handler.lambda_handler",
    "HelpFunction": "help.handler.lambda_handler",
    "BotFunction": "bot.handler.lambda_handler",
    "SlaFunction": "sla.handler.lambda_handler",
    "RealtimeFunction": "realtime.handler.lambda_handler",
    "RealtimePushFunction": "realtime_push.handler.lambda_handler",
}
POWERTOOLS_ENV = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"}


def _role_statements(synthesized: Synthesized, function_id: str) -> list[dict[str, Any]]:
    role = synthesized.resources("AWS::Lambda::Function")[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


def _resources_for(statements: list[dict[str, Any]], action: str) -> list[Any]:
    found: list[Any] = []
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            resources = statement["Resource"]
            found.extend(resources if isinstance(resources, list) else [resources])
    return found


def test_six_python313_arm64_functions_with_handlers_env_layers_and_tracing(synthesized: Synthesized) -> None:
    functions = synthesized.resources("AWS::Lambda::Function")
    kefu_functions = {k: v for k, v in functions.items() if k in EXPECTED_HANDLERS}
    assert set(kefu_functions) == {spec.construct_id for spec in FUNCTIONS} == set(EXPECTED_HANDLERS)
    roles = set()
    for function_id, function in kefu_functions.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == EXPECTED_HANDLERS[function_id]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert len(props["Layers"]) == 2
        variables = props["Environment"]["Variables"]
        assert set(variables) == EXPECTED_ENV[function_id] | POWERTOOLS_ENV
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Kefu"
        assert variables[Env.TABLE_NAME] == {"Ref": LogicalIds.TABLE}
        assert "LoggingConfig" in props  # its own encrypted log group with retention
        roles.add(props["Role"]["Fn::GetAtt"][0])
    assert len(roles) == len(EXPECTED_HANDLERS), "one role per function"


def test_log_groups_have_retention_and_the_key(synthesized: Synthesized) -> None:
    for log_group in synthesized.resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 90
        assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}


@pytest.mark.parametrize(
    ("function_id", "queue", "batch_size"),
    [
        ("IngestFunction", LogicalIds.INBOUND_QUEUE, 10),
        ("OutboundFunction", LogicalIds.OUTBOUND_QUEUE, 10),
        ("MediaFunction", LogicalIds.MEDIA_QUEUE, 1),  # one download per invocation, with the timeout its own
    ],
)
def test_sqs_event_sources_report_partial_batch_failures(
    primary_template, function_id: str, queue: str, batch_size: int
) -> None:
    primary_template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": function_id},
            "EventSourceArn": {"Fn::GetAtt": [queue, "Arn"]},
            "BatchSize": batch_size,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_media_downloads_have_their_own_function_and_timeout_apart_from_the_stream(synthesized: Synthesized) -> None:
    functions = synthesized.resources("AWS::Lambda::Function")
    queues = synthesized.resources("AWS::SQS::Queue")
    stream, media = functions["StreamFunction"]["Properties"], functions["MediaFunction"]["Properties"]
    assert stream["Timeout"] <= 60 < media["Timeout"]
    media_queue = queues[LogicalIds.MEDIA_QUEUE]["Properties"]
    assert media_queue["VisibilityTimeout"] >= 6 * media["Timeout"]
    assert media_queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [LogicalIds.MEDIA_DLQ, "Arn"]}
    assert media_queue["KmsMasterKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}
    assert queues[LogicalIds.MEDIA_DLQ]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [LogicalIds.KEY, "Arn"]}
    # the stream never waits on a provider: no media bucket, no secrets; its only writes are counters and
    # the satisfaction survey's puts (scoped to their partitions, test below), never a delete
    statements = _role_statements(synthesized, "StreamFunction")
    assert not {a for a in _actions(statements) if a.startswith(("s3:", "secretsmanager:"))}
    assert not {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & _actions(statements)
    updates = [s for s in statements if "dynamodb:UpdateItem" in json.dumps(s["Action"])]
    assert len(updates) == 1
    assert updates[0]["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["COUNTER#*"]}}
    # before writing a batch's counters it reads which records they hold (BatchGetItem, GetItem on a retry):
    # its read grant on the table, which the tickets and profiles it reads need anyway
    assert {"dynamodb:BatchGetItem", "dynamodb:GetItem"} <= _actions(statements)
    # the media function: read the message and inbox, update its attachments, record a failure event
    media_actions = {a for a in _actions(_role_statements(synthesized, "MediaFunction")) if a.startswith("dynamodb:")}
    assert {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"} <= media_actions
    assert not {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & media_actions


def test_stream_event_source(primary_template) -> None:
    # + the bot queue and the realtime pushes' own mapping on the stream (tests/infra/test_realtime.py)
    primary_template.resource_count_is("AWS::Lambda::EventSourceMapping", 7)
    primary_template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": "StreamFunction"},
            "EventSourceArn": {"Fn::GetAtt": [LogicalIds.TABLE, "StreamArn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 100,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 5,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [LogicalIds.STREAM_DLQ, "Arn"]}}},
        },
    )


def test_only_listed_functions_may_send_and_only_to_their_queue(synthesized: Synthesized) -> None:
    senders = {
        "WebhooksFunction": [LogicalIds.INBOUND_QUEUE],
        # The outbound and media queues, and the stream mapping's on-failure destination (Lambda sends as
        # the function).
        "StreamFunction": [
            LogicalIds.OUTBOUND_QUEUE,
            LogicalIds.MEDIA_QUEUE,
            LogicalIds.ROUTING_QUEUE,
            LogicalIds.BOT_QUEUE,
            LogicalIds.STREAM_DLQ,
        ],
        # a check that comes back before it is due is put back on its own queue
        "RoutingFunction": [LogicalIds.ROUTING_QUEUE],
        # only its stream mapping's on-failure destination (Lambda sends as the function)
        "RealtimePushFunction": [LogicalIds.STREAM_DLQ],
    }
    for spec in FUNCTIONS:
        statements = _role_statements(synthesized, spec.construct_id)
        sent_to = _resources_for(statements, "sqs:SendMessage")
        if spec.construct_id in senders:
            assert sorted(r["Fn::GetAtt"][0] for r in sent_to) == sorted(senders[spec.construct_id])
        else:
            assert sent_to == [], f"{spec.construct_id} must not send to any queue"
        # Everyone reads the table and all but the stream write it (the help center only counts votes; the
        # realtime pushes only delete gone connections), and nothing beyond it.
        table_resources = _resources_for(statements, "dynamodb:GetItem")
        assert {"Fn::GetAtt": [LogicalIds.TABLE, "Arn"]} in table_resources
        writes = _resources_for(statements, "dynamodb:PutItem")
        assert ({"Fn::GetAtt": [LogicalIds.TABLE, "Arn"]} in writes) == (
            spec.construct_id not in ("HelpFunction", "RealtimePushFunction")
        )
        if spec.construct_id == "StreamFunction":  # the survey's items only (kefu.services.csat)
            puts = [
                s
                for s in statements
                if "dynamodb:PutItem" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            ]
            assert [p.get("Condition") for p in puts] == [
                {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TICKET#*", "CSAT#*", "NOTIFY#*"]}}
            ]
        assert all(r != "*" for r in _resources_for(statements, "dynamodb:PutItem"))
        assert not any(a.endswith(":*") or a == "*" for a in _actions(statements)), "no service-wide actions"
        assert "dynamodb:DeleteTable" not in _actions(statements)


def test_consumers_and_stream_reader_have_exactly_their_event_source_rights(synthesized: Synthesized) -> None:
    assert _resources_for(_role_statements(synthesized, "IngestFunction"), "sqs:ReceiveMessage") == [
        {"Fn::GetAtt": [LogicalIds.INBOUND_QUEUE, "Arn"]}
    ]
    assert _resources_for(_role_statements(synthesized, "OutboundFunction"), "sqs:ReceiveMessage") == [
        {"Fn::GetAtt": [LogicalIds.OUTBOUND_QUEUE, "Arn"]}
    ]
    assert _resources_for(_role_statements(synthesized, "MediaFunction"), "sqs:ReceiveMessage") == [
        {"Fn::GetAtt": [LogicalIds.MEDIA_QUEUE, "Arn"]}
    ]
    assert _resources_for(_role_statements(synthesized, "RoutingFunction"), "sqs:ReceiveMessage") == [
        {"Fn::GetAtt": [LogicalIds.ROUTING_QUEUE, "Arn"]}
    ]
    stream_statements = _role_statements(synthesized, "StreamFunction")
    assert {"Fn::GetAtt": [LogicalIds.TABLE, "StreamArn"]} in _resources_for(stream_statements, "dynamodb:GetRecords")
    for function_id in ("WebhooksFunction", "IngestFunction", "AgentApiFunction", "OutboundFunction", "MediaFunction"):
        statements = _role_statements(synthesized, function_id)
        assert {"Fn::GetAtt": [LogicalIds.TABLE, "StreamArn"]} not in _resources_for(statements, "dynamodb:GetRecords")
    for function_id in ("WebhooksFunction", "AgentApiFunction", "StreamFunction"):
        assert _resources_for(_role_statements(synthesized, function_id), "sqs:ReceiveMessage") == []


def test_only_the_functions_that_talk_to_providers_read_inbox_secrets(synthesized: Synthesized) -> None:
    """Secrets are scoped to the inbox-credentials prefix; only the admin API may write them."""
    for function_id in EXPECTED_HANDLERS:
        statements = _role_statements(synthesized, function_id)
        readers = _resources_for(statements, "secretsmanager:GetSecretValue")
        writers = _resources_for(statements, "secretsmanager:PutSecretValue")
        cursor_key = {"Ref": "FunctionsCursorKey1D59BC59"}
        assert (cursor_key in readers) == (function_id in CURSOR_KEY_READERS)
        readers = [r for r in readers if r != cursor_key]
        if function_id in SECRET_READERS:
            assert readers and all("secret:kefu/inbox/*" in json.dumps(r) for r in readers)
        else:
            assert not readers
        assert bool(writers) == (function_id == "AgentApiFunction")


def test_media_bucket_access_is_one_action_on_one_prefix_per_function(synthesized: Synthesized) -> None:
    expected = {
        # web-chat customers' uploads, and the links to the conversation's files
        "WebhooksFunction": {
            ("s3:PutObject", "/raw-email/*"),
            ("s3:GetObject", "/ses-inbound/*"),
            ("s3:PutObject", "/media/*"),
            ("s3:GetObject", "/media/*"),
        },
        "StreamFunction": set(),
        "MediaFunction": {
            ("s3:PutObject", "/media/*"),
            ("s3:GetObject", "/raw-email/*"),
            ("s3:GetObject", "/ses-inbound/*"),
        },
        "AgentApiFunction": {("s3:GetObject", "/media/*"), ("s3:PutObject", "/media/*")},  # links; agents' uploads
        "IngestFunction": set(),
        "OutboundFunction": {("s3:GetObject", "/media/*")},  # signs the links a reply's files leave as
        "RoutingFunction": set(),
    }
    for function_id, grants in expected.items():
        found = set()
        for statement in _role_statements(synthesized, function_id):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                if action.startswith("s3:"):
                    resource = json.dumps(statement["Resource"])
                    prefix = next(p for p in ("/raw-email/*", "/media/*", "/ses-inbound/*") if p in resource)
                    found.add((action, prefix))
        assert found == grants, function_id
    buckets = synthesized.resources("AWS::S3::Bucket")
    media = next(b for k, b in buckets.items() if k.startswith("MediaBucket"))
    encryption = media["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert media["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
