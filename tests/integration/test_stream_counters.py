"""The live figures' counters, summed over a stream batch (kefu.store.counters) on moto in-process: the same
figures as one write per record, one UpdateItem per counter item, and only the records before the first
failed one counted (Lambda hands the rest of the batch again)."""

from __future__ import annotations

from typing import Any

from kefu import aws
from kefu.store import counters
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_sla import new_ticket


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
