"""FilterCriteria and BisectBatchOnFunctionError as the local cloud's pollers apply them.

First the dispatchers on their own, against moto in this process (the function is a recorder: what is under
test is what the poller hands it and what it leaves in the queue), then a local cloud on the fixture template
plus a push function whose stream mapping carries the stack's realtime filter, and a filtered SQS mapping.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from local_helpers import FIXTURES, TEMPLATE, client, wait_for
from moto import mock_aws

from kefu.services.realtime import PUSHED_ENTITIES
from local import dispatchers
from local.cloud import LocalCloud
from local.dispatchers import MappingSpec, SqsPoller, StreamReader, mapping_specs
from local.event_filters import EventFilter, FilterError
from local.template import Resolver

REGION = "us-east-1"
PUSH_PATTERN = {"dynamodb": {"NewImage": {"entity": {"S": list(PUSHED_ENTITIES)}}}}


class Recorder:
    """Stands in for a LocalFunction: records each event; raises when a record's item says ``crash``."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.spec = type("Spec", (), {"name": "recorder", "arn": "arn:aws:lambda:us-east-1:123456789012:function:r"})

    def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(copy.deepcopy(event))
        for record in event["Records"]:
            if record.get("dynamodb", {}).get("NewImage", {}).get("note", {}).get("S") == "crash":
                raise RuntimeError("injected failure")
        return {"batchItemFailures": []}

    def keys(self) -> list[list[str]]:
        return [[r["dynamodb"]["Keys"]["PK"]["S"] for r in event["Records"]] for event in self.events]


def criteria(*patterns: dict[str, Any]) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps(pattern)} for pattern in patterns]}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def _spec(arn: str, **overrides: Any) -> MappingSpec:
    values: dict[str, Any] = {
        "logical_id": "M",
        "function_logical_id": "F",
        "source_arn": arn,
        "batch_size": 10,
        "report_batch_item_failures": True,
    }
    return MappingSpec(**{**values, **overrides})


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _waiting(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_sqs_messages_the_filter_refuses_never_reach_the_function_and_are_deleted(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url, arn = _queue(sqs, "filtered")
    event_filter = EventFilter.from_criteria(criteria({"body": {"kind": ["keep"]}}), "sqs")
    function = Recorder()
    poller = SqsPoller(_spec(arn, event_filter=event_filter), function, sqs, REGION, url)  # type: ignore[arg-type]
    for body in ('{"kind": "keep", "n": 1}', '{"kind": "drop"}', "not json", '{"kind": "keep", "n": 2}'):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    poller.poll_once()
    delivered = [record["body"] for event in function.events for record in event["Records"]]
    assert sorted(delivered) == ['{"kind": "keep", "n": 1}', '{"kind": "keep", "n": 2}']
    assert _waiting(sqs, url) == 0  # the two refused were deleted, the two delivered succeeded


def test_an_sqs_batch_with_nothing_left_invokes_nothing(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url, arn = _queue(sqs, "nothing-left")
    event_filter = EventFilter.from_criteria(criteria({"body": {"kind": ["keep"]}}), "sqs")
    function = Recorder()
    poller = SqsPoller(_spec(arn, event_filter=event_filter), function, sqs, REGION, url)  # type: ignore[arg-type]
    sqs.send_message(QueueUrl=url, MessageBody='{"kind": "drop"}')
    poller.poll_once()
    assert function.events == []
    assert _waiting(sqs, url) == 0


def _table(ddb: Any, name: str) -> str:
    table = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    return str(table["LatestStreamArn"])


def _reader(spec: MappingSpec, function: Recorder) -> StreamReader:
    # botocore derives an account-scoped streams host from the ARN, which moto in-process does not serve
    streams = boto3.client(
        "dynamodbstreams", region_name=REGION, endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
    )
    sqs = boto3.client("sqs", region_name=REGION)
    urls = {}
    if spec.on_failure_arn:
        url = sqs.get_queue_url(QueueName=spec.on_failure_arn.rsplit(":", 1)[-1])["QueueUrl"]
        urls[spec.on_failure_arn] = url
    return StreamReader(spec, function, streams, REGION, sqs, urls, retry_delay=0.0)  # type: ignore[arg-type]


def _put(ddb: Any, table: str, key: str, **attributes: str) -> None:
    item = {"PK": {"S": key}, **{name: {"S": value} for name, value in attributes.items()}}
    ddb.put_item(TableName=table, Item=item)


def test_stream_records_the_filter_refuses_are_skipped(aws: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    arn = _table(ddb, "t-filter")
    function = Recorder()
    reader = _reader(_spec(arn, event_filter=EventFilter.from_criteria(criteria(PUSH_PATTERN), "dynamodb")), function)
    _put(ddb, "t-filter", "customer-1", entity="customer")
    _put(ddb, "t-filter", "message-1", entity="message")
    _put(ddb, "t-filter", "bare-1")
    _put(ddb, "t-filter", "ticket-1", entity="ticket")
    reader.poll_once()
    assert function.keys() == [["message-1", "ticket-1"]]
    # the iterator moved past all four: nothing comes back, and a batch of refused records invokes nothing
    _put(ddb, "t-filter", "customer-2", entity="customer")
    reader.poll_once()
    reader.poll_once()
    assert function.keys() == [["message-1", "ticket-1"]]


def test_a_failing_stream_batch_is_bisected_down_to_the_bad_record(aws: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    _, dlq_arn = _queue(sqs, "stream-dlq")
    arn = _table(ddb, "t-bisect")
    function = Recorder()
    spec = _spec(arn, bisect_on_error=True, maximum_retry_attempts=1, on_failure_arn=dlq_arn)
    reader = _reader(spec, function)
    for key in ("a", "b", "c"):
        _put(ddb, "t-bisect", key)
    _put(ddb, "t-bisect", "bad", note="crash")
    _put(ddb, "t-bisect", "e")
    reader.poll_once()
    # [a b c bad e] fails -> [a b] succeeds, [c bad e] fails -> [c] succeeds, [bad e] fails -> [bad] fails,
    # is retried once (MaximumRetryAttempts 1) and given up; [e] succeeds.
    assert function.keys() == [
        ["a", "b", "c", "bad", "e"],
        ["a", "b"],
        ["c", "bad", "e"],
        ["c"],
        ["bad", "e"],
        ["bad"],
        ["bad"],
        ["e"],
    ]
    dlq = sqs.get_queue_url(QueueName="stream-dlq")["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    description = json.loads(message["Body"])
    assert description["DDBStreamBatchInfo"]["batchSize"] == 1
    assert description["requestContext"]["approximateInvokeCount"] == 2


def test_without_bisection_the_whole_batch_is_retried_then_given_up(aws: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    arn = _table(ddb, "t-whole")
    function = Recorder()
    reader = _reader(_spec(arn, maximum_retry_attempts=1), function)
    _put(ddb, "t-whole", "a")
    _put(ddb, "t-whole", "bad", note="crash")
    reader.poll_once()
    assert function.keys() == [["a", "bad"], ["a", "bad"]]


class Clock:
    """The readers' clock (``time.time`` in local.dispatchers), moved by the test."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def time(self) -> float:
        return time.time() + self.ahead


def _dead_letters(sqs: Any, name: str) -> list[dict[str, Any]]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]


def test_records_older_than_the_maximum_age_are_discarded_unseen(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    _, dlq_arn = _queue(sqs, "age-dlq")
    arn = _table(ddb, "t-age")
    clock = Clock()
    monkeypatch.setattr(dispatchers, "time", clock)
    function = Recorder()
    reader = _reader(_spec(arn, maximum_record_age=60, on_failure_arn=dlq_arn), function)
    _put(ddb, "t-age", "a")
    _put(ddb, "t-age", "b")
    clock.ahead = 120  # the reader was behind for two minutes
    reader.poll_once()
    assert function.events == []
    (description,) = _dead_letters(sqs, "age-dlq")
    assert description["requestContext"]["condition"] == "RecordAgeExceeded"
    assert description["requestContext"]["approximateInvokeCount"] == 0
    assert description["DDBStreamBatchInfo"]["batchSize"] == 2


def test_a_batch_retried_past_the_maximum_age_is_given_up(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    _, dlq_arn = _queue(sqs, "retry-age-dlq")
    arn = _table(ddb, "t-retry-age")
    clock = Clock()
    monkeypatch.setattr(dispatchers, "time", clock)

    class Slow(Recorder):
        def invoke(self, event: dict[str, Any]) -> Any:
            clock.ahead += 45  # each failing try takes 45 s
            return super().invoke(event)

    function = Slow()
    reader = _reader(_spec(arn, maximum_record_age=60, maximum_retry_attempts=-1, on_failure_arn=dlq_arn), function)
    _put(ddb, "t-retry-age", "bad", note="crash")
    reader.poll_once()
    assert function.keys() == [["bad"], ["bad"]]  # 0 s and 45 s old when tried; 90 s old: discarded
    (description,) = _dead_letters(sqs, "retry-age-dlq")
    assert description["requestContext"]["condition"] == "RecordAgeExceeded"
    assert description["requestContext"]["approximateInvokeCount"] == 2
    assert description["responseContext"]["functionError"] == "Unhandled"


def test_mapping_specs_reads_the_maximum_record_age() -> None:
    template, resolver = _template({})
    (spec,) = mapping_specs(template, resolver)
    assert spec.maximum_record_age == -1
    template["Resources"]["Mapping"]["Properties"]["MaximumRecordAgeInSeconds"] = 300
    (spec,) = mapping_specs(template, resolver)
    assert spec.maximum_record_age == 300


# -- the mapping's filter read from the template ------------------------------------------------------------------


def _template(filters: dict[str, Any]) -> tuple[dict[str, Any], Resolver]:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "FilterCriteria": filters,
                },
            },
        }
    }
    resolver = Resolver(template, REGION)
    resolver.register("Table", "t", StreamArn="arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x")
    resolver.register("Fn", "fn")
    return template, resolver


def test_mapping_specs_reads_the_filter() -> None:
    (spec,) = mapping_specs(*_template(criteria(PUSH_PATTERN)))
    assert spec.event_filter is not None
    assert spec.event_filter.matches({"dynamodb": {"NewImage": {"entity": {"S": "message"}}}})
    assert not spec.event_filter.matches({"dynamodb": {"NewImage": {"entity": {"S": "customer"}}}})


def test_a_filter_lambda_refuses_fails_the_start() -> None:
    six = criteria(*({"dynamodb": {"Keys": {"PK": {"S": [str(i)]}}}} for i in range(6)))
    with pytest.raises(FilterError, match="Mapping: 6 filters"):
        mapping_specs(*_template(six))
    with pytest.raises(FilterError, match="'wildcard' is not an operator"):
        mapping_specs(*_template(criteria({"dynamodb": {"Keys": {"PK": {"S": [{"wildcard": "T#*"}]}}}})))


# -- on a local cloud ---------------------------------------------------------------------------------------------


def _filtered_template(directory: Path) -> Path:
    """The fixture template plus a push function with the stack's realtime filter and a filtered SQS mapping."""
    template = json.loads(TEMPLATE.read_text())
    resources = template["Resources"]
    resources["PushFn"] = copy.deepcopy(resources["StreamFn"])
    resources["PushMapping"] = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "FunctionName": {"Ref": "PushFn"},
            "EventSourceArn": {"Fn::GetAtt": ["DataTable1A2B3C4D", "StreamArn"]},
            "BatchSize": 10,
            "StartingPosition": "LATEST",
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "FilterCriteria": criteria(PUSH_PATTERN),
        },
    }
    resources["FilteredQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    resources["FilteredMapping"] = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "FunctionName": {"Ref": "SqsFn"},
            "EventSourceArn": {"Fn::GetAtt": ["FilteredQueue", "Arn"]},
            "BatchSize": 10,
            "FilterCriteria": criteria({"body": {"kind": ["keep"]}}),
        },
    }
    resources["FnRoleDefaultPolicy"]["Properties"]["PolicyDocument"]["Statement"].append(
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
            ],
            "Resource": {"Fn::GetAtt": ["FilteredQueue", "Arn"]},
        }
    )
    path = directory / "stack.template.json"
    path.write_text(json.dumps(template))
    (directory / "asset.abc").symlink_to(FIXTURES / "asset.abc")
    return path


@pytest.fixture(scope="module")
def filtered_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    template = _filtered_template(tmp_path_factory.mktemp("filtered-template"))
    cloud = LocalCloud(
        root=FIXTURES,
        state_dir=tmp_path_factory.mktemp("kefu-state"),
        template=template,
        search=False,
        snapshot_interval=3600,
        concurrency=1,
    )
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


def _received(cloud: LocalCloud, function: str) -> list[dict[str, Any]]:
    path = cloud.functions[function].log_path
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [json.loads(line.split(" ", 2)[2])["event"] for line in lines if line.startswith("RECEIVED ")]


def test_the_push_function_gets_only_the_pushed_entities(filtered_cloud: LocalCloud) -> None:
    ddb = client(filtered_cloud, "dynamodb")
    run = uuid.uuid4().hex
    for key, entity in ((f"C#{run}", "customer"), (f"N#{run}", None), (f"M#{run}", "message")):
        item = {"PK": {"S": key}, "SK": {"S": "A"}, **({"entity": {"S": entity}} if entity else {})}
        ddb.put_item(TableName="kefu-DataTable1A2B3C4D", Item=item)

    def keys(function: str) -> list[str]:
        return [
            record["dynamodb"]["Keys"]["PK"]["S"]
            for event in _received(filtered_cloud, function)
            for record in event["Records"]
            if run in record["dynamodb"]["Keys"]["PK"]["S"]
        ]

    # the stream is read in order: once the message's record has arrived, the two before it were passed over
    wait_for(lambda: f"M#{run}" in keys("PushFn"))
    assert keys("PushFn") == [f"M#{run}"]
    # the unfiltered stream mapping on the same table still sees all three
    wait_for(lambda: len(keys("StreamFn")) == 3)


def test_sqs_messages_the_filter_refuses_are_deleted_unseen(filtered_cloud: LocalCloud) -> None:
    sqs = client(filtered_cloud, "sqs")
    assert filtered_cloud.provisioned is not None
    url = filtered_cloud.provisioned.resolver.ref("FilteredQueue")  # a queue's Ref is its URL
    run = uuid.uuid4().hex
    for kind in ("drop", "keep"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": kind, "run": run}))

    def bodies() -> list[dict[str, Any]]:
        found = [json.loads(r["body"]) for e in _received(filtered_cloud, "SqsFn") for r in e["Records"]]
        return [body for body in found if isinstance(body, dict) and body.get("run") == run]

    wait_for(bodies)
    wait_for(lambda: _waiting(sqs, url) == 0)  # the refused one was deleted, not left to come back
    assert [body["kind"] for body in bodies()] == ["keep"]
