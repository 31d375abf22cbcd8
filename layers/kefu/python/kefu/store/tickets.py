"""Tickets and what hangs off them: messages, events, the conversation's current ticket, dedup markers and
the provider-id pointers of sent messages (access patterns 1-7, 10, 11, 15 in ``keys``).

Every ticket write checks and bumps ``version`` (optimistic locking): a refused write is ConcurrentUpdate,
and the use case re-reads and tries again.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kefu import cursor as cursors
from kefu.clock import epoch_after, new_id, now_iso
from kefu.errors import ConcurrentUpdate, Duplicate, InvalidInput, NotFound
from kefu.models import Attachment, AuthorType, Message, Ticket, TicketEvent, TicketStatus
from kefu.store import keys
from kefu.store.table import Read, Table, Transaction, from_av, model_item, to_av

LIST_PAGE_READ = 50  # items per query page when merging status partitions
CONVERSATION_PAGE_READ = 100


@dataclass(frozen=True)
class MessageRef:
    """Which stored message: what a job or a provider's delivery report leads to (ids, never keys)."""

    ticket_id: str
    created_at: str
    message_id: str

    @classmethod
    def of(cls, message: Message) -> MessageRef:
        return cls(message.ticket_id, message.created_at, message.id)


@dataclass
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None


@dataclass
class ConversationPage:
    items: list[Message]
    cursor: str | None


def _ticket_item(ticket: Ticket) -> dict[str, Any]:
    search = f"{ticket.subject} {ticket.last_message_preview}".lower()
    index = keys.ticket_index_keys(
        ticket_id=ticket.id,
        status=ticket.status.value,
        customer_id=ticket.customer_id,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        assignee=ticket.assignee,
    )
    return {**model_item(ticket, "ticket", keys.ticket(ticket.id), **index), "search_text": search[:1000]}


def _message_item(message: Message) -> dict[str, Any]:
    index: dict[str, str] = {}
    if not message.internal:
        index = keys.conversation_message_index(message.conversation_key, message.created_at, message.id)
    return model_item(message, "message", _message_key(message), **index)


def _message_key(message: Message) -> keys.Key:
    return keys.message(message.ticket_id, message.created_at, message.id)


def _event_item(event: TicketEvent) -> dict[str, Any]:
    return model_item(event, "event", keys.event(event.ticket_id, event.created_at, event.id))


def message_from_stream_image(image: dict[str, Any]) -> Message | None:
    """The message a DynamoDB stream record's new image holds, or None when the item is something else."""
    item = from_av(image)
    return Message.model_validate(item) if item.get(keys.ENTITY) == "message" else None


class TicketRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ reads for a batch (Table.read)

    def ticket_read(self, ticket_id: str) -> Read[Ticket]:
        return Read(keys.ticket(ticket_id), Ticket.model_validate)

    def message_read(self, ticket_id: str, created_at: str, message_id: str) -> Read[Message]:
        return Read(keys.message(ticket_id, created_at, message_id), _decode_message)

    def conversation_read(self, conversation_key: str) -> Read[str]:
        """The id of the conversation's current ticket."""
        return Read(keys.conversation(conversation_key), lambda item: str(item["ticket_id"]))

    def dedup_read(self, dedupe_key: str) -> Read[bool]:
        """True when the delivery was stored already."""
        return Read(keys.dedup(dedupe_key), lambda _: True)

    # ------------------------------------------------------------ transaction builders

    def add_dedup(self, tx: Transaction, dedupe_key: str, ttl_days: int) -> None:
        item: dict[str, Any] = {
            **keys.dedup(dedupe_key).as_dict(),
            keys.ENTITY: "dedup",
            keys.TTL_ATTRIBUTE: epoch_after(timedelta(days=ttl_days)),
        }
        tx.put(item, condition="attribute_not_exists(PK)", refused=Duplicate("this delivery was already stored"))

    def add_message(self, tx: Transaction, message: Message) -> None:
        tx.put(_message_item(message), condition="attribute_not_exists(PK)", refused=_changed())

    def add_event(self, tx: Transaction, event: TicketEvent) -> None:
        tx.put(_event_item(event))

    def add_ticket(self, tx: Transaction, ticket: Ticket, *, expected_version: int | None) -> None:
        """Put the ticket; ``expected_version`` None means it must be new."""
        if expected_version is None:
            tx.put(_ticket_item(ticket), condition="attribute_not_exists(PK)", refused=_changed())
        else:
            tx.put(_ticket_item(ticket), condition="version = :v", values={":v": expected_version}, refused=_changed())

    def add_conversation(self, tx: Transaction, conversation_key: str, ticket_id: str) -> None:
        key = keys.conversation(conversation_key)
        tx.put({**key.as_dict(), keys.ENTITY: "conversation", "ticket_id": ticket_id})

    def commit(self, tx: Transaction) -> None:
        """A refused dedup marker is Duplicate; any other refusal means someone changed the ticket first."""
        self.table.commit(tx, default_refusal=_changed())

    # ------------------------------------------------------------ tickets

    def get(self, ticket_id: str) -> Ticket:
        found = self.find(ticket_id)
        if found is None:
            raise NotFound(f"ticket '{ticket_id}' not found")
        return found

    def find(self, ticket_id: str) -> Ticket | None:
        item = self.table.get(keys.ticket(ticket_id))
        return Ticket.model_validate(item) if item else None

    def current_ticket_id(self, conversation_key: str) -> str | None:
        item = self.table.get(keys.conversation(conversation_key))
        return str(item["ticket_id"]) if item else None

    def thread(self, ticket_id: str) -> tuple[list[Message], list[TicketEvent]]:
        """A ticket's messages and events, each oldest first (one query over both)."""
        messages: list[Message] = []
        events: list[TicketEvent] = []
        low, high = keys.THREAD_RANGE
        for item in self.table.query(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
            ExpressionAttributeValues=to_av({":pk": keys.ticket_partition(ticket_id), ":lo": low, ":hi": high}),
        ):
            if item.get(keys.ENTITY) == "message":
                messages.append(Message.model_validate(item))
            elif item.get(keys.ENTITY) == "event":
                events.append(TicketEvent.model_validate(item))
        return messages, events

    def of_customer(self, customer_id: str, limit: int = 50) -> list[Ticket]:
        """A customer's tickets, newest first (pattern 6)."""
        partition, prefix = keys.tickets_of_customer(customer_id)
        return [
            Ticket.model_validate(item)
            for item in self.table.first(
                limit,
                IndexName=keys.BY_OWNER.name,
                KeyConditionExpression=f"{keys.BY_OWNER.partition} = :pk AND begins_with({keys.BY_OWNER.sort}, :t)",
                ExpressionAttributeValues=to_av({":pk": partition, ":t": prefix}),
                ScanIndexForward=False,
            )
        ]

    def page(
        self,
        *,
        statuses: list[TicketStatus],
        assignee: str | None,
        filters: dict[str, str],
        limit: int,
        cursor: str | None,
    ) -> TicketPage:
        """Tickets, most recent activity first.

        With an assignee: one query on the assignee index. Otherwise one query per status, merged newest
        first; the cursor remembers where each status partition stopped. ``filters`` may hold ``priority``,
        ``team``, ``type``, ``channel``, ``inbox``, ``customer_tier``, ``q`` (text) and ``unassigned``
        (any true value), each applied as a filter expression on the partitions read.
        """
        filter_parts: list[str] = []
        values: dict[str, Any] = {}
        names: dict[str, str] = {}
        for name in ("priority", "team", "type", "channel", "inbox", "customer_tier"):
            if filters.get(name):
                filter_parts.append(f"#{name} = :{name}")
                names[f"#{name}"] = name
                values[f":{name}"] = filters[name]
        if filters.get("unassigned"):  # nobody's yet: an item without an assignee (None is not stored)
            filter_parts.append("attribute_not_exists(#assignee)")
            names["#assignee"] = "assignee"
        if filters.get("q"):
            filter_parts.append("contains(search_text, :q)")
            values[":q"] = filters["q"].lower()
        if assignee:
            if len(statuses) < len(TicketStatus):
                placeholders = []
                for i, status in enumerate(statuses):
                    placeholders.append(f":st{i}")
                    values[f":st{i}"] = status.value
                filter_parts.append(f"#status IN ({', '.join(placeholders)})")
                names["#status"] = "status"
            partitions = [(keys.BY_ASSIGNEE, keys.tickets_by_assignee(assignee))]
        else:
            partitions = [(keys.BY_STATUS, keys.tickets_by_status(s.value)) for s in statuses]
        # the cursor is only valid for the same statuses, assignee and filters
        query = cursors.query_fingerprint(statuses=[s.value for s in statuses], assignee=assignee, **filters)
        state: dict[str, Any] = cursors.decode(cursor, query) if cursor else {}

        streams: list[Iterator[tuple[str, dict[str, Any]]]] = []
        for index, key_value in partitions:
            if key_value in state and state[key_value] is None:
                continue  # this partition was exhausted on an earlier page
            streams.append(self._ticket_stream(index, key_value, state.get(key_value), filter_parts, names, values))
        merged = heapq.merge(*streams, key=lambda pair: pair[1]["sort"], reverse=True)
        items: list[Ticket] = []
        new_state = dict(state)
        for partition, row in merged:
            items.append(Ticket.model_validate(row["item"]))
            new_state[partition] = row["position"]
            if len(items) >= limit:
                break
        else:
            return TicketPage(items, None)  # every stream ran dry: no next page
        return TicketPage(items, cursors.encode(new_state, query))

    def _ticket_stream(
        self,
        index: keys.Index,
        key_value: str,
        start: Any,
        filter_parts: list[str],
        names: dict[str, str],
        values: dict[str, Any],
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        kwargs: dict[str, Any] = {
            "IndexName": index.name,
            "KeyConditionExpression": f"{index.partition} = :pk",
            "ExpressionAttributeValues": to_av({**values, ":pk": key_value}),
            "ScanIndexForward": False,
            "Limit": LIST_PAGE_READ,
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if filter_parts:
            kwargs["FilterExpression"] = " AND ".join(filter_parts)
        if start:
            kwargs["ExclusiveStartKey"] = to_av(start)
        for item in self.table.query(**kwargs):
            position = {k: item[k] for k in (keys.PK, keys.SK, index.partition, index.sort)}
            yield key_value, {"sort": item[index.sort], "item": item, "position": position}

    # ------------------------------------------------------------ messages

    def get_message(self, ticket_id: str, created_at: str, message_id: str) -> Message:
        item = self.table.get(keys.message(ticket_id, created_at, message_id))
        if item is None or item.get(keys.ENTITY) != "message":
            raise NotFound(f"message '{message_id}' of ticket '{ticket_id}' not found")
        return Message.model_validate(item)

    def conversation_messages(self, conversation_key: str, after: str | None, limit: int) -> ConversationPage:
        """The customer-visible messages of a conversation across its tickets, oldest first.

        An outbound message that is not yet delivered ends the page, so the cursor never moves past it.
        """
        start = cursors.decode(after, conversation_key).get("after") if after else keys.FIRST_MESSAGE_POSITION
        if not keys.is_message_position(start):
            raise InvalidInput("cursor is not valid")
        index = keys.BY_OWNER
        out: list[Message] = []
        last = start
        for item in self.table.query(
            IndexName=index.name,
            KeyConditionExpression=f"{index.partition} = :pk AND {index.sort} > :after",
            ExpressionAttributeValues=to_av({":pk": keys.conversation_index(conversation_key), ":after": start}),
            Limit=CONVERSATION_PAGE_READ,
        ):
            message = Message.model_validate(item)
            if message.direction == "outbound" and message.delivery_status in ("queued", "failed"):
                break
            out.append(message)
            last = item[index.sort]
            if len(out) >= limit:
                break
        return ConversationPage(out, cursors.encode({"after": last}, conversation_key))

    def update_delivery(
        self,
        message: Message | MessageRef,
        *,
        status: str,
        allowed_from: Iterable[str],
        error: str | None = None,
    ) -> bool:
        """Move a message's delivery status; False when it was not in an allowed state (already done)."""
        values: dict[str, Any] = {":new": status}
        conditions = []
        for i, state in enumerate(allowed_from):
            values[f":from{i}"] = state
            conditions.append(f"#s = :from{i}")
        sets = ["#s = :new"]
        if error is not None:
            sets.append("delivery_error = :err")
            values[":err"] = error
        ref = message if isinstance(message, MessageRef) else MessageRef.of(message)
        return self.table.update(
            keys.message(ref.ticket_id, ref.created_at, ref.message_id),
            "SET " + ", ".join(sets),
            condition="(" + " OR ".join(conditions) + ")",
            values=values,
            names={"#s": "delivery_status"},
        )

    def record_sent(self, message: Message, provider_message_id: str | None, *, from_status: str) -> bool:
        """The provider accepted the message: status ``sent`` and, when it gave an id, the pointer from that
        id back to the message (delivery reports), in one transaction. False when it was no longer
        ``from_status`` (another try got there first)."""
        if not provider_message_id:
            return self.update_delivery(message, status="sent", allowed_from=[from_status])
        tx = Transaction()
        tx.update(
            _message_key(message),
            "SET delivery_status = :new, provider_message_id = :pid",
            condition="delivery_status = :from",
            values={":new": "sent", ":pid": provider_message_id, ":from": from_status},
            refused=_changed(),
        )
        pointer = keys.provider_message(message.channel, provider_message_id)
        tx.put(
            {
                **pointer.as_dict(),
                keys.ENTITY: "provider_message",
                "ticket_id": message.ticket_id,
                "message_id": message.id,
                "message_created_at": message.created_at,
            }
        )
        try:
            self.table.commit(tx, default_refusal=_changed())
        except ConcurrentUpdate:
            return False
        return True

    def provider_message(self, channel: str, provider_message_id: str) -> MessageRef | None:
        """Our message that the provider knows by this id (its delivery reports name it), if any."""
        pointer = self.table.get(keys.provider_message(channel, provider_message_id))
        if pointer is None:
            return None
        if "message_id" in pointer:
            created_at, message_id = str(pointer["message_created_at"]), str(pointer["message_id"])
        else:  # pointers written before they carried ids kept the message's sort key
            created_at, message_id = keys.parse_message_sort(str(pointer["message_sk"]))
        return MessageRef(str(pointer["ticket_id"]), created_at, message_id)

    def update_attachments(self, message: Message, attachments: list[Attachment]) -> None:
        self.table.update(
            _message_key(message),
            "SET attachments = :a",
            condition="attribute_exists(PK)",
            values={":a": [a.model_dump(mode="json") for a in attachments]},
        )

    def record_system_event(self, ticket_id: str, kind: str, data: dict[str, Any]) -> None:
        event = TicketEvent(
            id=new_id(), ticket_id=ticket_id, type=kind, actor_type=AuthorType.SYSTEM, data=data, created_at=now_iso()
        )
        self.table.put(_event_item(event))


def _decode_message(item: dict[str, Any]) -> Message:
    return Message.model_validate(item)


def _changed() -> ConcurrentUpdate:
    return ConcurrentUpdate("the ticket was changed by someone else; try again")
