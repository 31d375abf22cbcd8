"""The one module that knows the DynamoDB table: every key, index and item shape lives here.

Single-table design. Access patterns:

| # | pattern                                        | key                                                            |
|---|------------------------------------------------|----------------------------------------------------------------|
| 1 | ticket by id                                   | PK=TICKET#<id>            SK=TICKET                            |
| 2 | a ticket's messages, oldest first              | PK=TICKET#<id>            SK begins_with MSG#<created>#<id>      |
| 3 | a ticket's events, oldest first                | PK=TICKET#<id>            SK begins_with EVENT#<created>#<id>    |
| 4 | tickets by status, latest activity first       | GSI1 GSI1PK=STATUS#<status>   GSI1SK=<updated_at>#<id>         |
| 5 | tickets by assignee, latest activity first     | GSI2 GSI2PK=ASSIGNEE#<agent>  GSI2SK=<updated_at>#<id>         |
| 6 | a customer's tickets, newest first             | GSI3 GSI3PK=CUSTOMER#<id>     GSI3SK=TICKET#<created_at>#<id>  |
| 7 | a conversation's visible messages (all tickets)| GSI3 GSI3PK=CONV#<hash>       GSI3SK=MSG#<created_at>#<id>     |
| 8 | customer by id                                 | PK=CUSTOMER#<id>          SK=PROFILE                           |
| 9 | customer by channel identity                   | PK=IDENTITY#<channel>#<external id>  SK=IDENTITY               |
|10 | the current ticket of a conversation           | PK=CONV#<conversation key> SK=CONV                             |
|11 | delivery already stored? (TTL)                 | PK=DEDUP#<dedupe key>     SK=DEDUP                             |
|12 | web-chat session by token hash (TTL)           | PK=CHATSESSION#<sha256>   SK=SESSION                           |
|13 | inbox configuration (no secrets); all inboxes  | PK=INBOX#<id> SK=CONFIG; GSI1 GSI1PK=INBOXES GSI1SK=<id>       |
|14 | agent profile; all agents                      | PK=AGENT#<id> SK=PROFILE; GSI1 GSI1PK=AGENTS GSI1SK=<email>    |
|15 | our message by the provider's id (reports)     | PK=PROVIDERMSG#<channel>#<provider id>  SK=PROVIDERMSG         |
|16 | audit trail of sensitive actions, by month     | PK=AUDIT#<yyyy-mm>        SK=<created_at>#<id>                 |
|17 | customers who declared a phone number / email  | PK=CONTACT#<phone|email>#<value>  SK=CUSTOMER#<id>             |
|18 | a customer's possible duplicates               | PK=CUSTOMER#<id>          SK=SUGGESTION#<other customer id>    |
|19 | one merge of two customers (undo reads it)     | PK=MERGE#<id>             SK=MERGE                             |

Internal notes carry no GSI3 keys, so they can never appear in a customer's conversation (pattern 7).
Every ticket write checks and bumps ``version`` (optimistic locking).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from kefu import aws
from kefu.clock import epoch_after
from kefu.config import get_settings
from kefu.errors import ConcurrentUpdate, Conflict, Duplicate, InvalidInput, NotFound
from kefu.models import (
    Agent,
    Attachment,
    AuditEntry,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    Identity,
    InboxRecord,
    Message,
    Ticket,
    TicketEvent,
    TicketStatus,
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

ENTITY = "entity"
TTL_ATTRIBUTE = "expires_at"


# ---------------------------------------------------------------- keys


def ticket_pk(ticket_id: str) -> str:
    return f"TICKET#{ticket_id}"


def message_sk(created_at: str, message_id: str) -> str:
    return f"MSG#{created_at}#{message_id}"


def event_sk(created_at: str, event_id: str) -> str:
    return f"EVENT#{created_at}#{event_id}"


def conversation_index_pk(conversation_key: str) -> str:
    return "CONV#" + hashlib.sha256(conversation_key.encode()).hexdigest()[:40]


def _ticket_index_keys(ticket: Ticket) -> dict[str, str]:
    keys = {
        "GSI1PK": f"STATUS#{ticket.status.value}",
        "GSI1SK": f"{ticket.updated_at}#{ticket.id}",
        "GSI3PK": f"CUSTOMER#{ticket.customer_id}",
        "GSI3SK": f"TICKET#{ticket.created_at}#{ticket.id}",
    }
    if ticket.assignee:
        keys["GSI2PK"] = f"ASSIGNEE#{ticket.assignee}"
        keys["GSI2SK"] = f"{ticket.updated_at}#{ticket.id}"
    return keys


# ---------------------------------------------------------------- (de)serialisation


def _clean(value: Any) -> Any:
    """Drop None (DynamoDB has no use for it) and turn floats into Decimals, recursively."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_av(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in _clean(item).items()}


def from_av(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the models want int."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def _model_item(model: BaseModel, entity: str, keys: dict[str, str]) -> dict[str, Any]:
    return {**model.model_dump(mode="json"), **keys, ENTITY: entity}


def ticket_item(ticket: Ticket) -> dict[str, Any]:
    search = f"{ticket.subject} {ticket.last_message_preview}".lower()
    return {
        **_model_item(ticket, "ticket", {"PK": ticket_pk(ticket.id), "SK": "TICKET"}),
        **_ticket_index_keys(ticket),
        "search_text": search[:1000],
    }


def message_item(message: Message) -> dict[str, Any]:
    keys = {"PK": ticket_pk(message.ticket_id), "SK": message_sk(message.created_at, message.id)}
    if not message.internal:
        keys["GSI3PK"] = conversation_index_pk(message.conversation_key)
        keys["GSI3SK"] = message_sk(message.created_at, message.id)
    return _model_item(message, "message", keys)


def event_item(event: TicketEvent) -> dict[str, Any]:
    keys = {"PK": ticket_pk(event.ticket_id), "SK": event_sk(event.created_at, event.id)}
    return _model_item(event, "event", keys)


def customer_item(customer: Customer) -> dict[str, Any]:
    return _model_item(customer, "customer", {"PK": f"CUSTOMER#{customer.id}", "SK": "PROFILE"})


def identity_item(channel: str, external_id: str, customer_id: str) -> dict[str, Any]:
    return {
        "PK": f"IDENTITY#{channel}#{external_id}",
        "SK": "IDENTITY",
        ENTITY: "identity",
        "customer_id": customer_id,
        "channel": channel,
        "external_id": external_id,
    }


def conversation_item(conversation_key: str, ticket_id: str) -> dict[str, Any]:
    return {"PK": f"CONV#{conversation_key}", "SK": "CONV", ENTITY: "conversation", "ticket_id": ticket_id}


def dedup_item(dedupe_key: str, ttl_days: int) -> dict[str, Any]:
    return {
        "PK": f"DEDUP#{dedupe_key}",
        "SK": "DEDUP",
        ENTITY: "dedup",
        TTL_ATTRIBUTE: epoch_after(timedelta(days=ttl_days)),
    }


def entity_of(item: dict[str, Any]) -> str | None:
    value = item.get(ENTITY)
    return value if isinstance(value, str) else None


def ticket_from_item(item: dict[str, Any]) -> Ticket:
    return Ticket.model_validate(item)


def message_from_item(item: dict[str, Any]) -> Message:
    return Message.model_validate(item)


# ---------------------------------------------------------------- cursors


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidInput("cursor is not valid") from err


# ---------------------------------------------------------------- transactions


@dataclass
class Transaction:
    """A DynamoDB transaction under construction; the repository decides what goes in."""

    items: list[dict[str, Any]]

    def put(
        self,
        item: dict[str, Any],
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        op: dict[str, Any] = {"Item": to_av(item)}
        if condition:
            op["ConditionExpression"] = condition
        if values:
            op["ExpressionAttributeValues"] = to_av(values)
        if names:
            op["ExpressionAttributeNames"] = names
        self.items.append({"Put": op})


@dataclass
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None


@dataclass
class ConversationPage:
    items: list[Message]
    cursor: str | None


class Repository:
    def __init__(self, table_name: str, ddb: Any | None = None) -> None:
        self.table_name = table_name
        self._ddb = ddb

    @classmethod
    def from_settings(cls) -> Repository:
        return cls(get_settings().table_name)

    @property
    def ddb(self) -> Any:
        return self._ddb or aws.client("dynamodb")

    # ------------------------------------------------------------ generic

    def _get(self, pk: str, sk: str, consistent: bool = True) -> dict[str, Any] | None:
        resp = self.ddb.get_item(TableName=self.table_name, Key=to_av({"PK": pk, "SK": sk}), ConsistentRead=consistent)
        item = resp.get("Item")
        return from_av(item) if item else None

    def _put(self, item: dict[str, Any], condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Item": to_av(item)}
        if condition:
            kwargs["ConditionExpression"] = condition
        self.ddb.put_item(**kwargs)

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        kwargs["TableName"] = self.table_name
        while True:
            resp = self.ddb.query(**kwargs)
            for item in resp.get("Items", []):
                yield from_av(item)
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def new_transaction(self) -> Transaction:
        return Transaction(items=[])

    def commit(self, tx: Transaction) -> None:
        """Write all or nothing. A failed dedup condition means the delivery is a duplicate; any other
        failed condition means somebody else changed the ticket first."""
        for op in tx.items:
            op[next(iter(op))]["TableName"] = self.table_name
        try:
            self.ddb.transact_write_items(TransactItems=tx.items)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = err.response.get("CancellationReasons") or []
            for op, reason in zip(tx.items, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    key = next(iter(op.values()))["Item"]["PK"]["S"]
                    if key.startswith("DEDUP#"):
                        raise Duplicate("this delivery was already stored") from err
            raise ConcurrentUpdate("the ticket was changed by someone else; try again") from err

    # ------------------------------------------------------------ transaction builders

    def add_dedup(self, tx: Transaction, dedupe_key: str) -> None:
        tx.put(dedup_item(dedupe_key, get_settings().dedup_ttl_days), condition="attribute_not_exists(PK)")

    def add_message(self, tx: Transaction, message: Message) -> None:
        tx.put(message_item(message), condition="attribute_not_exists(PK)")

    def add_event(self, tx: Transaction, event: TicketEvent) -> None:
        tx.put(event_item(event))

    def add_ticket(self, tx: Transaction, ticket: Ticket, *, expected_version: int | None) -> None:
        """Put the ticket; ``expected_version`` None means it must be new."""
        if expected_version is None:
            tx.put(ticket_item(ticket), condition="attribute_not_exists(PK)")
        else:
            tx.put(ticket_item(ticket), condition="version = :v", values={":v": expected_version})

    def add_conversation(self, tx: Transaction, conversation_key: str, ticket_id: str) -> None:
        tx.put(conversation_item(conversation_key, ticket_id))

    # ------------------------------------------------------------ tickets

    def get_ticket(self, ticket_id: str) -> Ticket:
        item = self._get(ticket_pk(ticket_id), "TICKET")
        if item is None:
            raise NotFound(f"ticket '{ticket_id}' not found")
        return ticket_from_item(item)

    def find_ticket(self, ticket_id: str) -> Ticket | None:
        item = self._get(ticket_pk(ticket_id), "TICKET")
        return ticket_from_item(item) if item else None

    def ticket_thread(self, ticket_id: str) -> tuple[list[Message], list[TicketEvent]]:
        messages: list[Message] = []
        events: list[TicketEvent] = []
        for item in self._query(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
            ExpressionAttributeValues=to_av({":pk": ticket_pk(ticket_id), ":lo": "EVENT#", ":hi": "MSG$"}),
        ):
            if item.get(ENTITY) == "message":
                messages.append(message_from_item(item))
            elif item.get(ENTITY) == "event":
                events.append(TicketEvent.model_validate(item))
        return messages, events

    def get_message(self, ticket_id: str, sk: str) -> Message:
        item = self._get(ticket_pk(ticket_id), sk)
        if item is None or item.get(ENTITY) != "message":
            raise NotFound(f"message '{sk}' of ticket '{ticket_id}' not found")
        return message_from_item(item)

    def update_message_delivery(
        self,
        message: Message,
        *,
        status: str,
        allowed_from: Iterable[str],
        provider_message_id: str | None,
        error: str | None,
    ) -> bool:
        """Move a message's delivery status; False when it was not in an allowed state (already done)."""
        names = {"#s": "delivery_status"}
        values: dict[str, Any] = {":new": status}
        allowed = list(allowed_from)
        conds = []
        for i, state in enumerate(allowed):
            values[f":from{i}"] = state
            conds.append(f"#s = :from{i}")
        sets = ["#s = :new"]
        if provider_message_id:
            sets.append("provider_message_id = :pid")
            values[":pid"] = provider_message_id
        if error is not None:
            sets.append("delivery_error = :err")
            values[":err"] = error
        try:
            self.ddb.update_item(
                TableName=self.table_name,
                Key=to_av({"PK": ticket_pk(message.ticket_id), "SK": message_sk(message.created_at, message.id)}),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="(" + " OR ".join(conds) + ")",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_av(values),
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def list_tickets(
        self,
        *,
        statuses: list[TicketStatus],
        assignee: str | None,
        filters: dict[str, str],
        limit: int,
        cursor: str | None,
    ) -> TicketPage:
        """Tickets, most recent activity first.

        With an assignee: one query on GSI2. Otherwise one query per status on GSI1, merged newest first;
        the cursor remembers where each status partition stopped.
        """
        filter_parts: list[str] = []
        values: dict[str, Any] = {}
        names: dict[str, str] = {}
        for field in ("priority", "team", "type", "channel", "inbox"):
            if filters.get(field):
                filter_parts.append(f"#{field} = :{field}")
                names[f"#{field}"] = field
                values[f":{field}"] = filters[field]
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
            partitions = [("GSI2", "GSI2PK", f"ASSIGNEE#{assignee}")]
        else:
            partitions = [("GSI1", "GSI1PK", f"STATUS#{s.value}") for s in statuses]
        state: dict[str, Any] = decode_cursor(cursor) if cursor else {}
        if not isinstance(state, dict):
            raise InvalidInput("cursor is not valid")

        streams: list[Iterator[tuple[str, dict[str, Any]]]] = []
        for index, key_name, key_value in partitions:
            if key_value in state and state[key_value] is None:
                continue  # this partition was exhausted on an earlier page
            streams.append(
                self._ticket_stream(index, key_name, key_value, state.get(key_value), filter_parts, names, values)
            )
        merged = heapq.merge(*streams, key=lambda pair: pair[1]["sort"], reverse=True)
        items: list[Ticket] = []
        new_state = dict(state)
        for partition, row in merged:
            items.append(ticket_from_item(row["item"]))
            new_state[partition] = row["position"]
            if len(items) >= limit:
                break
        else:
            # every stream ran dry: no next page
            return TicketPage(items, None)
        return TicketPage(items, encode_cursor(new_state))

    def _ticket_stream(
        self,
        index: str,
        key_name: str,
        key_value: str,
        start: Any,
        filter_parts: list[str],
        names: dict[str, str],
        values: dict[str, Any],
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        sk_name = key_name.replace("PK", "SK")
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": f"{key_name} = :pk",
            "ExpressionAttributeValues": to_av({**values, ":pk": key_value}),
            "ScanIndexForward": False,
            "Limit": 50,
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if filter_parts:
            kwargs["FilterExpression"] = " AND ".join(filter_parts)
        if start:
            kwargs["ExclusiveStartKey"] = to_av(start)
        for item in self._query(**kwargs):
            position = {k: item[k] for k in ("PK", "SK", key_name, sk_name)}
            yield key_value, {"sort": item[sk_name], "item": item, "position": position}

    def customer_tickets(self, customer_id: str, limit: int = 50) -> list[Ticket]:
        out: list[Ticket] = []
        for item in self._query(
            IndexName="GSI3",
            KeyConditionExpression="GSI3PK = :pk AND begins_with(GSI3SK, :t)",
            ExpressionAttributeValues=to_av({":pk": f"CUSTOMER#{customer_id}", ":t": "TICKET#"}),
            ScanIndexForward=False,
            Limit=limit,
        ):
            out.append(ticket_from_item(item))
            if len(out) >= limit:
                break
        return out

    def conversation_messages(self, conversation_key: str, after: str | None, limit: int) -> ConversationPage:
        """The customer-visible messages of a conversation across its tickets, oldest first.

        An outbound message that is not yet delivered ends the page, so the cursor never moves past it.
        """
        condition = "GSI3PK = :pk AND GSI3SK > :after"
        start = decode_cursor(after) if after else "MSG#"
        if not isinstance(start, str) or not start.startswith("MSG#"):
            raise InvalidInput("cursor is not valid")
        values = {":pk": conversation_index_pk(conversation_key), ":after": start}
        out: list[Message] = []
        last = start
        for item in self._query(
            IndexName="GSI3",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_av(values),
            Limit=100,
        ):
            message = message_from_item(item)
            if message.direction == "outbound" and message.delivery_status in ("queued", "failed"):
                break
            out.append(message)
            last = item["GSI3SK"]
            if len(out) >= limit:
                break
        return ConversationPage(out, encode_cursor(last))

    def current_ticket_id(self, conversation_key: str) -> str | None:
        item = self._get(f"CONV#{conversation_key}", "CONV")
        return str(item["ticket_id"]) if item else None

    # ------------------------------------------------------------ customers

    def get_customer(self, customer_id: str) -> Customer:
        item = self._get(f"CUSTOMER#{customer_id}", "PROFILE")
        if item is None:
            raise NotFound(f"customer '{customer_id}' not found")
        return Customer.model_validate(item)

    def customer_for_identity(self, channel: str, external_id: str) -> str | None:
        item = self._get(f"IDENTITY#{channel}#{external_id}", "IDENTITY")
        return str(item["customer_id"]) if item else None

    def create_customer(self, customer: Customer) -> str:
        """Create a customer with its identities; if another writer claimed the identity first, use theirs."""
        identity = customer.identities[0]
        tx = self.new_transaction()
        tx.put(customer_item(customer), condition="attribute_not_exists(PK)")
        tx.put(
            identity_item(identity.channel, identity.external_id, customer.id),
            condition="attribute_not_exists(PK)",
        )
        try:
            self.commit(tx)
        except Conflict:
            existing = self.customer_for_identity(identity.channel, identity.external_id)
            if existing:
                return existing
            raise
        return customer.id

    # ------------------------------------------------------------ dedup

    def is_duplicate(self, dedupe_key: str) -> bool:
        return self._get(f"DEDUP#{dedupe_key}", "DEDUP") is not None

    # ------------------------------------------------------------ chat sessions

    def put_chat_session(self, token_hash: str, session: dict[str, Any], ttl_hours: int) -> None:
        item = {
            "PK": f"CHATSESSION#{token_hash}",
            "SK": "SESSION",
            ENTITY: "chat_session",
            **session,
            TTL_ATTRIBUTE: epoch_after(timedelta(hours=ttl_hours)),
        }
        self._put(item, condition="attribute_not_exists(PK)")

    def get_chat_session(self, token_hash: str) -> dict[str, Any] | None:
        return self._get(f"CHATSESSION#{token_hash}", "SESSION", consistent=False)

    # ------------------------------------------------------------ inboxes

    def put_inbox(self, record: InboxRecord, *, new: bool = False) -> None:
        item = _model_item(
            record, "inbox", {"PK": f"INBOX#{record.id}", "SK": "CONFIG", "GSI1PK": "INBOXES", "GSI1SK": record.id}
        )
        try:
            self._put(item, condition="attribute_not_exists(PK)" if new else None)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(f"inbox '{record.id}' already exists") from err
            raise

    def get_inbox_record(self, inbox_id: str) -> InboxRecord:
        item = self._get(f"INBOX#{inbox_id}", "CONFIG", consistent=False)
        if item is None:
            raise NotFound(f"inbox '{inbox_id}' not found")
        return InboxRecord.model_validate(item)

    def get_inbox(self, inbox_id: str) -> InboxRecord:
        return self.get_inbox_record(inbox_id)

    def list_inbox_records(self) -> list[InboxRecord]:
        return [
            InboxRecord.model_validate(item)
            for item in self._query(
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :pk",
                ExpressionAttributeValues=to_av({":pk": "INBOXES"}),
            )
        ]

    # ------------------------------------------------------------ audit trail

    def put_audit(self, entry: AuditEntry) -> None:
        """Audit entries by month, newest last (``PK=AUDIT#<yyyy-mm>``, ``SK=<created_at>#<id>``)."""
        self._put(
            _model_item(entry, "audit", {"PK": f"AUDIT#{entry.created_at[:7]}", "SK": f"{entry.created_at}#{entry.id}"})
        )

    def audit_trail(self, month: str) -> list[AuditEntry]:
        return [
            AuditEntry.model_validate(item)
            for item in self._query(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": f"AUDIT#{month}"})
            )
        ]

    # ------------------------------------------------------------ agents

    def put_agent(self, agent: Agent) -> None:
        self._put(
            _model_item(
                agent,
                "agent",
                {
                    "PK": f"AGENT#{agent.id}",
                    "SK": "PROFILE",
                    "GSI1PK": "AGENTS",
                    "GSI1SK": (agent.email or agent.id).lower(),
                },
            )
        )

    def get_agent(self, agent_id: str) -> Agent | None:
        item = self._get(f"AGENT#{agent_id}", "PROFILE", consistent=False)
        return Agent.model_validate(item) if item else None

    def list_agents(self) -> list[Agent]:
        return [
            Agent.model_validate(item)
            for item in self._query(
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :pk",
                ExpressionAttributeValues=to_av({":pk": "AGENTS"}),
            )
        ]

    def set_presence(self, agent_id: str, presence: str, updated_at: str) -> None:
        self.ddb.update_item(
            TableName=self.table_name,
            Key=to_av({"PK": f"AGENT#{agent_id}", "SK": "PROFILE"}),
            UpdateExpression="SET presence = :p, updated_at = :u",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=to_av({":p": presence, ":u": updated_at}),
        )

    def update_message_attachments(self, message: Message, attachments: list[Attachment]) -> None:
        self.ddb.update_item(
            TableName=self.table_name,
            Key=to_av({"PK": ticket_pk(message.ticket_id), "SK": message_sk(message.created_at, message.id)}),
            UpdateExpression="SET attachments = :a",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=to_av({":a": [a.model_dump(mode="json") for a in attachments]}),
        )

    def record_system_event(self, ticket_id: str, kind: str, data: dict[str, Any]) -> None:
        from kefu.clock import new_id, now_iso
        from kefu.models import AuthorType

        stamp = now_iso()
        event = TicketEvent(
            id=new_id(), ticket_id=ticket_id, type=kind, actor_type=AuthorType.SYSTEM, data=data, created_at=stamp
        )
        self._put(event_item(event))

    # ------------------------------------------------------------ provider message ids (delivery reports)

    def put_provider_message(self, channel: str, provider_message_id: str, message: Message) -> None:
        self._put(
            {
                "PK": f"PROVIDERMSG#{channel}#{provider_message_id}",
                "SK": "PROVIDERMSG",
                ENTITY: "provider_message",
                "ticket_id": message.ticket_id,
                "message_sk": message_sk(message.created_at, message.id),
            }
        )

    def find_provider_message(self, channel: str, provider_message_id: str) -> dict[str, Any] | None:
        return self._get(f"PROVIDERMSG#{channel}#{provider_message_id}", "PROVIDERMSG")

    # ------------------------------------------------------------ one customer across channels (patterns 8, 9, 17-19)

    def find_customer(self, customer_id: str) -> Customer | None:
        item = self._get(f"CUSTOMER#{customer_id}", "PROFILE")
        return Customer.model_validate(item) if item else None

    def create_linked_customer(self, customer: Customer, declared: list[tuple[str, str]]) -> None:
        """Write a new customer, every one of its identities and its declared contacts, all or nothing.

        Each identity must still be unclaimed: when two first messages race for one key, one transaction
        fails (Conflict) and its caller resolves again, finding the winner.
        """
        tx = self.new_transaction()
        tx.put(customer_item(customer), condition="attribute_not_exists(PK)")
        for identity in customer.identities:
            tx.put(
                identity_item(identity.channel, identity.external_id, customer.id),
                condition="attribute_not_exists(PK)",
            )
        for kind, value in declared:
            tx.put(contact_item(kind, value, customer.id))
        self._commit_customer_tx(tx, "a first message for one of these identities was stored at the same time")

    def attach_identities(
        self, customer: Customer, identities: list[Identity], declared: list[tuple[str, str]], stamp: str
    ) -> Customer:
        """Give a live customer more identities (each must be unclaimed); checks the profile's version."""
        updated = customer.model_copy(
            update={
                "identities": [*customer.identities, *identities],
                "version": customer.version + 1,
                "updated_at": stamp,
            }
        )
        tx = self.new_transaction()
        tx.items.append(
            _update_op(
                {"PK": f"CUSTOMER#{customer.id}", "SK": "PROFILE"},
                "SET identities = :ids, version = :next, updated_at = :u",
                "version = :v AND attribute_not_exists(merged_into)",
                {
                    ":ids": [i.model_dump() for i in updated.identities],
                    ":next": updated.version,
                    ":u": stamp,
                    ":v": customer.version,
                },
            )
        )
        for identity in identities:
            tx.put(
                identity_item(identity.channel, identity.external_id, customer.id),
                condition="attribute_not_exists(PK)",
            )
        for kind, value in declared:
            tx.put(contact_item(kind, value, customer.id))
        self._commit_customer_tx(tx, f"customer '{customer.id}' changed at the same time")
        return updated

    def customers_with_contact(self, kind: str, value: str, limit: int = 25) -> list[str]:
        """Customers who declared this phone number or email address themselves (pattern 17)."""
        out: list[str] = []
        for item in self._query(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_av({":pk": f"CONTACT#{kind}#{value}"}),
            Limit=limit,
        ):
            out.append(str(item["customer_id"]))
            if len(out) >= limit:
                break
        return out

    def put_suggestion(self, suggestion: DuplicateSuggestion) -> None:
        """One direction of a possible-duplicate pair (pattern 18); the same pair again overwrites it."""
        self._put(suggestion_item(suggestion))

    def customer_suggestions(self, customer_id: str, limit: int = 50) -> list[DuplicateSuggestion]:
        out: list[DuplicateSuggestion] = []
        for item in self._query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
            ExpressionAttributeValues=to_av({":pk": f"CUSTOMER#{customer_id}", ":s": "SUGGESTION#"}),
            Limit=limit,
        ):
            out.append(DuplicateSuggestion.model_validate(item))
            if len(out) >= limit:
                break
        return out

    def merge_customers(self, source: Customer, target: Customer, merge: CustomerMerge, audit: AuditEntry) -> None:
        """Source becomes a tombstone, its identities point to target, the merge and its audit entry are
        written: one transaction (at most MAX_TRANSACTION_ITEMS items), so nothing is ever half-merged."""
        moved = source.identities
        tx = self.new_transaction()
        tx.items.append(
            _update_op(
                {"PK": f"CUSTOMER#{source.id}", "SK": "PROFILE"},
                "SET merged_into = :t, merge_id = :m, identities = :none, version = :next, updated_at = :u",
                "version = :v AND attribute_not_exists(merged_into)",
                {
                    ":t": target.id,
                    ":m": merge.id,
                    ":none": [],
                    ":next": source.version + 1,
                    ":u": merge.created_at,
                    ":v": source.version,
                },
            )
        )
        tx.items.append(
            _update_op(
                {"PK": f"CUSTOMER#{target.id}", "SK": "PROFILE"},
                "SET identities = :ids, merged_from = :from, version = :next, updated_at = :u",
                "version = :v AND attribute_not_exists(merged_into)",
                {
                    ":ids": [i.model_dump() for i in [*target.identities, *moved]],
                    ":from": [*target.merged_from, source.id],
                    ":next": target.version + 1,
                    ":u": merge.created_at,
                    ":v": target.version,
                },
            )
        )
        tx.put(merge_item(merge), condition="attribute_not_exists(PK)")
        tx.put(audit_item(audit))
        for identity in moved:
            tx.put(
                identity_item(identity.channel, identity.external_id, target.id),
                condition="customer_id = :owner",
                values={":owner": source.id},
            )
        self._commit_customer_tx(tx, "one of the customers changed during the merge; try again")

    def get_merge(self, merge_id: str) -> CustomerMerge:
        item = self._get(f"MERGE#{merge_id}", "MERGE")
        if item is None:
            raise NotFound(f"merge '{merge_id}' not found")
        return CustomerMerge.model_validate(item)

    def unmerge_customers(
        self, merge: CustomerMerge, source: Customer, target: Customer, audit: AuditEntry, undone_by: str
    ) -> None:
        """Exactly undo one merge: the moved identities go back to the source, which comes back to life."""
        moved = {(i.channel, i.external_id) for i in merge.identities}
        remaining = [i for i in target.identities if (i.channel, i.external_id) not in moved]
        tx = self.new_transaction()
        tx.items.append(
            _update_op(
                {"PK": f"CUSTOMER#{source.id}", "SK": "PROFILE"},
                "SET identities = :ids, version = :next, updated_at = :u REMOVE merged_into, merge_id",
                "version = :v AND merged_into = :t AND merge_id = :m",
                {
                    ":ids": [i.model_dump() for i in merge.identities],
                    ":next": source.version + 1,
                    ":u": audit.created_at,
                    ":v": source.version,
                    ":t": target.id,
                    ":m": merge.id,
                },
            )
        )
        tx.items.append(
            _update_op(
                {"PK": f"CUSTOMER#{target.id}", "SK": "PROFILE"},
                "SET identities = :ids, merged_from = :from, version = :next, updated_at = :u",
                "version = :v AND attribute_not_exists(merged_into)",
                {
                    ":ids": [i.model_dump() for i in remaining],
                    ":from": [c for c in target.merged_from if c != source.id],
                    ":next": target.version + 1,
                    ":u": audit.created_at,
                    ":v": target.version,
                },
            )
        )
        tx.items.append(
            _update_op(
                {"PK": f"MERGE#{merge.id}", "SK": "MERGE"},
                "SET undone_at = :u, undone_by = :by",
                "attribute_exists(PK) AND attribute_not_exists(undone_at)",
                {":u": audit.created_at, ":by": undone_by},
            )
        )
        tx.put(audit_item(audit))
        for identity in merge.identities:
            tx.put(
                identity_item(identity.channel, identity.external_id, source.id),
                condition="customer_id = :owner",
                values={":owner": target.id},
            )
        self._commit_customer_tx(tx, "one of the customers changed during the unmerge; try again")

    def _commit_customer_tx(self, tx: Transaction, conflict_message: str) -> None:
        """Like commit(), for transactions that also update items: any refusal is one Conflict."""
        if len(tx.items) > MAX_TRANSACTION_ITEMS:
            raise Conflict(f"{conflict_message} (too many items for one transaction)")
        for op in tx.items:
            op[next(iter(op))]["TableName"] = self.table_name
        try:
            self.ddb.transact_write_items(TransactItems=tx.items)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise Conflict(conflict_message) from err


# ---------------------------------------------------------------- one customer across channels: items (17-19)

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems call


def contact_item(kind: str, value: str, customer_id: str) -> dict[str, Any]:
    return {
        "PK": f"CONTACT#{kind}#{value}",
        "SK": f"CUSTOMER#{customer_id}",
        ENTITY: "contact",
        "customer_id": customer_id,
    }


def suggestion_item(suggestion: DuplicateSuggestion) -> dict[str, Any]:
    keys = {"PK": f"CUSTOMER#{suggestion.customer_id}", "SK": f"SUGGESTION#{suggestion.other_id}"}
    return _model_item(suggestion, "suggestion", keys)


def merge_item(merge: CustomerMerge) -> dict[str, Any]:
    return _model_item(merge, "customer_merge", {"PK": f"MERGE#{merge.id}", "SK": "MERGE"})


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    keys = {"PK": f"AUDIT#{entry.created_at[:7]}", "SK": f"{entry.created_at}#{entry.id}"}
    return _model_item(entry, "audit", keys)


def _update_op(key: dict[str, str], update: str, condition: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "Update": {
            "Key": to_av(key),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_av(values),
        }
    }
