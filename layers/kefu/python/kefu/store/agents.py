"""Agent profiles as Kefu keeps them (identity and roles come from Cognito), and the list of all agents
(pattern 14)."""

from __future__ import annotations

from kefu.models import Agent
from kefu.store import keys
from kefu.store.table import Table, model_item, to_av


class AgentRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put(self, agent: Agent) -> None:
        list_keys = keys.agent_list_keys((agent.email or agent.id).lower())
        self.table.put(model_item(agent, "agent", keys.agent(agent.id), **list_keys))

    def find(self, agent_id: str) -> Agent | None:
        item = self.table.get(keys.agent(agent_id), consistent=False)
        return Agent.model_validate(item) if item else None

    def all(self) -> list[Agent]:
        index = keys.BY_STATUS
        return [
            Agent.model_validate(item)
            for item in self.table.query(
                IndexName=index.name,
                KeyConditionExpression=f"{index.partition} = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.ALL_AGENTS}),
            )
        ]

    def set_presence(self, agent_id: str, presence: str, updated_at: str) -> bool:
        """False when there is no such agent."""
        return self.table.update(
            keys.agent(agent_id),
            "SET presence = :p, updated_at = :u",
            condition="attribute_exists(PK)",
            values={":p": presence, ":u": updated_at},
        )
