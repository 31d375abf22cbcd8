"""The calling agent's own profile and presence."""

from __future__ import annotations

from kefu.auth import Caller
from kefu.clock import now_iso
from kefu.errors import InvalidInput, NotFound
from kefu.models import Agent
from kefu.observability import decided
from kefu.routing.queue import DEFAULT_TEAM, kind_of
from kefu.services import routing
from kefu.store import Store

PRESENCE = ("online", "away", "offline")


def me(store: Store, caller: Caller) -> Agent:
    """The profile Kefu keeps, created on first sight from the verified identity (the name too, so that the
    agent directory names a colleague whom an admin invited, not only the seeded ones)."""
    agent = store.agents.find(caller.id)
    if agent is None:
        agent = Agent(id=caller.id, email=caller.email, name=caller.name, roles=caller.roles, updated_at=now_iso())
        store.agents.put(agent)
    elif sorted(agent.roles) != sorted(caller.roles):
        agent = agent.model_copy(update={"roles": caller.roles})  # Cognito groups are the truth for roles
    return agent


def set_presence(store: Store, caller: Caller, status: str) -> Agent:
    if status not in PRESENCE:
        raise InvalidInput(f"status must be one of {', '.join(PRESENCE)}")
    agent = me(store, caller)
    stamp = now_iso()
    if not store.agents.set_presence(caller.id, status, stamp):
        raise NotFound(f"agent '{caller.id}' not found")
    # routing sees the same presence; an agent coming online takes what waits in their teams at once (online
    # again while online is the heartbeat: no decision, or the heartbeat would be a periodic sweep)
    if routing.set_presence(store, caller.id, status) is not None:
        if status == "online" and agent.presence != "online":
            routing.assign_waiting(store, caller.id)
        elif status == "offline":  # gone: the customers waiting on this agent go back to the queue
            for ticket in routing.return_to_queue(store, caller.id, "assignee_offline"):
                routing.assign_next(store, ticket.team or DEFAULT_TEAM, kind_of(ticket.channel))
    decided("presence", status, agent_id=caller.id)
    return agent.model_copy(update={"presence": status, "updated_at": stamp})
