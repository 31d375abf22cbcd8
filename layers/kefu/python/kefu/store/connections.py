"""WebSocket connections of the agent app (patterns 60 and 61 of kefu/store/keys.py).

A connection joins audiences: its agent (``agent#<id>``), each of the agent's teams (``team#<id>``), the tickets no
team holds yet (``unrouted``) and, for supervisors and admins, the ``floor``. A push reads the partition of each
recipient audience (one Query each), never all connections. Every item expires with the connection (API Gateway
closes a WebSocket after two hours), so a connection whose $disconnect never ran is gone by TTL.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.store import keys
from kefu.store.table import Table, Transaction, to_av

# API Gateway ends a WebSocket connection after 2 hours; the items outlive it by a little.
CONNECTION_TTL_SECONDS = 2 * 3600 + 300
UNROUTED = "unrouted"
FLOOR = "floor"
CONNECTION_ENTITY = "ws_connection"
MEMBER_ENTITY = "ws_member"
# one transaction holds the connection and its audiences (DynamoDB takes at most 100 writes)
MAX_AUDIENCES = 50


def agent_audience(agent_id: str) -> str:
    return f"agent#{agent_id}"


def team_audience(team_id: str) -> str:
    return f"team#{team_id}"


@dataclass(frozen=True)
class Connection:
    connection_id: str
    agent_id: str
    audiences: tuple[str, ...]


class ConnectionRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, connection: Connection, *, connected_at: str, expires_at: int) -> None:
        if len(connection.audiences) > MAX_AUDIENCES:
            raise ValueError(f"a connection joins at most {MAX_AUDIENCES} audiences")
        tx = Transaction()
        tx.put(
            {
                **keys.ws_connection(connection.connection_id).as_dict(),
                keys.ENTITY: CONNECTION_ENTITY,
                "agent_id": connection.agent_id,
                "audiences": list(connection.audiences),
                "connected_at": connected_at,
                keys.TTL_ATTRIBUTE: expires_at,
            }
        )
        for audience in connection.audiences:
            tx.put(
                {
                    **keys.ws_audience_member(audience, connection.connection_id).as_dict(),
                    keys.ENTITY: MEMBER_ENTITY,
                    "agent_id": connection.agent_id,
                    keys.TTL_ATTRIBUTE: expires_at,
                }
            )
        self.table.commit(tx)

    def find(self, connection_id: str) -> Connection | None:
        item = self.table.get(keys.ws_connection(connection_id))
        if item is None:
            return None
        return Connection(connection_id, str(item.get("agent_id", "")), tuple(item.get("audiences") or ()))

    def remove(self, connection_id: str) -> bool:
        """The connection and its audience entries gone; False when it was not stored (gone already)."""
        connection = self.find(connection_id)
        if connection is None:
            return False
        tx = Transaction()
        for audience in connection.audiences:
            tx.delete(keys.ws_audience_member(audience, connection_id))
        tx.delete(keys.ws_connection(connection_id))
        self.table.commit(tx)
        return True

    def of(self, audience: str, *, now: int) -> list[str]:
        """The connection ids of one audience (pattern 61); entries past their TTL that DynamoDB has not yet
        deleted are left out."""
        return [
            str(item[keys.SK])
            for item in self.table.query(
                KeyConditionExpression=f"{keys.PK} = :pk",
                FilterExpression=f"{keys.TTL_ATTRIBUTE} > :now",
                ExpressionAttributeValues=to_av({":pk": keys.ws_audience_partition(audience), ":now": now}),
                ProjectionExpression=f"{keys.SK}",
            )
        ]
