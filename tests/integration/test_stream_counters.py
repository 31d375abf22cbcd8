"""The live figures' counters, summed over a stream batch (kefu.store.counters) on moto in-process: the same
figures as one write per record, one UpdateItem per counter item, only the records before the first failed
one counted (Lambda hands the rest of the batch again), and each record counted once however often Lambda
hands it: whole again, split in two, from a failed record on, overlapping new records, or raced by another
writer of the same item."""

from __future__ import annotations

import json
from typing import Any

import pytest

import stream.handler as stream_handler
from kefu import aws
from kefu.store import counters, keys
from kefu.store.keys import Key
from kefu.store.sla import BACKLOG
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_sla import new_ticket
from tests.support.aws_events import FakeContext, stream_event


def counter_writes() -> list[dict[str, Any]]:
    """Every UpdateItem on a counter item from now on (the stream's only writes of its own)."""
    seen: list[dict[str, Any]] = []

    def look(params: dict[str, Any], **_: Any) -> None:
        if "routing_counter" in str(params.get("ExpressionAttributeValues")) or "sla_counter" in str(
            params.get("ExpressionAttributeValues")
        ):
            seen.append(params)

    aws.client("dynamodb").meta.events.register("provide-client-params.dynamodb.UpdateItem", look)
    return seen


def test_a_batch_writes_each_counter_once_with_the_sum_of_its_records(cloud: Cloud) -> None:
    for n in range(4):
        new_ticket(cloud, 40 + n)
    writes = counter_writes()
    assert cloud.run_stream(stream) == {"batchItemFailures": []}
    keys = [str(sorted(w["Key"].items())) for w in writes]
    assert len(keys) == len(set(keys)), "one write per counter item"
    assert len(keys) == 2  # the queue's length and the backlog (the bot counts nothing on WhatsApp tickets)
    # four tickets entered the general chat queue: the queue's length and the backlog moved by four at once
    assert cloud.store.routing.waiting_counts() == {("general", "chat"): 4}
    assert cloud.store.sla.count_backlog(0) == 4
    # a second batch adds to what the first wrote
    new_ticket(cloud, 44)
    cloud.run_stream(stream)
    assert cloud.store.routing.waiting_counts() == {("general", "chat"): 5}


def test_only_the_records_before_the_first_failed_one_are_counted(cloud: Cloud) -> None:
    totals: list[int] = []
    with counters.gathered() as batch:
        for record in ("100", "200", "300"):
            batch.record = record
            cloud.store.routing.count_waiting("general", "chat", +1)
            assert cloud.store.sla.count_backlog(+1, then=totals.append) is None  # told after the write
        assert cloud.store.routing.waiting_counts() == {}  # nothing written before the batch ends
        assert batch.write(cloud.store.table, failed={"200"}) == 2
    assert cloud.store.routing.waiting_counts() == {("general", "chat"): 1}
    assert totals == [1]
    # moves that cancel out within a batch are not written at all
    with counters.gathered() as batch:
        batch.record = "400"
        cloud.store.routing.count_waiting("general", "chat", +1)
        batch.record = "500"
        cloud.store.routing.count_waiting("general", "chat", -1)
        assert batch.write(cloud.store.table) == 0
    # outside a batch a counter is written at once, and its total returned
    assert cloud.store.sla.count_backlog(+2) == 3
    cloud.store.routing.count_waiting("general", "chat", +1)
    assert cloud.store.routing.waiting_counts() == {("general", "chat"): 2}


# -- exactly once: a batch Lambda hands again ----------------------------------------------------------------


def pending_records(cloud: Cloud) -> list[dict[str, Any]]:
    """The stream's records not read yet, as Lambda would hand them (in the shard's order)."""
    if cloud.shard_iterator is None:
        shard = cloud.streams.describe_stream(StreamArn=cloud.stream_arn)["StreamDescription"]["Shards"][0]
        cloud.shard_iterator = cloud.streams.get_shard_iterator(
            StreamArn=cloud.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
    resp = cloud.streams.get_records(ShardIterator=cloud.shard_iterator)
    cloud.shard_iterator = resp.get("NextShardIterator")
    return list(resp.get("Records", []))


def hand(cloud: Cloud, records: list[dict[str, Any]]) -> dict[str, Any]:
    """One invocation of the stream function on these records, as Lambda makes it."""
    result: dict[str, Any] = stream(stream_event(records, cloud.stream_arn), FakeContext())
    return result


def figures(cloud: Cloud) -> tuple[dict[tuple[str, str], int], int]:
    """The queue lengths and the backlog, as the live figures read them."""
    backlog = cloud.store.table.get(keys.sla_risk_counter(BACKLOG)) or {}
    return cloud.store.routing.waiting_counts(), int(backlog.get("waiting", 0))


def sequence_number(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def test_a_batch_handed_twice_counts_once(cloud: Cloud) -> None:
    for n in range(3):
        new_ticket(cloud, 50 + n)
    records = pending_records(cloud)
    assert hand(cloud, records) == {"batchItemFailures": []}
    assert figures(cloud) == ({("general", "chat"): 3}, 3)
    writes = counter_writes()
    assert hand(cloud, records) == {"batchItemFailures": []}  # Lambda hands it again (its answer was lost)
    assert figures(cloud) == ({("general", "chat"): 3}, 3)
    assert writes == [], "nothing new: no counter written"
    # the counter item names the records it holds: those that moved it
    queue = cloud.store.table.get(keys.queue_counter("general", "chat")) or {}
    moved = counters.applied_records(queue)
    assert len(moved) == 3 and moved <= {sequence_number(r) for r in records}


def test_a_batch_that_failed_halfway_through_its_writes_and_is_handed_again_counts_once(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(4):
        new_ticket(cloud, 60 + n)
    records = pending_records(cloud)
    update = counters._update
    calls: list[Key] = []

    def second_write_fails(table: Any, key: Key, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(key)
        if len(calls) == 2:
            raise ConnectionError("the connection dropped")  # the first counter item is written, not the second
        return update(table, key, *args, **kwargs)

    monkeypatch.setattr(counters, "_update", second_write_fails)
    with pytest.raises(ConnectionError):
        hand(cloud, records)
    first = calls[0]
    assert cloud.store.table.get(first) is not None  # the first item holds the batch's moves already
    # Lambda hands the batch again, split in two (BisectBatchOnFunctionError), then whole once more
    half = len(records) // 2
    assert hand(cloud, records[:half]) == {"batchItemFailures": []}
    assert hand(cloud, records[half:]) == {"batchItemFailures": []}
    assert figures(cloud) == ({("general", "chat"): 4}, 4)
    assert hand(cloud, records) == {"batchItemFailures": []}
    assert figures(cloud) == ({("general", "chat"): 4}, 4)


def test_a_batch_failing_on_its_third_record_handed_again_from_there_counts_each_record_once(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        new_ticket(cloud, 70 + n)
    records = pending_records(cloud)
    moving = [r for r in records if "QUEUE" in json.dumps(r["dynamodb"]["Keys"])]  # the queue entries' records
    third = sequence_number(moving[2]) if len(moving) > 2 else sequence_number(records[2])
    on_change = stream_handler.on_change

    def fails_on_third(store: Any, event_name: str, new_image: Any, old_image: Any) -> str:
        if new_image is not None and new_image == moving[2]["dynamodb"].get("NewImage"):
            raise RuntimeError("a record that fails")
        result: str = on_change(store, event_name, new_image, old_image)
        return result

    monkeypatch.setattr(stream_handler, "on_change", fails_on_third)
    failed = hand(cloud, records)["batchItemFailures"]
    assert [f["itemIdentifier"] for f in failed] == [third]
    # counted: the records before the failed one only (two queue entries of three)
    assert figures(cloud)[0] == {("general", "chat"): 2}
    monkeypatch.setattr(stream_handler, "on_change", on_change)  # the cause went away
    resume = [sequence_number(r) for r in records].index(third)
    assert hand(cloud, records[resume:]) == {"batchItemFailures": []}  # Lambda resumes at the failed record
    assert figures(cloud) == ({("general", "chat"): 3}, 3)


def test_a_replay_overlapping_new_records_counts_the_new_ones_only(cloud: Cloud) -> None:
    for n in range(2):
        new_ticket(cloud, 80 + n)
    old = pending_records(cloud)
    assert hand(cloud, old) == {"batchItemFailures": []}
    for n in range(2):
        new_ticket(cloud, 82 + n)
    new = pending_records(cloud)
    assert new
    # the old records again (the checkpoint was not moved) with the new ones behind them
    assert hand(cloud, old[len(old) // 2 :] + new) == {"batchItemFailures": []}
    assert figures(cloud) == ({("general", "chat"): 4}, 4)


def test_two_writers_racing_on_one_counter_item_both_land(cloud: Cloud) -> None:
    key = keys.queue_counter("general", "chat")
    first, second = counters.CounterBatch(), counters.CounterBatch()
    first.record, second.record = "1000", "2000"
    first.add(key, "routing_counter", {"waiting": 1}, None)
    second.add(key, "routing_counter", {"waiting": 2}, None)
    refused: list[str] = []
    attempts: list[dict[str, Any]] = []

    def the_other_writes_in_between(params: dict[str, Any], **_: Any) -> None:
        attempts.append(params)
        if len(attempts) == 1:  # after the first writer read the item, before its write lands
            assert second.write(cloud.store.table) == 1

    def seen_refused(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        code = parsed.get("Error", {}).get("Code")
        if code:
            refused.append(str(code))

    events = aws.client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.UpdateItem", the_other_writes_in_between)
    events.register("after-call.dynamodb.UpdateItem", seen_refused)
    try:
        assert first.write(cloud.store.table) == 1
    finally:
        events.unregister("provide-client-params.dynamodb.UpdateItem", the_other_writes_in_between)
        events.unregister("after-call.dynamodb.UpdateItem", seen_refused)
    assert refused == ["ConditionalCheckFailedException"]  # the first writer's condition saw the other write
    assert len(attempts) == 3  # first (refused), second, first again after reading the item anew
    item = cloud.store.table.get(key) or {}
    assert item["waiting"] == 3
    assert counters.applied_records(item) == {"1000", "2000"}
    # handed again, neither counts a second time
    for record, delta in (("1000", 1), ("2000", 2)):
        again = counters.CounterBatch()
        again.record = record
        again.add(key, "routing_counter", {"waiting": delta}, None)
        assert again.write(cloud.store.table) == 0
    assert (cloud.store.table.get(key) or {})["waiting"] == 3


def test_a_counter_item_keeps_the_records_of_its_latest_writes_only(cloud: Cloud) -> None:
    key = keys.queue_counter("general", "chat")
    for n in range(counters.APPLIED_WRITES + 4):
        batch = counters.CounterBatch()
        for r in range(5):
            batch.record = f"{4_421_584_500_000_000_017_450_439_000 + n * 10 + r}"
            batch.add(key, "routing_counter", {"waiting": 1}, None)
        assert batch.write(cloud.store.table) == 1
    item = cloud.store.table.get(key) or {}
    assert item["waiting"] == 5 * (counters.APPLIED_WRITES + 4)
    assert len(item[counters.APPLIED]) == counters.APPLIED_WRITES
    assert sum(len(entry) for entry in item[counters.APPLIED]) <= counters.APPLIED_CHARS
    held = counters.applied_records(item)
    assert len(held) == 5 * counters.APPLIED_WRITES
    assert f"{4_421_584_500_000_000_017_450_439_000 + (counters.APPLIED_WRITES + 3) * 10 + 4}" in held
    # one write whose numbers share little is kept alone when it would not fit beside the others
    batch = counters.CounterBatch()
    for r in range(120):
        batch.record = f"{r % 9 + 1}{r:039d}"  # 40 digits, no leading digit in common
        batch.add(key, "routing_counter", {"waiting": 1}, None)
    assert batch.write(cloud.store.table) == 1
    item = cloud.store.table.get(key) or {}
    assert len(item[counters.APPLIED]) == 1 and len(item[counters.APPLIED][0]) > counters.APPLIED_CHARS
    assert len(counters.applied_records(item)) == 120
