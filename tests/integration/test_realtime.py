"""Real time: who may open the agent app's WebSocket, whom each stored change is pushed to, gone connections.

The ID tokens are real RS256 JWTs signed here; the connections function verifies them against the key set it
fetches (replaced by this test's key set), as it verifies Cognito's in AWS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import jwt
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives.asymmetric import rsa

from kefu.errors import Forbidden, Unauthenticated
from kefu.idtoken import CognitoIdTokens
from kefu.models import Agent, Ticket
from kefu.services import realtime
from kefu.store import Store, keys
from kefu.store.connections import ConnectionRepository
from kefu.store.table import model_item
from tests.integration.conftest import Cloud
from tests.support.aws_events import FakeContext

REGION, POOL, CLIENT = "us-east-1", "us-east-1_TestPool", "spa-client"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token(sub: str = "agent-1", groups: list[str] | None = None, *, key: Any = KEY, **overrides: Any) -> str:
    claims: dict[str, Any] = {
        "sub": sub,
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "exp": int(time.time()) + 600,
        "iat": int(time.time()),
        "cognito:groups": groups if groups is not None else ["agent"],
        "email": f"{sub}@example.com",
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


@pytest.fixture
def tokens() -> CognitoIdTokens:
    verifier = CognitoIdTokens(REGION, POOL, CLIENT)
    verifier._fetch = lambda: {"key-1": KEY.public_key()}  # type: ignore[method-assign]
    return verifier


def protocols(value: str) -> str:
    return f"{realtime.SUBPROTOCOL}, {value}"


def stored_connection_items(store: Store) -> list[dict[str, Any]]:
    client = store.table.client
    items = client.scan(TableName=store.table.name)["Items"]  # a test looks at the whole (tiny) table
    return [i for i in items if i["PK"]["S"].startswith((keys.WS_CONNECTION, keys.WS_AUDIENCE))]


def add_agent(store: Store, agent_id: str, teams: list[str], presence: str = "online") -> None:
    store.agents.put(Agent(id=agent_id, email=f"{agent_id}@example.com", teams=teams, presence=presence))


# ---------------------------------------------------------------- $connect


def test_a_valid_id_token_connects_with_the_agents_audiences(cloud: Cloud, tokens: CognitoIdTokens) -> None:
    add_agent(cloud.store, "agent-1", ["team-a", "team-b"])
    connection = realtime.connect(cloud.store, tokens, "conn-1", protocols(token("agent-1")))
    assert connection.audiences == ("agent#agent-1", "unrouted", "team#team-a", "team#team-b")
    supervisor = realtime.connect(cloud.store, tokens, "conn-2", protocols(token("sup-1", ["supervisor"])))
    assert supervisor.audiences == ("agent#sup-1", "unrouted", "floor")
    repository = ConnectionRepository(cloud.store.table)
    now = int(time.time())
    assert repository.of("team#team-a", now=now) == ["conn-1"]
    assert sorted(repository.of("unrouted", now=now)) == ["conn-1", "conn-2"]
    assert repository.of("floor", now=now) == ["conn-2"]
    item = cloud.store.table.get(keys.ws_connection("conn-1"))
    assert item is not None and item[keys.TTL_ATTRIBUTE] > now + 3600
    assert realtime.disconnect(cloud.store, "conn-1") is True
    assert repository.of("team#team-a", now=now) == []
    assert realtime.disconnect(cloud.store, "conn-1") is False


@pytest.mark.parametrize(
    ("offered", "error"),
    [  # made when the test runs, not when it is collected: a token made at collection may expire before
        (lambda: None, Unauthenticated),
        (lambda: "kefu.v1", Unauthenticated),  # no token
        (token, Unauthenticated),  # the token without the subprotocol
        (lambda: protocols("not-a-jwt"), Unauthenticated),
        (lambda: protocols(token(key=OTHER_KEY)), Unauthenticated),  # signed by someone else
        (lambda: protocols(token(exp=int(time.time()) - 1)), Unauthenticated),  # expired
        (lambda: protocols(token(aud="another-client")), Unauthenticated),
        (lambda: protocols(token(iss="https://cognito-idp.us-east-1.amazonaws.com/other")), Unauthenticated),
        (lambda: protocols(token(token_use="access")), Unauthenticated),
        (lambda: protocols(token(groups=[])), Forbidden),  # none of Kefu's groups
    ],
    ids=[
        "none",
        "no-token",
        "no-subprotocol",
        "not-a-jwt",
        "other-key",
        "expired",
        "other-client",
        "other-issuer",
        "access-token",
        "no-group",
    ],
)
def test_a_bad_or_expired_token_is_refused_and_nothing_is_stored(
    cloud: Cloud, tokens: CognitoIdTokens, offered: Callable[[], str | None], error: type[Exception]
) -> None:
    with pytest.raises(error):
        realtime.connect(cloud.store, tokens, "conn-x", offered())
    assert stored_connection_items(cloud.store) == []


def test_a_token_tampered_with_after_signing_is_refused(cloud: Cloud, tokens: CognitoIdTokens) -> None:
    header, _payload, signature = token("agent-1").split(".")
    forged = jwt.utils.base64url_encode(json.dumps({"sub": "admin-1", "iss": ISSUER}).encode()).decode()
    with pytest.raises(Unauthenticated):
        realtime.connect(cloud.store, tokens, "conn-x", protocols(f"{header}.{forged}.{signature}"))
    assert stored_connection_items(cloud.store) == []


def test_the_connect_handler_answers_401_or_picks_the_subprotocol(
    cloud: Cloud, tokens: CognitoIdTokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    from realtime import handler

    monkeypatch.setattr(handler, "tokens", tokens)
    context: Any = FakeContext()

    def event(route: str, connection_id: str, offered: str | None = None) -> dict[str, Any]:
        headers = {"Sec-WebSocket-Protocol": offered} if offered else {}
        return {
            "headers": headers,
            "requestContext": {"routeKey": route, "connectionId": connection_id, "eventType": route.strip("$")},
        }

    refused = handler.lambda_handler(event("$connect", "c-1", protocols(token(exp=1))), context)
    assert refused["statusCode"] == 401
    assert stored_connection_items(cloud.store) == []
    accepted = handler.lambda_handler(event("$connect", "c-2", protocols(token())), context)
    assert accepted == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "kefu.v1"}}
    assert stored_connection_items(cloud.store)
    assert handler.lambda_handler(event("$disconnect", "c-2"), context)["statusCode"] == 200
    assert stored_connection_items(cloud.store) == []


# ---------------------------------------------------------------- pushes


@pytest.fixture
def floor(cloud: Cloud, tokens: CognitoIdTokens) -> Iterator[dict[str, str]]:
    """agent-1 in team-a, agent-2 in team-b, a supervisor in no team: one connection each."""
    add_agent(cloud.store, "agent-1", ["team-a"])
    add_agent(cloud.store, "agent-2", ["team-b"])
    add_agent(cloud.store, "sup-1", [])
    realtime.connect(cloud.store, tokens, "c-agent-1", protocols(token("agent-1")))
    realtime.connect(cloud.store, tokens, "c-agent-2", protocols(token("agent-2")))
    realtime.connect(cloud.store, tokens, "c-sup-1", protocols(token("sup-1", ["supervisor"])))
    yield {"agent-1": "c-agent-1", "agent-2": "c-agent-2", "sup-1": "c-sup-1"}


def _image(**values: Any) -> dict[str, Any]:
    return {
        name: {"L": [{"S": v} for v in value]} if isinstance(value, list) else {"S": value}
        for name, value in values.items()
        if value is not None
    }


def _sent(store: Store, pushes: list[realtime.Push]) -> dict[str, list[dict[str, str]]]:
    sent: dict[str, list[dict[str, str]]] = {}

    def send(connection_id: str, data: bytes) -> None:
        sent.setdefault(connection_id, []).append(json.loads(data))

    for push in pushes:
        realtime.deliver(store, push, send)
    return sent


def test_a_teams_ticket_goes_to_its_team_and_assignee_and_the_floor_only(cloud: Cloud, floor: dict[str, str]) -> None:
    new = _image(entity="ticket", id="T1", team="team-a", assignee="agent-1", customer_name="王小明")
    pushes = realtime.pushes_for("INSERT", new, None, lambda _: None)
    sent = _sent(cloud.store, pushes)
    assert sent == {
        "c-agent-1": [{"type": "ticket.created", "ticket_id": "T1"}],
        "c-sup-1": [{"type": "ticket.created", "ticket_id": "T1"}],
    }
    assert "王小明" not in json.dumps(sent)  # what changed, never the record


def test_a_transfer_reaches_the_previous_and_the_new_team(cloud: Cloud, floor: dict[str, str]) -> None:
    old = _image(entity="ticket", id="T1", team="team-a", assignee="agent-1")
    new = _image(entity="ticket", id="T1", team="team-b", assignee="agent-2")
    sent = _sent(cloud.store, realtime.pushes_for("MODIFY", new, old, lambda _: None))
    assert set(sent) == {"c-agent-1", "c-agent-2", "c-sup-1"}
    assert all(events == [{"type": "ticket.assigned", "ticket_id": "T1"}] for events in sent.values())


def test_an_unrouted_tickets_message_reaches_everyone_once(cloud: Cloud, floor: dict[str, str]) -> None:
    new = _image(entity="message", id="M1", ticket_id="T2", text="你好")
    pushes = realtime.pushes_for("INSERT", new, None, lambda ticket_id: (None, None))
    sent = _sent(cloud.store, pushes)
    expected = [{"type": "message.created", "ticket_id": "T2", "message_id": "M1"}]
    assert sent == {"c-agent-1": expected, "c-agent-2": expected, "c-sup-1": expected}  # the supervisor once


def test_presence_goes_to_the_agents_teams_and_the_floor(cloud: Cloud, floor: dict[str, str]) -> None:
    old = _image(entity="agent", id="agent-2", presence="offline", teams=["team-b"])
    new = _image(entity="agent", id="agent-2", presence="online", teams=["team-b"])
    sent = _sent(cloud.store, realtime.pushes_for("MODIFY", new, old, lambda _: None))
    assert sent == {
        "c-agent-2": [{"type": "presence.changed", "agent_id": "agent-2", "presence": "online"}],
        "c-sup-1": [{"type": "presence.changed", "agent_id": "agent-2", "presence": "online"}],
    }
    same = realtime.pushes_for("MODIFY", new, new, lambda _: None)
    assert same == []  # a profile edit that leaves presence alone pushes nothing


def test_an_sla_notification_goes_to_its_recipient_only(cloud: Cloud, floor: dict[str, str]) -> None:
    def pushed(recipient: str) -> dict[str, list[dict[str, str]]]:
        new = _image(entity="notification", id="N1", recipient=recipient, kind="escalated", subject="王小明的包裹")
        return _sent(cloud.store, realtime.pushes_for("INSERT", new, None, lambda _: None))

    event = {"type": "notification.created", "notification_id": "N1", "kind": "escalated"}
    assert pushed("agent#agent-2") == {"c-agent-2": [event]}
    assert pushed("team#team-a") == {"c-agent-1": [event]}
    assert pushed("supervisors#team-b") == {"c-agent-2": [event]}  # the team's audience: the feed decides who reads
    assert pushed("nobody") == {}
    assert "王小明" not in json.dumps(pushed("team#team-a"))  # what changed, never the notice itself
    # a notification expiring (TTL) or rewritten pushes nothing
    gone = _image(entity="notification", id="N1", recipient="agent#agent-2", kind="escalated")
    assert realtime.pushes_for("REMOVE", None, gone, lambda _: None) == []


def test_a_record_without_a_new_image_pushes_nothing() -> None:
    # a removed ticket is not pushed as if it were updated (the contract has no deletion event); the stack's
    # event filter passes only records with a new image, but the function does not rely on it
    ticket = _image(entity="ticket", id="T1", team="team-a", assignee="agent-1")
    assert realtime.pushes_for("REMOVE", None, ticket, lambda _: None) == []
    assert realtime.pushes_for("MODIFY", None, ticket, lambda _: None) == []
    assert realtime.pushes_for("REMOVE", {}, ticket, lambda _: None) == []
    message = _image(entity="message", id="M1", ticket_id="T1")
    assert realtime.pushes_for("MODIFY", None, message, lambda _: ("agent-1", "team-a")) == []
    agent = _image(entity="agent", id="agent-1", presence="online", teams=["team-a"])
    assert realtime.pushes_for("REMOVE", None, agent, lambda _: None) == []


def test_other_items_push_nothing() -> None:
    for entity in ("event", "customer", "ws_connection", "queue_entry"):
        assert realtime.pushes_for("INSERT", _image(entity=entity, id="x", ticket_id="T"), None, lambda _: None) == []


def test_a_gone_connection_is_deleted_and_the_others_still_get_the_push(cloud: Cloud, floor: dict[str, str]) -> None:
    got: list[str] = []

    def send(connection_id: str, data: bytes) -> None:
        if connection_id == "c-agent-2":
            raise realtime.Gone(connection_id)
        got.append(connection_id)

    push = realtime.pushes_for("INSERT", _image(entity="ticket", id="T3"), None, lambda _: None)[0]
    delivery = realtime.deliver(cloud.store, push, send)
    assert (delivery.sent, delivery.gone) == (2, 1)
    assert sorted(got) == ["c-agent-1", "c-sup-1"]
    assert cloud.store.table.get(keys.ws_connection("c-agent-2")) is None
    repository = ConnectionRepository(cloud.store.table)
    assert repository.of("team#team-b", now=int(time.time())) == []
    assert sorted(repository.of("unrouted", now=int(time.time()))) == ["c-agent-1", "c-sup-1"]


def test_a_failing_connection_does_not_keep_the_push_from_the_others(cloud: Cloud, floor: dict[str, str]) -> None:
    got: list[str] = []

    def send(connection_id: str, data: bytes) -> None:
        if connection_id == "c-agent-1":
            raise RuntimeError("throttled")
        got.append(connection_id)

    push = realtime.pushes_for("INSERT", _image(entity="ticket", id="T4"), None, lambda _: None)[0]
    with pytest.raises(realtime.DeliveryFailed):
        realtime.deliver(cloud.store, push, send)
    assert sorted(got) == ["c-agent-2", "c-sup-1"]  # sent to before the record is failed for a retry
    assert cloud.store.table.get(keys.ws_connection("c-agent-1")) is not None  # not gone: kept


def test_the_push_function_posts_cleans_up_410_and_reports_only_failed_records(
    cloud: Cloud, floor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from realtime_push import handler

    client = boto3.client("apigatewaymanagementapi", region_name=REGION, endpoint_url="https://api.example/prod")
    monkeypatch.setattr(handler, "management", lambda: client)
    cloud.run_stream(lambda event, context: {"batchItemFailures": []})  # the fixture's writes: already past
    stamp = "2026-12-01T00:00:00.000Z"
    ticket = Ticket(
        id="T9", channel="web", inbox="web", customer_id="C1", conversation_key="k", team="team-a",
        created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    cloud.store.table.put(model_item(ticket, "ticket", keys.ticket("T9")))  # pushed: agent-1 and the floor
    cloud.store.agents.set_presence("agent-2", "offline", "2026-12-01T00:00:00.000Z")  # team-b and the floor
    with Stubber(client) as stub:
        # record 1 (the ticket): agent-1 takes it, the supervisor's connection is gone
        stub.add_response("post_to_connection", {}, {"ConnectionId": "c-agent-1", "Data": ANY_BYTES})
        stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
        # record 2 (presence): agent-2's post fails for another reason: only this record is reported
        stub.add_client_error("post_to_connection", "LimitExceededException", http_status_code=429)
        result = cloud.run_stream(handler.lambda_handler)
        stub.assert_no_pending_responses()
    assert len(result["batchItemFailures"]) == 1
    assert cloud.store.table.get(keys.ws_connection("c-sup-1")) is None
    assert cloud.store.table.get(keys.ws_connection("c-agent-1")) is not None


class _AnyBytes:
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, bytes | bytearray) and json.loads(other)["type"] == "ticket.created"


ANY_BYTES = _AnyBytes()


def test_the_stream_function_ignores_connection_items(cloud: Cloud, tokens: CognitoIdTokens) -> None:
    """The table's own stream function sees the connection writes too (its mapping has no filter)."""
    from kefu.services.stream import on_change

    add_agent(cloud.store, "agent-1", ["team-a"])
    realtime.connect(cloud.store, tokens, "conn-1", protocols(token("agent-1")))
    shard = cloud.streams.describe_stream(StreamArn=cloud.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = cloud.streams.get_shard_iterator(
        StreamArn=cloud.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = cloud.streams.get_records(ShardIterator=iterator)["Records"]
    connection_records = [
        r for r in records if r["dynamodb"]["Keys"]["PK"]["S"].startswith((keys.WS_CONNECTION, keys.WS_AUDIENCE))
    ]
    assert len(connection_records) == 4  # the connection, its agent, unrouted and team-a entries
    for record in connection_records:
        assert on_change(cloud.store, record["eventName"], record["dynamodb"].get("NewImage")) == "ignored"


def test_a_customers_typing_goes_to_the_tickets_agent_and_team_never_the_agents_own(
    cloud: Cloud, floor: dict[str, str]
) -> None:
    typing = _image(entity="typing", ticket_id="T3", side="customer", who="visitor-1")
    sent = _sent(cloud.store, realtime.pushes_for("MODIFY", typing, None, lambda ticket_id: ("agent-1", "team-a")))
    assert sent == {
        "c-agent-1": [{"type": "typing", "ticket_id": "T3"}],
        "c-sup-1": [{"type": "typing", "ticket_id": "T3"}],
    }
    agents_own = _image(entity="typing", ticket_id="T3", side="agent", who="agent-1")
    assert realtime.pushes_for("INSERT", agents_own, None, lambda ticket_id: ("agent-1", "team-a")) == []
    assert realtime.pushes_for("INSERT", typing, None, lambda ticket_id: None) == []  # no such ticket


def test_a_batch_reads_each_audience_once_and_skips_a_connection_gone_in_it(
    cloud: Cloud, floor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from realtime_push import handler

    got: dict[str, list[str]] = {}

    def send(connection_id: str, data: bytes) -> None:
        if connection_id == "c-sup-1":
            raise realtime.Gone(connection_id)
        got.setdefault(connection_id, []).append(json.loads(data)["type"])

    reads: list[str] = []
    original = ConnectionRepository.of

    def of(self: ConnectionRepository, audience: str, *, now: int) -> list[str]:
        reads.append(audience)
        return original(self, audience, now=now)

    monkeypatch.setattr(handler, "send", send)
    monkeypatch.setattr(ConnectionRepository, "of", of)
    cloud.run_stream(lambda event, context: {"batchItemFailures": []})  # the fixture's writes: already past
    stamp = "2026-12-01T00:00:00.000Z"
    ticket = Ticket(
        id="T10", channel="web", inbox="web", customer_id="C1", conversation_key="k", team="team-a",
        assignee="agent-1", created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    cloud.store.table.put(model_item(ticket, "ticket", keys.ticket("T10")))
    for n in range(3):  # three of its messages in the same batch: the same audiences
        message_key = keys.message("T10", stamp, f"M{n}")
        cloud.store.table.put({**message_key.as_dict(), "entity": "message", "ticket_id": "T10", "id": f"M{n}"})
    assert cloud.run_stream(handler.lambda_handler) == {"batchItemFailures": []}
    assert got == {"c-agent-1": ["ticket.created"] + ["message.created"] * 3}
    assert sorted(reads) == sorted(set(reads))  # one Query per audience for the whole batch
    assert {"team#team-a", "floor"} <= set(reads)
    assert cloud.store.table.get(keys.ws_connection("c-sup-1")) is None  # gone at the first push, deleted once
    # the next batch reads again: what a batch learnt is not kept
    cloud.store.table.put(
        {**keys.message("T10", stamp, "M9").as_dict(), "entity": "message", "ticket_id": "T10", "id": "M9"}
    )
    reads.clear()
    cloud.run_stream(handler.lambda_handler)
    assert reads and got["c-agent-1"][-1] == "message.created"


def test_a_batch_reads_the_tickets_of_its_messages_once_and_a_failed_read_fails_only_its_record(
    cloud: Cloud, floor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from realtime_push import handler

    from kefu.store.table import Table
    from kefu.store.tickets import TicketRepository

    got: set[str] = set()  # the messages pushed (to anyone)
    monkeypatch.setattr(handler, "send", lambda connection_id, data: got.add(json.loads(data).get("message_id", "")))
    cloud.run_stream(lambda event, context: {"batchItemFailures": []})  # the fixture's writes: already past
    stamp = "2026-12-01T00:00:00.000Z"
    for ticket_id, assignee in (("T20", "agent-1"), ("T21", None)):
        ticket = Ticket(
            id=ticket_id, channel="web", inbox="web", customer_id="C1", conversation_key=ticket_id,
            team="team-a", assignee=assignee, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        cloud.store.table.put(model_item(ticket, "ticket", keys.ticket(ticket_id)))
    cloud.run_stream(lambda event, context: {"batchItemFailures": []})  # the tickets' own records: past

    def messages(*ids: tuple[str, str]) -> None:
        for ticket_id, message_id in ids:
            key = keys.message(ticket_id, stamp, message_id)
            cloud.store.table.put({**key.as_dict(), "entity": "message", "ticket_id": ticket_id, "id": message_id})

    batch_reads: list[list[str]] = []
    original_read = Table.read

    def read(self: Table, reads: Any) -> list[Any]:
        batch_reads.append([r.key.pk for r in reads])
        if len(batch_reads) == 1 and fail_first:
            raise RuntimeError("throttled")
        return original_read(self, reads)

    singles: list[str] = []
    original_find = TicketRepository.find
    monkeypatch.setattr(Table, "read", read)

    def find(self: TicketRepository, ticket_id: str) -> Ticket | None:
        singles.append(ticket_id)
        return original_find(self, ticket_id)

    monkeypatch.setattr(TicketRepository, "find", find)
    fail_first = False
    messages(("T20", "M1"), ("T21", "M2"), ("T20", "M3"))
    assert cloud.run_stream(handler.lambda_handler) == {"batchItemFailures": []}
    assert batch_reads == [[keys.ticket("T20").pk, keys.ticket("T21").pk]] and singles == []  # one read, no GetItem
    assert got == {"M1", "M2", "M3"}

    batch_reads.clear()
    got.clear()
    fail_first = True
    messages(("T20", "M4"), ("T20", "M5"))
    result = cloud.run_stream(handler.lambda_handler)
    assert len(result["batchItemFailures"]) == 1  # the record whose read failed; the next read again
    assert len(batch_reads) == 2 and got == {"M5"}
