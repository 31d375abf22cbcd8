"""The store's own promises, on moto in-process: one commit path that says why a transaction was refused,
a batch read across aggregates, an injectable client, and per-container caches that never serve a change
made in the same container late, nor a session past its expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import boto3
import pytest

from kefu.clock import epoch_after, new_id, now_iso
from kefu.errors import ConcurrentUpdate, Conflict, Duplicate, NotFound
from kefu.models import Customer, Identity, InboxRecord, Ticket
from kefu.store import Store, Transaction
from kefu.store.chat_sessions import ChatSessionRecord
from kefu.store.table import MAX_TRANSACTION_ITEMS
from tests.integration.conftest import TABLE, Cloud


def ticket(**fields: Any) -> Ticket:
    stamp = now_iso()
    defaults: dict[str, Any] = {
        "id": new_id(),
        "channel": "web",
        "inbox": "web",
        "customer_id": "c-1",
        "conversation_key": "web:web:v-1",
        "created_at": stamp,
        "updated_at": stamp,
    }
    return Ticket(**{**defaults, **fields})


def test_a_refused_dedup_marker_is_a_duplicate_whatever_else_was_refused(cloud: Cloud) -> None:
    store = cloud.store
    first = Transaction()
    store.tickets.add_dedup(first, "web#web#m-1", ttl_days=1)
    store.tickets.add_ticket(first, stored := ticket(), expected_version=None)
    store.tickets.commit(first)

    again = Transaction()
    store.tickets.add_ticket(again, stored, expected_version=None)  # refused too: the ticket exists
    store.tickets.add_dedup(again, "web#web#m-1", ttl_days=1)
    with pytest.raises(Duplicate):
        store.tickets.commit(again)


def test_a_stale_ticket_version_is_a_concurrent_update_and_writes_nothing(cloud: Cloud) -> None:
    store = cloud.store
    tx = Transaction()
    store.tickets.add_ticket(tx, original := ticket(), expected_version=None)
    store.tickets.commit(tx)

    stale = Transaction()
    store.tickets.add_dedup(stale, "web#web#m-2", ttl_days=1)
    store.tickets.add_ticket(stale, original.model_copy(update={"subject": "changed"}), expected_version=7)
    with pytest.raises(ConcurrentUpdate):
        store.tickets.commit(stale)
    assert store.tickets.get(original.id).subject == ""
    assert store.read([store.tickets.dedup_read("web#web#m-2")]) == [None]  # all or nothing


def test_a_claimed_identity_refuses_a_second_customer(cloud: Cloud) -> None:
    store = cloud.store
    stamp = now_iso()
    one = Identity(channel="whatsapp", external_id="+8613812345678")
    store.customers.create(Customer(id="a", identities=[one], created_at=stamp, updated_at=stamp), [])
    with pytest.raises(ConcurrentUpdate):
        store.customers.create(Customer(id="b", identities=[one], created_at=stamp, updated_at=stamp), [])
    assert store.customers.find("b") is None
    assert store.customers.owner_of("whatsapp", "+8613812345678") == "a"


def test_a_transaction_larger_than_dynamodb_takes_is_refused_before_any_request(cloud: Cloud) -> None:
    store = Store(TABLE, client=mock.Mock(spec=["transact_write_items"]))
    tx = Transaction()
    for i in range(MAX_TRANSACTION_ITEMS + 1):
        store.tickets.add_dedup(tx, f"web#web#{i}", ttl_days=1)
    with pytest.raises(Conflict, match="more than the 100"):
        store.tickets.commit(tx)
    store.table.client.transact_write_items.assert_not_called()


def test_one_batch_reads_several_aggregates_in_the_order_asked(cloud: Cloud) -> None:
    store = cloud.store
    tx = Transaction()
    store.tickets.add_ticket(tx, stored := ticket(), expected_version=None)
    store.tickets.add_conversation(tx, stored.conversation_key, stored.id)
    store.tickets.commit(tx)

    inbox, found_ticket, missing, conversation = store.read(
        [
            store.inboxes.read("web"),
            store.tickets.ticket_read(stored.id),
            store.tickets.ticket_read("nope"),
            store.tickets.conversation_read(stored.conversation_key),
        ]
    )
    assert isinstance(inbox, InboxRecord) and inbox.id == "web"
    assert found_ticket == stored and missing is None and conversation == stored.id


def test_the_client_is_injectable(cloud: Cloud) -> None:
    own = boto3.client("dynamodb", region_name="us-east-1")
    calls: list[str] = []
    own.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
    store = Store(TABLE, client=own)
    with pytest.raises(NotFound):
        store.tickets.get("nope")
    assert calls == ["GetItem"]


def test_an_inbox_edited_in_this_container_is_never_served_stale(cloud: Cloud) -> None:
    store = cloud.store
    record = store.inboxes.get("web")
    assert store.inboxes.cached("web") == record
    store.inboxes.put(record.model_copy(update={"name": "Renamed"}))
    assert store.inboxes.cached("web") is None
    assert store.inboxes.get("web").name == "Renamed"


def test_a_cached_chat_session_ends_when_the_session_does(cloud: Cloud) -> None:
    store = cloud.store
    expires = epoch_after(timedelta(hours=1))
    session = ChatSessionRecord(
        inbox="web", visitor_id="v-1", ticket_id="t-1", created_at=now_iso(), expires_at=expires
    )
    store.chat_sessions.create("hash-1", session)
    assert store.chat_sessions.find("hash-1") is not None
    with mock.patch("kefu.store.chat_sessions.time.time", return_value=10**12):
        assert store.chat_sessions.find("hash-1") is None  # past its expiry, cached or not
    assert Store(TABLE).chat_sessions.find("hash-2") is None


def test_keys_dynamodb_leaves_unprocessed_are_asked_for_again(cloud: Cloud) -> None:
    """An injected fault: the first BatchGetItem answer holds one item back, as a throttled table does."""
    real = boto3.client("dynamodb", region_name="us-east-1")
    answers: list[int] = []

    def throttled_once(**kwargs: Any) -> dict[str, Any]:
        resp: dict[str, Any] = dict(real.batch_get_item(**kwargs))
        if not answers:
            held_back = resp["Responses"][TABLE].pop()
            key = {name: held_back[name] for name in ("PK", "SK")}
            resp["UnprocessedKeys"] = {TABLE: {"Keys": [key], "ConsistentRead": True}}
        answers.append(len(resp["Responses"][TABLE]))
        return resp

    client = mock.Mock(batch_get_item=throttled_once)
    store = Store(TABLE, client=client)
    tx = Transaction()
    for one in (first := ticket(), second := ticket()):
        cloud.store.tickets.add_ticket(tx, one, expected_version=None)
    cloud.store.tickets.commit(tx)

    found = store.read([store.tickets.ticket_read(first.id), store.tickets.ticket_read(second.id)])
    assert found == [first, second]
    assert answers == [1, 1]
