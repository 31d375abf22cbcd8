"""The emulator's own ceiling, measured in the same run as the load: how many requests a second it answers
when nothing else asks (8 client threads, one scratch table and queue, root credentials)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import boto3

THREADS = 8
SECONDS = 3.0


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def measure(endpoint: str) -> dict[str, float]:
    run = uuid.uuid4().hex[:8]
    ddb = _client(endpoint, "dynamodb")
    table = f"bench-ceiling-{run}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    ddb.put_item(TableName=table, Item={"PK": {"S": "read"}, "SK": {"S": "me"}})
    queue = _client(endpoint, "sqs").create_queue(
        QueueName=f"bench-ceiling-{run}.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]

    def get_item(client: Any, worker: int, n: int) -> None:
        client.get_item(TableName=table, Key={"PK": {"S": "read"}, "SK": {"S": "me"}})

    def transact(client: Any, worker: int, n: int) -> None:
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"PK": {"S": f"T{worker}"}, "SK": {"S": f"M{n}"}, "body": {"S": "x" * 200}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {"Put": {"TableName": table, "Item": {"PK": {"S": f"D{worker}-{n}"}, "SK": {"S": "D"}}}},
            ]
        )

    def send(client: Any, worker: int, n: int) -> None:
        client.send_message(
            QueueUrl=queue, MessageBody="x" * 300, MessageGroupId=f"g{worker}", MessageDeduplicationId=f"{worker}-{n}"
        )

    figures = {
        "GetItem/s": _rate(endpoint, "dynamodb", get_item),
        "TransactWriteItems/s (2 puts)": _rate(endpoint, "dynamodb", transact),
        "SendMessage/s (FIFO)": _rate(endpoint, "sqs", send),
    }
    ddb.delete_table(TableName=table)
    return figures


def _rate(endpoint: str, service: str, call: Any) -> float:
    done = [0] * THREADS
    stop_at = time.perf_counter() + SECONDS

    def worker(index: int) -> None:
        client = _client(endpoint, service)
        n = 0
        while time.perf_counter() < stop_at:
            n += 1
            call(client, index, n)
            done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(done) / (time.perf_counter() - began), 1)
