"""Real time for the agent app: who a WebSocket connection is, and which small events each stored change pushes
to whom.

Pushes say what changed, never the record itself (no customer data, no message text): ``{"type":
"message.created", "ticket_id": ..., "message_id": ...}``; the app refetches what it shows through the agent API,
which applies the caller's permissions as always. Recipients of a ticket's change: its assignee (and the previous
one), its team (and the previous one) or, with no team yet, everyone's ``unrouted`` audience, and the supervisors'
``floor``. An agent's presence goes to the agent's teams and the floor. An SLA notification (a warning, an
escalation) goes to its recipient: the agent, or the team (a team's supervisors are in its audience too).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kefu.auth import caller_from_claims
from kefu.errors import Unauthenticated
from kefu.store import Store
from kefu.store.connections import (
    CONNECTION_TTL_SECONDS,
    FLOOR,
    MAX_AUDIENCES,
    UNROUTED,
    Connection,
    ConnectionRepository,
    agent_audience,
    team_audience,
)

if TYPE_CHECKING:  # the $connect function verifies tokens (and imports cryptography); the push function never does
    from kefu.idtoken import CognitoIdTokens

# What the app offers as its subprotocol, followed by the ID token: Sec-WebSocket-Protocol: kefu.v1, <token>
SUBPROTOCOL = "kefu.v1"
# the entities the push function's event source mapping lets through (infra/constructs/realtime.py filters on them)
PUSHED_ENTITIES = ("ticket", "message", "agent", "notification", "typing")


@dataclass(frozen=True)
class Push:
    audiences: tuple[str, ...]
    event: dict[str, str]

    def body(self) -> bytes:
        return json.dumps(self.event, separators=(",", ":")).encode("utf-8")


def token_from_protocols(header: str | None) -> str:
    """The ID token the app sends as the second subprotocol (browsers cannot set other headers)."""
    offered = [part.strip() for part in (header or "").split(",") if part.strip()]
    if len(offered) != 2 or offered[0] != SUBPROTOCOL:
        raise Unauthenticated(f"offer the subprotocols {SUBPROTOCOL!r} and the ID token")
    return offered[1]


def connect(
    store: Store, tokens: CognitoIdTokens, connection_id: str, protocols: str | None, *, now: float | None = None
) -> Connection:
    """Checks the token and stores the connection with its audiences; ``Unauthenticated``/``Forbidden`` (nothing
    stored) otherwise."""
    now = time.time() if now is None else now
    claims = tokens.verify(token_from_protocols(protocols), now=now)
    caller = caller_from_claims(claims)  # Forbidden without one of Kefu's groups
    agent = store.agents.find(caller.id)
    teams = list(dict.fromkeys(agent.teams if agent else []))
    audiences = [agent_audience(caller.id), UNROUTED, *(team_audience(team) for team in teams)]
    if caller.has("supervisor") or caller.has("admin"):
        audiences.append(FLOOR)
    connection = Connection(connection_id, caller.id, tuple(audiences[:MAX_AUDIENCES]))
    # the connection cannot outlive the token it was opened with by more than API Gateway's two hours
    expires_at = int(now) + CONNECTION_TTL_SECONDS
    connected_at = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ConnectionRepository(store.table).add(connection, connected_at=connected_at, expires_at=expires_at)
    return connection


def disconnect(store: Store, connection_id: str) -> bool:
    return ConnectionRepository(store.table).remove(connection_id)


# ---------------------------------------------------------------- what a stored change pushes


def _s(image: dict[str, Any] | None, name: str) -> str | None:
    value = (image or {}).get(name) or {}
    text = value.get("S") if isinstance(value, dict) else None
    return str(text) if text else None


def _strings(image: dict[str, Any] | None, name: str) -> list[str]:
    value = (image or {}).get(name) or {}
    if not isinstance(value, dict):
        return []
    if "L" in value:
        return [str(item["S"]) for item in value["L"] if isinstance(item, dict) and item.get("S")]
    return [str(item) for item in value.get("SS", [])]


def _ticket_audiences(assignees: list[str | None], teams: list[str | None]) -> tuple[str, ...]:
    audiences = [agent_audience(agent) for agent in assignees if agent]
    named = [team_audience(team) for team in teams if team]
    if teams and teams[0] is None:  # no team holds it now: whoever looks at the unrouted tickets
        named.append(UNROUTED)
    return tuple(dict.fromkeys([*audiences, *named, FLOOR]))


TicketLookup = Callable[[str], tuple[str | None, str | None] | None]  # ticket id -> (assignee, team)


def pushes_for(
    event_name: str, new: dict[str, Any] | None, old: dict[str, Any] | None, ticket_of: TicketLookup
) -> list[Push]:
    """The pushes one stream record makes (images in DynamoDB's typed JSON); none for anything else.

    Only what is stored now is pushed: a record without a new image (a removal, such as a notification expiring)
    pushes nothing, since the realtime contract has no deletion event; the old image only says who held a ticket
    before a change."""
    if not new:
        return []
    entity = _s(new, "entity")
    if entity == "ticket":
        ticket_id = _s(new, "id")
        if not ticket_id:
            return []
        assignee, team = _s(new, "assignee"), _s(new, "team")
        before_assignee, before_team = _s(old, "assignee"), _s(old, "team")
        if event_name == "INSERT":
            kind = "ticket.created"
        elif event_name == "MODIFY" and (assignee, team) != (before_assignee, before_team):
            kind = "ticket.assigned"
        else:
            kind = "ticket.updated"
        audiences = _ticket_audiences([assignee, before_assignee], [team, before_team])
        return [Push(audiences, {"type": kind, "ticket_id": ticket_id})]
    if entity == "message" and event_name in ("INSERT", "MODIFY"):
        ticket_id, message_id = _s(new, "ticket_id"), _s(new, "id")
        if not ticket_id or not message_id:
            return []
        found = ticket_of(ticket_id)
        if found is None:
            return []
        assignee, team = found
        kind = "message.created" if event_name == "INSERT" else "message.updated"
        return [
            Push(
                _ticket_audiences([assignee], [team]), {"type": kind, "ticket_id": ticket_id, "message_id": message_id}
            )
        ]
    if entity == "typing" and event_name in ("INSERT", "MODIFY") and _s(new, "side") == "customer":
        ticket_id = _s(new, "ticket_id")
        found = ticket_of(ticket_id) if ticket_id else None
        if not ticket_id or found is None:
            return []
        return [Push(_ticket_audiences([found[0]], [found[1]]), {"type": "typing", "ticket_id": ticket_id})]
    if entity == "agent" and event_name in ("INSERT", "MODIFY"):
        agent_id, presence = _s(new, "id"), _s(new, "presence") or "offline"
        if not agent_id or presence == (_s(old, "presence") or "offline"):
            return []
        teams = [team_audience(team) for team in _strings(new, "teams")]
        return [Push((*teams, FLOOR), {"type": "presence.changed", "agent_id": agent_id, "presence": presence})]
    if entity == "notification" and event_name == "INSERT":
        audience = _notification_audience(_s(new, "recipient"))
        notification_id = _s(new, "id")
        if audience is None or not notification_id:
            return []
        event = {"type": "notification.created", "notification_id": notification_id, "kind": _s(new, "kind") or ""}
        return [Push((audience,), event)]
    return []


def _notification_audience(recipient: str | None) -> str | None:
    """``agent#<id>`` -> that agent; ``team#<t>`` and ``supervisors#<t>`` -> the team (kefu.store.sla's feeds)."""
    kind, _, name = (recipient or "").partition("#")
    if not name:
        return None
    if kind == "agent":
        return agent_audience(name)
    if kind in ("team", "supervisors"):
        return team_audience(name)
    return None


class Tickets:
    """Who holds each ticket the messages and typing of a batch of stream records belong to, read in one
    BatchGetItem for the whole batch (at the first record that needs one) instead of a GetItem per record.
    A read that fails fails the record that needed it (partial batch response) and is tried again at the
    next one. The holder is the one stored when the batch's first lookup runs, which is what a lookup per
    record read too, a few milliseconds apart."""

    def __init__(self, store: Store, records: list[tuple[str, dict[str, Any] | None]]) -> None:
        self._store = store
        self._wanted = list(dict.fromkeys(ticket_id for name, new in records for ticket_id in _looked_up(name, new)))
        self._holders: dict[str, tuple[str | None, str | None] | None] | None = None

    def __call__(self, ticket_id: str) -> tuple[str | None, str | None] | None:
        if self._holders is None:
            reads = [self._store.tickets.ticket_read(wanted) for wanted in self._wanted]
            found = self._store.table.read(reads) if reads else []
            self._holders = {
                wanted: (ticket.assignee, ticket.team) if ticket else None
                for wanted, ticket in zip(self._wanted, found, strict=True)
            }
        if ticket_id not in self._holders:  # not among the batch's records (a caller's own lookup): read it
            ticket = self._store.tickets.find(ticket_id)
            self._holders[ticket_id] = (ticket.assignee, ticket.team) if ticket else None
        return self._holders[ticket_id]


def _looked_up(event_name: str, new: dict[str, Any] | None) -> list[str]:
    """The tickets ``pushes_for`` looks up for one record (asked of it, so the two cannot disagree)."""
    asked: list[str] = []

    def lookup(ticket_id: str) -> None:
        asked.append(ticket_id)

    pushes_for(event_name, new, None, lookup)
    return asked


class Gone(Exception):
    """The connection is closed (the Management API answered 410)."""


Sender = Callable[[str, bytes], None]  # connection id, data; raises Gone


@dataclass
class Delivery:
    sent: int = 0
    gone: int = 0


class DeliveryFailed(Exception):
    """Some connections could not be sent to (not gone: throttled, an error of the service)."""


class Recipients:
    """The connections of each audience, read once for a batch of stream records.

    A batch's records mostly go to the same few audiences (a message and its ticket's change: the ticket's team,
    ``unrouted``, the ``floor``), and an audience with nobody connected still costs a Query. One of these per
    invocation reads each audience once; a connection found gone is deleted and left out of the rest of the
    batch. A connection opened while the batch runs may miss its later pushes, as it misses the earlier ones:
    the app reads the current state when its connection opens."""

    def __init__(self, store: Store, *, now: float | None = None) -> None:
        self._connections = ConnectionRepository(store.table)
        self._at = int(time.time() if now is None else now)
        self._members: dict[str, list[str]] = {}
        self._gone: set[str] = set()

    def of(self, audience: str) -> list[str]:
        if audience not in self._members:
            self._members[audience] = self._connections.of(audience, now=self._at)
        return [connection_id for connection_id in self._members[audience] if connection_id not in self._gone]

    def gone(self, connection_id: str) -> None:
        if connection_id not in self._gone:
            self._gone.add(connection_id)
            self._connections.remove(connection_id)


def deliver(
    store: Store, push: Push, send: Sender, *, now: float | None = None, recipients: Recipients | None = None
) -> Delivery:
    """Sends the push to every connection of its audiences, each once; connections found gone are deleted.
    When others fail, the rest are still sent to and then ``DeliveryFailed`` is raised, so the stream record is
    retried (a repeated push only makes the app refetch once more). ``recipients`` is the batch's (see
    ``Recipients``); without one, the audiences are read for this push alone."""
    directory = recipients or Recipients(store, now=now)
    seen: set[str] = set()
    result = Delivery()
    failed: list[Exception] = []
    body = push.body()
    for audience in push.audiences:
        for connection_id in directory.of(audience):
            if connection_id in seen:
                continue
            seen.add(connection_id)
            try:
                send(connection_id, body)
                result.sent += 1
            except Gone:
                directory.gone(connection_id)
                result.gone += 1
            except Exception as error:  # every other connection still gets the push first
                failed.append(error)
    if failed:
        raise DeliveryFailed(f"{len(failed)} of {len(seen)} connections failed: {failed[0]!r}") from failed[0]
    return result


def management_endpoint(realtime_url: str) -> str:
    """The API Gateway Management API's endpoint of a WebSocket stage (wss://host/stage -> https://host/stage)."""
    if realtime_url.startswith("wss://"):
        return "https://" + realtime_url.removeprefix("wss://")
    if realtime_url.startswith("ws://"):
        return "http://" + realtime_url.removeprefix("ws://")
    return realtime_url
